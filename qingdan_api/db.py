"""Engine and session setup for SQLite (WAL) and PostgreSQL.

On SQLite, sessions made through `writer_engine` begin with BEGIN IMMEDIATE: they queue
for the single write lock at their first statement instead of failing when they upgrade
from reading to writing. The price is that such a session holds the lock until it
commits or rolls back, so writers keep transactions short and long reads (exports,
dumps, public GETs) use plain sessions, which never block anyone in WAL mode.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def _dumps(value) -> str:
    # Keep Chinese text readable and compact in the stored JSON.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def make_engine(url: str, echo: bool = False) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            json_serializer=_dumps,
            # Reading records is the indexer's and the exports' hot path: orjson decodes
            # them several times faster than the standard library.
            json_deserializer=orjson.loads,
            connect_args={"timeout": 30},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy emit BEGIN itself so transactions behave as on PostgreSQL.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, echo=echo, json_serializer=_dumps, pool_pre_ping=True)


WRITE_OPTION = "qingdan_write"


@contextmanager
def page_cache(connection: Connection, mebibytes: int) -> Iterator[Connection]:
    """On SQLite, a page cache of `mebibytes` MiB for this connection while the block runs.

    SQLite's default cache is 2 MiB per connection. A long write (catching the search index
    up) inserts into B-trees of gigabytes at random keys: with 2 MiB it re-read their pages
    from the OS on nearly every row (93 GB of read() calls for 550,000 items at 1M), a cost
    that grew with the index. The pragma is set on the driver's connection, outside any
    transaction, and the default comes back before the connection returns to the pool.
    Other databases: nothing changes.
    """
    if connection.dialect.name != "sqlite":
        yield connection
        return
    driver = connection.connection.driver_connection
    previous = driver.execute("PRAGMA cache_size").fetchone()[0]
    driver.execute(f"PRAGMA cache_size = -{int(mebibytes) * 1024}")
    try:
        yield connection
    finally:
        driver.execute(f"PRAGMA cache_size = {int(previous)}")


def _sqlite_begin(conn) -> None:
    # A deferred transaction that reads and then writes fails at once with "database is
    # locked" when another writer got in between; busy_timeout cannot help it. Writers
    # therefore take the write lock up front and queue on busy_timeout instead.
    write = conn.get_execution_options().get(WRITE_OPTION)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def writer_engine(engine: Engine) -> Engine:
    """The same engine and pool, marked for transactions that will write."""
    return engine.execution_options(**{WRITE_OPTION: True})


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Python's sqlite3 opens transactions lazily on its own; hand control to SQLAlchemy.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
