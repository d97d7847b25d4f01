"""The item filters as SQL conditions on public item versions (the `sql` backend, /items)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select, true

from ..domain import vocabularies as vocab
from ..models import ItemVersion, Unit
from .filters import ACTIVE, STATUSES, WITHDRAWN, ItemFilters


def as_of(moment: datetime) -> tuple[ColumnElement[bool], ...]:
    """Conditions selecting the version of each item that the public saw at `moment`."""
    return (
        ItemVersion.number.is_not(None),
        ItemVersion.published_at <= moment,
        or_(ItemVersion.superseded_at.is_(None), ItemVersion.superseded_at > moment),
    )


def _status(filters: ItemFilters) -> tuple[ColumnElement[bool], ...]:
    if filters.at is None:
        return (ItemVersion.public_status.in_(STATUSES[filters.status]),)
    withdrawing = ItemVersion.disposition.in_(sorted(vocab.WITHDRAWING_DISPOSITIONS))
    conditions = as_of(filters.at)
    if filters.status == ACTIVE:
        return (*conditions, ~withdrawing)
    if filters.status == WITHDRAWN:
        return (*conditions, withdrawing)
    return conditions


def _region(prefixes: tuple[str, ...]) -> ColumnElement[bool]:
    # A region matches itself and every region beneath it (a prefix, as a range scan).
    return or_(
        *(
            and_(ItemVersion.region_code >= p, ItemVersion.region_code < p + "\x7f")
            for p in prefixes
        )
    )


def _target(codes: tuple[str, ...]) -> ColumnElement[bool]:
    mask = sum(1 << int(code) for code in codes)
    return ItemVersion.target_mask.op("&")(mask) != 0


def _unit(codes: tuple[str, ...]) -> ColumnElement[bool]:
    credit = [c for c in codes if len(c) != 9]
    org = [c for c in codes if len(c) == 9]  # the organisation code alias
    named = or_(
        *([Unit.credit_code.in_(credit)] if credit else []),
        *([Unit.org_code.in_(org)] if org else []),
    )
    return ItemVersion.unit_id.in_(select(Unit.id).where(named).scalar_subquery())


def cites_law(column: Any, key: str) -> ColumnElement[bool]:
    """`column LIKE '%|key|%'`: the `|key|key|` law column (domain.laws.law_keys_column)
    holds `key`."""
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%|{escaped}|%", escape="\\")


def _source(ids: tuple[int, ...]) -> ColumnElement[bool]:
    harvested = [i for i in ids if i != 0]
    parts = [ItemVersion.source_id.in_(harvested)] if harvested else []
    if 0 in ids:
        parts.append(ItemVersion.source_id.is_(None))
    return or_(*parts)


# Filter name -> its condition, for a non-empty tuple of values (`status`/`at` aside).
TRANSLATIONS: dict[str, Callable[[Any], ColumnElement[bool]]] = {
    "unit": _unit,
    "category": lambda values: ItemVersion.category.in_(values),
    "level": lambda values: ItemVersion.level.in_(values),
    "target": _target,
    "disposition": lambda values: ItemVersion.disposition.in_(values),
    "region": _region,
    "parent": lambda codes: ItemVersion.parent_code.in_(codes),
    "source": _source,
    "basic_code": lambda codes: ItemVersion.basic_code.in_(codes),
    "law": lambda keys: or_(*(cites_law(ItemVersion.law_keys, key) for key in keys)),
    "codes": lambda codes: ItemVersion.code.in_(codes),
}
HANDLED = frozenset({*TRANSLATIONS, "status", "at"})


def conditions(filters: ItemFilters) -> list[ColumnElement[bool]]:
    """WHERE conditions selecting the public versions that match `filters`."""
    out = list(_status(filters))
    for name, value in filters.given().items():
        if name in TRANSLATIONS:
            out.append(TRANSLATIONS[name](value))
    return out or [true()]


def filtered(filters: ItemFilters) -> Select:
    """SELECT of the public versions matching `filters` (not yet ordered or limited)."""
    return select(ItemVersion).where(*conditions(filters))
