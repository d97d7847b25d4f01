"""Full-text search over the published lists: validates input, asks the backend, pages."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain import vocabularies as vocab
from ..listings.filters import ACTIVE, ItemFilters
from ..listings.paging import Cursor
from ..models import ItemVersion, Unit
from ..search.protocol import SearchBackend, SearchQuery, Suggestion
from ..search.snippets import snippets
from ..search.text import Node, fold_script, parse, terms_of
from .errors import InvalidArgument

MAX_QUERY_CHARS = 200
SORT = "relevance"
FACET_VOCABULARIES = {"category": "categories", "level": "levels", "target": "targets"}


@dataclass
class SearchHit:
    version: ItemVersion
    score: float
    highlights: dict[str, str]


@dataclass
class SearchPage:
    hits: list[SearchHit]
    total: int
    facets: dict[str, list[dict[str, Any]]]
    next: Cursor | None


def parse_query(q: str | None, *, prefix_last: bool = False) -> Node | None:
    """The query tree of user input; a 400 for input no backend could take."""
    if q is None or not q.strip():
        raise InvalidArgument("q", "give the words to search for")
    if len(q) > MAX_QUERY_CHARS:
        raise InvalidArgument("q", f"at most {MAX_QUERY_CHARS} characters")
    return parse(q, prefix_last=prefix_last)


def _after(cursor: str | None) -> tuple[float, str] | None:
    if not cursor:
        return None
    position = Cursor.decode(cursor, SORT)
    key = position.key
    if (
        position.direction != "after"
        or key is None
        or len(key) != 2
        or not isinstance(key[0], int | float)
        or not isinstance(key[1], str)
    ):
        raise InvalidArgument("cursor", "malformed cursor")
    return float(key[0]), key[1]


def search(
    session: Session,
    backend: SearchBackend,
    q: str | None,
    filters: ItemFilters,
    *,
    limit: int = 25,
    cursor: str | None = None,
) -> SearchPage:
    """One page of published items matching `q`, best first, with facet counts."""
    node = parse_query(q)
    if node is None:
        raise InvalidArgument("q", "no words to search for: use Chinese, letters or digits")
    if filters.at is not None or filters.status != ACTIVE:
        raise InvalidArgument("status", "search covers what is published now")
    query = SearchQuery(node, filters, exact=typed(q), limit=limit + 1, after=_after(cursor))
    results = backend.search(session, query)
    more = len(results.hits) > limit
    hits = results.hits[:limit]
    versions = {
        v.code: v
        for v in session.scalars(
            select(ItemVersion).where(
                ItemVersion.code.in_([h.code for h in hits]), ItemVersion.public_status == ACTIVE
            )
        )
    }
    terms = terms_of(node)
    page = [
        SearchHit(versions[h.code], h.score, snippets(versions[h.code].record, terms))
        for h in hits
        if h.code in versions  # an index that lags may still hold a withdrawn item
    ]
    next_cursor = Cursor(SORT, "after", (hits[-1].score, hits[-1].code)) if more else None
    return SearchPage(page, results.total, _labelled(session, results.facets), next_cursor)


def _labelled(session: Session, facets: dict[str, list[tuple[str, int]]]) -> dict:
    units = dict(
        session.execute(
            select(Unit.credit_code, Unit.name).where(
                Unit.credit_code.in_([value for value, _n in facets.get("unit", [])])
            )
        ).all()
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for name, values in facets.items():
        entries = []
        for value, count in values:
            if name in FACET_VOCABULARIES:
                label = vocab.label(FACET_VOCABULARIES[name], value)
            elif name == "unit":
                label = units.get(value)
            else:
                label = None
            entries.append({"value": value, "label": label, "count": count})
        out[name] = entries
    return out


def suggest(
    session: Session, backend: SearchBackend, q: str | None, *, limit: int = 10
) -> list[Suggestion]:
    """Item names (and codes) completing what the user has typed so far."""
    node = parse_query(q, prefix_last=True)
    return [] if node is None else backend.suggest(session, node, typed(q), limit)


def typed(q: str) -> str:
    """The input without control characters, surrogates and outer spaces (safe to bind),
    in simplified script, as stored names are (see search/text.py)."""
    return fold_script("".join(ch for ch in q if unicodedata.category(ch)[0] != "C").strip())
