"""Read answers kept in process until what is published moves (bounded, thread-safe)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from cachetools import LRUCache
from sqlalchemy import ScalarSelect, func, select
from sqlalchemy.orm import Session

from ..models import Change, ItemVersion

T = TypeVar("T")


class Kept(Generic[T]):
    """An LRU cache of computed answers, `maxsize` entries, safe across threads.

    cachetools' caches are not thread-safe by themselves; two threads that miss the same
    key both compute it (answers are pure functions of their key: the later one wins).
    """

    def __init__(self, maxsize: int) -> None:
        self._cache: LRUCache[Hashable, T] = LRUCache(maxsize=maxsize)
        self._lock = threading.Lock()

    def find(self, key: Hashable) -> T | None:
        """The answer kept under `key`, or None (nothing is computed)."""
        with self._lock:
            return self._cache.get(key)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The answer kept under `key`, computed (outside the lock) and kept when missing."""
        with self._lock:
            found = self._cache.get(key)
        if found is None:
            found = compute()
            with self._lock:
                self._cache[key] = found
        return found


# The marker last read per database (URL -> marker): answers that look their kept part
# up before they have read the marker, and then read it with their rows, start from it.
_LAST_MARKER: dict[str, tuple[Any, ...]] = {}
MARKER_COLUMNS = ("qingdan_marker_seq", "qingdan_marker_version")


def publication_marker(session: Session, *also: ScalarSelect[Any]) -> tuple[Any, ...]:
    """(database URL, newest change seq, newest version id, *also): moves with publication.

    Publication, withdrawal and every release write a change row, and versions only grow,
    so a public answer keyed by this marker stays valid until it moves. Both maxima are
    read from primary keys in microseconds; the URL keeps two databases in one process
    (tests, a host app with two instances) apart. `also`: further scalar subqueries an
    answer depends on, read in the same statement.
    """
    row = session.execute(select(*marker_columns(), *also)).one()
    marker = (_database(session), *row)
    if not also:
        _LAST_MARKER[marker[0]] = marker
    return marker


def marker_columns() -> tuple[Any, ...]:
    """The marker's two maxima as labelled scalar subqueries, to add to a row query."""
    return (
        select(func.max(Change.seq)).scalar_subquery().label(MARKER_COLUMNS[0]),
        select(func.max(ItemVersion.id)).scalar_subquery().label(MARKER_COLUMNS[1]),
    )


def last_marker(session: Session) -> tuple[Any, ...] | None:
    """The `publication_marker` this process last read from the session's database, if any
    (a guess: the caller must read the marker again to know it still holds)."""
    return _LAST_MARKER.get(_database(session))


def marker_of(session: Session, row: Any) -> tuple[Any, ...]:
    """The `publication_marker` read in a row that selected `marker_columns()`."""
    marker = (_database(session), *(getattr(row, name) for name in MARKER_COLUMNS))
    _LAST_MARKER[marker[0]] = marker
    return marker


def _database(session: Session) -> str:
    return session.get_bind().url.render_as_string(hide_password=True)
