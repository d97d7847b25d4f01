"""The peer benchmark's flat copy holds what Qingdan serves: CSV cells, records, search text."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest

from bench import peer_export
from bench.peer_tools import BenchError, parse_wrk
from tests import factories as f

DANGER = "危险化学品经营许可"


@pytest.fixture(scope="module")
def served(app):
    """Three published items, one named after the search scenario's phrase."""
    unit = f.unit_data(1)
    items = [
        {"history": [f.record(unit, 1, name=DANGER)]},
        {"history": [f.record(unit, 2), f.record(unit, 2, name="食品经营许可")]},
        {"history": [f.record(unit, 3, category="02", name="=cmd|' /C calc'!A0")]},
    ]
    with app.extensions["qingdan"].session_factory() as session:
        f.load(session, [unit], items)
    return app.test_client()


@pytest.fixture
def peer_db(served, tmp_path):
    lines = served.get("/api/items.ndjson").get_data(as_text=True).splitlines()
    path = tmp_path / "peer.db"
    assert peer_export.build(lines, path) == 3
    conn = sqlite3.connect(path)
    yield conn
    conn.close()


def test_items_table_is_the_csv_main_table(served, peer_db):
    served_csv = list(csv.reader(io.StringIO(served.get("/api/items.csv").get_data(as_text=True))))
    cursor = peer_db.execute("SELECT * FROM items ORDER BY code")
    header = [d[0] for d in cursor.description]
    rows = [["" if v is None else str(v) for v in row] for row in cursor]
    assert [header, *rows] == served_csv  # formula guard, labels and URL included


def test_records_are_the_served_items(served, peer_db):
    for code, text in peer_db.execute("SELECT code, record FROM records"):
        assert json.loads(text) == served.get(f"/api/items/{code}").get_json()


def test_trigram_search_finds_the_phrase(peer_db):
    found = peer_db.execute(
        "SELECT items.name FROM items JOIN items_fts ON items.rowid = items_fts.rowid "
        "WHERE items_fts MATCH ?",
        ('"危险化学品"',),
    ).fetchall()
    assert found == [(DANGER,)]
    # The legal-basis titles and texts are searchable too, as in Qingdan's own index.
    legal = json.loads(peer_db.execute("SELECT record FROM records").fetchone()[0])
    title = legal["legal_bases"][0]["title"][1:4]
    assert peer_db.execute(
        "SELECT count(*) FROM items_fts WHERE items_fts MATCH ?", (f'"{title}"',)
    ).fetchone() == (3,)


def test_nothing_to_copy_leaves_no_file(tmp_path):
    path = tmp_path / "peer.db"
    with pytest.raises(ValueError):
        peer_export.build([], path)
    assert not path.exists()


WRK_OK = """Running 10s test @ http://127.0.0.1:8731/api/items
  2 threads and 8 connections
  Latency Distribution
     50%   12.50ms
     75%   20.00ms
     90%   30.00ms
     99%    1.20s
  1234 requests in 10.01s, 30.00MB read
Requests/sec:    123.28
Transfer/sec:      3.00MB
"""


def test_wrk_report_is_read():
    assert parse_wrk(WRK_OK, "u") == {
        "req_s": 123.28,
        "requests": 1234,
        "p50_ms": 12.5,
        "p99_ms": 1200.0,
    }


@pytest.mark.parametrize(
    "extra",
    [
        "  Non-2xx or 3xx responses: 3\n",
        "  Socket errors: connect 0, read 0, write 0, timeout 2\n",
    ],
)
def test_a_failing_answer_stops_the_benchmark(extra):
    with pytest.raises(BenchError):
        parse_wrk(WRK_OK + extra, "u")
    with pytest.raises(BenchError):
        parse_wrk("  0 requests in 10.00s, 0B read\nRequests/sec: 0.00\n", "u")
