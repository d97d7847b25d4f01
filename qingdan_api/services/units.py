"""Public read queries over units, with their published item counts."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain import vocabularies as vocab
from ..domain.codes import CodeError, region_prefix
from ..models import Change, ItemVersion, Unit
from .catalog import ACTIVE
from .errors import InvalidArgument, NotFound
from .paging import Cursor, Page
from .unit_lookup import find_unit


@dataclass
class UnitSummary:
    unit: Unit
    item_counts: dict[str, int]  # category code -> active published items

    @property
    def items_total(self) -> int:
        return sum(self.item_counts.values())


_COUNTS: OrderedDict[tuple[Any, ...], dict[int, dict[str, int]]] = OrderedDict()
_COUNTS_KEPT = 256
_COUNTS_LOCK = threading.Lock()


def _counts(session: Session, unit_ids: list[int]) -> dict[int, dict[str, int]]:
    """Active published items per unit and category, kept until something is published.

    Counting a page of units reads every public version of theirs (15 ms for 50 units at
    100k items), yet the counts only move when a publication writes a change row or a
    version; both maxima come from primary keys in microseconds (as services/catalog.count).
    """
    marker = session.execute(
        select(
            select(func.max(Change.seq)).scalar_subquery(),
            select(func.max(ItemVersion.id)).scalar_subquery(),
        )
    ).one()
    key = (session.get_bind().url.render_as_string(hide_password=True), *marker, *unit_ids)
    with _COUNTS_LOCK:
        if key in _COUNTS:
            _COUNTS.move_to_end(key)
            return {uid: dict(counts) for uid, counts in _COUNTS[key].items()}
    counts = _count(session, unit_ids)
    with _COUNTS_LOCK:
        _COUNTS[key] = counts
        while len(_COUNTS) > _COUNTS_KEPT:
            _COUNTS.popitem(last=False)
    return {uid: dict(c) for uid, c in counts.items()}


def _count(session: Session, unit_ids: list[int]) -> dict[int, dict[str, int]]:
    rows = session.execute(
        select(ItemVersion.unit_id, ItemVersion.category, func.count())
        .where(ItemVersion.public_status == ACTIVE, ItemVersion.unit_id.in_(unit_ids))
        .group_by(ItemVersion.unit_id, ItemVersion.category)
    )
    counts: dict[int, dict[str, int]] = {uid: {} for uid in unit_ids}
    for unit_id, category, count in rows:
        counts[unit_id][category] = count
    return counts


def list_units(
    session: Session,
    *,
    kind: str | None = None,
    region: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> Page:
    query = select(Unit)
    if kind:
        if kind not in vocab.keys("unit-kinds"):
            raise InvalidArgument("kind", f"unknown value {kind!r}; see @vocabularies/unit-kinds")
        query = query.where(Unit.kind == kind)
    if region:
        try:
            prefix = region_prefix(region)
        except CodeError as exc:
            raise InvalidArgument("region", str(exc)) from exc
        query = query.where(Unit.region_code.startswith(prefix, autoescape=True))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    position = Cursor.decode(cursor, "credit_code") if cursor else None
    if position is not None:
        if position.direction != "after" or not position.key:
            raise InvalidArgument("cursor", "malformed cursor")
        query = query.where(Unit.credit_code > position.key[0])
    rows = list(session.scalars(query.order_by(Unit.credit_code).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    counts = _counts(session, [u.id for u in rows])
    summaries = [UnitSummary(u, counts[u.id]) for u in rows]
    following = Cursor("credit_code", "after", (rows[-1].credit_code,)) if more else None
    return Page(rows=summaries, total=total, next=following, prev=None)


def get_unit(session: Session, credit_code: str) -> UnitSummary:
    unit = find_unit(session, credit_code)
    if unit is None:
        raise NotFound(f"no unit with credit code {credit_code}")
    return UnitSummary(unit, _counts(session, [unit.id])[unit.id])
