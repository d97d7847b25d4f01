"""Database work per public request: statements per answer, and pooled connections the
server ended (no per-request ping any more: db.py)."""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from qingdan_api.models import Unit
from qingdan_api.services.loading import BulkLoader, Publication
from tests import factories as f

from .conftest import UNIT_A, UNIT_B

pytestmark = pytest.mark.usefixtures("dataset")

ITEM = f"{UNIT_A['credit_code']}3440111003000"


@contextmanager
def statements(app):
    """The SQL statements the block sends (SQLite's BEGIN left out: it is no round trip)."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_rest):
        if statement != "BEGIN":
            sent.append(statement)

    engine = app.extensions["qingdan"].engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _publish(app, seq: int, name: str) -> str:
    """Publish one more item of unit A (as a bulk load does: a change row, then indexing)."""
    record = f.record(UNIT_A, seq, name=name)
    with app.extensions["qingdan"].session_factory() as session:
        ids = dict(session.execute(select(Unit.credit_code, Unit.id)).all())
        loader = BulkLoader(session, ids)
        loader.add([Publication(record, f.T0)])
        loader.finish()
        session.commit()
    return record["code"]


def _end_other_backends(url: str) -> None:
    """pg_terminate_backend every other connection to the database, and wait until gone."""
    admin = create_engine(make_url(url), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    try:
        with admin.connect() as connection:
            ended = connection.scalar(text(f"SELECT count(pg_terminate_backend(pid)) {others}"))
            assert ended >= 1  # the app's pooled connection
            deadline = time.monotonic() + 10
            query = text(f"SELECT count(*) {others}")
            while connection.scalar(query) and time.monotonic() < deadline:
                time.sleep(0.02)
    finally:
        admin.dispose()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_connection_the_server_ended_does_not_fail_the_next_request(
    app, client, backend, database_url, method
):
    if backend != "postgresql":
        pytest.skip("a SQLite connection is a file: no server ends it")
    assert client.get(f"/api/items/{ITEM}").status_code == 200  # a connection in the pool
    _end_other_backends(database_url)
    if method == "GET":
        response = client.get(f"/api/items/{ITEM}")
        assert response.status_code == 200, response.get_json()
    else:  # a session that may write: the token is looked up in the database
        headers = {"Authorization": "Bearer no-such-token"}
        response = client.post("/api/items", json={}, headers=headers)
        assert response.status_code == 401, response.get_json()


def test_one_item_is_one_statement(app, client):
    client.get(f"/api/items/{ITEM}")
    with statements(app) as sent:
        response = client.get(f"/api/items/{ITEM}")
    assert response.status_code == 200
    assert len(sent) == 1, sent


def test_a_page_is_one_statement_until_something_is_published(app, client):
    url = f"/api/items?unit={UNIT_A['credit_code']}&limit=50"
    before = client.get(url).get_json()["items_total"]
    with statements(app) as sent:
        again = client.get(url).get_json()
    assert len(sent) == 1, sent
    assert again["items_total"] == before
    _publish(app, 91, "页面计数测试许可")
    with statements(app) as sent:
        after = client.get(url).get_json()
    assert after["items_total"] == before + 1  # the kept count was not trusted
    assert len(sent) <= 3, sent


def test_a_search_asked_again_is_one_statement(app, client):
    url = "/api/@search?q=许可事项&limit=20"
    assert client.get(url).get_json()["items"]
    with statements(app) as sent:
        body = client.get(url).get_json()
    assert len(sent) == 1, sent
    assert body["items"] and all(hit["highlights"] for hit in body["items"])
    assert {facet["label"] for facet in body["facets"]["unit"]} == {UNIT_A["name"], UNIT_B["name"]}


def test_a_kept_search_answer_gives_way_to_a_publication(app, client):
    url = "/api/@search?q=评估核准"
    assert client.get(url).get_json()["items"] == []
    client.get(url)  # kept, under the index state last seen
    code = _publish(app, 92, "建设项目评估核准")
    body = client.get(url).get_json()
    assert [hit["code"] for hit in body["items"]] == [code]
    assert body["items"][0]["highlights"]["name"] == "建设项目<mark>评估</mark><mark>核准</mark>"


def test_a_streamed_read_hands_back_a_clean_connection(app, client, backend):
    assert client.get("/api/@catalogue.json").status_code == 200  # read with yield_per
    with app.extensions["qingdan"].session_factory() as session:  # a session that writes
        driver = session.connection().connection.driver_connection
        if backend == "postgresql":  # not left in autocommit, nor in a transaction
            assert driver.autocommit is False
            assert session.execute(text("SELECT 1")).scalar() == 1
            assert driver.info.transaction_status.name == "INTRANS"
        else:
            assert session.execute(text("SELECT 1")).scalar() == 1


def test_a_page_of_units_is_one_statement_and_its_counts_follow_publication(app, client):
    url = "/api/units?limit=2"
    client.get(url)
    with statements(app) as sent:
        body = client.get(url).get_json()
    assert len(sent) == 1, sent
    assert body["items_total"] == 4
    before = {u["credit_code"]: u["items_total"] for u in body["items"]}
    _publish(app, 93, "单位计数测试许可")
    after = {u["credit_code"]: u["items_total"] for u in client.get(url).get_json()["items"]}
    assert after[UNIT_A["credit_code"]] == before[UNIT_A["credit_code"]] + 1


def test_an_empty_page_of_units_still_counts(client):
    body = client.get("/api/units?region=3301").get_json()
    assert body["items"] == [] and body["items_total"] == 0
