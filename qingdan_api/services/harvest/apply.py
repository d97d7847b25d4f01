"""Applying one page of a source's change feed, with its checkpoint, in one transaction.

Each source change becomes here what publishing would have made of it: a numbered
version (the source's number), the item's previous public version superseded, and a
row in this instance's own change feed, so search, exports and further mirrors follow.
The page's last seq is written as the source's checkpoint by a compare-and-set in the
same transaction: a harvester killed mid-page loses the whole page and no more, and the
next run starts again after the last committed page. Applying a change whose version
this mirror already holds is a no-op, so replays are harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ...domain.record import filter_columns
from ...models import UPSERT, WITHDRAW, HarvestConflict, Item, ItemVersion, Source
from ..catalog import ACTIVE, WITHDRAWN
from ..changefeed import write_changes
from ..fragments import forget as forget_fragments
from ..published import stamp as stamp_published
from .client import HarvestError
from .units import UnitMirror

# A harvested item's workflow state: no editorial transition starts from it, so local
# editors cannot adjust a mirrored item (its content belongs to its source).
MIRRORED = "mirrored"
STATUS = {UPSERT: ACTIVE, WITHDRAW: WITHDRAWN}


@dataclass
class Change:
    """One verified feed entry."""

    seq: int
    code: str
    version: int
    operation: str
    time: datetime
    published_at: datetime
    record: dict[str, Any]
    columns: dict[str, Any]  # filter columns, content_hash included


@dataclass
class PageStats:
    applied: int = 0
    skipped: int = 0
    refused: int = 0


def verify(entry: dict[str, Any]) -> Change:
    """Check one feed entry: complete, and its record hashes to its content_hash."""
    try:
        record = entry["record"]
        seq, code, version = int(entry["seq"]), entry["code"], int(entry["version"])
        operation = entry["operation"]
        time = datetime.fromisoformat(entry["time"])
        published_at = datetime.fromisoformat(entry.get("published_at") or entry["time"])
    except (KeyError, TypeError, ValueError) as exc:
        raise HarvestError(f"malformed feed entry {entry.get('seq')!r}: {exc!r}") from exc
    if operation not in STATUS or not isinstance(record, dict) or record.get("code") != code:
        raise HarvestError(f"feed entry {seq}: bad operation, record or code")
    try:
        columns = filter_columns(record)
    except (KeyError, TypeError, ValueError) as exc:
        raise HarvestError(f"feed entry {seq}: incomplete record ({exc!r})") from exc
    if columns["content_hash"] != entry.get("content_hash"):
        raise HarvestError(
            f"feed entry {seq} ({code} v{version}): the record hashes to "
            f"{columns['content_hash']}, the feed says {entry.get('content_hash')}"
        )
    return Change(seq, code, version, operation, time, published_at, record, columns)


def _refuse(session: Session, source: Source, change: Change, owner: int | None) -> None:
    reason = (
        "the code belongs to local content here"
        if owner is None
        else f"the code belongs to content harvested from source {owner}"
    )
    known = session.scalar(
        select(HarvestConflict).where(
            HarvestConflict.source_id == source.id, HarvestConflict.code == change.code
        )
    )
    if known is None:
        session.add(
            HarvestConflict(
                source_id=source.id,
                code=change.code,
                seq=change.seq,
                version=change.version,
                reason=reason,
            )
        )
    else:
        known.seq, known.version, known.reason = change.seq, change.version, reason


def apply_page(
    session: Session,
    source: Source,
    changes: list[Change],
    *,
    expected_seq: int,
    new_seq: int,
    units: UnitMirror,
    now: datetime,
) -> PageStats:
    """Apply `changes` (in seq order) and move the checkpoint; the caller commits."""
    stats = PageStats()
    codes = {c.code for c in changes}
    items = {i.code: i for i in session.scalars(select(Item).where(Item.code.in_(codes)))}
    # Items new here: created together so one flush assigns every id.
    for change in changes:
        if change.code not in items:
            unit_id = units.resolve(session, change.record)
            items[change.code] = Item(
                code=change.code,
                unit_id=unit_id,
                category=change.record["category"],
                state=MIRRORED,
                source_id=source.id,
                created_at=change.published_at,
                updated_at=change.published_at,
            )
            session.add(items[change.code])
    session.flush()
    item_ids = [i.id for i in items.values() if i.source_id == source.id]
    public = {
        v.item_id: v
        for v in session.scalars(
            select(ItemVersion).where(
                ItemVersion.item_id.in_(item_ids), ItemVersion.public_status.is_not(None)
            )
        )
    }
    held = dict(
        session.execute(
            select(ItemVersion.item_id, func.max(ItemVersion.number))
            .where(ItemVersion.item_id.in_(item_ids))
            .group_by(ItemVersion.item_id)
        ).all()
    )
    published: list[tuple[ItemVersion, str]] = []
    superseded: list[int] = []
    for change in changes:
        item = items[change.code]
        if item.source_id != source.id:
            _refuse(session, source, change, item.source_id)
            stats.refused += 1
            continue
        if change.version <= (held.get(item.id) or 0):
            stats.skipped += 1  # already mirrored: replays are no-ops
            continue
        previous = public.get(item.id)
        if previous is not None:
            previous.public_status = None
            previous.superseded_at = change.published_at
            superseded.append(previous.id)
        version = ItemVersion(
            item_id=item.id,
            unit_id=item.unit_id,
            number=change.version,
            public_status=STATUS[change.operation],
            revision=1,
            record=change.record,
            created_at=change.time,
            created_by=f"harvest:{source.name}",
            published_at=change.published_at,
            published_by=f"harvest:{source.name}",
            source_id=source.id,
            **change.columns,
        )
        stamp_published(version)
        session.add(version)
        item.state = MIRRORED if change.operation == UPSERT else WITHDRAWN
        item.category = change.record["category"]
        item.updated_at = change.time
        public[item.id] = version
        held[item.id] = change.version
        published.append((version, change.operation))
        stats.applied += 1
    session.flush()
    forget_fragments(session, superseded)
    write_changes(session, published, now)
    moved = session.execute(
        update(Source)
        .where(Source.id == source.id, Source.last_seq == expected_seq)
        .values(last_seq=new_seq)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise HarvestError(
            f"the checkpoint of source {source.name} moved meanwhile: another harvest is running"
        )
    return stats
