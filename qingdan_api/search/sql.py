"""The `sql` search backend: full text inside the application database (the default)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import islice

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from ..listings.sql import filtered
from ..models import ItemVersion, SearchDocument, Unit
from . import suggestions
from .documents import (
    EXACT_NAME_BOOST,
    NAME_CLOSENESS_BOOST,
    NAME_MATCH_BOOST,
    Document,
    query_length,
)
from .fts import native_index
from .protocol import FACETS, Hit, SearchQuery, SearchResults, Suggestion
from .text import Node

FACET_SIZE = 20
TARGET_CODES = tuple(str(n) for n in range(1, 7))
REBUILD_BATCH = 2000


class SqlBackend:
    """SQLite FTS5 or PostgreSQL full text, whichever the database is."""

    name = "sql"
    checkpoint_name = "sql"

    def write(self, session: Session, documents: list[Document], removed: list[int]) -> None:
        _native(session).write(session, documents, removed)
        suggestions.write(session, documents, removed)

    def rebuild(self, session: Session, documents: Iterable[Document]) -> None:
        # One transaction: readers keep seeing the old index until it commits.
        index = _native(session)
        index.clear(session)
        suggestions.clear(session)
        iterator = iter(documents)
        while batch := list(islice(iterator, REBUILD_BATCH)):
            self.write(session, batch, [])

    def count(self, session: Session) -> int:
        return session.scalar(select(func.count()).select_from(SearchDocument)) or 0

    def search(self, session: Session, query: SearchQuery) -> SearchResults:
        native = _native(session)
        matches = native.match(query.node)
        # An IN over the name-only match is evaluated once; an outer join to it made
        # SQLite rescan it for every row (quadratic on common words).
        in_name = ItemVersion.item_id.in_(native.matching_ids(query.node, scope="name"))
        base = filtered(query.filters).join(matches, matches.c.item_id == ItemVersion.item_id)
        typed_length = query_length(query.exact)
        closeness = case(
            (func.length(ItemVersion.name) <= typed_length, 1.0),
            else_=literal(float(typed_length)) / func.length(ItemVersion.name),
        )
        score = (
            matches.c.score
            + case((ItemVersion.name == query.exact, EXACT_NAME_BOOST), else_=0.0)
            + case((in_name, NAME_MATCH_BOOST + NAME_CLOSENESS_BOOST * closeness), else_=0.0)
        )
        ranked = base.with_only_columns(
            ItemVersion.code.label("code"), score.label("score")
        ).subquery("ranked")
        page = select(ranked.c.code, ranked.c.score)
        if query.after is not None:
            score, code = query.after
            page = page.where(
                or_(ranked.c.score < score, and_(ranked.c.score == score, ranked.c.code > code))
            )
        rows = session.execute(
            page.order_by(ranked.c.score.desc(), ranked.c.code).limit(query.limit)
        ).all()
        facet_rows = base.with_only_columns(
            ItemVersion.category,
            ItemVersion.unit_id,
            ItemVersion.level,
            ItemVersion.region_code,
            ItemVersion.target_mask,
        ).subquery("matched")
        total, facets = _facets(session, facet_rows)
        return SearchResults([Hit(code, float(score)) for code, score in rows], total, facets)

    def suggest(self, session: Session, node: Node, typed: str, limit: int) -> list[Suggestion]:
        # A B-tree prefix range over distinct terms (see `suggestions`): a full-text match
        # grouped by name cost 300-600 ms at 100k items, too slow for every keystroke.
        return suggestions.suggest(session, typed, limit)


def _native(session: Session):
    return native_index(session.get_bind().dialect.name)


def _facets(session: Session, matched) -> tuple[int, dict[str, list[tuple[str, int]]]]:
    """The total and the counts per facet value over the matched public versions.

    One pass over the matched rows, counted here: five GROUP BY queries each re-ran the
    full-text match, and SQLite planned them as one match probe per public version.
    """
    counters: dict[str, Counter] = {name: Counter() for name in FACETS}
    total = 0
    for category, unit_id, level, region, mask in session.execute(select(matched)):
        total += 1
        counters["category"][category] += 1
        counters["unit"][unit_id] += 1
        counters["level"][level] += 1
        counters["region"][region] += 1
        for code in TARGET_CODES:
            if mask & (1 << int(code)):
                counters["target"][code] += 1
    facets = {name: _top(counter) for name, counter in counters.items()}
    credit_codes = dict(
        session.execute(
            select(Unit.id, Unit.credit_code).where(Unit.id.in_([u for u, _n in facets["unit"]]))
        ).all()
    )
    facets["unit"] = _top(
        Counter({credit_codes[u]: n for u, n in counters["unit"].items() if u in credit_codes})
    )
    return total, facets


def _top(counter: Counter) -> list[tuple[str, int]]:
    """The FACET_SIZE most frequent values, ties by value."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_SIZE]
