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
