"""The live Elasticsearch node and the `sql` backend put the same items on top."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qingdan_api import create_app
from tests import factories as f

from .conftest import drop_es_indexes, es_config, search
from .dataset import UNITS, records

RELEVANCE = json.loads((Path(__file__).parent / "relevance.json").read_text())["queries"]


@pytest.fixture(scope="module")
def apps(database_url, tmp_path_factory):
    """The test city in one database, indexed by both backends: (sql app, es app)."""
    base = {
        "QINGDAN_DATABASE_URL": database_url,
        "QINGDAN_INSTANCE": str(tmp_path_factory.mktemp("instance")),
        "QINGDAN_SEARCH_CATCH_UP_ON_START": False,
    }
    es = create_app({**base, **es_config()})
    sql = create_app({**base, "QINGDAN_SEARCH_BACKEND": "sql"})
    with sql.extensions["qingdan"].session_factory() as session:
        f.load(session, UNITS, [{"history": [record]} for record in records()])
    es.extensions["qingdan"].search.catch_up()
    yield sql, es
    drop_es_indexes(es.extensions["qingdan"].search.backend)
    for app in (sql, es):
        app.extensions["qingdan"].engine.dispose()


# Scores within this of the best are a near-tie (a twentieth of the closeness tier): the
# text scores of FTS5, ts_rank and Lucene's BM25 differ in such details, so SQLite and
# PostgreSQL already order near-ties differently.
NEAR_TIE = 1.0


def _hits(app, q: str, limit: int) -> list[dict]:
    return search(app.test_client(), q, limit=limit)["items"]


@pytest.mark.parametrize("case", RELEVANCE, ids=lambda case: case["q"])
def test_same_best_hit_and_same_items_on_top(apps, case):
    sql, es = apps
    on_sql, on_es = _hits(sql, case["q"], max(case["top"], 10)), _hits(es, case["q"], case["top"])
    best = on_sql[0]["score"]
    leaders = {hit["code"] for hit in on_sql if best - hit["score"] <= NEAR_TIE}
    assert on_es[0]["code"] in leaders, (on_sql[:3], on_es[:3])
    top_sql = {hit["code"] for hit in on_sql[: case["top"]]}
    top_es = {hit["code"] for hit in on_es}
    wanted = set(case["codes"])
    assert wanted & top_sql == wanted & top_es


def test_same_totals(apps):
    for q in ("许可", "食品 经营", "行政处罚", "登记", "4401"):
        on_sql, on_es = (search(app.test_client(), q) for app in apps)
        assert on_sql["items_total"] == on_es["items_total"] > 0, q
