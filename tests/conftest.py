"""Test fixtures: real servers (SQLite always; PostgreSQL and Elasticsearch when reachable,
required in CI)."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from qingdan_api import create_app
from qingdan_api.db import make_engine
from qingdan_api.migrate import upgrade

# The role and database that tests/servers/postgresql.sh (make services) creates.
PG_URL = os.environ.get(
    "QINGDAN_TEST_PG_URL", "postgresql://qingdan:qingdan@127.0.0.1:5432/qingdan_test"
)


def _postgres_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        engine = make_engine(PG_URL)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: not available here
        return f"PostgreSQL at {PG_URL} not reachable: {exc.__class__.__name__}"
    return None


_PG_MISSING = _postgres_available()

# The node that tests/servers/elasticsearch.sh (make services) starts.
ES_URL = os.environ.get("QINGDAN_TEST_ES_URL", "http://127.0.0.1:9200")


def _elasticsearch_available() -> str | None:
    """None when the Elasticsearch node answers, else the reason it does not."""
    from elasticsearch import Elasticsearch

    try:
        with Elasticsearch(ES_URL, request_timeout=5, max_retries=0) as client:
            client.cluster.health()
    except Exception as exc:  # any failure to reach it means: not available here
        return f"Elasticsearch at {ES_URL} not reachable: {exc.__class__.__name__}"
    return None


ES_MISSING = _elasticsearch_available()


def require_elasticsearch() -> str:
    """The test node's URL; skips the test without a node, fails it in CI (CI=true)."""
    if ES_MISSING:
        if os.environ.get("CI"):
            pytest.fail(f"Elasticsearch tests must run in CI: {ES_MISSING}")
        pytest.skip(ES_MISSING)
    return ES_URL


def pytest_report_header(config):
    return [
        f"postgresql: {'available' if _PG_MISSING is None else _PG_MISSING}",
        f"elasticsearch: {ES_URL if ES_MISSING is None else ES_MISSING}",
    ]


def _fresh_postgres_database() -> str:
    """Create a throwaway database (one per test module) and return its URL."""
    name = f"qingdan_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        make_url(PG_URL).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return (
        make_url(PG_URL)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )


def _drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(
        make_url(PG_URL).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request) -> str:
    if request.param == "postgresql" and _PG_MISSING:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL tests must run in CI: {_PG_MISSING}")
        pytest.skip(_PG_MISSING)
    return request.param


def make_database(backend: str, tmp_path_factory) -> str:
    """An empty, migrated database of the given backend; returns its URL."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'qingdan.db'}"
    else:
        url = _fresh_postgres_database()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        _drop_postgres_database(url)


@pytest.fixture(scope="module")
def database_url(backend, tmp_path_factory):
    """A fresh migrated database per test module and backend."""
    url = make_database(backend, tmp_path_factory)
    yield url
    drop_database(url)


@pytest.fixture(scope="module")
def app(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        {
            "QINGDAN_DATABASE_URL": database_url,
            "QINGDAN_INSTANCE": str(instance),
            # Tests that want a release's dump ask for it (tests/api/test_release_dumps.py).
            "QINGDAN_DUMP_ON_RELEASE": False,
        }
    )
    app.config["TESTING"] = True
    yield app
    app.extensions["qingdan"].engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(app):
    with app.extensions["qingdan"].session_factory() as session:
        yield session
