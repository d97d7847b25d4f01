"""Export fragments: the CSV lines, XML and process key of each published version, rendered once.

A published version never changes (a new publication is a new version), so its CSV and XML
output is the same in every export and every dump: rendering it per export was most of an
export's time. `refresh` renders what is missing, before every dump (and so after every
release, whose dump runs right after it); the export read path (services.exports) splices
the stored text and renders live only what has no valid fragment. A fragment is valid
while its stamp equals STAMP (the writers and the record schema it was rendered with) and
its content hash the version's, so a new release of the software or an edited schema
makes the old ones stale, never wrong. The main CSV line is kept apart, in a narrow table
in code order (ExportCsvRow), because whole-list CSV exports read nothing else. The two
are written and deleted together; an export splices a version's stored parts only when
every part it asks for is there and valid (a CSV-only export joins only ExportCsvRow).
A version's fragments are deleted when it stops being public (`forget`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import orjson
from sqlalchemy import Engine, and_, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from exporters.csv_export import RowFragments
from exporters.encoders import RENDER_VERSION
from exporters.xml_export import item_body

from ..db import WRITE_OPTION, writer_engine
from ..models import ExportCsvRow, ExportFragment, ItemVersion
from .export_schema import record_schema
from .flowcharts import process_key

BATCH = 500
# Fragments never hold the links (@id), which depend on the server's address.
_NO_ROOT = ""


def _stamp() -> str:
    text = f"{RENDER_VERSION}\n{record_schema()!r}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


STAMP = _stamp()
PARTS = ("csv_row", "csv_children", "xml", "process_key")
# The part kept in ExportCsvRow; the others are columns of ExportFragment.
CSV_ROW = "csv_row"
CSV_ROW_KEYS = ("code", "version_id", "stamp", "content_hash", CSV_ROW)
FRAGMENT_KEYS = ("version_id", "stamp", "content_hash", "csv_children", "xml", "process_key")


def valid_fragment():
    """The join condition of a version and its valid fragment (for an outer join)."""
    return and_(
        ExportFragment.version_id == ItemVersion.id,
        ExportFragment.stamp == STAMP,
        ExportFragment.content_hash == ItemVersion.content_hash,
    )


def valid_csv_row():
    """The join condition of a version and its valid main CSV line (for an outer join):
    by (code, version_id), the table's key, so pages in code order read it in order."""
    return and_(
        ExportCsvRow.code == ItemVersion.code,
        ExportCsvRow.version_id == ItemVersion.id,
        ExportCsvRow.stamp == STAMP,
        ExportCsvRow.content_hash == ItemVersion.content_hash,
    )


def part_column(part: str):
    """The stored column of a fragment part (one of PARTS); ValueError for another name."""
    if part == CSV_ROW:
        return ExportCsvRow.csv_row
    if part not in PARTS:
        raise ValueError(f"unknown fragment part {part!r}")
    return getattr(ExportFragment, part)


class Renderer:
    """Renders the fragments of linked records (services.exports.linked_record)."""

    def __init__(self) -> None:
        self._schema = record_schema()
        self._csv = RowFragments(self._schema)

    def render(self, record: dict[str, Any]) -> dict[str, str]:
        """The fragment columns of one record: csv_row, csv_children (JSON), xml, key."""
        head, children = self._csv.render(record)
        return {
            "csv_row": head,
            "csv_children": orjson.dumps(children).decode(),
            "xml": item_body(record, self._schema),
            "process_key": process_key(record),
        }


def forget(session: Session, version_ids: list[int]) -> None:
    """Delete the fragments of versions that stopped being public (superseded), in the
    caller's transaction: no export reads them again, and the CSV lines, keyed by code,
    would otherwise sit among the live ones and grow with every adjustment."""
    for table in (ExportFragment, ExportCsvRow):
        session.execute(delete(table).where(table.version_id.in_(version_ids)))


def refresh(engine: Engine, batch: int = BATCH) -> int:
    """Render and store the fragments every published version lacks; returns how many.

    Walks the published versions by id in batches of `batch`, each batch its own short
    transaction (publishers wait at most one batch on SQLite). Safe to run concurrently
    with publications: a version published meanwhile is rendered live until next time.
    """
    from .exports import linked_record, record_text  # here: exports imports this module

    renderer = Renderer()
    reader = engine.execution_options(**{WRITE_OPTION: False})  # no write lock to look
    total = 0
    last = 0
    while True:
        with reader.connect() as connection:
            page = connection.execute(
                select(ItemVersion.id, ExportFragment.version_id, ExportCsvRow.version_id)
                .outerjoin(ExportFragment, valid_fragment())
                .outerjoin(ExportCsvRow, valid_csv_row())
                .where(ItemVersion.id > last, ItemVersion.public_status.is_not(None))
                .order_by(ItemVersion.id)
                .limit(batch)
            ).all()
        if not page:
            return total
        last = page[-1][0]
        stale = [version_id for version_id, *valid in page if None in valid]
        if stale:
            total += _store(writer_engine(engine), renderer, stale, linked_record, record_text)


def _store(engine: Engine, renderer: Renderer, ids: list[int], linked_record, record_text) -> int:
    """Render the versions `ids` and replace their fragments, in one transaction."""
    with Session(engine) as session:
        rows = session.execute(
            select(
                ItemVersion.id,
                ItemVersion.code,
                record_text(session.get_bind().dialect.name),
                ItemVersion.number,
                ItemVersion.published_at,
                ItemVersion.release_id,
                ItemVersion.content_hash,
            ).where(ItemVersion.id.in_(ids), ItemVersion.public_status.is_not(None))
        ).all()
        values = list(_render(renderer, rows, linked_record))
        try:
            forget(session, ids)
            if values:
                session.execute(insert(ExportCsvRow), [_pick(v, CSV_ROW_KEYS) for v in values])
                session.execute(insert(ExportFragment), [_pick(v, FRAGMENT_KEYS) for v in values])
            session.commit()
        except IntegrityError:
            # A concurrent refresh (two dumps at once, PostgreSQL) stored them first: the
            # unique violation comes from the INSERT (or, deferred, from the COMMIT).
            session.rollback()
            return 0
        return len(values)


def _render(renderer: Renderer, rows, linked_record) -> Iterator[dict[str, Any]]:
    """ExportFragment values, each with the version's `code` and `csv_row` besides."""
    for version_id, *row in rows:
        record = linked_record(row, _NO_ROOT)
        yield {
            "version_id": version_id,
            "code": row[0],
            "stamp": STAMP,
            "content_hash": row[-1],
            **renderer.render(record),
        }


def _pick(value: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: value[key] for key in keys}
