"""Public read queries over published items: filters, sorting and keyset paging."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import Select, func, or_, select, text, tuple_
from sqlalchemy.orm import Session

from ..domain import vocabularies as vocab
from ..domain.codes import (
    CodeError,
    normalise_unit_code,
    parse_basic_code,
    region_prefix,
    validate_credit_code,
    validate_org_code,
)
from ..models import Change, Item, ItemVersion
from .errors import Gone, InvalidArgument, NotFound
from .paging import Cursor, Page
from .published import render_version
from .unit_lookup import find_unit

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
    basic_code: str | None = None
    law: str | None = None  # a law title, any spelling: items whose legal bases cite it
    source: int | None = None  # harvest source id; 0 = local (not harvested) content
    at: datetime | None = None  # what was published at that moment instead of now


# Dates in `?at=` are days in China Standard Time, the lists' own calendar.
CST = timezone(timedelta(hours=8), "CST")


def parse_at(value: str | None) -> datetime | None:
    """`?at=`: a date (the end of that day, China time) or an ISO datetime with offset."""
    if not value:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.combine(day + timedelta(days=1), time(), CST) - timedelta(
                microseconds=1
            )
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidArgument("at", "a date (2027-03-01) or an ISO datetime") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=CST)


def as_of(moment: datetime):
    """Conditions selecting the version of each item that the public saw at `moment`."""
    return (
        ItemVersion.number.is_not(None),
        ItemVersion.published_at <= moment,
        or_(ItemVersion.superseded_at.is_(None), ItemVersion.superseded_at > moment),
    )


def _status_at(status: str, moment: datetime):
    withdrawing = ItemVersion.disposition.in_(sorted(vocab.WITHDRAWING_DISPOSITIONS))
    conditions = as_of(moment)
    if status == ACTIVE:
        return (*conditions, ~withdrawing)
    if status == WITHDRAWN:
        return (*conditions, withdrawing)
    return conditions


def vocabulary_value(name: str, value: str, param: str) -> str:
    """Accept a term by its code or its English key; return what the record stores."""
    for term in vocab.VOCABULARIES[name]:
        if value in (term.code, term.key):
            return term.key if name in vocab.STORED_BY_KEY else term.code
    raise InvalidArgument(param, f"unknown value {value!r}; see @vocabularies/{name}")


def _resolve_unit_id(session: Session, credit_code: str) -> int:
    """The unit named by its credit code or its 9-character organisation code alias."""
    tidy = normalise_unit_code(credit_code)
    try:
        validate_org_code(tidy) if len(tidy) == 9 else validate_credit_code(tidy)
    except CodeError as exc:
        raise InvalidArgument("unit", str(exc)) from exc
    unit = find_unit(session, tidy)
    if unit is None:
        raise InvalidArgument("unit", f"no unit with credit code {credit_code}")
    return unit.id


def filtered(session: Session, filters: ItemFilters) -> Select:
    """SELECT of the public versions matching `filters` (not yet ordered or limited)."""
    if filters.status not in STATUSES:
        raise InvalidArgument("status", f"must be one of {', '.join(STATUSES)}")
    if filters.at is not None:
        query = select(ItemVersion).where(*_status_at(filters.status, filters.at))
    else:
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
    if filters.basic_code:
        try:
            parse_basic_code(filters.basic_code)
        except CodeError as exc:
            raise InvalidArgument("basic_code", str(exc)) from exc
        query = query.where(ItemVersion.basic_code == filters.basic_code)
    if filters.law:
        from .catalogue_queries import like_law

        query = query.where(like_law(ItemVersion.law_keys, filters.law))
    if filters.source is not None:
        query = query.where(
            ItemVersion.source_id.is_(None)
            if filters.source == 0
            else ItemVersion.source_id == filters.source
        )
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


_COUNTS: OrderedDict[tuple[str, Any], int] = OrderedDict()
_COUNTS_KEPT = 1024


def count(session: Session, query: Select, filters: ItemFilters | None = None) -> int:
    """Rows matching a public query, remembered until the next publication.

    Counting a million rows costs tens of milliseconds, more than the page itself. The
    public set only changes when something is published or withdrawn, and that always
    writes a change row, so a count stays valid while the newest change (and the newest
    version) stays the same; both are read from primary keys in microseconds. The query is
    known by the `filters` that made it when given (compiling it to SQL text for the key
    cost more than a page of 50 from stored bytes), else by its SQL.
    """
    newest = (
        select(func.max(Change.seq)).scalar_subquery(),
        select(func.max(ItemVersion.id)).scalar_subquery(),
    )
    marker = tuple(session.execute(select(*newest)).one())
    if filters is not None:
        what = repr(filters)
    else:
        dialect = session.get_bind().dialect
        what = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    key = (session.get_bind().url.render_as_string(hide_password=True), what, marker)
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
    only: tuple[Any, ...] = (),
) -> Page:
    """One page of public items with cursors to the pages before and after it.

    Rows are ItemVersion objects, or with `only` rows of just those columns (plus the
    code and the sort column, which the cursors need): listings that splice stored bytes
    read no record.
    """
    column, descending = _sort(sort)
    base = filtered(session, filters)
    position = Cursor.decode(cursor, sort) if cursor else None
    # Reading backwards (a "before" cursor) flips the order; rows are reversed afterwards.
    backwards = position is not None and position.direction == "before"
    ascending = descending == backwards
    # The code makes every sort total; sorting by code itself needs no second key.
    columns = (column,) if column is ItemVersion.code else (column, ItemVersion.code)
    selected = tuple(dict.fromkeys((*columns, *only))) if only else ()
    query = base
    if position is not None and position.key is not None:
        values = _key_values(position.key, column)[-len(columns) :]
        edge, key = tuple_(*columns), tuple_(*values)
        query = query.where(edge > key if ascending else edge < key)
    order = [c.asc() if ascending else c.desc() for c in columns]
    query = query.order_by(*order).limit(limit + 1)
    if selected:
        rows = list(session.execute(query.with_only_columns(*selected)))
    else:
        rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    total = count(session, base, filters) if with_total else -1
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
