"""Migration 0016 moves the stored CSV lines into their own table: nothing is rendered again."""

from __future__ import annotations

from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from qingdan_api.db import make_engine
from qingdan_api.migrate import downgrade, upgrade
from qingdan_api.models import ExportCsvRow, ItemVersion
from qingdan_api.services import fragments
from tests import factories as f

OLD_FRAGMENT = (
    "INSERT INTO export_fragments "
    "(version_id, stamp, content_hash, csv_row, csv_children, xml, process_key) "
    "VALUES (:version_id, :stamp, :content_hash, :csv_row, :csv_children, :xml, :key)"
)


def _columns(engine) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns("export_fragments")}


def test_csv_lines_moved_out_and_back(database_url):
    engine = make_engine(database_url)
    unit = f.unit_data(41)
    try:
        with Session(engine) as session:
            f.load(session, [unit], [{"history": [f.record(unit, n)]} for n in (1, 2, 3)])
            session.commit()
        fragments.refresh(engine)  # the renderer's rows, valid under today's stamp
        with Session(engine) as session:
            rendered = {
                row.code: (row.version_id, row.csv_row)
                for row in session.scalars(select(ExportCsvRow))
            }
            versions = session.execute(
                select(ItemVersion.id, ItemVersion.code, ItemVersion.content_hash)
            ).all()
        assert len(rendered) == 3
        downgrade(engine, "0015")
        assert "csv_row" in _columns(engine)
        with Session(engine) as session:  # as the 0015 code stored them
            session.execute(
                text(OLD_FRAGMENT),
                [
                    dict(
                        version_id=version_id,
                        stamp=fragments.STAMP,
                        content_hash=content_hash,
                        csv_row=rendered[code][1],
                        csv_children="[]",
                        xml="",
                        key="",
                    )
                    for version_id, code, content_hash in versions
                ],
            )
            session.commit()
        upgrade(engine)
        assert "csv_row" not in _columns(engine)
        with Session(engine) as session:
            moved = {
                row.code: (row.version_id, row.csv_row)
                for row in session.scalars(select(ExportCsvRow))
            }
        assert moved == rendered
        # Every moved line is valid as it stands: the refresh renders nothing.
        assert fragments.refresh(engine) == 0
        downgrade(engine, "0015")  # fragments are a cache: emptied, to be rendered again
        assert "csv_row" in _columns(engine)
        with Session(engine) as session:
            assert session.scalar(text("SELECT count(*) FROM export_fragments")) == 0
        upgrade(engine)
        assert fragments.refresh(engine) == 3
    finally:
        engine.dispose()
