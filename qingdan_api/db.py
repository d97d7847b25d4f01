"""Engine and session setup for SQLite (WAL) and PostgreSQL.

On SQLite, sessions made through `writer_engine` begin with BEGIN IMMEDIATE: they queue
for the single write lock at their first statement instead of failing when they upgrade
from reading to writing. The price is that such a session holds the lock until it
commits or rolls back, so writers keep transactions short and long reads (exports,
dumps, public GETs) use plain sessions, which never block anyone in WAL mode.

On PostgreSQL, public GETs read through `reader_engine` in autocommit, and pooled
connections are checked at checkout by looking at their socket, not by a ping: a request
that reads one row is one round trip (bench/results/pg_round_trips.md).
"""

from __future__ import annotations

import json
import select
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
from psycopg import ServerCursor, pq
from sqlalchemy import Connection, Engine, create_engine, event, exc
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
    # No pool_pre_ping: it cost a round trip (and on psycopg two autocommit switches) on
    # every checkout, i.e. every request. `_drop_if_closed` looks at the socket instead.
    engine = create_engine(url, echo=echo, json_serializer=_dumps)
    if engine.dialect.driver == "psycopg":
        event.listen(engine, "checkout", _drop_if_closed)
        event.listen(engine, "before_cursor_execute", _begin_for_server_cursor)
    return engine


def _begin_for_server_cursor(_conn, cursor, *_rest) -> None:
    # A server-side cursor (stream_results, yield_per) lives in a transaction; a session of
    # `reader_engine` runs in autocommit and has none: it opens one here, and psycopg's
    # rollback (the session's close, the pool's reset) ends it as it would any other.
    if isinstance(cursor, ServerCursor):
        connection = cursor.connection
        if connection.autocommit and connection.info.transaction_status == _IDLE:
            connection.execute("BEGIN")


_IDLE = pq.TransactionStatus.IDLE


def _drop_if_closed(dbapi_connection, _record, _proxy) -> None:
    """Refuse a pooled psycopg connection that the server has closed, without a round trip.

    An idle connection has nothing to read. When the server ends it (pg_terminate_backend,
    a restart, idle_session_timeout) it sends a FATAL error and closes the socket, which
    then polls readable: such a connection is handed back as a DisconnectionError, and
    SQLAlchemy's pool replaces it with a fresh one before the request uses it ("checkout"
    event, docs: "Disconnect Handling - Pessimistic", custom ping). Anything else an idle
    connection could receive (NOTIFY, which Qingdan never LISTENs for; a notice) only costs
    a reconnect. A peer that vanished without closing (a cut network) is not seen here: its
    first statement fails and SQLAlchemy invalidates the pool, as in "optimistic" handling.
    """
    if dbapi_connection.closed or dbapi_connection.broken:
        raise exc.DisconnectionError("the connection is closed")
    poller = select.poll()
    poller.register(dbapi_connection.pgconn.socket, select.POLLIN)
    if poller.poll(0):  # data, end of file or an error: POLLHUP and POLLERR always count
        raise exc.DisconnectionError("the server ended this pooled connection")


WRITE_OPTION = "qingdan_write"


@contextmanager
def page_cache(connection: Connection, mebibytes: int) -> Iterator[Connection]:
    """On SQLite, a page cache of `mebibytes` MiB for this connection while the block runs.

    SQLite's default cache is 2 MiB per connection. A long write (catching the search index
    up) inserts into B-trees of gigabytes at random keys: with 2 MiB it re-read their pages
    from the OS on nearly every row (93 GB of read() calls for 550,000 items at 1M), a cost
    that grew with the index. See `sqlite_pragmas`.
    """
    with sqlite_pragmas(connection, cache_size=-int(mebibytes) * 1024):
        yield connection


@contextmanager
def sqlite_pragmas(connection: Connection, **values: int | str) -> Iterator[Connection]:
    """On SQLite, these pragmas (name=value: an integer or a keyword such as FAST) on this
    connection while the block runs.

    They are set on the driver's connection, outside any transaction, and the previous
    values come back before the connection returns to the pool. Other databases:
    nothing changes. Raises ValueError for a value that is neither.
    """
    if connection.dialect.name != "sqlite":
        yield connection
        return
    for name, value in values.items():
        if not (name.isidentifier() and (isinstance(value, int) or str(value).isalpha())):
            raise ValueError(f"not a pragma setting: {name} = {value!r}")
    driver = connection.connection.driver_connection
    previous = {name: driver.execute(f"PRAGMA {name}").fetchone()[0] for name in values}
    for name, value in values.items():
        driver.execute(f"PRAGMA {name} = {value}")
    try:
        yield connection
    finally:
        for name, value in previous.items():
            driver.execute(f"PRAGMA {name} = {int(value)}")


def _sqlite_begin(conn) -> None:
    # A deferred transaction that reads and then writes fails at once with "database is
    # locked" when another writer got in between; busy_timeout cannot help it. Writers
    # therefore take the write lock up front and queue on busy_timeout instead.
    write = conn.get_execution_options().get(WRITE_OPTION)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def writer_engine(engine: Engine) -> Engine:
    """The same engine and pool, marked for transactions that will write."""
    return engine.execution_options(**{WRITE_OPTION: True})


def reader_engine(engine: Engine) -> Engine:
    """The same engine and pool for sessions that only read (public GETs).

    On PostgreSQL their connections run in autocommit: psycopg then sends no BEGIN before
    the first statement and no ROLLBACK when the session closes (two of a one-item
    request's four round trips), and it keeps the statements it prepared on the
    connection (psycopg prepares a query the fifth time it runs; every ROLLBACK made it
    forget them all). Reads see the same data: at READ COMMITTED, PostgreSQL's default and
    ours, each statement of a transaction takes its own snapshot anyway. SQLAlchemy
    restores the isolation level when the connection returns to the pool. A read that
    needs one snapshot for several statements opens a Snapshot (services/snapshot.py),
    which sets REPEATABLE READ on its own connection. SQLite: the engine unchanged (its
    BEGIN is a function call, not a round trip).
    """
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


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
