"""Streamed responses stay streamed: no body measured, buffered or hashed, gzip chunk by chunk.

A response whose body is a generator (the exports, the catalogue export) is produced while
it is sent. Three things in an HTTP layer quietly turn such a response back into one
buffer, and each one held a whole 500 MB export in memory before the first byte left:

- werkzeug's `make_conditional` sets Content-Length from `calculate_content_length()`,
  which joins a generator into a list when `implicit_sequence_conversion` is on;
- `add_etag()` and `get_data()` read the whole body to hash or compress it;
- a HEAD request runs the same hooks, so it built the body it then threw away.

`prepare` turns implicit sequence conversion off on every streamed response, so any code
that tries to measure or read the body raises instead of buffering it; the conditional
check then uses only the ETag / Last-Modified that the view set from cheap metadata (an
export's change-feed position). `gzip_stream` compresses with one zlib stream per
response and flushes every chunk (Z_SYNC_FLUSH), so the client's bytes never wait for
zlib's internal buffer and memory stays at one chunk plus zlib's window.

HEAD: werkzeug answers HEAD (and 304) with an empty iterable and closes the body
generator without starting it, so a HEAD runs only what the headers need.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

from flask import Response, request

# zlib level 6, as gzip.compress's default trade-off; wbits 16 + 15 = a gzip container.
GZIP_LEVEL = 6
GZIP_WBITS = 16 + zlib.MAX_WBITS
# The OpenAPI extension on every operation whose 200 is streamed: `@blp.doc(**STREAMED)`.
# tests/api/test_streaming.py holds every route of the URL map to it, both ways.
STREAMED = {"x-streamed": True}
# Fewer, larger writes than one per record; small enough to keep memory flat.
CHUNK_BYTES = 64 * 1024


def prepare(response: Response) -> None:
    """Make a streamed `response` refuse to be buffered, then answer If-None-Match etc.

    After this, `response.get_data()` and `calculate_content_length()` raise
    RuntimeError (werkzeug) instead of consuming the generator. The conditional check
    uses the response's own ETag and Last-Modified headers; a streamed response without
    either is simply never a 304.
    """
    response.implicit_sequence_conversion = False
    response.make_conditional(request)  # no Content-Length: the body is not a sequence


def gzip_response(response: Response) -> None:
    """Replace a streamed body by its gzip stream and say so in Content-Encoding."""
    response.response = gzip_stream(response.response)
    response.headers["Content-Encoding"] = "gzip"


def coalesce(chunks: Iterable[bytes | str], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The same bytes in fewer writes: the first chunk at once, then chunks of >= `size`.

    The first chunk goes out alone so that the headers and the first byte leave as soon
    as the body starts; after it, a chunk per record would cost a write (and a chunked
    frame) per record. `str` chunks are encoded as UTF-8. The source is closed at the end,
    also when the consumer stops early.
    """
    buffer: list[bytes] = []
    held = 0
    first = True
    try:
        for chunk in chunks:
            data = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
            if not data:
                continue
            if first:
                first = False
                yield data
                continue
            buffer.append(data)
            held += len(data)
            if held >= size:
                yield b"".join(buffer)
                buffer, held = [], 0
        if buffer:
            yield b"".join(buffer)
    finally:
        _close(chunks)


def gzip_stream(chunks: Iterable[bytes | str]) -> Iterator[bytes]:
    """gzip of the concatenated `chunks`, written as they come (see `coalesce`).

    Each coalesced chunk is flushed with Z_SYNC_FLUSH, so its bytes are decodable as soon
    as they arrive (the first chunk is the first byte on the wire); the compressor keeps
    its 32 KiB window across chunks, so the ratio stays close to a one-shot gzip.
    """
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, GZIP_WBITS)
    source = coalesce(chunks)
    try:
        for data in source:
            yield compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)
        yield compressor.flush()
    finally:
        source.close()


def _close(chunks: Iterable) -> None:
    close = getattr(chunks, "close", None)
    if close is not None:
        close()
