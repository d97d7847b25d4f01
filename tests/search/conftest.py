"""The search test city, indexed by each backend (sql, and the live Elasticsearch node)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from qingdan_api import create_app
from qingdan_api.search.indexer import Indexer
from qingdan_api.search.sql import SqlBackend
from tests import factories as f
from tests.conftest import drop_database, make_database, require_elasticsearch

from .dataset import UNITS, records


@pytest.fixture(scope="module", params=["sql", "elasticsearch"])
def search_backend(request, backend) -> str:
    """The backend under test, over each database (the checkpoint and change feed differ)."""
    if request.param == "elasticsearch":
        require_elasticsearch()
    return request.param


def es_config(prefix: str = "qingdan-test") -> dict[str, str]:
    """App settings for the live node, with an index alias of this test's own."""
    return {
        "QINGDAN_SEARCH_BACKEND": "elasticsearch",
        "QINGDAN_ELASTICSEARCH_URL": require_elasticsearch(),
        "QINGDAN_ELASTICSEARCH_INDEX": f"{prefix}-{uuid.uuid4().hex[:8]}",
    }


def drop_es_indexes(backend) -> None:
    """Delete the alias's indexes (by name: wildcard deletes are refused by default)."""
    client = backend.client.options(ignore_status=404)  # nothing made yet: nothing to drop
    indexes = list(client.indices.get(index=f"{backend.alias}-*", expand_wildcards="all"))
    if indexes:
        client.indices.delete(index=",".join(indexes))
    client.indices.delete_index_template(name=backend.alias)


@pytest.fixture(scope="module")
def search_database_url(backend, search_backend, tmp_path_factory):
    """A database of each backend's own: the city is loaded once per search backend."""
    url = make_database(backend, tmp_path_factory)
    yield url
    drop_database(url)


@pytest.fixture(scope="module")
def app(search_database_url, search_backend, tmp_path_factory):
    config = {
        "QINGDAN_DATABASE_URL": search_database_url,
        "QINGDAN_INSTANCE": str(tmp_path_factory.mktemp("instance")),
        "QINGDAN_SEARCH_BACKEND": search_backend,
        "QINGDAN_SEARCH_CATCH_UP_ON_START": False,
    }
    if search_backend == "elasticsearch":
        config.update(es_config())
    app = create_app(config)
    app.config["TESTING"] = True
    yield app
    if search_backend == "elasticsearch":
        drop_es_indexes(app.extensions["qingdan"].search.backend)
    app.extensions["qingdan"].engine.dispose()


@pytest.fixture(scope="module")
def city(app):
    """The dataset, loaded through the bulk loader; its commit triggers indexing."""
    with app.extensions["qingdan"].session_factory() as session:
        f.load(session, UNITS, [{"history": [record]} for record in records()])
    return app


@pytest.fixture
def client(city):
    return city.test_client()


def search(client, q, **params):
    response = client.get("/api/@search", query_string={"q": q, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def loaded_app(database_url: str, tmp_path_factory, items: list[dict] | None = None, **config):
    """An app over `database_url` that indexes only when told to, with `items` (the
    factories' shape; default: the test city) loaded through the bulk loader."""
    app = create_app(
        {
            "QINGDAN_DATABASE_URL": database_url,
            "QINGDAN_INSTANCE": str(tmp_path_factory.mktemp("instance")),
            "QINGDAN_SEARCH_CATCH_UP_ON_START": False,
            **config,
        }
    )
    if items is None:
        items = [{"history": [record]} for record in records()]
    with app.extensions["qingdan"].session_factory() as session:
        f.load(session, UNITS, items)
    return app


@pytest.fixture(scope="module")
def es_app(database_url, tmp_path_factory):
    """The test city on the live node, over each database; one per test module."""
    app = loaded_app(database_url, tmp_path_factory, **es_config("qingdan-live"))
    yield app
    drop_es_indexes(app.extensions["qingdan"].search.backend)
    app.extensions["qingdan"].engine.dispose()


def index_contents(app) -> dict:
    """Everything the `sql` index holds, comparable across builds."""
    with app.extensions["qingdan"].session_factory() as session:
        tables = {
            "documents": "SELECT item_id, version_id, code FROM search_documents",
            "terms": "SELECT term, code, count, length FROM search_terms",
            "term keys": "SELECT k.key, t.term, k.start FROM search_term_keys k "
            "JOIN search_terms t ON t.id = k.term_id",
            "pending keys": "SELECT term_id FROM search_pending_term_keys",
            "code keys": "SELECT c.item_id, c.key, t.term, c.code FROM search_code_keys c "
            "JOIN search_terms t ON t.id = c.term_id",
            "checkpoint": "SELECT seq, sweep_to, sweep_item_id FROM search_checkpoints "
            "WHERE name = 'sql'",
        }
        if session.get_bind().dialect.name == "sqlite":
            tables["text"] = "SELECT rowid, name, codes, titles, body FROM search_fts"
        else:
            tables["text"] = "SELECT item_id, tsv::text FROM search_documents"
        return {
            name: sorted(map(tuple, session.execute(text(sql)))) for name, sql in tables.items()
        }


class RecordingBackend(SqlBackend):
    """The `sql` backend, noting the version of each document it is given and the items
    it writes or removes, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.written: list[tuple[int, int]] = []  # (item id, version id)
        self.touched: list[int] = []  # item ids written or removed

    def write(self, session, documents, removed, bulk=False) -> None:
        self.written += [(d.item_id, d.version_id) for d in documents]
        self.touched += sorted([d.item_id for d in documents] + list(removed))
        super().write(session, documents, removed, bulk=bulk)


def recording_indexer(app, processes: int, sweep_from: int) -> tuple[Indexer, RecordingBackend]:
    """An indexer over `app`'s database with a recording backend (and that backend): with
    `processes` 2 it builds apart from the first change; it sweeps from `sweep_from`."""
    state = app.extensions["qingdan"]
    backend = RecordingBackend()
    indexer = Indexer(
        state.session_factory, backend, processes, second_process_from=1, sweep_from=sweep_from
    )
    return indexer, backend
