"""The `sql` search backend: full text inside the application database (the default)."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable
from itertools import islice

from sqlalchemy import case, func, literal, select, union
from sqlalchemy.orm import Session

from ..listings.filters import ACTIVE, ItemFilters
from ..listings.sql import filtered
from ..models import ItemVersion, SearchDocument, Unit
from . import suggestions
from .common_terms import CUTOFF_FREQUENCY, DocumentCounts, scoring_plan
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
# Matches an unfiltered search ranks, counts and facets at most, per candidate source;
# beyond it the answer says `approximate` (see `_capped_matches`). A word found in most
# of 1M items otherwise cost seconds per request in reading, scoring and facet counting.
MATCH_CAP = 2000
UNFILTERED = ItemFilters(status=ACTIVE)
TARGET_CODES = tuple(str(n) for n in range(1, 7))
REBUILD_BATCH = 2000


class SqlBackend:
    """SQLite FTS5 or PostgreSQL full text, whichever the database is."""

    name = "sql"
    checkpoint_name = "sql"

    def __init__(self, match_cap: int = MATCH_CAP, cutoff_frequency: int = CUTOFF_FREQUENCY):
        self.match_cap = match_cap  # QINGDAN_SEARCH_MATCH_CAP
        self.counts = DocumentCounts(cutoff_frequency)  # QINGDAN_SEARCH_CUTOFF_FREQUENCY

    def write(
        self, session: Session, documents: list[Document], removed: list[int], bulk: bool = False
    ) -> None:
        _native(session).write(session, documents, removed)
        suggestions.write(session, documents, removed, bulk=bulk)

    def rebuild(self, session: Session, documents: Iterable[Document]) -> None:
        # One transaction: readers keep seeing the old index until it commits.
        index = _native(session)
        index.clear(session)
        suggestions.clear(session)
        iterator = iter(documents)
        while batch := list(islice(iterator, REBUILD_BATCH)):
            self.write(session, batch, [], bulk=True)
        self.settle(session, bulk=True)

    def settle(self, session: Session, bulk: bool = False) -> None:
        suggestions.merge(session, everything=True)
        if bulk:
            _native(session).optimize(session)

    def count(self, session: Session) -> int:
        return session.scalar(select(func.count()).select_from(SearchDocument)) or 0

    def search(self, session: Session, query: SearchQuery) -> SearchResults:
        native = _native(session)
        cap = self.match_cap
        counts = self.counts.of(session, query.node, native.count_documents)
        # Terms in very many documents match but are not scored (see `common_terms`).
        unscored, scoring = scoring_plan(query.node, counts, self.counts.cutoff, cap)
        # The most recent matches, one more than the cap: every match when there are no more.
        recent = dict(
            session.execute(
                select(native.match(query.node, cap=cap + 1, scored=not unscored).subquery())
            ).all()
        )
        if len(recent) <= cap:
            # Every match is known: their versions are read by id, without a second
            # full-text match (one cost 9 ms at 1M for an AND of common words).
            statement = filtered(query.filters).where(
                ItemVersion.item_id.in_(native.listed(list(recent)))
            )
            named = native.matching_ids(query.node, scope="name")
            rows = session.execute(statement.with_only_columns(*_scored_columns(query, named)))
            scores = _text_scores(session, native, scoring, list(recent)) if unscored else recent
            return _results(session, query, _add(rows.all(), scores))
        if query.filters == UNFILTERED:
            recent = dict(islice(recent.items(), cap))
            if unscored:
                recent = _text_scores(session, native, scoring, list(recent))
            rows = _capped_rows(session, native, query, cap, recent)
            return _results(session, query, rows, approximate=True)
        # Filtered searches stay exact: the recent matches may hold none of what they want.
        matches = native.match(query.node, scored=not unscored).subquery("matches")
        # An IN over the name-only match is evaluated once; an outer join to it made
        # SQLite rescan it for every row (quadratic on common words).
        named = native.matching_ids(query.node, scope="name")
        base = filtered(query.filters).join(matches, matches.c.item_id == ItemVersion.item_id)
        # One pass over the matches for the page, the total and the facets: ranking in one
        # query and counting in another read, scored and joined every match twice.
        columns = _scored_columns(query, named, text_score=matches.c.score)
        rows = session.execute(base.with_only_columns(*columns)).all()
        if unscored:
            rows = _add(rows, _text_scores(session, native, scoring, [r[7] for r in rows]))
        return _results(session, query, rows)

    def suggest(self, session: Session, node: Node, typed: str, limit: int) -> list[Suggestion]:
        # A B-tree prefix range over distinct terms (see `suggestions`): a full-text match
        # grouped by name cost 300-600 ms at 100k items, too slow for every keystroke.
        return suggestions.suggest(session, typed, limit)


def _scored_columns(query: SearchQuery, named, text_score=None) -> tuple:
    """The columns of a scored match row: (code, score, category, unit_id, level,
    region_code, target_mask, item_id); `named` selects the ids matching in their name.

    The score is the tiers: the exact name, then the name match, closer names first
    (`documents.EXACT_NAME_BOOST` and the boosts after it), plus `text_score` if given
    (otherwise the text score is added to the rows, see `_add`).
    """
    typed_length = query_length(query.exact)
    closeness = case(
        (func.length(ItemVersion.name) <= typed_length, 1.0),
        else_=literal(float(typed_length)) / func.length(ItemVersion.name),
    )
    score = (
        (literal(0.0) if text_score is None else text_score)
        + case((ItemVersion.name == query.exact, EXACT_NAME_BOOST), else_=0.0)
        + case(
            (ItemVersion.item_id.in_(named), NAME_MATCH_BOOST + NAME_CLOSENESS_BOOST * closeness),
            else_=0.0,
        )
    )
    return (
        ItemVersion.code,
        score.label("score"),
        ItemVersion.category,
        ItemVersion.unit_id,
        ItemVersion.level,
        ItemVersion.region_code,
        ItemVersion.target_mask,
        ItemVersion.item_id,
    )


def _add(rows: list, scores: dict[int, float]) -> list:
    """`rows` (see `_scored_columns`) with the text scores of their items added."""
    return [(r[0], r[1] + scores.get(r[7], 0.0), *r[2:]) for r in rows]


def _results(session: Session, query: SearchQuery, rows: list, approximate: bool = False):
    """The page after `query.after`, the total and the facets of scored match rows.

    `rows`: (code, score, category, unit_id, level, region_code, target_mask, …) tuples.
    """
    total, facets = _facets(session, rows)
    if query.after is not None:
        after_score, after_code = query.after
        rows = [
            r for r in rows if r[1] < after_score or (r[1] == after_score and r[0] > after_code)
        ]
    page = heapq.nsmallest(query.limit, rows, key=lambda r: (-r[1], r[0]))
    hits = [Hit(code, float(score)) for code, score, *_facet_values in page]
    return SearchResults(hits, total, facets, approximate=approximate)


def _text_scores(session: Session, native, scoring: Node | None, ids: list[int]):
    """item id -> text score for `ids` (matches), scored by the query `scoring` (see
    `common_terms.scoring_plan`); ids it does not match (all their words common) score 0.
    """
    found = native.text_scores(session, scoring, min(ids), max(ids)) if scoring and ids else {}
    return {item_id: found.get(item_id, 0.0) for item_id in ids}


def _capped_rows(
    session: Session,
    native,
    query: SearchQuery,
    cap: int,
    recent: dict[int, float],
) -> list[tuple]:
    """Scored rows of the candidates of an unfiltered query with more than `cap` matches.

    Candidates: `recent`, the `cap` most recently indexed matches (item id -> text
    score), the `cap` most recent name matches and the items named exactly as typed.
    Name matches are sparser than matches, so the capped name matches hold every name
    match among the capped matches: the name tier is right for every candidate, and the
    tiers outweigh the text score of the few candidates that come without one. Reading,
    scoring and joining stay bounded whatever the word (one found in most items cost
    seconds at 1M).
    """
    named = native.match(query.node, scope="name", cap=cap, scored=False, name="named")
    named_ids = select(named.cte("named").c.item_id)
    active = ItemVersion.public_status == ACTIVE
    candidates = union(
        select(ItemVersion.item_id).where(
            active, ItemVersion.item_id.in_(native.listed(list(recent)))
        ),
        named_ids,
        select(ItemVersion.item_id).where(active, ItemVersion.name == query.exact),
    )
    # IN, not a join: SQLite then reads the versions by candidate id rather than scanning
    # every public version for each candidate.
    statement = select(*_scored_columns(query, named_ids)).where(
        active, ItemVersion.item_id.in_(candidates)
    )
    return _add(session.execute(statement).all(), recent)


def _native(session: Session):
    return native_index(session.get_bind().dialect.name)


def _facets(session: Session, rows: list) -> tuple[int, dict[str, list[tuple[str, int]]]]:
    """The total and the counts per facet value over the matched public versions.

    `rows`: (code, score, category, unit_id, level, region_code, target_mask) tuples.
    Counted here, in one pass: five GROUP BY queries each re-ran the full-text match, and
    SQLite planned them as one match probe per public version.
    """
    counters: dict[str, Counter] = {
        "category": Counter(r[2] for r in rows),
        "unit": Counter(r[3] for r in rows),
        "level": Counter(r[4] for r in rows),
        "region": Counter(r[5] for r in rows),
    }
    masks = Counter(r[6] for r in rows)  # few distinct masks: count them, then their bits
    counters["target"] = Counter(
        {
            code: n
            for code in TARGET_CODES
            if (n := sum(c for mask, c in masks.items() if mask & (1 << int(code))))
        }
    )
    facets = {name: _top(counter) for name, counter in counters.items()}
    credit_codes = dict(
        session.execute(
            select(Unit.id, Unit.credit_code).where(Unit.id.in_([u for u, _n in facets["unit"]]))
        ).all()
    )
    facets["unit"] = _top(
        Counter({credit_codes[u]: n for u, n in counters["unit"].items() if u in credit_codes})
    )
    return len(rows), {name: facets[name] for name in FACETS}


def _top(counter: Counter) -> list[tuple[str, int]]:
    """The FACET_SIZE most frequent values, ties by value."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_SIZE]
