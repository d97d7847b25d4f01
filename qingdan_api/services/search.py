"""Full-text search over the published lists: validates input, asks the backend, pages."""

from __future__ import annotations

import threading
import unicodedata
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import LargeBinary, Select, String, cast, literal_column, null, select, union_all
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
from .published import public_json_bytes, render_version

MAX_QUERY_CHARS = 200
SORT = "relevance"
FACET_VOCABULARIES = {"category": "categories", "level": "levels", "target": "targets"}


@dataclass
class SearchHit:
    code: str
    # The stored listing summary (domain/published_json.py: `@id`s relative to the root).
    summary: bytes
    source_id: int | None
    score: float
    highlights: dict[str, str]
    # The stored public resource (domain/published_json.py), read only when `search` was
    # asked for records (the API splices summaries and needs none).
    public_json: bytes | None = None

    @property
    def record(self) -> dict[str, Any]:
        """The public resource as a dict (decoded on each call: keep it if used twice)."""
        if self.public_json is None:
            raise ValueError("search(..., records=True) reads the records")
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
    records: bool = False,
) -> SearchPage:
    """One page of published items matching `q`, best first, with facet counts.

    With `records`, each hit also carries its public resource (`SearchHit.record`).
    Database work: when the backend's answer is kept (a query asked again while the index
    has not moved), one statement reads the index checkpoint, the hits' summaries and the
    unit facets' names together; highlights not yet cut (a version's first appearance
    for these words) and `records` add one statement.
    """
    node = parse_query(q)
    if node is None:
        raise InvalidArgument("q", "no words to search for: use Chinese, letters or digits")
    if filters.at is not None or filters.status != ACTIVE:
        raise InvalidArgument("status", "search covers what is published now")
    query = SearchQuery(node, filters, exact=typed(q), limit=limit + 1, after=_after(cursor))
    results, stored, units = _answer(session, backend, query, limit)
    more = len(results.hits) > limit
    hits = results.hits[:limit]
    terms = frozenset(terms_of(node))
    database = session.get_bind().url.render_as_string(hide_password=True)
    live = [(hit, stored[hit.code]) for hit in hits if hit.code in stored]
    # An index that lags may still hold a withdrawn item: it is not in `stored`.
    highlights = {
        version_id: _HIGHLIGHTS.find((database, version_id, terms))
        for _hit, (_summary, _source, version_id, _full) in live
    }
    wanted = [v for v, found in highlights.items() if records or found is None]
    full = public_json_bytes(session, wanted) if wanted else {}
    page = []
    for hit, (summary, source_id, version_id, rendered) in live:
        body = full.get(version_id, rendered)
        if body is None and (records or highlights[version_id] is None):
            body = render_version(session.get(ItemVersion, version_id)).full  # never stamped
        if highlights[version_id] is None:
            highlights[version_id] = _highlights((database, version_id), body, terms)
        page.append(
            SearchHit(
                hit.code,
                summary,
                source_id,
                hit.score,
                highlights[version_id],
                body if records else None,
            )
        )
    next_cursor = Cursor(SORT, "after", (hits[-1].score, hits[-1].code)) if more else None
    facets = _labelled(results.facets, units)
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


# The checkpoint state each backend's index was last seen in: the key under which the
# next request looks for its kept answer before it has read the checkpoint.
_SEEN: weakref.WeakKeyDictionary[SearchBackend, tuple | None] = weakref.WeakKeyDictionary()

Stored = dict[str, tuple[bytes, int | None, int, bytes | None]]


def _answer(
    session: Session, backend: SearchBackend, query: SearchQuery, limit: int
) -> tuple[SearchResults, Stored, dict[str, str]]:
    """The backend's answer (ranked codes, total, facet counts), kept per index state, with
    the live hits' stored summaries and the unit facets' names.

    Counting the facets of a common word reads every match (tens of thousands of rows), yet
    the answer only changes when the index does, and every change of the index moves its
    checkpoint row (seq and time, a rebuild too): answers are kept per backend and
    checkpoint, the 256 most recently asked. Hits are hydrated from the database on every
    request, so a withdrawal shows at once.

    The checkpoint is read in the same statement as the hits of the answer kept under the
    state last seen: when it has not moved, that answer is current and one statement did
    it all; when it has, the answer for the new state is found (or computed: the
    checkpoint was read before the backend searched) and hydrated by a second statement.
    """
    with _RESULTS_LOCK:
        kept = _RESULTS.setdefault(backend, Kept(maxsize=256))
        seen = _SEEN.get(backend, _NEVER)
    results = None if seen is _NEVER else kept.find((seen, repr(query)))
    if results is not None:
        state, stored, units = _read(session, backend, results, limit)
        if state == seen:
            return results, stored, units
    else:
        state = _read(session, backend, None, limit)[0]
    with _RESULTS_LOCK:
        _SEEN[backend] = state
    results = kept.get((state, repr(query)), lambda: backend.search(session, query))
    _state, stored, units = _read(session, backend, results, limit)
    return results, stored, units


_NEVER = object()
_COLUMNS = ("kind", "key", "label", "summary", "number", "version_id")


def _part(kind: str, *columns: Any) -> Select:
    """One part of `_read`'s union: its kind, then the five shared columns, named alike."""
    named = [literal_column(f"'{kind}'"), *columns]
    return select(*(column.label(name) for column, name in zip(named, _COLUMNS, strict=True)))


def _read(
    session: Session, backend: SearchBackend, results: SearchResults | None, limit: int
) -> tuple[tuple | None, Stored, dict[str, str]]:
    """(checkpoint state, code -> (summary, source id, version id, rendered full JSON or
    None) of the live versions among the first `limit` hits, credit code -> name of the
    unit facets), in one statement.

    The rows of the three are told apart by their first column; a UNION ALL needs the same
    columns in each part, hence the typed NULLs.
    """
    none_text, none_bytes, none_number = cast(null(), String), cast(null(), LargeBinary), null()
    parts: list[Select] = [
        _part(
            "c",
            none_text,
            cast(SearchCheckpoint.updated_at, String),
            none_bytes,
            SearchCheckpoint.seq,
            none_number,
        ).where(SearchCheckpoint.name == backend.checkpoint_name)
    ]
    codes = [hit.code for hit in results.hits[:limit]] if results is not None else []
    units = [value for value, _n in results.facets.get("unit", [])] if results else []
    if codes:
        parts.append(
            _part(
                "i",
                ItemVersion.code,
                none_text,
                ItemVersion.summary_json,
                ItemVersion.source_id,
                ItemVersion.id,
            ).where(ItemVersion.code.in_(codes), ItemVersion.public_status == ACTIVE)
        )
    if units:
        parts.append(
            _part("u", Unit.credit_code, Unit.name, none_bytes, none_number, none_number).where(
                Unit.credit_code.in_(units)
            )
        )
    statement = parts[0] if len(parts) == 1 else union_all(*parts)
    state, stored, names = None, {}, {}
    for kind, key, label, summary, number, version_id in session.execute(statement):
        if kind == "c":
            state = (number, label)
        elif kind == "u":
            names[key] = label
        elif summary is None:  # stamped at publication; rendered if missed
            rendered = render_version(session.get(ItemVersion, version_id))
            stored[key] = (rendered.summary, number, version_id, rendered.full)
        else:
            stored[key] = (bytes(summary), number, version_id, None)
    return state, stored, names


def _highlights(
    version: tuple[str, int], public_json: bytes, terms: frozenset[str]
) -> dict[str, str]:
    """The hit's highlighted name and passage (search/snippets.py), cut once per version."""
    return _HIGHLIGHTS.get((*version, terms), lambda: snippets(decode(public_json), set(terms)))


def _labelled(facets: dict[str, list[tuple[str, int]]], units: dict[str, str]) -> dict:
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
