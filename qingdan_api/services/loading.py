"""Bulk loading of units and items with their published history.

Used by the demo data, the benchmarks and test fixtures. Rows go in through Core
`executemany` in batches with ids allocated up front, which is what makes a million items
load in minutes rather than hours; the ORM's unit of work would track every object.
Every version goes in exactly as the editorial workflow would have left it: earlier
versions superseded, the newest one public (or a tombstone), a change-feed row per
publication, and unpublished items as working versions only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from ..domain.codes import CodeError, parse_implementation_code, validate_credit_code
from ..domain.record import filter_columns
from ..domain.vocabularies import WITHDRAWING_DISPOSITIONS
from ..models import UPSERT, WITHDRAW, Change, Item, ItemVersion, Release, Unit, utcnow
from .published import stamped_columns

PUBLISHED = "published"
WITHDRAWN = "withdrawn"


@dataclass
class Publication:
    """One published version of an item, as history to load."""

    record: dict[str, Any]
    published_at: datetime
    release_id: int | None = None
    published_by: str | None = "demo"
    comment: str | None = None


def add_units(session: Session, units: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Insert units (parents before children); returns credit code -> id for all units."""
    ids = dict(session.execute(select(Unit.credit_code, Unit.id)).all())
    for data in units:
        parent = data.get("parent_credit_code")
        # Loaded units obey the same rule as managed ones: no invalid credit code is stored.
        credit_code = validate_credit_code(data["credit_code"])
        unit = Unit(
            credit_code=credit_code,
            org_code=credit_code[8:17],
            short_name=data.get("short_name"),
            name=data["name"],
            kind=data["kind"],
            nature=data["nature"],
            region_code=data["region_code"],
            sector=data.get("sector"),
            parent_id=ids[parent] if parent else None,
            zero_report=bool(data.get("zero_report")),
            zero_report_reason=data.get("zero_report_reason"),
        )
        session.add(unit)
        session.flush()
        ids[unit.credit_code] = unit.id
    return ids


def add_release(session: Session, name: str, published_at: datetime, **kw) -> Release:
    release = Release(name=name, published_at=published_at, **kw)
    session.add(release)
    session.flush()
    return release


class BulkLoader:
    """Buffers items and writes them in batches; call `finish()` at the end."""

    def __init__(self, session: Session, unit_ids: dict[str, int], batch_size: int = 2000):
        self.session = session
        self.unit_ids = unit_ids
        self.batch_size = batch_size
        self._next_item = (session.scalar(select(func.max(Item.id))) or 0) + 1
        self._next_version = (session.scalar(select(func.max(ItemVersion.id))) or 0) + 1
        self._items: list[dict] = []
        self._versions: list[dict] = []
        self._changes: list[dict] = []
        self.counts = {"items": 0, "versions": 0, "changes": 0}

    def add(
        self,
        history: list[Publication],
        *,
        working: dict[str, Any] | None = None,
        state: str | None = None,
    ) -> int:
        """Add one item: its published versions (oldest first) and/or a working version.

        `state` is the workflow state of the working version; an item with no working
        version is 'published', or 'withdrawn' when its last version withdraws it.
        """
        newest = working if working is not None else history[-1].record
        unit_id = self.unit_ids[newest["unit"]["credit_code"]]
        item_id = self._next_item
        self._next_item += 1
        if working is None:
            withdrawn = history[-1].record["disposition"] in WITHDRAWING_DISPOSITIONS
            state = WITHDRAWN if withdrawn else PUBLISHED
        created = history[0].published_at if history else utcnow()
        self._items.append(
            {
                "id": item_id,
                "code": newest["code"],
                "unit_id": unit_id,
                "category": newest["category"],
                "state": state,
                "created_at": created,
                "updated_at": created,
            }
        )
        for number, publication in enumerate(history, start=1):
            last = number == len(history)
            superseded = None if last else history[number].published_at
            status = None
            if last:
                withdrawing = publication.record["disposition"] in WITHDRAWING_DISPOSITIONS
                status = WITHDRAWN if withdrawing else "active"
            version_id = self._version(
                item_id,
                unit_id,
                publication.record,
                number=number,
                public_status=status,
                created_at=publication.published_at,
                published_at=publication.published_at,
                published_by=publication.published_by,
                superseded_at=superseded,
                release_id=publication.release_id,
                comment=publication.comment,
            )
            self._changes.append(
                {
                    "item_id": item_id,
                    "code": publication.record["code"],
                    "version_id": version_id,
                    "version": number,
                    "operation": WITHDRAW if status == WITHDRAWN else UPSERT,
                    "release_id": publication.release_id,
                    "created_at": publication.published_at,
                }
            )
        if working is not None:
            self._version(item_id, unit_id, working, number=None, public_status=None)
        if len(self._versions) >= self.batch_size:
            self.flush()
        return item_id

    def _version(self, item_id: int, unit_id: int, record: dict, **columns) -> int:
        # Loaded content obeys the same code rules as edited content: no invalid code is stored.
        code = parse_implementation_code(record["code"], record["category"])
        if str(code.basic) != record["basic_code"] or code.level != record["level"]:
            raise CodeError("实施编码", "basic code", "does not match basic_code and level")
        version_id = self._next_version
        self._next_version += 1
        columns.setdefault("created_at", utcnow())
        for key in ("published_at", "published_by", "superseded_at", "release_id", "comment"):
            columns.setdefault(key, None)
        derived = filter_columns(record)
        stored = {"public_json": None, "summary_json": None}
        if columns["number"] is not None:
            stored = stamped_columns(
                record,
                number=columns["number"],
                published_at=columns["published_at"],
                release_id=columns["release_id"],
                content_hash=derived["content_hash"],
            )
        self._versions.append(
            {
                "id": version_id,
                "item_id": item_id,
                "unit_id": unit_id,
                "record": record,
                "revision": 1,
                "created_by": columns.get("published_by"),
                **derived,
                **stored,
                **columns,
            }
        )
        return version_id

    def flush(self) -> None:
        if self._items:
            self.session.execute(insert(Item), self._items)
        if self._versions:
            self.session.execute(insert(ItemVersion), self._versions)
        self.counts["items"] += len(self._items)
        self.counts["versions"] += len(self._versions)
        self._items, self._versions = [], []

    def finish(self) -> None:
        """Flush the rest, write the change feed, and on PostgreSQL move id sequences on.

        The changes of the whole load are written last, oldest publication first (stable,
        so an item's versions keep their order): the feed's seq then follows time as it
        does for publications made one by one, and the newest change, which Last-Modified,
        the Atom feed and the catalog's `modified` report, is the newest publication.
        """
        self.flush()
        changes = sorted(self._changes, key=lambda change: change["created_at"])
        for start in range(0, len(changes), self.batch_size):
            self.session.execute(insert(Change), changes[start : start + self.batch_size])
        self.counts["changes"] += len(changes)
        self._changes = []
        if self.session.bind.dialect.name == "postgresql":
            # changes.seq too: publishing assigns seqs explicitly (services/changefeed.py).
            for table, column in (("items", "id"), ("item_versions", "id"), ("changes", "seq")):
                self.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                        f"(SELECT COALESCE(MAX({column}), 1) FROM {table}))"
                    )
                )
