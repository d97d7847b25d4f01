"""Keyset paging with opaque cursors: the one pager of every listing.

A cursor records the sort key of the row at a page edge and the direction to read in.
Pages are fetched with `WHERE (sort_col, code) > (:value, :code)` instead of OFFSET, so
page N costs the same as page 1 and rows inserted meanwhile never shift what follows.
A cursor is checked against the listing's order before any of it reaches SQL: a forged
key of the wrong type or beyond its column's range is a 400, never a database error.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, Select, tuple_
from sqlalchemy.orm import Session

from ..domain.errors import InvalidArgument

MALFORMED = "malformed cursor"


@dataclass(frozen=True)
class Cursor:
    sort: str
    direction: str  # "after": rows following `key`; "before": rows preceding it
    key: tuple[Any, ...] | None  # None with direction "before" means: the last page

    def encode(self) -> str:
        payload = json.dumps(
            {"s": self.sort, "d": self.direction, "k": self.key}, separators=(",", ":")
        )
        return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, sort: str, param: str = "cursor") -> Cursor:
        """The cursor in `token`, made for `sort`; InvalidArgument(param) otherwise."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            data = json.loads(raw)
            key = data["k"]
            if key is not None and not isinstance(key, list):
                raise TypeError
            cursor = cls(data["s"], data["d"], None if key is None else tuple(key))
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidArgument(param, MALFORMED) from exc
        if cursor.direction not in ("after", "before"):
            raise InvalidArgument(param, MALFORMED)
        if cursor.key is None and cursor.direction != "before":
            raise InvalidArgument(param, MALFORMED)
        if cursor.sort != sort:
            raise InvalidArgument(param, f"cursor was made for sort={cursor.sort!r}, not {sort!r}")
        return cursor


@dataclass
class Page:
    rows: list[Any]
    total: int  # -1 when the listing does not count
    next: Cursor | None
    prev: Cursor | None


@dataclass(frozen=True)
class Order:
    """A total order of a listing: its public sort name and columns, the last one unique."""

    name: str
    columns: tuple[Any, ...]
    descending: bool = False


def _type(column: Any) -> Any:
    kind = column.type
    return getattr(kind, "impl", kind)  # a TypeDecorator (UTCDateTime) stores as its impl


def _bounds(column: Any) -> int | None:
    kind = _type(column)
    if isinstance(kind, BigInteger):
        return 2**63 - 1
    if isinstance(kind, Integer):
        return 2**31 - 1
    return None


def _key_value(value: Any, column: Any) -> Any:
    """One cursor key part checked against its column's type and range."""
    if isinstance(_type(column), DateTime):
        if not isinstance(value, str):
            raise ValueError
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError  # cursors carry aware timestamps; a naive one is forged
        return moment
    limit = _bounds(column)
    if limit is not None:
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > limit:
            raise ValueError
        return value
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError
    return value


def _encodable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def keyset_page(
    session: Session,
    query: Select,
    order: Order,
    *,
    limit: int,
    cursor: str | None,
    total: int = -1,
    backwards: bool = True,
    key_of: Callable[[Any], tuple[Any, ...]] | None = None,
    fetch: Callable[[Select], Iterable[Any]] | None = None,
) -> Page:
    """One page of `query` in `order` after (or before) `cursor`, with cursors around it.

    `backwards` listings also offer `prev` and a `last` link (cursors reading backwards);
    the others page forwards only. `key_of` gives a row's values of the order's columns
    (default: the attributes of the same names); `fetch` runs the query (default:
    `session.scalars`). Raises InvalidArgument("cursor") for a cursor of another listing,
    a forged key, or a backwards cursor on a forwards-only listing.
    """
    columns = order.columns
    key_of = key_of or (lambda row: tuple(getattr(row, c.key) for c in columns))
    position = Cursor.decode(cursor, order.name) if cursor else None
    reading_back = position is not None and position.direction == "before"
    if reading_back and not backwards:
        raise InvalidArgument("cursor", MALFORMED)
    ascending = order.descending == reading_back
    if position is not None and position.key is not None:
        try:
            if len(position.key) != len(columns):
                raise ValueError
            values = tuple(_key_value(v, c) for v, c in zip(position.key, columns, strict=True))
        except (TypeError, ValueError) as exc:
            raise InvalidArgument("cursor", MALFORMED) from exc
        if len(columns) == 1:
            edge, key = columns[0], values[0]
        else:
            edge, key = tuple_(*columns), tuple_(*values)
        query = query.where(edge > key if ascending else edge < key)
    ordered = query.order_by(*(c.asc() if ascending else c.desc() for c in columns))
    rows = list((fetch or session.scalars)(ordered.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    if reading_back:
        rows.reverse()
    next_cursor = prev_cursor = None
    if rows:
        has_next = True if reading_back else more
        has_prev = more if reading_back else (position is not None and backwards)
        if reading_back and position.key is None:
            has_next = False
        if has_next:
            key = tuple(_encodable(v) for v in key_of(rows[-1]))
            next_cursor = Cursor(order.name, "after", key)
        if has_prev:
            key = tuple(_encodable(v) for v in key_of(rows[0]))
            prev_cursor = Cursor(order.name, "before", key)
    return Page(rows=rows, total=total, next=next_cursor, prev=prev_cursor)
