"""JSON answers assembled from stored bytes instead of dumping and encoding every item.

Items come as the bytes rendered when they were published (domain/published_json.py):
the API root goes into their `@id`s, the harvest source label is appended, and a
listing's envelope (`@id`, totals, batching, facets) is dumped by its schema with an
empty `items`, into which the items are spliced. The result is the body the schema and
Flask's JSON provider would make (tests/api/test_spliced.py compares them), without
decoding a record or building a dict per item.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, current_app, g
from marshmallow import Schema

from ..domain.fields import ITEM_FIELDS, VERSION_FIELDS
from ..domain.published_json import decode, encode, with_root
from .links import api_root
from .schemas import SourceRefSchema
from .sources import source_label

EMPTY_ITEMS = b'"items":[]'
SCHEMA_ORDER = tuple(f.name for f in ITEM_FIELDS + VERSION_FIELDS)
_SOURCE_SCHEMA = SourceRefSchema()


def json_response(body: bytes) -> Response:
    """A 200 JSON response with `body` as is (plus the newline Flask's provider ends with)."""
    return current_app.response_class(body + b"\n", mimetype=current_app.json.mimetype)


def _source_bytes(source_id: int) -> bytes:
    cache = g.setdefault("qingdan_source_bytes", {})
    if source_id not in cache:
        label = source_label(source_id)
        cache[source_id] = encode(None if label is None else _SOURCE_SCHEMA.dump(label))
    return cache[source_id]


def _with_source(body: bytes, source_id: int | None) -> bytes:
    # `source` is the item schema's last field, so it goes last.
    if source_id is None:
        return body
    return body[:-1] + b',"source":' + _source_bytes(source_id) + b"}"


def item_bytes(stored: bytes, source_id: int | None, root: bytes | None = None) -> bytes:
    """A stored item resource (or summary) with absolute links and its source label.

    `root`: `root_bytes()`, when the caller has it at hand for many items.
    """
    return _with_source(with_root(stored, root or root_bytes()), source_id)


def chosen_bytes(stored: bytes, source_id: int | None, chosen: tuple[str, ...]) -> bytes:
    """The `?fields=` form of a stored item: those fields, in schema order, null if absent."""
    full = decode(with_root(stored, root_bytes()))
    wanted = set(chosen)
    picked: dict[str, Any] = {"@id": full["@id"], "@type": full["@type"]}
    for name in SCHEMA_ORDER:
        if name in wanted:
            picked[name] = full.get(name)
    return _with_source(encode(picked), source_id)


def with_extra(item: bytes, extra: bytes) -> bytes:
    """`item` with `extra` (b',"key":value…') added as its last members."""
    return item[:-1] + extra + b"}"


def float_bytes(value: float) -> bytes:
    """A float as Flask's provider (the json module) writes it: 1e-07, not orjson's 1e-7."""
    return json.dumps(float(value)).encode()


def listing_body(schema: Schema, envelope: dict[str, Any], items: list[bytes]) -> bytes:
    """`envelope` dumped by `schema`, with `items` (each one JSON object) as its items."""
    dumped = encode(schema.dump({**envelope, "items": []}))
    return dumped.replace(EMPTY_ITEMS, b'"items":[' + b",".join(items) + b"]", 1)


def root_bytes() -> bytes:
    """`api_root()` as bytes, once per request."""
    if "qingdan_root_bytes" not in g:
        g.qingdan_root_bytes = api_root().encode()
    return g.qingdan_root_bytes
