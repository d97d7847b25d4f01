"""Full-text search over the published lists: validates input, asks the backend, pages."""

from __future__ import annotations

import threading
import unicodedata
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain import vocabularies as vocab
from ..domain.published_json import decode
from ..listings.filters import ACTIVE, ItemFilters
from ..listings.paging import Cursor
from ..models import ItemVersion, SearchCheckpoint, Unit
from ..search.protocol import SearchBackend, SearchQuery, SearchResults, Suggestion
from ..search.snippets import snippets
from ..search.text import Node, fold_script, parse, terms_of
from .errors import InvalidArgument
from .kept import Kept
from .published import render_version

MAX_QUERY_CHARS = 200
SORT = "relevance"
FACET_VOCABULARIES = {"category": "categories", "level": "levels", "target": "targets"}


@dataclass
class SearchHit:
    code: str
    # The stored listing summary (domain/published_json.py: `@id`s relative to the root).
    summary: bytes
    source_id: int | None
    # The stored public resource (domain/published_json.py), decoded only when asked for.
    public_json: bytes
    score: float
    highlights: dict[str, str]

    @property
    def record(self) -> dict[str, Any]:
        """The public resource as a dict (decoded on each call: keep it if used twice)."""
        return decode(self.public_json)


@dataclass
class SearchPage:
    hits: list[SearchHit]
    total: int
    facets: dict[str, list[dict[str, Any]]]
    next: Cursor | None
    approximate: bool = False  # total and facets count only part of the matches


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
    results = _backend_search(session, backend, query)
    more = len(results.hits) > limit
    hits = results.hits[:limit]
    stored = _hydrate(session, [h.code for h in hits])
    terms = frozenset(terms_of(node))
    database = session.get_bind().url.render_as_string(hide_password=True)
    page = []
    for hit in hits:
        if hit.code not in stored:  # an index that lags may still hold a withdrawn item
            continue
        summary, source_id, full, version_id = stored[hit.code]
        highlights = _highlights((database, version_id), full, terms)
        page.append(SearchHit(hit.code, summary, source_id, full, hit.score, highlights))
    next_cursor = Cursor(SORT, "after", (hits[-1].score, hits[-1].code)) if more else None
    facets = _labelled(session, results.facets)
    return SearchPage(page, results.total, facets, next_cursor, results.approximate)


# Per backend object: two apps on one database may search it differently (their match
# caps, their Elasticsearch aliases), so answers are never shared between backends.
_RESULTS: weakref.WeakKeyDictionary[SearchBackend, Kept[SearchResults]]
_RESULTS = weakref.WeakKeyDictionary()
_RESULTS_LOCK = threading.Lock()
# Highlights of a published version for a set of terms: a version never changes, so they
# are cut once; a popular query's hits cost a dict lookup instead of folding every text.
# Keyed by database and version id: version ids of two databases in one process collide.
_HIGHLIGHTS: Kept[dict[str, str]] = Kept(maxsize=4096)


def _backend_search(session: Session, backend: SearchBackend, query: SearchQuery) -> SearchResults:
    """The backend's answer (ranked codes, total, facet counts), kept per index state.

    Counting the facets of a common word reads every match (tens of thousands of rows), yet
    the answer only changes when the index does, and every change of the index moves its
    checkpoint row (seq and time, a rebuild too): answers are kept per backend and
    checkpoint, the 256 most recently asked. Hits are hydrated from the database on every
    request, so a withdrawal shows at once.
    """
    state = session.execute(
        select(SearchCheckpoint.seq, SearchCheckpoint.updated_at).where(
            SearchCheckpoint.name == backend.checkpoint_name
        )
    ).first()
    key = (None if state is None else tuple(state), repr(query))
    with _RESULTS_LOCK:
        kept = _RESULTS.setdefault(backend, Kept(maxsize=256))
    return kept.get(key, lambda: backend.search(session, query))


def _highlights(
    version: tuple[str, int], public_json: bytes, terms: frozenset[str]
) -> dict[str, str]:
    """The hit's highlighted name and passage (search/snippets.py), cut once per version."""
    return _HIGHLIGHTS.get((*version, terms), lambda: snippets(decode(public_json), set(terms)))


def _hydrate(session: Session, codes: list[str]) -> dict[str, tuple[bytes, int | None, bytes, int]]:
    """code -> (summary, source id, full public JSON, version id) of the live versions."""
    if not codes:
        return {}
    rows = session.execute(
        select(
            ItemVersion.code,
            ItemVersion.summary_json,
            ItemVersion.source_id,
            ItemVersion.public_json,
            ItemVersion.id,
        ).where(ItemVersion.code.in_(codes), ItemVersion.public_status == ACTIVE)
    ).all()
    out = {}
    for code, summary, source_id, full, version_id in rows:
        if summary is None or full is None:  # stamped at publication; rendered if missed
            rendered = render_version(session.get(ItemVersion, version_id))
            summary, full = rendered.summary, rendered.full
        out[code] = (bytes(summary), source_id, bytes(full), version_id)
    return out


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
