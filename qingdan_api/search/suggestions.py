"""Autocomplete terms of the `sql` backend: B-tree prefix indexes kept by the indexer."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from sqlalchemy import (
    Integer,
    Table,
    bindparam,
    cast,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from ..models import SearchCodeKey, SearchPendingTermKey, SearchTerm, SearchTermKey
from .documents import Document, key_of, suffix_keys, term_of
from .protocol import Suggestion
from .text import _HAS_DIGIT, MIN_CODE_PREFIX, STOPWORDS

TOP = "\uffff"  # above every character a key can hold (keys are BMP-only, see text.TERM)
CHUNK = 500  # stays under SQLite's bound-parameter limit
FETCH_FACTOR = 4  # code keys fetched per suggestion wanted: a term has many items
SCAN_CAP = 2000  # keys of a prefix range ranked at most (see `suggest`)

TERMS: Table = SearchTerm.__table__
TERM_KEYS: Table = SearchTermKey.__table__
PENDING_KEYS: Table = SearchPendingTermKey.__table__
CODE_KEYS: Table = SearchCodeKey.__table__


def write(
    session: Session, documents: list[Document], removed: list[int], bulk: bool = False
) -> None:
    """Replace the code keys of the touched items, then adjust the terms they left and joined.

    A term new to the index is written once with its keys (about twenty: one per word
    start); after that, items joining or leaving it only update its `search_terms` row,
    by difference, not by re-counting its items (which grew with the index for names
    shared across units). New keys wait as pending keys (see `merge`); with `bulk` (a
    sweep or a rebuild) they all wait for the `merge(everything=True)` that ends it.
    """
    ids = [d.item_id for d in documents] + list(removed)
    left: list[tuple[int, str]] = []  # (term id, code) of each item that carried one
    for chunk in _chunks(ids):
        left += session.execute(
            select(CODE_KEYS.c.term_id, CODE_KEYS.c.code)
            .where(CODE_KEYS.c.item_id.in_(chunk))
            .group_by(CODE_KEYS.c.item_id, CODE_KEYS.c.term_id, CODE_KEYS.c.code)
        ).all()
        session.execute(delete(CODE_KEYS).where(CODE_KEYS.c.item_id.in_(chunk)))
    joined = [(term_of(d.record), d.code) for d in documents]
    keys = {term: d.term_keys for (term, _code), d in zip(joined, documents, strict=True)}
    term_ids, created = _term_ids(session, joined, keys)
    _insert(
        session,
        CODE_KEYS,
        ("item_id", "key", "term_id", "code"),
        [
            (document.item_id, key, term_ids[term], document.code)
            for document, (term, _code) in zip(documents, joined, strict=True)
            for key in dict.fromkeys(document.terms("codes"))
        ],
    )
    _adjust(
        session,
        left,
        [(term_ids[term], code) for term, code in joined if term_ids[term] not in created],
    )
    if not bulk:
        # A bulk run merges once, at its end: its merges when the pending keys doubled
        # were each as long as all the writes before them. At 1M items, the one at half
        # way made its 50,000 changes take 21.7 s instead of 10.5 s.
        merge(session)


def _term_ids(
    session: Session, joined: list[tuple[str, str]], keys: dict[str, tuple[str, ...]]
) -> tuple[dict[str, int], set[int]]:
    """The id of each joined (term, code), and the ids of the terms created for this batch.

    A created term already counts the batch's items that carry it and their least code.
    `keys`: term -> its keys, as its documents carry them.
    """
    ids = _ids_of(session, sorted({term for term, _code in joined}))
    new: dict[str, list[str]] = {}
    for term, code in joined:
        if term not in ids:
            new.setdefault(term, []).append(code)
    if not new:
        return ids, set()
    _insert(
        session,
        TERMS,
        ("term", "code", "count", "length"),
        [(term, min(codes), len(codes), len(term)) for term, codes in new.items()],
    )
    ids |= _ids_of(session, sorted(new))
    _insert(
        session,
        PENDING_KEYS,
        ("term_id", "key", "start"),
        [(ids[term], key, i == 0) for term in new for i, key in enumerate(keys[term])],
    )
    return ids, {ids[term] for term in new}


def _ids_of(session: Session, terms: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in _chunks(terms):
        ids.update(
            session.execute(select(TERMS.c.term, TERMS.c.id).where(TERMS.c.term.in_(chunk))).all()
        )
    return ids


def _adjust(session: Session, left: list[tuple[int, str]], joined: list[tuple[int, str]]) -> None:
    """Terms after items (term id, code) left and joined: counts moved, codes kept least.

    A term's `code` is the least code of the items carrying it; only when that item left
    (and did not come back) is the least code looked up again, through the term index of
    the code keys. A term no item carries any more is deleted with its keys.
    """
    delta: Counter[int] = Counter()
    gained: dict[int, list[str]] = {}
    lost: dict[int, set[str]] = {}
    for term_id, code in left:
        delta[term_id] -= 1
        lost.setdefault(term_id, set()).add(code)
    for term_id, code in joined:
        delta[term_id] += 1
        gained.setdefault(term_id, []).append(code)
    current: dict[int, tuple[str, int, str]] = {}
    for chunk in _chunks(sorted(delta)):
        current.update(
            (term_id, (term, count, code))
            for term_id, term, count, code in session.execute(
                select(TERMS.c.id, TERMS.c.term, TERMS.c.count, TERMS.c.code).where(
                    TERMS.c.id.in_(chunk)
                )
            )
        )
    changed, emptied, relook = [], [], {}
    for term_id, (term, count, code) in current.items():
        codes = gained.get(term_id, [])
        count += delta[term_id]
        if count <= 0:
            emptied.append((term_id, term))
        elif code in lost.get(term_id, set()) - set(codes):
            relook[term_id] = count
        elif delta[term_id] or (codes and min(codes) < code):
            changed.append({"i": term_id, "n": count, "c": min([code, *codes])})
    for term_id, least in _least_codes(session, list(relook)).items():
        changed.append({"i": term_id, "n": relook[term_id], "c": least})
    if changed:  # Core, not ORM: one executemany UPDATE
        session.connection().execute(
            update(TERMS)
            .where(TERMS.c.id == bindparam("i"))
            .values(count=bindparam("n"), code=bindparam("c")),
            changed,
        )
    _delete_terms(session, emptied)


def _delete_terms(session: Session, terms: list[tuple[int, str]]) -> None:
    """Delete terms (id, term) and their keys, found by primary key from the term itself."""
    keys = [{"k": key, "t": term_id} for term_id, term in terms for key in suffix_keys(term)]
    if keys:
        # One primary-key lookup per key: SQLite scans the whole table for a row-value
        # IN list, which at 1M items (15M keys) made each rename cost seconds.
        for table in (TERM_KEYS, PENDING_KEYS):
            session.connection().execute(
                delete(table).where(
                    table.c.key == bindparam("k"), table.c.term_id == bindparam("t")
                ),
                keys,
            )
    for chunk in _chunks([term_id for term_id, _term in terms]):
        session.execute(delete(TERMS).where(TERMS.c.id.in_(chunk)))


def _insert(session: Session, table: Table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert rows (tuples in `columns` order) with the driver's own executemany.

    About twenty key rows per new term: SQLAlchemy's per-row parameter processing cost
    as much CPU as SQLite's writing them.
    """
    if not rows:
        return
    connection = session.connection()
    quote = connection.dialect.identifier_preparer.quote
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(
        f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, columns))}) "
        f"VALUES ({', '.join([mark] * len(columns))})",
        rows,
    )


def _least_codes(session: Session, term_ids: list[int]) -> dict[int, str]:
    least: dict[int, str] = {}
    for chunk in _chunks(term_ids):
        least.update(
            session.execute(
                select(CODE_KEYS.c.term_id, func.min(CODE_KEYS.c.code))
                .where(CODE_KEYS.c.term_id.in_(chunk))
                .group_by(CODE_KEYS.c.term_id)
            ).all()
        )
    return least


def _chunks(values: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def merge(session: Session, everything: bool = False) -> None:
    """Move the pending keys of new terms into the key table, in key order.

    Unless `everything`, only once the pending terms are at least as many as the merged
    ones: each key is inserted into the key table once, and each merge rewrites at most
    about twice the pages its keys fill, so merging stays proportional to the keys
    written whatever the index's size. Counted by term ids, which rise as terms are
    created: the pending ones are the newest.
    """
    lowest_pending = session.scalar(select(func.min(PENDING_KEYS.c.term_id)))
    if lowest_pending is None:
        return
    if not everything:
        # Two statements: SQLite reads min() or max() alone from the index's edge, but
        # scans the whole table for both at once.
        lowest = session.scalar(select(func.min(TERMS.c.id)))
        highest = session.scalar(select(func.max(TERMS.c.id)))
        if highest - lowest_pending + 1 < lowest_pending - lowest:
            return
    pending = select(PENDING_KEYS.c.key, PENDING_KEYS.c.term_id, PENDING_KEYS.c.start)
    session.execute(
        insert(TERM_KEYS).from_select(
            ["key", "term_id", "start"],
            pending.order_by(PENDING_KEYS.c.key, PENDING_KEYS.c.term_id),
        )
    )
    session.execute(delete(PENDING_KEYS))


def clear(session: Session) -> None:
    for table in (CODE_KEYS, PENDING_KEYS, TERM_KEYS, TERMS):
        session.execute(delete(table))


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
    if bool(_HAS_DIGIT.search(key)) and len(key) >= MIN_CODE_PREFIX:
        return _by_code(session, key, limit)
    # The first SCAN_CAP keys of the range, then ranked: a character or two of input spans
    # millions of keys at 1M items, and ranking them all cost far more than a keystroke
    # may. Ranking is exact whenever the range is smaller. A term found by two of its
    # keys counts once, as its best (its start if that is one of them).
    window = (
        select(TERM_KEYS.c.term_id, cast(TERM_KEYS.c.start, Integer).label("start"))
        .where(TERM_KEYS.c.key >= key, TERM_KEYS.c.key < key + TOP)
        .order_by(TERM_KEYS.c.key)
        .limit(SCAN_CAP)
        .subquery("window")
    )
    found = (
        select(window.c.term_id, func.max(window.c.start).label("start"))
        .group_by(window.c.term_id)
        .subquery("found")
    )
    ranked = (
        select(TERMS.c.term, TERMS.c.code, TERMS.c.count)
        .join_from(found, TERMS, TERMS.c.id == found.c.term_id)
        .order_by(found.c.start.desc(), TERMS.c.count.desc(), TERMS.c.length, TERMS.c.term)
        .limit(limit)
    )
    return [Suggestion(*row) for row in session.execute(ranked)]


def _by_code(session: Session, key: str, limit: int) -> list[Suggestion]:
    """Terms of the items whose code starts with `key`, in code order; each term once,
    with its least matching code and how many items carry it."""
    rows = session.execute(
        select(TERMS.c.term, CODE_KEYS.c.code, TERMS.c.count)
        .join_from(CODE_KEYS, TERMS, TERMS.c.id == CODE_KEYS.c.term_id)
        .where(CODE_KEYS.c.key >= key, CODE_KEYS.c.key < key + TOP)
        .order_by(CODE_KEYS.c.key, CODE_KEYS.c.code)
        .limit(limit * FETCH_FACTOR)
    )
    found: dict[str, Suggestion] = {}
    for term, code, count in rows:
        found.setdefault(term, Suggestion(term, code, count))
    return list(found.values())[:limit]
