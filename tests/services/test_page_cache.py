"""db.page_cache: a roomy SQLite page cache for one long write, given back to the pool after."""

from __future__ import annotations

from qingdan_api.db import make_engine, page_cache


def _cache_size(connection) -> int:
    return connection.exec_driver_sql("PRAGMA cache_size").scalar()


def test_the_cache_is_roomy_inside_and_the_default_comes_back(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'q.db'}")
    try:
        with engine.connect() as connection:
            default = _cache_size(connection)
            connection.rollback()
            with page_cache(connection, 64):
                assert _cache_size(connection) == -64 * 1024
                connection.rollback()
        with engine.connect() as connection:  # the same pooled connection, given back
            assert _cache_size(connection) == default
    finally:
        engine.dispose()
