"""JSON (one array) and NDJSON (one record per line) writers of the full nested records.

Records pass through unchanged, unknown keys and ``@id``/``@type`` included. Non-ASCII is
written as UTF-8. A lone surrogate cannot be encoded in UTF-8, so it is written as a
``\\uXXXX`` escape: the file stays valid UTF-8 and ``json.loads`` gives the string back.

Rendering is orjson's (about ten times the standard library's speed); its output is the
bytes ``json.dumps(record, ensure_ascii=False, separators=(",", ":"))`` gives for every
record of the domain (strings, integers, booleans, null, objects, arrays; a test checks
it on arbitrary text). What orjson refuses (lone surrogates, integers beyond 64 bits,
non-string keys) goes through the standard library, with the same result as before.
Records hold no floats; orjson would write ``1e-05`` as ``0.00001``, the same number.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping

import orjson

from exporters.encoders import stream
from exporters.schema import RecordSchema

JSON_MEDIA_TYPE = "application/json"
NDJSON_MEDIA_TYPE = "application/x-ndjson"

_SURROGATE = re.compile("[\ud800-\udfff]")
# Dates and datetimes go to _default, so they keep isoformat()'s form.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME

Render = Callable[[Mapping], bytes]


def _default(value: object) -> object:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot export {type(value).__name__} as JSON")


def _stdlib_dumps(record: Mapping) -> bytes:
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=_default)
    # Surrogates only occur inside string literals, where \uXXXX is their exact escape.
    text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text.encode("utf-8")


def dumps(record: Mapping) -> bytes:
    """One record as compact UTF-8 JSON; TypeError for a value JSON cannot hold."""
    try:
        return orjson.dumps(record, default=_default, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError: see the module docstring
        return _stdlib_dumps(record)


class JsonEncoder:
    """A JSON array, one record per line. `render` may be shared with an NDJSON encoder."""

    def __init__(self, render: Render = dumps) -> None:
        self._render = render
        self._first = True

    def start(self) -> bytes:
        return b"["

    def add(self, record: Mapping) -> bytes:
        if self._first:
            self._first = False
            return b"\n" + self._render(record)
        return b",\n" + self._render(record)

    def finish(self) -> bytes:
        return b"]\n" if self._first else b"\n]\n"


class NdjsonEncoder:
    """Newline-delimited JSON: one record per line."""

    def __init__(self, render: Render = dumps) -> None:
        self._render = render

    def start(self) -> bytes:
        return b""

    def add(self, record: Mapping) -> bytes:
        return self._render(record) + b"\n"

    def finish(self) -> bytes:
        return b""


def json_encoder(*, schema: RecordSchema | None = None, render: Render = dumps) -> JsonEncoder:
    return JsonEncoder(render)


def ndjson_encoder(*, schema: RecordSchema | None = None, render: Render = dumps) -> NdjsonEncoder:
    return NdjsonEncoder(render)


def write_json(
    records: Iterable[Mapping], *, schema: RecordSchema | None = None
) -> Iterator[bytes]:
    """A JSON array, one record per line, in chunks of about 64 KiB."""
    return stream(JsonEncoder(), records)


def write_ndjson(
    records: Iterable[Mapping], *, schema: RecordSchema | None = None
) -> Iterator[bytes]:
    """Newline-delimited JSON: one record per line, in chunks of about 64 KiB."""
    return stream(NdjsonEncoder(), records)
