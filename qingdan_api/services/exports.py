"""Published records for exports and dumps, streamed over keyset pages in constant memory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Row, Select
from sqlalchemy.orm import Session

from ..models import ItemVersion
from .catalog import ItemFilters, filtered
from .errors import NotFound
from .records import public_record
from .unit_lookup import find_unit

DEFAULT_PAGE_SIZE = 1000

# Only what a public record needs: no ORM objects, no identity map, nothing that grows.
RECORD_COLUMNS = (
    ItemVersion.code,
    ItemVersion.record,
    ItemVersion.number,
    ItemVersion.published_at,
    ItemVersion.release_id,
    ItemVersion.content_hash,
)


def export_query(session: Session, filters: ItemFilters) -> Select:
    """The SELECT of the records to export; raises InvalidArgument for a bad filter.

    Call it before streaming starts, so a bad parameter is an error response, not a
    half-written file.
    """
    return filtered(filters).with_only_columns(*RECORD_COLUMNS)


def linked_record(row: Row | ItemVersion, api_root: str) -> dict[str, Any]:
    """The public record with its links: the same dict as the API's item resource.

    `api_root` is the absolute URL of the API root without a trailing slash; dumps have
    no request to build URLs from, so the layout of item and unit URLs is spelled out.
    """
    record = public_record(row)  # type: ignore[arg-type]  (a Row has the same attributes)
    unit = record.get("unit")
    if isinstance(unit, dict):
        record["unit"] = {**unit, "@id": f"{api_root}/units/{unit['credit_code']}"}
    return {"@id": f"{api_root}/items/{row.code}", "@type": "item", **record}


def iter_records(
    session: Session, query: Select, api_root: str, page_size: int = DEFAULT_PAGE_SIZE
) -> Iterator[dict[str, Any]]:
    """Every row of `query` as a linked record, ordered by code, fetched page by page.

    `WHERE code > :last ORDER BY code LIMIT n` on the (public_status, …, code) indexes:
    each page costs the same, and only one page is in memory at a time.
    """
    last: str | None = None
    while True:
        page = query if last is None else query.where(ItemVersion.code > last)
        rows = session.execute(page.order_by(ItemVersion.code).limit(page_size)).all()
        for row in rows:
            yield linked_record(row, api_root)
        if len(rows) < page_size:
            return
        last = rows[-1].code


def require_unit(session: Session, credit_code: str) -> None:
    if find_unit(session, credit_code) is None:
        raise NotFound(f"no unit with credit code {credit_code}")
