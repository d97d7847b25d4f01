"""Snapshots and the publication lock: the seq a snapshot reports has no change in flight."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from qingdan_api.db import make_engine, make_session_factory
from qingdan_api.models import Change
from qingdan_api.services.loading import BulkLoader, Publication, add_units
from qingdan_api.services.snapshot import Snapshot, hold_publication_lock
from tests import factories as f

UNIT = f.unit_data(7)


@pytest.fixture(scope="module")
def factory(database_url):
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    with factory() as session:
        f.load(session, [UNIT], [{"history": [f.record(UNIT, 1)]}])
    yield factory
    engine.dispose()


def publish(session, seq: int) -> None:
    """Write one publication in the session's transaction, without committing."""
    loader = BulkLoader(session, add_units(session, []))
    loader.add([Publication(f.record(UNIT, seq), f.T0)])
    loader.finish()


def test_snapshot_reports_the_latest_committed_change(factory):
    with factory() as session:
        latest = session.scalar(select(func.max(Change.seq)))
    with Snapshot(factory) as snapshot:
        assert snapshot.position.seq == latest
        assert snapshot.position.changed_at is not None


def test_snapshot_waits_for_a_publication_in_flight(backend, factory):
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: commit order is seq order")
    publisher = factory()
    hold_publication_lock(publisher)
    publish(publisher, 2)
    in_flight = publisher.scalar(select(func.max(Change.seq)))
    seen: dict[str, int] = {}

    def take_snapshot() -> None:
        with Snapshot(factory) as snapshot:
            seen["seq"] = snapshot.position.seq

    thread = threading.Thread(target=take_snapshot)
    thread.start()
    thread.join(0.5)
    assert thread.is_alive(), "the snapshot must wait while a publication holds the lock"
    publisher.commit()
    publisher.close()
    thread.join(10)
    assert not thread.is_alive()
    assert seen["seq"] == in_flight  # the publication is inside the snapshot, not after it


def test_publishers_are_not_held_up_by_an_open_snapshot(factory):
    with Snapshot(factory) as snapshot:
        with factory() as publisher:
            hold_publication_lock(publisher)  # would block if the snapshot kept the lock
            publish(publisher, 3)
            publisher.commit()
        assert snapshot.session.scalar(select(func.max(Change.seq))) == snapshot.position.seq
