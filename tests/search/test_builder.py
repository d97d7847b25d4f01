"""Catching up with a second process that builds the documents (`search.builder`)."""

from __future__ import annotations

import gc
import io
import json
import logging
import pickle

import pytest
from sqlalchemy import text

from qingdan_api.search import builder as builder_module
from qingdan_api.search import indexer as indexer_module
from qingdan_api.search.builder import DocumentBuilder
from qingdan_api.search.indexer import Indexer

from .conftest import index_contents, loaded_app, search

BATCH = 7  # changes per batch: the test city makes many


@pytest.fixture(scope="module")
def app(database_url, tmp_path_factory):
    app = loaded_app(database_url, tmp_path_factory)
    yield app
    app.extensions["qingdan"].engine.dispose()


def _indexer(app, processes: int) -> Indexer:
    state = app.extensions["qingdan"]
    return Indexer(
        state.session_factory,
        state.search.backend,
        processes,
        second_process_from=1,
        sweep_from=1,
    )


def _emptied(app) -> None:
    _indexer(app, processes=1).clear()


@pytest.fixture(scope="module")
def built_here(app) -> dict:
    _emptied(app)
    assert _indexer(app, processes=1).catch_up(batch_size=BATCH) > 0
    return index_contents(app)


def test_documents_built_apart_make_the_same_index(app, built_here, monkeypatch):
    monkeypatch.setattr(indexer_module, "COMMIT_EVERY", 3 * BATCH)  # several transactions
    _emptied(app)
    started = []
    monkeypatch.setattr(
        indexer_module,
        "DocumentBuilder",
        lambda url: started.append(url) or DocumentBuilder(url),
    )
    absorbed = _indexer(app, processes=2).catch_up(batch_size=BATCH)
    assert started, "a second process built the documents"
    assert absorbed == built_here["checkpoint"][0][0] > 3 * BATCH
    assert index_contents(app) == built_here
    assert gc.get_freeze_count() == 0  # the heap frozen while it wrote is collected again
    page = search(app.test_client(), "食品经营许可")
    assert page["items"][0]["name"] == "食品经营许可"


def test_the_builder_collects_garbage_between_batches_only(app, monkeypatch):
    """The second process builds a batch with the garbage collector off (its decoded
    records set off collection after collection) and collects once after it."""
    seen = []
    read = builder_module.read_documents

    def reading(session, item_ids):
        seen.append(gc.isenabled())
        return read(session, item_ids)

    monkeypatch.setattr(builder_module, "read_documents", reading)
    url = app.extensions["qingdan"].engine.url.render_as_string(hide_password=False)
    with app.extensions["qingdan"].session_factory() as session:
        ids = session.scalars(text("SELECT id FROM items ORDER BY id LIMIT 5")).all()
        expected = list(read(session, set(ids)))
    answers = io.BytesIO()
    lines = io.BytesIO(f'{{"url": "{url}"}}\n{json.dumps(ids)}\n'.encode())
    try:
        builder_module.serve(lines, answers)
    finally:
        gc.unfreeze()  # the second process freezes its modules; this one is the test's
    body = answers.getvalue()[builder_module.LENGTH_BYTES :]
    assert pickle.loads(body) == expected
    assert seen == [False] and gc.isenabled()


def test_a_failed_builder_leaves_the_rest_to_this_process(app, built_here, monkeypatch, caplog):
    _emptied(app)
    monkeypatch.setattr(
        indexer_module, "DocumentBuilder", lambda url: DocumentBuilder(url, command=["false"])
    )
    with caplog.at_level(logging.WARNING, logger="qingdan_api.search.indexer"):
        _indexer(app, processes=2).catch_up(batch_size=BATCH)
    assert "second process failed" in caplog.text
    assert index_contents(app) == built_here


def test_one_process_when_asked_or_when_little_is_pending(app, built_here, monkeypatch):
    _emptied(app)
    monkeypatch.setattr(indexer_module, "DocumentBuilder", lambda url: pytest.fail(url))
    state = app.extensions["qingdan"]
    Indexer(state.session_factory, state.search.backend, processes=2).catch_up(batch_size=BATCH)
    assert index_contents(app) == built_here  # fewer changes than SECOND_PROCESS_FROM
    _emptied(app)
    _indexer(app, processes=1).catch_up(batch_size=BATCH)
    assert index_contents(app) == built_here


def test_the_batches_read_ahead_are_dropped_when_another_indexer_moved_on(
    app, built_here, monkeypatch
):
    """Another indexer absorbs the same changes meanwhile: this one stops at its next
    transaction instead of writing batches read before the checkpoint moved."""
    monkeypatch.setattr(indexer_module, "COMMIT_EVERY", BATCH)
    _emptied(app)
    other = _indexer(app, processes=1)

    class AnotherIndexerRuns:
        def update(self, _count: int) -> None:
            other.catch_up(batch_size=BATCH)

    absorbed = _indexer(app, processes=2).catch_up(batch_size=BATCH, progress=AnotherIndexerRuns())
    assert absorbed == BATCH  # its first transaction, then it saw the checkpoint had moved
    assert index_contents(app) == built_here


def test_a_rebuild_starts_from_an_empty_fts5_table(app, built_here, backend):
    """Emptying FTS5 row by row leaves every row's terms behind as tombstones for later
    merges to read (at 1M: a 14 GB WAL, inserts a third as fast); a rebuild drops the
    table and makes it again, as empty as a new one."""
    if backend != "sqlite":
        pytest.skip("FTS5 only")
    state = app.extensions["qingdan"]
    with state.session_factory() as session, session.begin():
        session.execute(text("CREATE VIRTUAL TABLE temp.fresh USING fts5(a)"))
        new = session.scalar(text("SELECT count(*) FROM temp.fresh_data"))
        state.search.backend.rebuild(session, [])
        assert session.scalar(text("SELECT count(*) FROM search_fts_data")) == new
        session.execute(text("DROP TABLE temp.fresh"))
    state.search.reindex()
    with state.session_factory() as session, session.begin():
        session.execute(
            text("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)")
        )
    assert index_contents(app) == built_here | {"checkpoint": index_contents(app)["checkpoint"]}


def _segments(app) -> int:
    with app.extensions["qingdan"].session_factory() as session:
        return session.scalar(text("SELECT count(DISTINCT segid) FROM search_fts_idx"))


def test_a_bulk_catch_up_leaves_fts5_in_one_segment(app, backend):
    """A query reads every FTS5 segment: a catch-up of at least half as many changes as the
    index holds documents (a first load, a big harvest) ends with them merged into one;
    a smaller one leaves them to FTS5's own incremental merging."""
    if backend != "sqlite":
        pytest.skip("FTS5 only")
    _emptied(app)
    last = _indexer(app, processes=1).catch_up(batch_size=BATCH)  # from empty: bulk
    assert _segments(app) == 1
    with app.extensions["qingdan"].session_factory() as session, session.begin():
        session.execute(
            text("UPDATE search_checkpoints SET seq = :seq WHERE name = 'sql'"),
            {"seq": last - 3 * BATCH},
        )
    assert _indexer(app, processes=2).catch_up(batch_size=BATCH) == 3 * BATCH
    assert _segments(app) > 1
