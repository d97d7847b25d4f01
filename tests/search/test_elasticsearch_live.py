"""The Elasticsearch backend on the live node: `qingdan reindex` swaps the alias under load."""

from __future__ import annotations

import threading

from click.testing import CliRunner

from qingdan_api.cli import main
from tests.conftest import require_elasticsearch

from .conftest import search
from .dataset import records


def _indexes(backend) -> list[str]:
    return sorted(backend.client.indices.get_alias(name=backend.alias))


def test_reindex_swaps_the_alias_while_queries_keep_answering(es_app, database_url, tmp_path):
    backend = es_app.extensions["qingdan"].search.backend
    before = _indexes(backend)
    expected = {q: search(es_app.test_client(), q)["items_total"] for q in ("许可", "登记")}
    answers: list[tuple[str, int, int]] = []
    stop = threading.Event()

    def ask() -> None:
        client = es_app.test_client()
        while not stop.is_set():
            for q in expected:
                response = client.get("/api/@search", query_string={"q": q})
                answers.append((q, response.status_code, response.get_json().get("items_total")))

    asker = threading.Thread(target=ask)
    asker.start()
    env = {
        "QINGDAN_SEARCH_BACKEND": "elasticsearch",
        "QINGDAN_ELASTICSEARCH_URL": require_elasticsearch(),
        "QINGDAN_ELASTICSEARCH_INDEX": backend.alias,
    }
    try:
        results = [
            CliRunner().invoke(
                main, ["reindex", "--database", database_url, "--instance", str(tmp_path)], env=env
            )
            for _ in range(3)
        ]
    finally:
        stop.set()
        asker.join()
    for result in results:
        assert result.exit_code == 0, result.output
        assert f"indexed {len(records())} items" in result.output
    after = _indexes(backend)
    assert len(after) == 1 and after != before
    assert not backend.client.indices.exists(index=before[0])  # the old index is gone
    assert len(answers) > 3 * len(expected)  # queries ran all along
    assert [a for a in answers if a[1:] != (200, expected[a[0]])] == []
