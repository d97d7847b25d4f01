"""The Elasticsearch backend on the live node: `qingdan reindex` under load, crash recovery."""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from qingdan_api import create_app
from qingdan_api.cli import main
from qingdan_api.models import ItemVersion
from qingdan_api.search.documents import build_document
from tests import factories as f
from tests.conftest import require_elasticsearch

from .conftest import drop_es_indexes, es_config, search
from .dataset import UNITS, code_of, records
from .test_contract import _publish


@pytest.fixture(scope="module")
def es_app(database_url, tmp_path_factory):
    """The test city on the live node, over each database."""
    app = create_app(
        {
            "QINGDAN_DATABASE_URL": database_url,
            "QINGDAN_INSTANCE": str(tmp_path_factory.mktemp("instance")),
            "QINGDAN_SEARCH_CATCH_UP_ON_START": False,
            **es_config("qingdan-live"),
        }
    )
    with app.extensions["qingdan"].session_factory() as session:
        f.load(session, UNITS, [{"history": [record]} for record in records()])
    yield app
    drop_es_indexes(app.extensions["qingdan"].search.backend)
    app.extensions["qingdan"].engine.dispose()


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


def _documents_of(session: Session, item_ids: list[int]):
    versions = session.scalars(
        select(ItemVersion).where(
            ItemVersion.item_id.in_(item_ids), ItemVersion.public_status == "active"
        )
    )
    return [build_document(v.item_id, v.id, v.record) for v in versions]


def test_catch_up_replays_a_batch_whose_checkpoint_never_committed(es_app):
    """The bulk request reached the node, then the indexer died before its checkpoint."""
    state = es_app.extensions["qingdan"]
    indexer = state.search
    client = es_app.test_client()
    renamed, withdrawn = code_of("建筑工程施工许可证核发"), code_of("排污许可证核发")
    documents = indexer.status().documents
    with Session(state.engine) as session:  # no hook: nothing indexes these commits
        _publish(session, renamed, name="建筑工程施工许可证核发（夜间施工）")
        _publish(session, withdrawn, disposition="cancel", disposition_reason="取消")
        ids = session.scalars(
            select(ItemVersion.item_id).where(ItemVersion.code.in_([renamed, withdrawn]))
        ).all()
    with state.session_factory() as session:  # what the crashed indexer had sent
        indexer.backend.write(session, _documents_of(session, list(set(ids))), [])
    assert indexer.status().lag == 2  # the checkpoint never moved
    assert indexer.catch_up() == 2  # replayed: writes are idempotent
    status = indexer.status()
    assert status.lag == 0 and status.documents == documents - 1
    hits = search(client, "夜间施工")["items"]
    assert [hit["code"] for hit in hits] == [renamed]
    assert withdrawn not in [hit["code"] for hit in search(client, "排污许可", limit=100)["items"]]
