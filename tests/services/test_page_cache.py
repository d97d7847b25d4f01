"""db.page_cache and db.sqlite_pragmas: settings for one long write, given back to the pool."""

from __future__ import annotations

import pytest

from qingdan_api.db import make_engine, page_cache, sqlite_pragmas


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


def test_pragmas_come_back_and_only_settings_are_taken(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'q.db'}")
    try:
        with engine.connect() as connection:
            default = connection.exec_driver_sql("PRAGMA secure_delete").scalar()
            connection.rollback()
            with sqlite_pragmas(connection, secure_delete="FAST"):
                assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 2
                connection.rollback()
            with pytest.raises(ValueError), sqlite_pragmas(connection, secure_delete="0; DROP"):
                pass
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == default
    finally:
        engine.dispose()
