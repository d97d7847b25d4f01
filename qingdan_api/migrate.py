"""Run the Alembic migrations programmatically (for `qingdan init-db` and the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from .db import writer_engine

ROOT = Path(__file__).resolve().parent.parent


# Native full-text objects the migrations create but the models cannot describe (an FTS5
# virtual table and its shadow tables on SQLite; a tsvector column and its GIN index on
# PostgreSQL). Autogenerate must neither drop them nor reflect the virtual table.
NATIVE_SEARCH_TABLE_PREFIX = "search_fts"
NATIVE_SEARCH_OBJECTS = {("column", "tsv"), ("index", "ix_search_documents_tsv")}


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic `include_name` hook: skip the native full-text objects."""
    if type_ == "table" and name and name.startswith(NATIVE_SEARCH_TABLE_PREFIX):
        return False
    return (type_, name) not in NATIVE_SEARCH_OBJECTS


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["url"] = url
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema of `engine`'s database to `revision`."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    # A writer connection: on SQLite it queues for the write lock instead of failing when
    # another writer (the indexer catching up at start) got in between its reads and DDL.
    with writer_engine(engine).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    # A writer connection: on SQLite it queues for the write lock instead of failing when
    # another writer (the indexer catching up at start) got in between its reads and DDL.
    with writer_engine(engine).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def is_current(engine: Engine) -> bool:
    """True when the database is at the newest migration."""
    if not inspect(engine).has_table("alembic_version"):
        return False
    script = ScriptDirectory.from_config(alembic_config(str(engine.url)))
    with engine.connect() as connection:
        heads = set(MigrationContext.configure(connection).get_current_heads())
    return heads == set(script.get_heads())
