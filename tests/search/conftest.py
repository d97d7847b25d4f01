"""The search test city, indexed by every backend available here (sql always)."""

from __future__ import annotations

import os
import uuid

import pytest

from qingdan_api import create_app
from tests import factories as f

from .dataset import UNITS, records

ES_URL = os.environ.get("QINGDAN_TEST_ES_URL")


@pytest.fixture(scope="module", params=["sql", "elasticsearch"])
def search_backend(request, backend) -> str:
    if request.param == "elasticsearch":
        if not ES_URL:
            pytest.skip("QINGDAN_TEST_ES_URL not set: live Elasticsearch tests skip")
        if backend != "sqlite":
            pytest.skip("Elasticsearch runs once, over SQLite: the index is the same")
    return request.param


@pytest.fixture(scope="module")
def app(database_url, search_backend, tmp_path_factory):
    config = {
        "QINGDAN_DATABASE_URL": database_url,
        "QINGDAN_INSTANCE": str(tmp_path_factory.mktemp("instance")),
        "QINGDAN_SEARCH_BACKEND": search_backend,
        "QINGDAN_SEARCH_CATCH_UP_ON_START": False,
    }
    if search_backend == "elasticsearch":
        config["QINGDAN_ELASTICSEARCH_URL"] = ES_URL
        config["QINGDAN_ELASTICSEARCH_INDEX"] = f"qingdan-test-{uuid.uuid4().hex[:8]}"
    app = create_app(config)
    app.config["TESTING"] = True
    yield app
    backend = app.extensions["qingdan"].search.backend
    if search_backend == "elasticsearch":
        backend.client.indices.delete(index=f"{backend.alias}-*")
        backend.client.indices.delete_index_template(name=backend.alias)
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
