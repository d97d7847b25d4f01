"""Published records for exports and dumps, streamed over keyset pages in constant memory.

The read path is built for whole lists: one Core SELECT of the six columns a record needs
(no ORM objects, no identity map), the stored record fetched as JSON text and decoded
with orjson (the standard library's decoder was a third of an export's time), and URLs
made by string formatting from the API root rather than by routing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from sqlalchemy import Select, Text, cast, type_coerce
from sqlalchemy.orm import Session

from ..models import ItemVersion
from .catalog import ItemFilters, filtered
from .errors import NotFound
from .unit_lookup import find_unit

DEFAULT_PAGE_SIZE = 1000


def _record_text(dialect: str):
    """The stored record as JSON text: SQLite keeps it as text, PostgreSQL's jsonb casts."""
    if dialect == "postgresql":
        return cast(ItemVersion.record, Text).label("record")
    return type_coerce(ItemVersion.record, Text).label("record")


def export_query(session: Session, filters: ItemFilters) -> Select:
    """The SELECT of the records to export; raises InvalidArgument for a bad filter.

    Call it before streaming starts, so a bad parameter is an error response, not a
    half-written file. Its rows are (code, record JSON text, number, published_at,
    release_id, content_hash), for `linked_record`.
    """
    return filtered(session, filters).with_only_columns(
        ItemVersion.code,
        _record_text(session.get_bind().dialect.name),
        ItemVersion.number,
        ItemVersion.published_at,
        ItemVersion.release_id,
        ItemVersion.content_hash,
    )


def linked_record(row: Any, api_root: str) -> dict[str, Any]:
    """The public record with its links: the same dict as the API's item resource.

    `row` is a row of `export_query`; `api_root` is the absolute URL of the API root
    without a trailing slash (dumps have no request to build URLs from, so the layout of
    item and unit URLs is spelled out). Key order: @id, @type, the record's keys, then
    version, published_at, release_id, content_hash (services.records.public_record).
    """
    code, text, number, published_at, release_id, content_hash = row
    record = {"@id": f"{api_root}/items/{code}", "@type": "item", **orjson.loads(text)}
    unit = record.get("unit")
    if isinstance(unit, dict):
        record["unit"] = {**unit, "@id": f"{api_root}/units/{unit['credit_code']}"}
    record["version"] = number
    record["published_at"] = published_at.isoformat() if published_at else None
    record["release_id"] = release_id
    record["content_hash"] = content_hash
    return record


def iter_records(
    session: Session, query: Select, api_root: str, page_size: int = DEFAULT_PAGE_SIZE
) -> Iterator[dict[str, Any]]:
    """Every row of `query` as a linked record, ordered by code, fetched page by page.

    `WHERE code > :last ORDER BY code LIMIT n` on the (public_status, …, code) indexes:
    each page costs the same, and only one page is in memory at a time. The statement
    runs on the session's connection, as Core: rows are tuples, never ORM objects.
    """
    connection = session.connection()
    last: str | None = None
    while True:
        page = query if last is None else query.where(ItemVersion.code > last)
        rows = connection.execute(page.order_by(ItemVersion.code).limit(page_size)).all()
        for row in rows:
            yield linked_record(row, api_root)
        if len(rows) < page_size:
            return
        last = rows[-1][0]


def require_unit(session: Session, credit_code: str) -> None:
    if find_unit(session, credit_code) is None:
        raise NotFound(f"no unit with credit code {credit_code}")
