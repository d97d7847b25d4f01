"""The SearchBackend protocol and the plain values that cross it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.orm import Session

from ..listings.filters import ItemFilters
from .documents import Document
from .text import Node

FACETS = ("category", "unit", "level", "target", "region")


@dataclass(frozen=True)
class SearchQuery:
    node: Node
    filters: ItemFilters
    exact: str = ""  # the input as typed (cleaned), for the exact-name tier
    limit: int = 25
    after: tuple[float, str] | None = None  # (score, code) of the last hit already seen


@dataclass(frozen=True)
class Hit:
    code: str
    score: float


@dataclass
class SearchResults:
    hits: list[Hit]
    total: int
    # facet -> [(value, count)], most frequent first; unit values are credit codes,
    # target values are target codes, the others what the record stores.
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    # True when the backend ranked, counted and faceted only part of the matches (a word
    # found in very many items): `total` and `facets` then count that part.
    approximate: bool = False


@dataclass(frozen=True)
class Suggestion:
    name: str
    code: str  # one item with this name (the best-ranked)
    count: int  # how many items carry this name


class SearchBackend(Protocol):
    """A full-text index of the published items.

    `write` and `rebuild` get the caller's session: a backend that stores its index in the
    database writes there, so the index changes commit together with the checkpoint.
    """

    name: str

    @property
    def checkpoint_name(self) -> str:
        """The row in `search_checkpoints` that records how far this index got."""
        ...

    def write(
        self, session: Session, documents: list[Document], removed: list[int], bulk: bool = False
    ) -> None:
        """Add or replace `documents`; drop the items with ids in `removed`.

        `bulk`: the write is part of a bulk run (see `settle`), which may defer more to
        the `settle` that ends it.
        """
        ...

    def rebuild(self, session: Session, documents: Iterable[Document]) -> None:
        """Replace the whole index by `documents`, atomically for readers."""
        ...

    def settle(self, session: Session, bulk: bool = False) -> None:
        """Finish what `write` deferred, so that every query sees everything written.

        Called once a catch-up or a rebuild has written all it had to; a backend may
        defer part of a long run of writes until then (the `sql` backend's new
        autocomplete keys). `bulk`: that run was a rebuild, or a catch-up of at least
        half as many changes as the index held documents (a first load, a big harvest),
        after which a backend may also compact its index (SQLite: FTS5 merges its
        segments into one).
        """
        ...

    def search(self, session: Session, query: SearchQuery) -> SearchResults: ...

    def suggest(self, session: Session, node: Node, typed: str, limit: int) -> list[Suggestion]:
        """Distinct item names for autocomplete; `typed` is the input as typed."""
        ...

    def count(self, session: Session) -> int:
        """Documents in the index."""
        ...
