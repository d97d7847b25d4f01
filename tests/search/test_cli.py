"""`qingdan index` catches up on the change feed; `qingdan reindex` rebuilds."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy.orm import Session

from qingdan_api.cli import main
from qingdan_api.db import make_engine
from tests import factories as f

from .dataset import UNITS, records


def test_index_then_reindex(database_url):
    engine = make_engine(database_url)
    with Session(engine) as session:  # no hook: as if loaded by another process
        f.load(session, UNITS[:2], [{"history": [r]} for r in records()[:40]])
    engine.dispose()
    runner = CliRunner()
    result = runner.invoke(main, ["index", "--database", database_url])
    assert result.exit_code == 0, result.output
    assert "absorbed 40 changes" in result.output and "lag 0" in result.output
    again = runner.invoke(main, ["index", "--database", database_url])
    assert "absorbed 0 changes" in again.output
    rebuilt = runner.invoke(main, ["reindex", "--database", database_url])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "indexed 40 items" in rebuilt.output
