"""Keyset paging with opaque cursors.

A cursor records the sort key of the row at a page edge and the direction to read in.
Pages are fetched with `WHERE (sort_col, code) > (:value, :code)` instead of OFFSET, so
page N costs the same as page 1 and rows inserted meanwhile never shift what follows.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from .errors import InvalidArgument


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
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            data = json.loads(raw)
            cursor = cls(data["s"], data["d"], None if data["k"] is None else tuple(data["k"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidArgument(param, "malformed cursor") from exc
        if cursor.direction not in ("after", "before"):
            raise InvalidArgument(param, "malformed cursor")
        if cursor.key is None and cursor.direction != "before":
            raise InvalidArgument(param, "malformed cursor")
        if cursor.sort != sort:
            raise InvalidArgument(param, f"cursor was made for sort={cursor.sort!r}, not {sort!r}")
        return cursor


LAST_PAGE = "last"


@dataclass
class Page:
    rows: list[Any]
    total: int
    next: Cursor | None
    prev: Cursor | None


def newest_first(
    session: Session, query: Select, id_column: Any, *, limit: int, cursor: str | None
) -> tuple[list[Any], Cursor | None]:
    """One page of `query` by descending id, following a forward-only cursor."""
    position = Cursor.decode(cursor, "-id") if cursor else None
    if position is not None:
        try:
            if position.direction != "after" or not position.key:
                raise ValueError
            last_id = int(position.key[0])
        except (TypeError, ValueError) as exc:
            raise InvalidArgument("cursor", "malformed cursor") from exc
        query = query.where(id_column < last_id)
    rows = list(session.scalars(query.order_by(id_column.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (Cursor("-id", "after", (rows[-1].id,)) if more else None)
