"""Common terms: query words matched but left out of FTS5's bm25 score, to bound its cost.

FTS5's `bm25()` computes each phrase's document frequency by walking that phrase's whole
doclist, once per query: a word in 140,000 of 1M items cost 20 ms per query before a row
was scored, and 法律 (in 704,000) 65 ms. A word with more documents than the cutoff
still decides which items match; only its share of the text score is dropped, as in
Elasticsearch's `common` terms query (`cutoff_frequency`). It is also the word that tells
items apart least: bm25's idf falls with a word's documents (log((N - n + 0.5) / (n + 0.5)),
clamped to 1e-6 from half the items on).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from cachetools import TTLCache
from sqlalchemy.orm import Session

from .text import AllOf, AnyOf, Node, Term

CUTOFF_FREQUENCY = 10000  # documents; QINGDAN_SEARCH_CUTOFF_FREQUENCY
REMEMBERED_SECONDS = 600
REMEMBERED_TERMS = 65536

# (session, terms, limit) -> term -> its documents, counted up to `limit`
CountUpTo = Callable[[Session, list[Term], int], dict[Term, int]]


class DocumentCounts:
    """How many documents hold each term, counted up to cutoff + 1 and remembered for
    REMEMBERED_SECONDS (thread-safe).

    Counting reads a term's documents up to the cutoff: about 1.5 ms per 10,000 at 1M
    items, which a query of common words paid on every request. A word's count moves
    slowly; one that crossed the cutoff minutes ago is scored or not either way without
    harm, and a remembered count is at most REMEMBERED_SECONDS old.
    """

    def __init__(self, cutoff: int) -> None:
        self.cutoff = cutoff
        self._known: TTLCache[Term, int] = TTLCache(REMEMBERED_TERMS, REMEMBERED_SECONDS)
        self._lock = threading.Lock()

    def of(self, session: Session, node: Node, count: CountUpTo) -> dict[Term, int]:
        """term -> documents (cutoff + 1: more than the cutoff) for each term of `node`;
        `count` counts the ones not remembered, or answers {} where no term costs more
        to score than another (PostgreSQL's ts_rank uses no document frequencies)."""
        terms = terms_in(node)
        with self._lock:
            known = {t: n for t in terms if (n := self._known.get(t)) is not None}
        unknown = [t for t in terms if t not in known]
        if unknown:
            found = count(session, unknown, self.cutoff + 1)
            with self._lock:
                for term, documents in found.items():
                    self._known[term] = known[term] = documents
        return known


def scoring_plan(
    node: Node, counts: dict[Term, int], cutoff: int, budget: int
) -> tuple[frozenset[Term], Node | None]:
    """(terms left unscored, the query to score the matches by; None: none left).

    With no term over `cutoff`, nothing is left out and `node` scores itself (bm25
    computed by its own match). Otherwise the matches are scored by `scoring_node`,
    whose own matches cost a bm25 evaluation each: while they may number more than
    `budget`, its most frequent term is left out too.
    """
    unscored = {t for t, documents in counts.items() if documents > cutoff}
    if not unscored:
        return frozenset(), node
    while (scoring := scoring_node(node, frozenset(unscored))) is not None:
        if _most_matches(scoring, counts) <= budget:
            break
        unscored.add(max(terms_in(scoring), key=lambda t: counts.get(t, 0)))
    return frozenset(unscored), scoring


def terms_in(node: Node) -> list[Term]:
    """The distinct terms of a query tree, in the order FTS5 numbers its phrases."""
    if isinstance(node, Term):
        return [node]
    return list(dict.fromkeys(t for part in node.parts for t in terms_in(part)))


def scoring_node(node: Node, common: frozenset[Term]) -> Node | None:
    """The query to score by once `common` terms are dropped; None: nothing left to score.

    Dropping a term loosens the query (an AND without it matches more, an OR with a
    branch left empty matches anything), so the result is a superset of `node`'s matches
    and scores are only read for rows `node` matched. Where an OR loses a whole branch,
    the remaining terms are OR-ed instead: every row holding one of them gets its score.
    """
    kept = _without(node, common)
    if kept is not None:
        return kept
    rare = [t for t in terms_in(node) if t not in common]
    if not rare:
        return None
    return rare[0] if len(rare) == 1 else AnyOf(tuple(rare))


def _without(node: Node, common: frozenset[Term]) -> Node | None:
    """`node` without `common` terms; None where nothing constrains the match any more."""
    if isinstance(node, Term):
        return None if node in common else node
    parts = [_without(part, common) for part in node.parts]
    if isinstance(node, AnyOf):
        if any(part is None for part in parts):
            return None
        return AnyOf(tuple(parts))  # type: ignore[arg-type]
    kept = tuple(part for part in parts if part is not None)
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else AllOf(kept)


def _most_matches(node: Node, counts: dict[Term, int]) -> int:
    """An upper bound of `node`'s matches: a term's documents, the least of an AND's
    parts, the sum of an OR's."""
    if isinstance(node, Term):
        return counts.get(node, 0)
    bounds = [_most_matches(part, counts) for part in node.parts]
    return min(bounds) if isinstance(node, AllOf) else sum(bounds)
