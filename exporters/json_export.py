"""JSON (one array) and NDJSON (one record per line) writers of the full nested records.

Records pass through unchanged, unknown keys and ``@id``/``@type`` included. Non-ASCII is
written as UTF-8. A lone surrogate cannot be encoded in UTF-8, so it is written as a
``\\uXXXX`` escape: the file stays valid UTF-8 and ``json.loads`` gives the string back.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Mapping

from exporters.schema import RecordSchema

JSON_MEDIA_TYPE = "application/json"
NDJSON_MEDIA_TYPE = "application/x-ndjson"

_SURROGATE = re.compile("[\ud800-\udfff]")


def _default(value: object) -> object:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot export {type(value).__name__} as JSON")


def dumps(record: Mapping) -> bytes:
    """One record as compact UTF-8 JSON."""
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=_default)
    # Surrogates only occur inside string literals, where \uXXXX is their exact escape.
    text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text.encode("utf-8")


def write_json(
    records: Iterable[Mapping], *, schema: RecordSchema | None = None
) -> Iterator[bytes]:
    """A JSON array, one record per line, written record by record."""
    first = True
    yield b"["
    for record in records:
        yield (b"\n" if first else b",\n") + dumps(record)
        first = False
    yield b"\n]\n" if not first else b"]\n"


def write_ndjson(
    records: Iterable[Mapping], *, schema: RecordSchema | None = None
) -> Iterator[bytes]:
    """Newline-delimited JSON: one record per line."""
    for record in records:
        yield dumps(record) + b"\n"
