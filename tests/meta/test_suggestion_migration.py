"""Migration 0013 carries the autocomplete rows over, both ways, so no rebuild is needed."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from qingdan_api.db import make_engine
from qingdan_api.migrate import downgrade, upgrade
from qingdan_api.search import suggestions

TERM = "燃气经营许可证核发"
OLD_ROWS = "SELECT kind, key, term, code, item_id, start, count, length FROM search_suggestions"


def _old_rows() -> list[dict]:
    """What the 0012 indexer wrote for two items carrying TERM."""
    rows = [
        dict(kind="name", key=key, term=TERM, code="A1", item_id=None, start=i == 0, count=2)
        for i, key in enumerate(suggestions.suffix_keys(TERM))
    ]
    rows += [
        dict(kind="code", key=key, term=TERM, code=code, item_id=item, start=False, count=1)
        for item, code in ((1, "A1"), (2, "B2"))
        for key in (code.lower(), f"basic{item}")
    ]
    return [{**row, "length": len(TERM)} for row in rows]


def _rows(session) -> set[tuple]:
    return {tuple(row) for row in session.execute(text(OLD_ROWS))}


def test_rows_carried_over_and_back(database_url):
    engine = make_engine(database_url)
    try:
        downgrade(engine, "0012")
        with Session(engine) as session:
            session.execute(
                text(
                    "INSERT INTO search_suggestions "
                    "(kind, key, term, code, item_id, start, count, length) "
                    "VALUES (:kind, :key, :term, :code, :item_id, :start, :count, :length)"
                ),
                _old_rows(),
            )
            session.commit()
            before = _rows(session)
        upgrade(engine)
        with Session(engine) as session:
            assert [(s.name, s.code, s.count) for s in suggestions.suggest(session, "燃气", 5)] == [
                (TERM, "A1", 2)
            ]
            assert suggestions.suggest(session, "经营许可", 5)[0].name == TERM  # a key inside
            assert [s.name for s in suggestions.suggest(session, "basic2", 5)] == [TERM]
        downgrade(engine, "0012")
        with Session(engine) as session:
            assert _rows(session) == before
            session.execute(text("DELETE FROM search_suggestions"))
            session.commit()
        upgrade(engine)
    finally:
        engine.dispose()
