"""A bulk catch-up sweeps: the items changed in its window, in item order, resumable."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qingdan_api.models import Change, Item
from qingdan_api.search import indexer as indexer_module
from qingdan_api.search import suggestions
from qingdan_api.services.auth import Principal
from qingdan_api.services.publishing import withdraw_published
from tests import factories as f
from tests.conftest import drop_database, make_database

from .conftest import index_contents, loaded_app, recording_indexer

BATCH = 5  # items per batch: the test city makes many batches
ADMIN = Principal(0, "测试管理员", "admin")


class Stopped(Exception):
    """The indexing process died after its first commit."""


class StopAfterFirstCommit:
    """A progress sink that stops the catch-up once it has committed something."""

    absorbed = 0

    def update(self, count: int) -> None:
        self.absorbed = count
        raise Stopped


def _indexer(app, processes: int = 1, sweep_from: int = 1):
    """An indexer that sweeps from `sweep_from` changes, and its recording backend."""
    return recording_indexer(app, processes, sweep_from)


def _withdraw(app, item_id: int) -> None:
    """Withdraw an item, on a session of its own (the app's hook would index it at once)."""
    with Session(app.extensions["qingdan"].engine) as session, session.begin():
        item = session.get(Item, item_id)
        withdraw_published(session, ADMIN, item, reason="测试撤销", at=datetime.now(UTC))


def _add_item(app, n: int) -> None:
    unit = f.unit_data(900 + n, sector="99")
    with Session(app.extensions["qingdan"].engine) as session:
        f.load(session, [unit], [{"history": [f.record(unit, 1, name=f"新增事项{n}")]}])


def _feed_built(app) -> dict:
    """The index as a catch-up in feed order, one process, builds it from empty."""
    indexer, _backend = _indexer(app, sweep_from=10**9)
    indexer.clear()
    indexer.catch_up(batch_size=BATCH)
    return index_contents(app)


def _last_seq(app) -> int:
    with app.extensions["qingdan"].session_factory() as session:
        return session.scalar(select(func.max(Change.seq)))


@pytest.fixture(scope="module")
def app(database_url, tmp_path_factory):
    """The test city, its first item withdrawn last: the feed is not in item order."""
    app = loaded_app(database_url, tmp_path_factory)
    with app.extensions["qingdan"].session_factory() as session:
        first = session.scalar(select(func.min(Item.id)))
    _withdraw(app, first)
    yield app
    app.extensions["qingdan"].engine.dispose()


@pytest.fixture
def fresh_app(backend, tmp_path_factory):
    """The test city in a database of its own, for a test that changes it."""
    url = make_database(backend, tmp_path_factory)
    app = loaded_app(url, tmp_path_factory)
    yield app
    app.extensions["qingdan"].engine.dispose()
    drop_database(url)


@pytest.mark.parametrize("processes", [1, 2])
def test_a_sweep_writes_the_items_in_item_order(app, processes):
    expected = _feed_built(app)
    indexer, backend = _indexer(app, processes)
    indexer.clear()
    assert indexer.catch_up(batch_size=BATCH) == _last_seq(app)
    # Each item once, in item order: the first item too, though its change is the last.
    assert backend.touched == sorted(set(backend.touched))
    assert index_contents(app) == expected  # the withdrawn item is not in it
    status = indexer.status()
    assert (status.lag, status.sweep_to, status.sweep_item_id) == (0, None, None)


@pytest.mark.parametrize("processes", [1, 2])
def test_a_sweep_that_stopped_is_carried_on_then_the_feed_after_it(
    fresh_app, processes, monkeypatch
):
    app = fresh_app
    monkeypatch.setattr(indexer_module, "COMMIT_EVERY", BATCH)  # one batch per transaction
    indexer, _backend = _indexer(app, processes)
    indexer.clear()
    end = _last_seq(app)
    stop = StopAfterFirstCommit()
    with pytest.raises(Stopped):
        indexer.catch_up(batch_size=BATCH, progress=stop)
    status = indexer.status()
    # The checkpoint stays until the sweep ends; the row says how far the sweep got.
    assert (status.checkpoint, status.lag, status.sweep_to) == (0, end, end)
    assert status.sweep_item_id > 0
    assert 0 < status.documents < end
    # The new terms' keys wait for the sweep's end (one merge, see `suggestions.write`).
    stopped = index_contents(app)
    assert stopped["pending keys"] and not stopped["term keys"]
    swept = status.sweep_item_id
    # Meanwhile an item already swept is withdrawn and a new one published: both after
    # the sweep's end in the feed.
    _withdraw(app, swept)
    _add_item(app, 1)
    resumed, backend = _indexer(app, processes, sweep_from=10**9)  # would not sweep itself
    absorbed = resumed.catch_up(batch_size=BATCH)
    assert absorbed == _last_seq(app) - stop.absorbed  # what the first left, and the two
    written = [item_id for item_id, _version in backend.written]
    carried_on = written[: written.index(max(written)) + 1]
    assert carried_on == sorted(carried_on) and min(carried_on) > swept
    status = resumed.status()
    assert (status.lag, status.sweep_to, status.sweep_item_id) == (0, None, None)
    assert index_contents(app) == _feed_built(app)


class PublishOnFirstCommit:
    """A progress sink that publishes a new item while the sweep is under way."""

    def __init__(self, app) -> None:
        self.app, self.published = app, False

    def update(self, _count: int) -> None:
        if not self.published:
            self.published = True
            _add_item(self.app, 2)


@pytest.mark.parametrize("processes", [1, 2])
def test_changes_made_while_it_sweeps_are_absorbed_after_it(fresh_app, processes, monkeypatch):
    monkeypatch.setattr(indexer_module, "COMMIT_EVERY", BATCH)
    indexer, backend = _indexer(fresh_app, processes)
    indexer.clear()
    publishing = PublishOnFirstCommit(fresh_app)
    absorbed = indexer.catch_up(batch_size=BATCH, progress=publishing)
    assert publishing.published and absorbed == _last_seq(fresh_app)
    status = indexer.status()
    assert (status.lag, status.sweep_to) == (0, None)
    assert backend.touched[-1] == max(backend.touched)  # the new item, after the sweep
    assert index_contents(fresh_app) == _feed_built(fresh_app)


def test_the_status_shows_a_sweep_under_way(fresh_app):
    indexer, _backend = _indexer(fresh_app)
    indexer.clear()
    with pytest.raises(Stopped):
        indexer.catch_up(batch_size=BATCH, progress=StopAfterFirstCommit())
    body = fresh_app.test_client().get("/api/@search/status").get_json()
    assert body["sweep_to"] == _last_seq(fresh_app) == body["lag"]
    assert body["sweep_item_id"] > 0 and body["checkpoint"] == 0


class StopAtTheEnd:
    """A progress sink that dies (kill, Ctrl-C) once the checkpoint reached `end`."""

    def __init__(self, indexer, end: int) -> None:
        self.indexer, self.end = indexer, end

    def update(self, _count: int) -> None:
        status = self.indexer.status()
        if (status.checkpoint, status.sweep_to) == (self.end, None):
            raise Stopped


def test_a_catch_up_that_reached_the_end_has_settled(fresh_app, monkeypatch):
    """The feed after a sweep carried on ends with a full batch: the merge of the sweep's
    pending keys commits with it, so a stop right after leaves nothing unmerged."""
    app = fresh_app
    monkeypatch.setattr(indexer_module, "COMMIT_EVERY", BATCH)
    indexer, _backend = _indexer(app)
    indexer.clear()
    with pytest.raises(Stopped):
        indexer.catch_up(batch_size=BATCH, progress=StopAfterFirstCommit())
    sweep_to, n = indexer.status().sweep_to, 0
    while _last_seq(app) - sweep_to < BATCH:  # exactly one full batch after the sweep
        n += 1
        _add_item(app, n)
    resumed, _backend = _indexer(app, sweep_from=10**9)
    with pytest.raises(Stopped):
        resumed.catch_up(batch_size=BATCH, progress=StopAtTheEnd(resumed, _last_seq(app)))
    assert resumed.catch_up(batch_size=BATCH) == 0  # nothing left to do ...
    contents = index_contents(app)
    assert contents["term keys"] and not contents["pending keys"]  # ... and nothing deferred
    with app.extensions["qingdan"].session_factory() as session:
        assert suggestions.suggest(session, "许可", 5)
