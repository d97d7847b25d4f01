"""Public read queries over published items: filters, sorting and keyset paging."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..domain import vocabularies as vocab
from ..listings.filters import ACTIVE, STATUSES, WITHDRAWN, ItemFilters
from ..listings.paging import Order, Page, keyset_page
from ..listings.sql import as_of, filtered
from ..models import Change, Item, ItemVersion
from .errors import Gone, InvalidArgument, NotFound

__all__ = ["ACTIVE", "STATUSES", "WITHDRAWN", "ItemFilters", "filtered", "list_items"]

# Public sort names -> column. Every sort is made total by the item code.
SORTS = {
    "code": ItemVersion.code,
    "name": ItemVersion.name,
    "published_at": ItemVersion.published_at,
    "category": ItemVersion.category,
}
SORT_CHOICES = tuple(f"{sign}{name}" for name in SORTS for sign in ("", "-"))


def order_of(sort: str) -> Order:
    """The keyset order of a public sort name; InvalidArgument for an unknown one."""
    name = sort.removeprefix("-")
    if name not in SORTS:
        choices = ", ".join(sorted(SORTS))
        raise InvalidArgument("sort", f"unknown sort {sort!r}; one of {choices}, '-' to reverse")
    column = SORTS[name]
    # The code makes every sort total; sorting by code itself needs no second key.
    columns = (column,) if column is ItemVersion.code else (column, ItemVersion.code)
    return Order(sort, columns, descending=sort.startswith("-"))


_COUNTS: OrderedDict[tuple[str, Any], int] = OrderedDict()
_COUNTS_KEPT = 1024


def count(session: Session, query: Select) -> int:
    """Rows matching a public query, remembered until the next publication.

    Counting a million rows costs tens of milliseconds, more than the page itself. The
    public set only changes when something is published or withdrawn, and that always
    writes a change row, so a count stays valid while the newest change (and the newest
    version) stays the same; both are read from primary keys in microseconds.
    """
    newest = (
        select(func.max(Change.seq)).scalar_subquery(),
        select(func.max(ItemVersion.id)).scalar_subquery(),
    )
    marker = tuple(session.execute(select(*newest)).one())
    sql = query.compile(dialect=session.bind.dialect, compile_kwargs={"literal_binds": True})
    key = (str(sql), marker)
    if key in _COUNTS:
        _COUNTS.move_to_end(key)
        return _COUNTS[key]
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    _COUNTS[key] = total
    if len(_COUNTS) > _COUNTS_KEPT:
        _COUNTS.popitem(last=False)
    return total


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
    order = order_of(sort)
    base = filtered(filters)
    total = count(session, base) if with_total else -1
    return keyset_page(session, base, order, limit=limit, cursor=cursor, total=total)


def get_item_version(session: Session, code: str, at: datetime | None = None) -> ItemVersion:
    """The version the public sees (or saw `at` a moment); Gone for a withdrawn item."""
    public = (ItemVersion.public_status.in_((ACTIVE, WITHDRAWN)),)
    condition = public if at is None else as_of(at)
    version = session.scalar(select(ItemVersion).where(ItemVersion.code == code, *condition))
    if version is None:
        when = "" if at is None else f" on {at.isoformat()}"
        raise NotFound(f"no published item with code {code}{when}")
    if version.disposition in vocab.WITHDRAWING_DISPOSITIONS:
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
