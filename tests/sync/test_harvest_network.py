"""A harvester waiting on its source holds no transaction here: on SQLite an open writing
session holds the single write lock, and every editor would wait for the source's network."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from qingdan_api.services.harvest import harvest
from tests import factories as f
from tests.sync import driver as d
from tests.sync.conftest import session_of

UNIT = f.unit_data(31, name="临江市林业局")
LATE = f.unit_data(32, name="临江市林业局森林公安分局")


def _no_open_transaction(app) -> None:
    """Fails while any connection to `app`'s database holds a transaction open."""
    engine = app.extensions["qingdan"].engine
    if engine.dialect.name == "sqlite":
        probe = sqlite3.connect(engine.url.database, timeout=0.2, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")  # "database is locked" while a writer holds it
            probe.execute("ROLLBACK")
        finally:
            probe.close()
        return
    with engine.connect() as connection:
        idle = connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
            )
        )
    assert idle == 0, "a connection sits idle in a transaction while the source is asked"


@contextmanager
def harvesting(source, aggregator, *holds: d.Hold) -> Iterator[list]:
    """Serve `source` and harvest it into `aggregator` in a thread; yields the list that
    gets its HarvestResult. Every hold is released and the harvest joined on the way out."""
    results: list = []
    factory = aggregator.extensions["qingdan"].session_factory
    with d.serving(source) as url:
        worker = threading.Thread(target=lambda: results.append(harvest(factory, url, page_size=2)))
        worker.start()
        try:
            yield results
        finally:
            for hold in holds:
                hold.release()
            worker.join(timeout=120)


@pytest.fixture
def source(instances):
    app = instances()
    with session_of(app) as s:
        d.add_units_to(s, [UNIT])
        d.publish_release(s, [d.draft(s, UNIT, n) for n in range(1, 6)], "首批")
    app.wsgi_app = d.Gate(app.wsgi_app)
    return app


@pytest.mark.parametrize(
    ("suffix", "passes"),
    [("/units", 0), ("/@changes", 0), ("/@changes", 1), ("/@changes/checksum", 0)],
    ids=["unit list", "first feed page", "next feed page", "checksum"],
)
def test_no_transaction_is_open_while_the_source_is_asked(source, instances, suffix, passes):
    aggregator = instances()
    hold = source.wsgi_app.hold(suffix, passes)
    with harvesting(source, aggregator, hold) as results:
        assert hold.held.wait(timeout=60), f"the harvester never asked for …{suffix}"
        _no_open_transaction(aggregator)
    assert results[0].error is None and results[0].verified


def test_a_unit_first_seen_in_the_feed_is_fetched_between_transactions(source, instances):
    """A unit the source created after its unit list was read is asked for on its own."""
    aggregator = instances()
    feed = source.wsgi_app.hold("/@changes", 0)
    lookup = source.wsgi_app.hold(f"/units/{LATE['credit_code']}", 0)
    with harvesting(source, aggregator, feed, lookup) as results:
        assert feed.held.wait(timeout=60)
        with session_of(source) as s:  # published after the harvester listed the units
            d.add_units_to(s, [LATE])
            d.publish_release(s, [d.draft(s, LATE, 6)], "补充")
        feed.release()
        assert lookup.held.wait(timeout=60), "the late unit was never asked for"
        _no_open_transaction(aggregator)
    assert results[0].error is None and results[0].verified
    code = f.record(LATE, 6)["code"]
    item = aggregator.test_client().get(f"/api/items/{code}").get_json()
    assert item["unit"]["name"] == LATE["name"]
