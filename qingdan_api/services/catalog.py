"""Public read queries over published items: filters, sorting and keyset paging."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session

from ..domain import vocabularies as vocab
from ..domain.codes import CodeError, region_prefix, validate_credit_code
from ..models import Item, ItemVersion, Unit
from .errors import Gone, InvalidArgument, NotFound
from .paging import Cursor, Page

ACTIVE = "active"
WITHDRAWN = "withdrawn"
STATUSES = {ACTIVE: (ACTIVE,), WITHDRAWN: (WITHDRAWN,), "all": (ACTIVE, WITHDRAWN)}

# Public sort names -> column. Every sort is made total by the item code.
SORTS = {
    "code": ItemVersion.code,
    "name": ItemVersion.name,
    "published_at": ItemVersion.published_at,
    "category": ItemVersion.category,
}


@dataclass
class ItemFilters:
    unit: str | None = None
    category: str | None = None
    level: str | None = None
    target: str | None = None
    disposition: str | None = None
    region: str | None = None
    parent: str | None = None
    status: str = ACTIVE
    codes: list[str] = field(default_factory=list)


def vocabulary_value(name: str, value: str, param: str) -> str:
    """Accept a term by its code or its English key; return what the record stores."""
    for term in vocab.VOCABULARIES[name]:
        if value in (term.code, term.key):
            return term.key if name in vocab.STORED_BY_KEY else term.code
    raise InvalidArgument(param, f"unknown value {value!r}; see @vocabularies/{name}")


def _resolve_unit_id(session: Session, credit_code: str) -> int:
    try:
        validate_credit_code(credit_code)
    except CodeError as exc:
        raise InvalidArgument("unit", str(exc)) from exc
    unit_id = session.scalar(select(Unit.id).where(Unit.credit_code == credit_code))
    if unit_id is None:
        raise InvalidArgument("unit", f"no unit with credit code {credit_code}")
    return unit_id


def filtered(session: Session, filters: ItemFilters) -> Select:
    """SELECT of the public versions matching `filters` (not yet ordered or limited)."""
    if filters.status not in STATUSES:
        raise InvalidArgument("status", f"must be one of {', '.join(STATUSES)}")
    query = select(ItemVersion).where(ItemVersion.public_status.in_(STATUSES[filters.status]))
    if filters.unit:
        query = query.where(ItemVersion.unit_id == _resolve_unit_id(session, filters.unit))
    if filters.category:
        value = vocabulary_value("categories", filters.category, "category")
        query = query.where(ItemVersion.category == value)
    if filters.level:
        query = query.where(ItemVersion.level == vocabulary_value("levels", filters.level, "level"))
    if filters.disposition:
        value = vocabulary_value("dispositions", filters.disposition, "disposition")
        query = query.where(ItemVersion.disposition == value)
    if filters.target:
        code = vocabulary_value("targets", filters.target, "target")
        query = query.where(ItemVersion.target_mask.op("&")(1 << int(code)) != 0)
    if filters.region:
        try:
            prefix = region_prefix(filters.region)
        except CodeError as exc:
            raise InvalidArgument("region", str(exc)) from exc
        # A region matches itself and every region beneath it (a prefix, as a range scan).
        query = query.where(
            ItemVersion.region_code >= prefix, ItemVersion.region_code < prefix + "\x7f"
        )
    if filters.parent:
        query = query.where(ItemVersion.parent_code == filters.parent)
    if filters.codes:
        query = query.where(ItemVersion.code.in_(filters.codes))
    return query


def _sort(sort: str) -> tuple[Any, bool]:
    name = sort.removeprefix("-")
    if name not in SORTS:
        choices = ", ".join(sorted(SORTS))
        raise InvalidArgument("sort", f"unknown sort {sort!r}; one of {choices}, '-' to reverse")
    return SORTS[name], sort.startswith("-")


def _key_of(version: ItemVersion, column) -> tuple[Any, str]:
    value = getattr(version, column.key)
    if isinstance(value, datetime):
        value = value.isoformat()
    return (value, version.code)


def _key_values(key: tuple[Any, ...], column) -> tuple[Any, Any]:
    if len(key) != 2:
        raise InvalidArgument("cursor", "malformed cursor")
    value, code = key
    if column is ItemVersion.published_at and value is not None:
        try:
            value = datetime.fromisoformat(value)
        except (TypeError, ValueError) as exc:
            raise InvalidArgument("cursor", "malformed cursor") from exc
    return value, code


def list_items(
    session: Session,
    filters: ItemFilters,
    *,
    sort: str = "code",
    limit: int = 25,
    cursor: str | None = None,
    with_total: bool = True,
) -> Page:
    """One page of public items with cursors to the pages before and after it."""
    column, descending = _sort(sort)
    base = filtered(session, filters)
    position = Cursor.decode(cursor, sort) if cursor else None
    # Reading backwards (a "before" cursor) flips the order; rows are reversed afterwards.
    backwards = position is not None and position.direction == "before"
    ascending = descending == backwards
    key_columns = tuple_(column, ItemVersion.code)
    query = base
    if position is not None and position.key is not None:
        key = tuple_(*_key_values(position.key, column))
        query = query.where(key_columns > key if ascending else key_columns < key)
    order = (
        (column.asc(), ItemVersion.code.asc())
        if ascending
        else (column.desc(), ItemVersion.code.desc())
    )
    rows = list(session.scalars(query.order_by(*order).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    total = session.scalar(select(func.count()).select_from(base.subquery())) if with_total else -1
    next_cursor = prev_cursor = None
    if rows:
        has_next = more if not backwards else True
        has_prev = (position is not None) if not backwards else more
        if backwards and position.key is None:
            has_next = False
        if has_next:
            next_cursor = Cursor(sort, "after", _key_of(rows[-1], column))
        if has_prev:
            prev_cursor = Cursor(sort, "before", _key_of(rows[0], column))
    return Page(rows=rows, total=total, next=next_cursor, prev=prev_cursor)


def get_item_version(session: Session, code: str) -> ItemVersion:
    """The version the public sees for an item; Gone for a withdrawn item."""
    version = session.scalar(
        select(ItemVersion).where(
            ItemVersion.code == code, ItemVersion.public_status.in_((ACTIVE, WITHDRAWN))
        )
    )
    if version is None:
        raise NotFound(f"no published item with code {code}")
    if version.public_status == WITHDRAWN:
        record = version.record
        raise Gone(
            f"item {code} was withdrawn: {vocab.label('dispositions', record['disposition'])}",
            withdrawal={
                "code": code,
                "name": record["name"],
                "disposition": record["disposition"],
                "disposition_label": vocab.label("dispositions", record["disposition"]),
                "reason": record.get("disposition_reason"),
                "merged_into": record.get("merged_into"),
                "transferred_to": record.get("transferred_to"),
                "withdrawn_at": version.published_at.isoformat(),
                "version": version.number,
            },
        )
    return version


def list_versions(session: Session, code: str) -> list[ItemVersion]:
    """Every published version of an item (withdrawn ones too), oldest first."""
    versions = list(
        session.scalars(
            select(ItemVersion)
            .join(Item, Item.id == ItemVersion.item_id)
            .where(Item.code == code, ItemVersion.number.is_not(None))
            .order_by(ItemVersion.number)
        )
    )
    if not versions:
        raise NotFound(f"no published item with code {code}")
    return versions


def get_version(session: Session, code: str, number: int) -> ItemVersion:
    version = session.scalar(
        select(ItemVersion).where(ItemVersion.code == code, ItemVersion.number == number)
    )
    if version is None:
        raise NotFound(f"item {code} has no published version {number}")
    return version
