"""A dump's second process: the same files as one process, from the same published state.

The second process takes its own snapshot; when something was published after the
dump's snapshot began, its files would be newer than the dump's seq, so the first
process must write them itself. Both ways are checked byte for byte against one process.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from dataclasses import replace

import pytest

from qingdan_api import create_app
from qingdan_api.services.dump_files import DumpOptions, write_data_files, write_share
from qingdan_api.services.snapshot import Snapshot
from tests import factories as f
from tests.api.conftest import AGENCY, UNIT_A, UNIT_B, UNIT_Z
from tests.api.conftest import _dataset as dataset_items
from tests.conftest import drop_database, make_database

API = "https://qingdan.example.gov.cn/api"
ONE = DumpOptions(api_root=API, page_size=7, processes=1)
TWO = replace(ONE, processes=2, second_process_from=0)  # whatever the size


@pytest.fixture
def app(backend, tmp_path_factory):
    url = make_database(backend, tmp_path_factory)
    app = create_app(
        {
            "QINGDAN_DATABASE_URL": url,
            "QINGDAN_INSTANCE": str(tmp_path_factory.mktemp("instance")),
            "QINGDAN_DUMP_ON_RELEASE": False,
        }
    )
    with app.extensions["qingdan"].session_factory() as session:
        f.load(session, [UNIT_A, UNIT_B, UNIT_Z, AGENCY], dataset_items())
    yield app
    app.extensions["qingdan"].engine.dispose()
    drop_database(url)


def _files(folder) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def _write(snapshot, folder, options):
    folder.mkdir()
    entries, counts = write_data_files(snapshot, folder, options, {"id": "test"})
    return entries, counts, _files(folder)


def test_two_processes_write_the_files_of_one(app, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="qingdan_api.services.dump_files")
    engine = app.extensions["qingdan"].engine
    with Snapshot(engine) as snapshot:
        one = _write(snapshot, tmp_path / "one", ONE)
        two = _write(snapshot, tmp_path / "two", TWO)
    assert two == one
    assert "items.csv, items.csv.zip written by a second process" in caplog.text
    assert "failed" not in caplog.text and "no second process" not in caplog.text
    assert {"items.csv", "items.xml", "items.csv.zip", "items.json"} <= set(one[2])


def test_a_publication_meanwhile_is_left_out_of_both_halves(app, tmp_path):
    engine = app.extensions["qingdan"].engine
    late = f.record(UNIT_B, 90, category="07", level="5", name="快照之后发布的事项")
    with Snapshot(engine) as snapshot:
        with app.extensions["qingdan"].session_factory() as session:
            f.load(session, [], [{"history": [late]}])  # the second process would see it
        job = {
            "url": engine.url.render_as_string(hide_password=False),
            "folder": str(tmp_path),
            "files": [dataclasses.asdict(s) for s in ONE.files if s.format == "csv"],
            "api_root": API,
            "page_size": 7,
            "extra": None,
            "seq": snapshot.position.seq,
        }
        assert write_share(job) == {"moved": True}
        one = _write(snapshot, tmp_path / "one", ONE)
        two = _write(snapshot, tmp_path / "two", TWO)
    assert two == one
    assert all(late["code"].encode() not in body for body in one[2].values())


@pytest.mark.parametrize("python", ["/nonexistent/python", "/bin/false"])
def test_a_second_process_that_cannot_start_or_fails_leaves_the_work_here(
    app, tmp_path, monkeypatch, caplog, python
):
    engine = app.extensions["qingdan"].engine
    with Snapshot(engine) as snapshot:
        one = _write(snapshot, tmp_path / "one", ONE)
        monkeypatch.setattr(sys, "executable", python)  # the environment fails, not our code
        two = _write(snapshot, tmp_path / "two", TWO)
    assert two == one
    assert "second process" in caplog.text
