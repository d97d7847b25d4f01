"""A catch-up indexes each item once, at its last change up to the high-water mark."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from qingdan_api.models import Change

from .conftest import loaded_app, recording_indexer
from .dataset import records

VERSIONS = 3  # of the first item: its name changes with each
# A catch-up follows the feed, or sweeps the items in item order (a bulk one).
MODES = {"feed": 10**9, "sweep": 1}  # sweep_from


@pytest.fixture(scope="module")
def app(database_url, tmp_path_factory):
    first, *others = records()[:6]
    history = [{**first, "name": f"{first['name']}（第{n}版）"} for n in range(1, VERSIONS + 1)]
    items = [{"history": history}, *({"history": [r]} for r in others)]
    app = loaded_app(database_url, tmp_path_factory, items)
    yield app
    app.extensions["qingdan"].engine.dispose()


def _feed(app) -> list[tuple[int, int, int]]:
    """(seq, item id, version id) of every change."""
    with app.extensions["qingdan"].session_factory() as session:
        return session.execute(
            select(Change.seq, Change.item_id, Change.version_id).order_by(Change.seq)
        ).all()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("processes", [1, 2])
def test_each_item_is_built_once_at_its_last_change(app, processes, mode):
    feed = _feed(app)
    repeated = next(item for _seq, item, _version in feed if sum(r[1] == item for r in feed) > 1)
    indexer, backend = recording_indexer(app, processes, MODES[mode])
    indexer.clear()
    # One change per batch: the repeated item's changes fall in different batches.
    assert indexer.catch_up(batch_size=1) == len(feed)
    latest = {item: version for _seq, item, version in feed}
    assert sorted(backend.written) == sorted(latest.items())
    assert [v for item, v in backend.written if item == repeated] == [latest[repeated]]
    with app.extensions["qingdan"].session_factory() as session:
        (name,) = session.execute(
            text(
                "SELECT v.name FROM search_documents d JOIN item_versions v ON v.id = d.version_id"
                " WHERE d.item_id = :item"
            ),
            {"item": repeated},
        ).one()
        assert name.endswith(f"（第{VERSIONS}版）")
    assert indexer.status().lag == 0


def test_a_change_is_indexed_when_the_later_one_is_beyond_the_high_water_mark(app):
    feed = _feed(app)
    seq, item, _version = next(r for r in feed if sum(x[1] == r[1] for x in feed) > 1)
    indexer, _backend = recording_indexer(app, 1, MODES["feed"])
    with app.extensions["qingdan"].session_factory() as session:
        batch = indexer._changes(session, seq - 1, seq, batch_size=1)
        assert (batch.position.seq, batch.changes, set(batch.item_ids)) == (seq, 1, {item})
        later = session.scalar(select(func.max(Change.seq)).where(Change.item_id == item))
        batch = indexer._changes(session, seq - 1, later, batch_size=1)
        assert (batch.position.seq, batch.changes, set(batch.item_ids)) == (seq, 1, set())
