"""Every statement the `sql` index writes with reaches its rows through an index (SQLite).

A statement that scans one of the index's tables costs as much as the table is large: at
1M items, a row-value IN list that scanned the 15M autocomplete keys, and a min()/max()
pair that scanned the terms, made catching up slower the larger the index grew. Each
statement of a catch-up's kinds of write (new terms, a term joined, a term emptied, a
least code that leaves, a withdrawal, the final merge) is planned here with its own
parameters.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from qingdan_api.db import make_engine
from qingdan_api.models import Item
from qingdan_api.search.builder import read_documents
from qingdan_api.search.documents import Document
from qingdan_api.search.sql import SqlBackend
from tests import factories as f
from tests.conftest import make_database

# Read whole by design: the merge moves every pending key.
WHOLE = {"search_pending_term_keys"}
TABLES = {
    "search_documents",
    "search_terms",
    "search_term_keys",
    "search_pending_term_keys",
    "search_code_keys",
}


@pytest.fixture
def engine(tmp_path_factory):
    engine = make_engine(make_database("sqlite", tmp_path_factory))
    unit = f.unit_data(1)
    with Session(engine) as session:
        f.load(session, [unit], [{"history": [f.record(unit, seq)]} for seq in range(1, 6)])
    yield engine
    engine.dispose()


def test_index_writes_never_scan_the_index_tables(engine):
    backend = SqlBackend()
    with Session(engine) as session:
        ids = sorted(session.scalars(select(Item.id)))
        built = {d.item_id: d for d in read_documents(session, set(ids))}

    def _document(n: int, name: str) -> Document:  # item n (1-5), under this name
        document = built[ids[n - 1]]
        return replace(document, record={**document.record, "name": name})

    statements: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, executemany):
        if executemany:
            parameters = parameters[0] if parameters else ()
        statements.append((statement, parameters))

    steps = [
        ([_document(n, f"燃气经营许可{n}") for n in (1, 2, 3)], []),  # new terms, merged
        ([_document(4, "燃气经营许可2"), _document(5, "燃气供应许可")], []),  # joined; pending
        ([_document(1, "燃气设施改动许可")], [ids[1]]),  # renamed: emptied; least code leaves
        ([], [ids[2], ids[4]]),  # withdrawn: a merged and a pending term emptied
    ]
    with Session(engine) as session:
        event.listen(engine, "before_cursor_execute", capture)
        for documents, removed in steps:
            backend.write(session, documents, removed)
        backend.settle(session)
        event.remove(engine, "before_cursor_execute", capture)
        scans = []
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "INSERT")):
                continue
            plan = session.connection().exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", parameters
            )
            for *_ids, detail in plan:
                table = detail.split()[1] if detail.startswith("SCAN ") else None
                if table in TABLES - WHOLE:
                    scans.append((detail, statement))
        session.rollback()
    assert len(statements) > 20
    assert scans == []
