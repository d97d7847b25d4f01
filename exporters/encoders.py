"""Push-style encoders: one record in, its bytes out, so one pass can feed every format.

Every format has an encoder with three methods:

- ``start() -> bytes``: what comes before the first record (header, declaration, ``[``);
- ``add(record) -> bytes``: the bytes of one record (may be ``b""`` while a format buffers,
  as the CSV ZIP does with its compressor);
- ``finish() -> bytes``: what comes after the last record.

``stream(encoder, records)`` turns an encoder into the generator of chunks the formats'
``write`` functions return (HTTP responses, single files). A dump instead calls ``add``
of several encoders with each record it reads, so the records are read and decoded once
for all files (qingdan_api.services.dumps). Encoders check their options when they are
built, so a bad option fails before any byte is produced.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Protocol

CHUNK_SIZE = 64 * 1024  # bytes per yielded chunk: one record or many, never the whole file


class Encoder(Protocol):
    def start(self) -> bytes: ...

    def add(self, record: Mapping) -> bytes: ...

    def finish(self) -> bytes: ...


def stream(
    encoder: Encoder, records: Iterable[Mapping], chunk_size: int = CHUNK_SIZE
) -> Iterator[bytes]:
    """The encoder's output: its first bytes at once, then chunks of about `chunk_size`.

    The first non-empty output (a header, a declaration, ``[``, or else the first record)
    is yielded alone, so that a streamed download starts before more records are read;
    after it, memory holds one chunk: a chunk is yielded as soon as it reaches
    `chunk_size`.
    """
    pending = [encoder.start()]
    size = len(pending[0])
    first = size == 0  # nothing out yet: the first record's bytes go out alone
    if not first:
        yield pending[0]
        pending, size = [], 0
    for record in records:
        data = encoder.add(record)
        if data:
            pending.append(data)
            size += len(data)
            if first or size >= chunk_size:
                first = False
                yield b"".join(pending)
                pending, size = [], 0
    pending.append(encoder.finish())
    yield b"".join(pending)


# Bump when a change to the writers changes the bytes of a record's output: fragments
# rendered by an older version are then stale (qingdan_api.services.fragments).
RENDER_VERSION = 1


class Prerendered(dict):
    """A record carrying parts of its output rendered earlier, once per version.

    `fragments` maps a part name to its text, or is None: "csv_row" (the main table's
    line without its url cell and line end), "csv_children" (a list: the lines of each
    child table in the schema's order), "xml" (the children of ``<item>``). Encoders
    splice a part when it is there and render the record otherwise; fragments are
    rendered with the default options (formula guard on), so encoders with other options
    ignore them. A record whose parts are all present may hold only ``@id`` and the key.
    """

    __slots__ = ("fragments",)

    def __init__(self, *args: object, fragments: Mapping | None = None, **kwargs: object):
        super().__init__(*args, **kwargs)
        self.fragments = fragments


def fragment(record: Mapping, part: str) -> object | None:
    """The pre-rendered `part` of a record, or None."""
    fragments = getattr(record, "fragments", None)
    return fragments.get(part) if fragments else None
