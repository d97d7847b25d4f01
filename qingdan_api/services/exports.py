"""Published records for exports and dumps, streamed over keyset pages in constant memory.

The read path is built for whole lists: one Core SELECT of the columns a format needs (no
ORM objects, no identity map), the stored record fetched as JSON text and decoded with
orjson (the standard library's decoder was a third of an export's time), URLs made by
string formatting from the API root rather than by routing, and the pre-rendered CSV and
XML of each version (services.fragments) joined in, so that a CSV or XML export neither
decodes nor renders a record that has its fragment.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Select, Text, cast, null, select, type_coerce
from sqlalchemy.orm import Session

from exporters.encoders import Prerendered

from ..models import ExportCsvRow, ExportFragment, ItemVersion
from .catalog import ItemFilters, filtered
from .errors import NotFound
from .fragments import CSV_ROW, PARTS, part_column, valid_csv_row, valid_fragment
from .unit_lookup import find_unit

DEFAULT_PAGE_SIZE = 1000
# The first page is small, so the first records (and a streamed response's first byte)
# go out after a few milliseconds instead of after a whole page is read and decoded.
FIRST_PAGE_SIZE = 50
# The fragments each format splices (with its default options).
FORMAT_PARTS = {
    "csv": ("csv_row",),
    "csv-zip": ("csv_row", "csv_children"),
    "xml": ("xml",),
    "json": (),
    "ndjson": (),
}


def reading_plan(formats: Sequence[str], options: dict[str, Any]) -> tuple[tuple[str, ...], bool]:
    """(fragment parts, records needed) for writing `formats` with exporter `options`.

    Fragments are rendered with the default options: a formula guard turned off needs
    the records. A CSV child table splices "csv_children" instead of "csv_row".
    """
    parts: list[str] = []
    records = options.get("formula_guard", True) is False
    for name in formats:
        wanted = FORMAT_PARTS[name]
        if name == "csv" and options.get("table"):
            wanted = ("csv_children",)
        records = records or not wanted
        parts += [part for part in wanted if part not in parts]
    return tuple(parts), records


def record_text(dialect: str):
    """The stored record as JSON text: SQLite keeps it as text, PostgreSQL's jsonb casts."""
    if dialect == "postgresql":
        return cast(ItemVersion.record, Text).label("record")
    return type_coerce(ItemVersion.record, Text).label("record")


@dataclass(frozen=True)
class ExportQuery:
    """What to read: the SELECT, the fragment parts it joins, and whether it reads records.

    Rows: (id, code, record JSON text or NULL, number, published_at, release_id,
    content_hash, *parts).
    """

    select: Select
    parts: tuple[str, ...] = ()
    records: bool = True


def export_query(
    session: Session,
    filters: ItemFilters,
    parts: Sequence[str] = (),
    records: bool = True,
) -> ExportQuery:
    """The records to export; raises InvalidArgument for a bad filter.

    `parts` names the fragments to join (services.fragments.PARTS); `records=False` skips
    reading the stored records of versions whose fragments are there (the formats asked
    for must then need nothing else: CSV and XML with their default options). Call it
    before streaming starts, so a bad parameter is an error response, not a half-written
    file.
    """
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown fragment parts {sorted(unknown)}")
    dialect = session.get_bind().dialect.name
    query = filtered(filters).with_only_columns(
        ItemVersion.id,
        ItemVersion.code,
        record_text(dialect) if records or not parts else null().label("record"),
        ItemVersion.number,
        ItemVersion.published_at,
        ItemVersion.release_id,
        ItemVersion.content_hash,
        *(part_column(part) for part in parts),
    )
    if CSV_ROW in parts:
        query = query.outerjoin(ExportCsvRow, valid_csv_row())
    if set(parts) - {CSV_ROW}:
        query = query.outerjoin(ExportFragment, valid_fragment())
    return ExportQuery(query, tuple(parts), records or not parts)


def linked_record(row: Sequence[Any], api_root: str) -> dict[str, Any]:
    """The public record with its links: the same dict as the API's item resource.

    `row` is (code, record JSON text, number, published_at, release_id, content_hash);
    `api_root` is the absolute URL of the API root without a trailing slash (dumps have no
    request to build URLs from, so the layout of item and unit URLs is spelled out). Key
    order: @id, @type, the record's keys, then version, published_at, release_id,
    content_hash (as services.records.public_record).
    """
    code, text, number, published_at, release_id, content_hash = row
    record = Prerendered({"@id": f"{api_root}/items/{code}", "@type": "item"})
    record.update(orjson.loads(text))
    unit = record.get("unit")
    if isinstance(unit, dict):
        record["unit"] = {**unit, "@id": f"{api_root}/units/{unit['credit_code']}"}
    record["version"] = number
    record["published_at"] = published_at.isoformat() if published_at else None
    record["release_id"] = release_id
    record["content_hash"] = content_hash
    return record


def iter_records(
    session: Session, query: ExportQuery, api_root: str, page_size: int = DEFAULT_PAGE_SIZE
) -> Iterator[Prerendered]:
    """Every row of `query` as a linked record with its fragments, ordered by code.

    `WHERE code > :last ORDER BY code LIMIT n` on the (public_status, …, code) indexes:
    each page costs the same, and only one page is in memory at a time. Statements run on
    the session's connection, as Core: rows are tuples, never ORM objects. Without
    records, the records of a page's versions that lack fragments are read in one query.
    The first page holds at most FIRST_PAGE_SIZE rows.
    """
    connection = session.connection()
    code_column = ItemVersion.code
    last: str | None = None
    size = min(page_size, FIRST_PAGE_SIZE)
    while True:
        page = query.select if last is None else query.select.where(code_column > last)
        rows = connection.execute(page.order_by(code_column).limit(size)).all()
        texts: dict[int, str] = {}
        if not query.records:
            missing = [row[0] for row in rows if None in row[7:]]
            if missing:
                dialect = connection.dialect.name
                texts = dict(
                    connection.execute(
                        select(ItemVersion.id, record_text(dialect)).where(
                            ItemVersion.id.in_(missing)
                        )
                    ).all()
                )
        for row in rows:
            yield _record(row, texts, query.parts, api_root)
        if len(rows) < size:
            return
        last = rows[-1][1]
        size = page_size


def _record(
    row: Sequence[Any], texts: dict[int, str], parts: tuple[str, ...], api_root: str
) -> Prerendered:
    version_id, code, text, *version, values = (*row[:7], row[7:])
    fragments = None
    if parts and None not in values:  # all or nothing: a part alone is not spliced
        fragments = dict(zip(parts, values, strict=True))
        if "csv_children" in fragments:
            fragments["csv_children"] = orjson.loads(fragments["csv_children"])
    text = text if text is not None else texts.get(version_id)
    if text is None:  # every part is there: the encoders need the links only
        record = Prerendered({"@id": f"{api_root}/items/{code}", "code": code})
    else:
        record = linked_record((code, text, *version), api_root)
    record.fragments = fragments
    return record


def require_unit(session: Session, credit_code: str) -> None:
    if find_unit(session, credit_code) is None:
        raise NotFound(f"no unit with credit code {credit_code}")
