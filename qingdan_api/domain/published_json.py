"""The JSON bytes of a published version, rendered once when it is published.

A published version never changes, so its public JSON (the API's item resource) and its
listing summary are rendered at publish time and stored beside the record; reads splice
these bytes into responses instead of decoding the record and encoding it again.

The stored form is the exact body the item schema (api/schemas.py, built from
domain/fields.py) and Flask's compact JSON would produce, except that every `@id` lacks
the API root: `"@id":"/items/CODE"`, `"@id":"/units/CREDIT_CODE"`. The root (scheme, host,
prefix) belongs to the request, and `with_root` puts it in with one bytes replace. That
replace is exact: inside a JSON string every `"` is escaped, so the bytes `"@id":"` occur
only where a key named `@id` does, and only links have that key.

Field order, which members are kept and how scalars are coerced follow the marshmallow
schema, so the bytes equal what the schema would dump (tests/services/test_published_json.py
checks every published version of a varied instance against the schema). The harvest
source label is not stored: it can be renamed, so responses append it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import orjson
from marshmallow import fields as ma

from .fields import ITEM_FIELDS, UNIT_REF, VERSION_FIELDS, Field

ID_KEY = b'"@id":"'
# What the listings show of each item (api/items.py SUMMARY_FIELDS, in schema order).
SUMMARY_FIELDS = (
    "code",
    "name",
    "sub_item_name",
    "category",
    "level",
    "unit",
    "disposition",
    "version",
    "published_at",
)
_ALL_FIELDS = ITEM_FIELDS + VERSION_FIELDS
_SUMMARY_SPECS = tuple(f for f in _ALL_FIELDS if f.name in SUMMARY_FIELDS)
_SCALAR_FIELDS = {
    "string": ma.String(),
    "date": ma.String(),
    "datetime": ma.String(),
    "integer": ma.Integer(),
    "boolean": ma.Boolean(),
}
_SEGMENT_SAFE = "!$&'()*+,/:;=@"  # werkzeug.routing.BaseConverter.to_url
_EXACT = {"string": str, "date": str, "datetime": str, "integer": int, "boolean": bool}


@dataclass(frozen=True)
class PublishedJson:
    """The stored bytes of one published version: the full resource and its summary."""

    full: bytes
    summary: bytes


def _segment(value: str) -> str:
    # Quoted as werkzeug's URL converters quote a path segment, so the URL is url_for's.
    if value.isascii() and value.isalnum():
        return value
    return quote(value, safe=_SEGMENT_SAFE)


def item_path(code: str) -> str:
    """The item's URL below the API root: `/items/CODE`."""
    return "/items/" + _segment(code)


def unit_path(credit_code: str) -> str:
    """The unit's URL below the API root: `/units/CREDIT_CODE`."""
    return "/units/" + _segment(credit_code)


def _scalar(spec_type: str, value: Any) -> Any:
    # Valid records hold the right types (the fast path); anything else is coerced the way
    # the marshmallow field would dump it, so the stored bytes never differ from the schema.
    if value is None or type(value) is _EXACT[spec_type]:
        return value
    return _SCALAR_FIELDS[spec_type]._serialize(value, None, None)


def _member(spec: Field, value: Any, *, linked_unit: bool = False) -> Any:
    if value is None:
        return None
    if spec.type == "object":
        return _object(spec.items, value, linked_unit=linked_unit and spec.items is UNIT_REF)
    if spec.type == "array":
        if spec.items:
            return [None if v is None else _object(spec.items, v) for v in value]
        return [None if v is None else (v if type(v) is str else str(v)) for v in value]
    return _scalar(spec.type, value)


def _object(members: tuple[Field, ...], value: Any, *, linked_unit: bool = False) -> dict:
    # A nested schema reads keys of a mapping; anything else has none of its fields. An
    # `@id` that a (harvested) record carries itself is not kept: links are ours alone.
    source = value if isinstance(value, dict) else {}
    out: dict[str, Any] = {}
    if linked_unit and "credit_code" in source:
        out["@id"] = unit_path(str(source["credit_code"]))
    for member in members:
        if member.name in source:
            out[member.name] = _member(member, source[member.name])
    return out


def resource(
    record: dict[str, Any],
    *,
    number: int,
    published_at: datetime | None,
    release_id: int | None,
    content_hash: str,
) -> dict[str, Any]:
    """The item resource of a published version as the schema dumps it, `@id`s relative."""
    public = {
        **record,
        "version": number,
        "published_at": published_at.isoformat() if published_at else None,
        "release_id": release_id,
        "content_hash": content_hash,
    }
    out: dict[str, Any] = {"@id": item_path(record["code"]), "@type": "item"}
    for spec in _ALL_FIELDS:
        if spec.name in public:
            out[spec.name] = _member(spec, public[spec.name], linked_unit=spec.name == "unit")
    return out


def encode(value: Any) -> bytes:
    """Compact UTF-8 JSON, byte for byte what Flask's provider writes for the same value
    (ensure_ascii off, no spaces, insertion order) for everything but floats' exponents.

    orjson refuses integers beyond 64 bits and lone surrogates, which a harvested record
    might hold; those records are written by the json module instead.
    """
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8", "surrogatepass")


def decode(body: bytes) -> Any:
    """The value of stored JSON (the json module reads what orjson cannot)."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body.decode("utf-8", "surrogatepass"))


def render(
    record: dict[str, Any],
    *,
    number: int,
    published_at: datetime | None,
    release_id: int | None,
    content_hash: str,
) -> PublishedJson:
    """The stored bytes of a published version (see the module docstring)."""
    meta = {
        "number": number,
        "published_at": published_at,
        "release_id": release_id,
        "content_hash": content_hash,
    }
    full = resource(record, **meta)
    # The summary's members are the full resource's (null where the record lacks one).
    summary = {"@id": full["@id"], "@type": full["@type"]}
    for spec in _SUMMARY_SPECS:
        summary[spec.name] = full.get(spec.name)
    return PublishedJson(full=encode(full), summary=encode(summary))


def with_root(body: bytes, root: bytes) -> bytes:
    """`body` with the API root (b"http://host/api", no trailing slash) in every `@id`."""
    return body.replace(ID_KEY, ID_KEY + root)
