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


def publication_marker(session: Session, *also: ScalarSelect[Any]) -> tuple[Any, ...]:
    """(database URL, newest change seq, newest version id, *also): moves with publication.

    Publication, withdrawal and every release write a change row, and versions only grow,
    so a public answer keyed by this marker stays valid until it moves. Both maxima are
    read from primary keys in microseconds; the URL keeps two databases in one process
    (tests, a host app with two instances) apart. `also`: further scalar subqueries an
    answer depends on, read in the same statement.
    """
    row = session.execute(
        select(
            select(func.max(Change.seq)).scalar_subquery(),
            select(func.max(ItemVersion.id)).scalar_subquery(),
            *also,
        )
    ).one()
    return (session.get_bind().url.render_as_string(hide_password=True), *row)
