"""Commands start the search index's background catch-up only on a current schema."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from qingdan_api import create_app, extension
from qingdan_api.cli import main
from qingdan_api.cli.core import _app
from qingdan_api.migrate import downgrade
from qingdan_api.search import hooks
from tests.conftest import drop_database, make_database


@pytest.fixture
def instance(backend, tmp_path_factory, tmp_path):
    """(instance folder, database URL) of a small demo, at the newest migration."""
    url = make_database(backend, tmp_path_factory)
    args = ["demo", "--instance", str(tmp_path), "--database", url, "--items", "60"]
    assert CliRunner().invoke(main, [*args, "--load-only"]).exit_code == 0
    yield str(tmp_path), url
    drop_database(url)


@pytest.fixture
def started(monkeypatch) -> list:
    """The catch-up threads started (each runs, and is joined by the test)."""
    threads = []

    def recorded(indexer):
        threads.append(start(indexer))
        return threads[-1]

    start = hooks.start_catch_up
    monkeypatch.setattr(hooks, "start_catch_up", recorded)
    monkeypatch.setattr(extension, "start_catch_up", recorded)
    return threads


def _downgraded(instance) -> None:
    folder, url = instance
    app = create_app(
        {
            "QINGDAN_INSTANCE": folder,
            "QINGDAN_DATABASE_URL": url,
            "QINGDAN_SEARCH_CATCH_UP_ON_START": False,
        }
    )
    downgrade(app.extensions["qingdan"].engine, "-1")
    app.extensions["qingdan"].engine.dispose()


@pytest.mark.parametrize(
    "command", [["serve"], ["harvest", "http://127.0.0.1:9/api"]], ids=["serve", "harvest"]
)
def test_on_an_older_schema_a_command_refuses_and_starts_no_catch_up(instance, started, command):
    _downgraded(instance)
    folder, url = instance
    result = CliRunner().invoke(main, [*command, "--instance", folder, "--database", url])
    assert result.exit_code != 0 and "qingdan init-db" in result.output
    assert started == []


def test_on_a_current_schema_a_command_starts_it(instance, started):
    app = _app(*instance)
    assert len(started) == 1
    started[0].join(timeout=60)
    assert app.extensions["qingdan"].search.status().lag == 0
    app.extensions["qingdan"].engine.dispose()


def test_the_setting_still_turns_it_off(instance, started, monkeypatch):
    monkeypatch.setenv("QINGDAN_SEARCH_CATCH_UP_ON_START", "false")
    app = _app(*instance)
    assert started == []
    app.extensions["qingdan"].engine.dispose()
