"""Autocomplete terms of the `sql` backend: a B-tree prefix index kept by the indexer."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import rjieba
from sqlalchemy import and_, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from ..models import SearchSuggestion
from .documents import Document
from .protocol import Suggestion
from .text import _HAS_DIGIT, MIN_CODE_PREFIX, STOPWORDS, code_term

CODE = "code"
NAME = "name"
TOP = "\uffff"  # above every character a key can hold (keys are BMP-only, see text.TERM)
CHUNK = 500  # stays under SQLite's bound-parameter limit
FETCH_FACTOR = 4  # rows fetched per suggestion wanted: one term can match several suffixes
SCAN_CAP = 2000  # name rows of a prefix range ranked at most (see `suggest`)


def key_of(text: str | None) -> str:
    """The matching form of a term or of what was typed: [0-9a-z] and ideographs only."""
    return code_term(text) or ""


def term_of(record: dict[str, Any]) -> str:
    """What an item is suggested as: its name, and its sub-item's name if it has one."""
    sub = record.get("sub_item_name")
    return f"{record['name']} {sub}" if sub else record["name"]


def suffix_keys(term: str) -> list[str]:
    """The term's key from each word on: 经营许可 and 许可 find 食品经营许可 by prefix."""
    key = key_of(term)
    starts = {0} | {
        start for word, start, _end in rjieba.tokenize(key, mode="search") if word not in STOPWORDS
    }
    return [key[s:] for s in sorted(starts) if key[s:]]


def write(session: Session, documents: list[Document], removed: list[int]) -> None:
    """Replace the code rows of the touched items, then adjust the name rows of their terms.

    The name rows are adjusted by difference (items that left a term, items that joined
    it), not re-counted from the code rows: a re-count cost as many rows as the touched
    terms had carriers, which grows with the index for names shared across units.
    """
    ids = [d.item_id for d in documents] + list(removed)
    left: dict[int, tuple[str, str]] = {}  # item id -> (term, code) it carried
    for chunk in _chunks(ids):
        # Only code rows carry an item id: no `kind` condition, which could lure the
        # planner off the item index.
        left.update(
            (item_id, (term, code))
            for item_id, term, code in session.execute(
                select(SearchSuggestion.item_id, SearchSuggestion.term, SearchSuggestion.code)
                .where(SearchSuggestion.item_id.in_(chunk))
                .distinct()
            )
        )
        session.execute(delete(SearchSuggestion).where(SearchSuggestion.item_id.in_(chunk)))
    rows = []
    joined: list[tuple[str, str]] = []
    for document in documents:
        term = term_of(document.record)
        joined.append((term, document.code))
        for key in dict.fromkeys(document.fields["codes"]):
            rows.append(_row(CODE, key, term, document.code, document.item_id, False, 1))
    if rows:
        _insert(session, rows)
    _adjust(session, list(left.values()), joined)


def _adjust(session: Session, left: list[tuple[str, str]], joined: list[tuple[str, str]]) -> None:
    """Name rows after items (term, code) left and joined: counts moved, codes kept least.

    A term's `code` is the least code of the items carrying it; only when that item left
    (and did not come back) is the least code looked up again, through the term index.
    """
    delta: Counter[str] = Counter()
    gained: dict[str, list[str]] = {}
    lost: dict[str, set[str]] = {}
    for term, code in left:
        delta[term] -= 1
        lost.setdefault(term, set()).add(code)
    for term, code in joined:
        delta[term] += 1
        gained.setdefault(term, []).append(code)
    terms = sorted(set(delta) | set(gained))
    current: dict[str, tuple[int, str]] = {}
    for chunk in _chunks(terms):
        current.update(
            (term, (count, code))
            for term, count, code in session.execute(
                select(SearchSuggestion.term, SearchSuggestion.count, SearchSuggestion.code).where(
                    SearchSuggestion.term.in_(chunk),
                    SearchSuggestion.kind == NAME,
                    SearchSuggestion.start.is_(True),
                )
            )
        )
    new_rows, changed, emptied, relook = [], [], [], []
    for term in terms:
        codes = gained.get(term, [])
        if term not in current:
            if delta[term] > 0:
                new_rows += _name_rows(term, min(codes), delta[term])
            continue
        count, code = current[term]
        count += delta[term]
        if count <= 0:
            emptied.append(term)
        elif code in lost.get(term, set()) - set(codes):
            relook.append((term, count))
        elif delta[term] or (codes and min(codes) < code):
            changed.append({"t": term, "n": count, "c": min([code, *codes])})
    for term, least in _least_codes(session, [t for t, _n in relook]).items():
        changed.append({"t": term, "n": dict(relook)[term], "c": least})
    for chunk in _chunks(emptied):
        session.execute(
            delete(SearchSuggestion).where(
                SearchSuggestion.term.in_(chunk), SearchSuggestion.kind == NAME
            )
        )
    if changed:  # Core, not ORM: an executemany UPDATE keyed by term, not by primary key
        table = SearchSuggestion.__table__
        session.connection().execute(
            update(table)
            .where(table.c.term == bindparam("t"), table.c.kind == NAME)
            .values(count=bindparam("n"), code=bindparam("c")),
            changed,
        )
    if new_rows:
        _insert(session, new_rows)


COLUMNS = ("kind", "key", "term", "code", "item_id", "start", "count", "length")


def _insert(session: Session, rows: list[tuple]) -> None:
    """Insert rows (tuples in COLUMNS order) with the driver's own executemany.

    About 20 rows per item (one per word start of its name): SQLAlchemy's per-row
    parameter processing cost as much CPU as SQLite's writing them.
    """
    connection = session.connection()
    quote = connection.dialect.identifier_preparer.quote
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(
        f"INSERT INTO {SearchSuggestion.__tablename__} ({', '.join(map(quote, COLUMNS))}) "
        f"VALUES ({', '.join([mark] * len(COLUMNS))})",
        rows,
    )


def _least_codes(session: Session, terms: list[str]) -> dict[str, str]:
    least: dict[str, str] = {}
    for chunk in _chunks(terms):
        least.update(
            session.execute(
                select(SearchSuggestion.term, func.min(SearchSuggestion.code))
                .where(SearchSuggestion.term.in_(chunk), SearchSuggestion.kind == CODE)
                .group_by(SearchSuggestion.term)
            ).all()
        )
    return least


def _name_rows(term: str, code: str, count: int) -> list[tuple]:
    return [
        _row(NAME, key, term, code, None, i == 0, count) for i, key in enumerate(suffix_keys(term))
    ]


def _chunks(values: list) -> Iterator[list]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _row(kind, key, term, code, item_id, start, count) -> tuple:
    return (kind, key, term, code, item_id, start, count, len(term))


def clear(session: Session) -> None:
    session.execute(delete(SearchSuggestion))


def suggest(session: Session, typed: str, limit: int) -> list[Suggestion]:
    """Terms whose key (or a word inside it) starts with what was typed.

    Code-like input (a digit and at least MIN_CODE_PREFIX characters) completes codes, in
    code order; other input completes names: those that begin with it first, then the
    most widely published, then the shortest, among the first SCAN_CAP keys that start
    with the input (all of them but for the shortest inputs on large lists).
    """
    key = key_of(typed)
    if not key or key in STOPWORDS:
        return []
    code_like = bool(_HAS_DIGIT.search(key)) and len(key) >= MIN_CODE_PREFIX
    kind = CODE if code_like else NAME
    in_range = and_(
        SearchSuggestion.kind == kind, SearchSuggestion.key >= key, SearchSuggestion.key < key + TOP
    )
    columns = (SearchSuggestion.term, SearchSuggestion.code, SearchSuggestion.count)
    if code_like:
        ranked = (
            select(*columns).where(in_range).order_by(SearchSuggestion.key, SearchSuggestion.code)
        )
    else:
        # The first SCAN_CAP keys of the range, then ranked: a character or two of input
        # spans millions of rows at 1M items, and sorting them all cost far more than a
        # keystroke may. Ranking is exact whenever the range is smaller. The window and
        # its ranks come from the (key, kind, start, count, length, id) index alone; only
        # rows ranked within what is fetched (ties at the edge included) are then read.
        window = (
            select(
                SearchSuggestion.id,
                SearchSuggestion.start,
                SearchSuggestion.count,
                SearchSuggestion.length,
            )
            .where(in_range)
            .order_by(SearchSuggestion.key)
            .limit(SCAN_CAP)
            .subquery("window")
        )
        order = (window.c.start.desc(), window.c.count.desc(), window.c.length)
        places = select(*window.c, func.rank().over(order_by=order).label("place")).subquery(
            "places"
        )
        ranked = (
            select(SearchSuggestion.term, SearchSuggestion.code, places.c.count)
            .join_from(places, SearchSuggestion, SearchSuggestion.id == places.c.id)
            .where(places.c.place <= limit * FETCH_FACTOR)
            .order_by(
                places.c.start.desc(), places.c.count.desc(), places.c.length, SearchSuggestion.term
            )
        )
    rows = session.execute(ranked.limit(limit * FETCH_FACTOR))
    found: dict[str, tuple[str, int]] = {}
    for term, code, count in rows:
        found.setdefault(term, (code, count))
    terms = list(found)[:limit]
    if code_like:  # a code row stands for one item; report how many carry its term
        counts = dict(
            session.execute(
                select(SearchSuggestion.term, SearchSuggestion.count).where(
                    SearchSuggestion.kind == NAME,
                    SearchSuggestion.start.is_(True),
                    SearchSuggestion.term.in_(terms),
                )
            ).all()
        )
        return [Suggestion(t, found[t][0], counts.get(t, 1)) for t in terms]
    return [Suggestion(t, *found[t]) for t in terms]
