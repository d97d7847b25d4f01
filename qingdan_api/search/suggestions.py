"""Autocomplete terms of the `sql` backend: a B-tree prefix index kept by the indexer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import rjieba
from sqlalchemy import and_, delete, func, insert, select
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
    """Replace the code rows of the touched items, then re-count every term they touch."""
    ids = [d.item_id for d in documents] + list(removed)
    affected: set[str] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        affected.update(
            session.scalars(
                select(SearchSuggestion.term)
                .where(SearchSuggestion.kind == CODE, SearchSuggestion.item_id.in_(chunk))
                .distinct()
            )
        )
        session.execute(
            delete(SearchSuggestion).where(
                SearchSuggestion.kind == CODE, SearchSuggestion.item_id.in_(chunk)
            )
        )
    rows = []
    for document in documents:
        term = term_of(document.record)
        affected.add(term)
        for key in dict.fromkeys(document.fields["codes"]):
            rows.append(_row(CODE, key, term, document.code, document.item_id, False, 1))
    if rows:
        session.execute(insert(SearchSuggestion), rows)
    _recount(session, sorted(affected))


def _recount(session: Session, terms: list[str]) -> None:
    """The name rows of `terms`, from the code rows (the published items) that carry them."""
    for start in range(0, len(terms), CHUNK):
        chunk = terms[start : start + CHUNK]
        session.execute(
            delete(SearchSuggestion).where(
                SearchSuggestion.kind == NAME, SearchSuggestion.term.in_(chunk)
            )
        )
        counts = session.execute(
            select(
                SearchSuggestion.term,
                func.count(SearchSuggestion.item_id.distinct()),
                func.min(SearchSuggestion.code),
            )
            .where(SearchSuggestion.kind == CODE, SearchSuggestion.term.in_(chunk))
            .group_by(SearchSuggestion.term)
        ).all()
        rows = [
            _row(NAME, key, term, code, None, i == 0, count)
            for term, count, code in counts
            for i, key in enumerate(suffix_keys(term))
        ]
        if rows:
            session.execute(insert(SearchSuggestion), rows)


def _row(kind, key, term, code, item_id, start, count) -> dict[str, Any]:
    return {
        "kind": kind,
        "key": key,
        "term": term,
        "code": code,
        "item_id": item_id,
        "start": start,
        "count": count,
        "length": len(term),
    }


def clear(session: Session) -> None:
    session.execute(delete(SearchSuggestion))


def suggest(session: Session, typed: str, limit: int) -> list[Suggestion]:
    """Terms whose key (or a word inside it) starts with what was typed.

    Code-like input (a digit and at least MIN_CODE_PREFIX characters) completes codes, in
    code order; other input completes names: those that begin with it first, then the
    most widely published, then the shortest.
    """
    key = key_of(typed)
    if not key or key in STOPWORDS:
        return []
    code_like = bool(_HAS_DIGIT.search(key)) and len(key) >= MIN_CODE_PREFIX
    kind = CODE if code_like else NAME
    in_range = and_(
        SearchSuggestion.kind == kind, SearchSuggestion.key >= key, SearchSuggestion.key < key + TOP
    )
    order: Iterable = (
        (SearchSuggestion.key, SearchSuggestion.code)
        if code_like
        else (
            SearchSuggestion.start.desc(),
            SearchSuggestion.count.desc(),
            SearchSuggestion.length,
            SearchSuggestion.term,
        )
    )
    rows = session.execute(
        select(SearchSuggestion.term, SearchSuggestion.code, SearchSuggestion.count)
        .where(in_range)
        .order_by(*order)
        .limit(limit * FETCH_FACTOR)
    )
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
