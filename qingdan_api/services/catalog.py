"""Public read queries over published items: filters, sorting and keyset paging."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import Session

from ..domain import vocabularies as vocab
from ..listings.filters import ACTIVE, STATUSES, WITHDRAWN, ItemFilters
from ..listings.paging import Order, Page, keyset_page
from ..listings.sql import as_of, filtered
from ..models import Item, ItemVersion
from .errors import Gone, InvalidArgument, NotFound
from .kept import Kept, last_marker, marker_columns, marker_of, publication_marker
from .published import render_version

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


_COUNTS: Kept[int] = Kept(maxsize=1024)


def count(session: Session, query: Select, filters: ItemFilters | None = None) -> int:
    """Rows matching a public query, remembered until the next publication.

    Counting a million rows costs tens of milliseconds, more than the page itself. The
    public set only changes when something is published or withdrawn, so a count is kept
    per `publication_marker`. The query is known by the `filters` that made it when given
    (compiling it to SQL text for the key cost more than a page of 50 from stored bytes),
    else by its SQL.
    """
    what = _what(session, query, filters)
    return _COUNTS.get(
        (publication_marker(session), what),
        lambda: session.scalar(select(func.count()).select_from(query.subquery())) or 0,
    )


def _what(session: Session, query: Select, filters: ItemFilters | None) -> str:
    if filters is not None:
        return repr(filters)
    dialect = session.get_bind().dialect
    return str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def list_items(
    session: Session,
    filters: ItemFilters,
    *,
    sort: str = "code",
    limit: int = 25,
    cursor: str | None = None,
    with_total: bool = True,
    only: tuple[Any, ...] = (),
) -> Page:
    """One page of public items with cursors to the pages before and after it.

    Rows are ItemVersion objects, or with `only` rows of just those columns (plus the
    order's columns, which the cursors need): listings that splice stored bytes read no
    record.

    With `only`, when the count is kept under the publication marker last seen, the page
    reads the marker with its rows: one statement in all while nothing is published (the
    count is read again, with the marker, only when the marker has moved).
    """
    order = order_of(sort)
    base = filtered(filters)
    guess = last_marker(session) if with_total and only else None
    total = None if guess is None else _COUNTS.find((guess, _what(session, base, filters)))
    checked = total is not None  # the marker comes with the rows, to check the guess
    if total is None:
        total = count(session, base, filters) if with_total else -1
    fetch = None
    if only:
        selected = tuple(dict.fromkeys((*order.columns, *only)))
        marker = marker_columns() if checked else ()

        def fetch(query: Select):
            return session.execute(query.with_only_columns(*selected, *marker))

    page = keyset_page(session, base, order, limit=limit, cursor=cursor, total=total, fetch=fetch)
    if checked:
        seen = marker_of(session, page.rows[0]) if page.rows else publication_marker(session)
        if seen != guess:  # published meanwhile: the rows are new, the kept count is not
            page.total = count(session, base, filters)
    return page


def _public_version_query(code: str, at: datetime | None, *columns) -> Select:
    public = (ItemVersion.public_status.in_((ACTIVE, WITHDRAWN)),)
    condition = public if at is None else as_of(at)
    return select(*columns).where(ItemVersion.code == code, *condition)


def _not_found(code: str, at: datetime | None) -> NotFound:
    when = "" if at is None else f" on {at.isoformat()}"
    return NotFound(f"no published item with code {code}{when}")


def get_item_version(session: Session, code: str, at: datetime | None = None) -> ItemVersion:
    """The version the public sees (or saw `at` a moment); Gone for a withdrawn item."""
    version = session.scalar(_public_version_query(code, at, ItemVersion))
    if version is None:
        raise _not_found(code, at)
    if version.disposition in vocab.WITHDRAWING_DISPOSITIONS:
        raise _gone(version)
    return version


@dataclass(frozen=True)
class PublishedBody:
    """The stored public JSON of the version the public sees, and what its ETag needs."""

    code: str
    number: int
    content_hash: str
    source_id: int | None
    body: bytes  # domain/published_json.py: `@id`s relative to the API root


_ITEM_BODY_COLUMNS = (
    ItemVersion.id,
    ItemVersion.number,
    ItemVersion.disposition,
    ItemVersion.content_hash,
    ItemVersion.source_id,
    ItemVersion.public_json,
)
_ITEM_BODY_SQL = text(
    "SELECT id, number, disposition, content_hash, source_id, public_json FROM item_versions"
    f" WHERE code = :code AND public_status IN ('{ACTIVE}', '{WITHDRAWN}')"
)


def get_item_body(session: Session, code: str, at: datetime | None = None) -> PublishedBody:
    """Like `get_item_version`, but only the stored bytes: no record is read or decoded.

    Raises NotFound, or Gone (with the withdrawal's details) for a withdrawn item.
    """
    if at is None:
        # The hottest query of the API as plain SQL: building and cache-keying the
        # equivalent select cost more than running it (uses ix_item_versions_public_code).
        row = session.execute(_ITEM_BODY_SQL, {"code": code}).first()
    else:
        row = session.execute(_public_version_query(code, at, *_ITEM_BODY_COLUMNS)).first()
    if row is None:
        raise _not_found(code, at)
    if row.disposition in vocab.WITHDRAWING_DISPOSITIONS:
        raise _gone(session.get(ItemVersion, row.id))
    body = row.public_json
    if body is None:  # stamped at publication; rendered here only if a path missed it
        body = render_version(session.get(ItemVersion, row.id)).full
    return PublishedBody(code, row.number, row.content_hash, row.source_id, bytes(body))


def _gone(version: ItemVersion) -> Gone:
    """The 410 of a withdrawn item, with what the public may know about the withdrawal."""
    record = version.record
    code = version.code
    return Gone(
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
