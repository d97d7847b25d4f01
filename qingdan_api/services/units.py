"""Public read queries over units, with their published item counts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..listings.filters import ACTIVE
from ..listings.paging import Order, Page, keyset_page
from ..models import ItemVersion, Unit
from .errors import NotFound
from .kept import Kept, marker_columns, marker_of, publication_marker
from .unit_lookup import find_unit

ORDER = Order("credit_code", (Unit.credit_code,))


@dataclass
class UnitSummary:
    unit: Unit
    item_counts: dict[str, int]  # category code -> active published items

    @property
    def items_total(self) -> int:
        return sum(self.item_counts.values())


_COUNTS: Kept[dict[int, dict[str, int]]] = Kept(maxsize=256)


def _counts(
    session: Session, unit_ids: list[int], marker: tuple | None = None
) -> dict[int, dict[str, int]]:
    """Active published items per unit and category, kept until something is published.

    Counting a page of units reads every public version of theirs (15 ms for 50 units at
    100k items), yet the counts only move with a publication (`publication_marker`; read
    here unless the caller read it with its rows).
    """
    key = (marker or publication_marker(session), *unit_ids)
    counts = _COUNTS.get(key, lambda: _count(session, unit_ids))
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
    kind: tuple[str, ...] = (),
    region: tuple[str, ...] = (),
    limit: int = 100,
    cursor: str | None = None,
) -> Page:
    """Units by credit code; `kind` (unit-kind keys) and `region` (prefixes) are parsed
    filters (api/arguments.py), each meaning any of its values."""
    query = select(Unit)
    if kind:
        query = query.where(Unit.kind.in_(kind))
    if region:
        query = query.where(or_(*(Unit.region_code.startswith(p, autoescape=True) for p in region)))
    # One statement: the page's units, with the total and the publication marker (which
    # keys the kept counts) as columns of each row; read apart only for an empty page.
    total_column = select(func.count()).select_from(query.subquery()).scalar_subquery()
    with_columns = (total_column.label("units_total"), *marker_columns())
    page = keyset_page(
        session,
        query.add_columns(*with_columns),
        ORDER,
        limit=limit,
        cursor=cursor,
        backwards=False,
        key_of=lambda row: (row.Unit.credit_code,),
        fetch=lambda ordered: session.execute(ordered).all(),
    )
    if page.rows:
        total, marker = page.rows[0].units_total, marker_of(session, page.rows[0])
    else:
        total, marker = session.scalar(select(total_column)) or 0, None
    found = [row.Unit for row in page.rows]
    counts = _counts(session, [u.id for u in found], marker)
    page.rows = [UnitSummary(u, counts[u.id]) for u in found]
    page.total = total
    return page


def get_unit(session: Session, credit_code: str) -> UnitSummary:
    unit = find_unit(session, credit_code)
    if unit is None:
        raise NotFound(f"no unit with credit code {credit_code}")
    return UnitSummary(unit, _counts(session, [unit.id])[unit.id])
