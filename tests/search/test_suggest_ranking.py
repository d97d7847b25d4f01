"""Name suggestions are ranked exactly as the rule says, also when ties cross the fetch edge.

The window of keys is read from the key table and ranked with the terms' counts
(search/suggestions.py); terms tied with the last one fetched must still be ordered by
term, as if every key of the range had been sorted.
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import insert

from qingdan_api import create_app
from qingdan_api.models import SearchTerm, SearchTermKey
from qingdan_api.search import suggestions
from tests.conftest import drop_database, make_database


@pytest.fixture
def session(backend, tmp_path_factory):
    url = make_database(backend, tmp_path_factory)
    app = create_app(
        {
            "QINGDAN_DATABASE_URL": url,
            "QINGDAN_INSTANCE": str(tmp_path_factory.mktemp("instance")),
            "QINGDAN_SEARCH_CATCH_UP_ON_START": False,
        }
    )
    with app.extensions["qingdan"].session_factory() as session:
        yield session
    app.extensions["qingdan"].engine.dispose()
    drop_database(url)


def _rows(rng: random.Random) -> list[dict]:
    rows = []
    # 60 terms tied on (start, count, length), 12 ranked above them, 20 suffix rows below.
    for n in range(60):
        rows.append(dict(term=f"燃气经营许可{n:03d}", start=True, count=3, length=9))
    for n in range(12):
        rows.append(dict(term=f"燃气供应许可{n:03d}", start=True, count=10 + n, length=9))
    for n in range(20):
        rows.append(dict(term=f"城镇燃气许可{n:03d}", start=False, count=50, length=7))
    rng.shuffle(rows)  # insertion order (ids) must not matter
    for term_id, row in enumerate(rows, 1):
        key = suggestions.key_of(row["term"])
        row.update(id=term_id, code="11449901MB0000019M4440112001000")
        row["key"] = key if row["start"] else key[2:]  # a suffix key: 燃气… inside 城镇燃气…
    return rows


def _exact(rows: list[dict], typed: str, limit: int) -> list[tuple[str, int]]:
    key = suggestions.key_of(typed)
    matching = sorted(
        (r for r in rows if r["key"].startswith(key)),
        key=lambda r: (not r["start"], -r["count"], r["length"], r["term"]),
    )
    seen: dict[str, int] = {}
    for row in matching:
        seen.setdefault(row["term"], row["count"])
    return list(seen.items())[:limit]


@pytest.mark.parametrize("limit", [1, 5, 10, 20])
def test_ties_at_the_fetch_edge_are_ordered_by_term(session, limit):
    rows = _rows(random.Random(limit))
    columns = ("id", "term", "code", "count", "length")
    session.execute(insert(SearchTerm), [{c: r[c] for c in columns} for r in rows])
    session.execute(
        insert(SearchTermKey),
        [{"key": r["key"], "term_id": r["id"], "start": r["start"]} for r in rows],
    )
    session.commit()
    got = [(s.name, s.count) for s in suggestions.suggest(session, "燃气", limit)]
    assert got == _exact(rows, "燃气", limit)
