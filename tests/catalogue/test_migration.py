"""Migration 0008 fills the law keys of the item versions already stored."""

from __future__ import annotations

from sqlalchemy import text

from qingdan_api.migrate import downgrade, upgrade

from ..factories import load, record, unit_data

UNIT = unit_data(41, region_code="440100")


def test_upgrade_fills_law_keys_from_stored_records(app):
    engine = app.extensions["qingdan"].engine
    with app.extensions["qingdan"].session_factory() as session:
        load(session, [UNIT], [{"history": [record(UNIT, 1)]}])
    downgrade(engine, "0007")
    try:
        with engine.connect() as connection:
            columns = connection.execute(text("SELECT * FROM item_versions LIMIT 1")).keys()
        assert "law_keys" not in columns
    finally:
        upgrade(engine)
    with engine.connect() as connection:
        keys = connection.execute(text("SELECT law_keys FROM item_versions")).scalars().all()
    assert keys == ["|食品安全法|食品经营许可和备案管理办法|"]
