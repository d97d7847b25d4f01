"""SQL statements and database round trips per request of the read path's scenarios.

    python -m bench.round_trips --instance EMPTY_DIR --database postgresql://.../COPY
    python -m bench.round_trips --instance COPY_OF_SQLITE_INSTANCE --show

Same scenarios as bench/read_path.py, through the WSGI app in-process. Each request is
asked a few times first (caches, psycopg's prepared statements), then once more counted:

- statements: what SQLAlchemy sends (`before_cursor_execute`, BEGIN on SQLite included);
- round trips (PostgreSQL only): messages that wait for the server's answer, counted from
  libpq's own protocol trace (PQtrace) of every pooled connection: a simple Query or a
  Sync of the extended protocol. Pre-ping's SELECT 1, psycopg's implicit BEGIN, ROLLBACK
  and DEALLOCATE are invisible to SQLAlchemy's events but show here.
"""

from __future__ import annotations

import argparse
import os
import tempfile

from sqlalchemy import event

from bench.read_path import scenarios
from qingdan_api import create_app

WARM = 10  # psycopg prepares a statement the 5th time it runs on a connection (2 trips)


class Tracer:
    """Counts SQLAlchemy's statements and, on PostgreSQL, libpq's round trips."""

    def __init__(self, engine) -> None:
        self.statements: list[str] = []
        self.postgresql = engine.dialect.name == "postgresql"
        self._trace = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 (closed in close())
        event.listen(engine, "before_cursor_execute", self._statement)
        if self.postgresql:
            event.listen(engine.pool, "connect", self._attach)
            engine.dispose()  # new connections, all traced

    def _statement(self, _conn, _cursor, statement, *_rest) -> None:
        self.statements.append(" ".join(statement.split())[:160])

    def _attach(self, dbapi_connection, _record) -> None:
        from psycopg import pq

        pgconn = dbapi_connection.pgconn
        pgconn.trace(self._trace.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

    def reset(self) -> None:
        self.statements.clear()
        self._trace.seek(0)
        self._trace.truncate()

    def round_trips(self) -> list[str]:
        """The frontend messages that each wait for an answer ("Query ..." or "Sync")."""
        self._trace.flush()
        os.fsync(self._trace.fileno())
        self._trace.seek(0)
        out = []
        for line in self._trace.read().decode("utf-8", "replace").splitlines():
            parts = line.split("\t")
            if len(parts) >= 3 and parts[0] == "F" and parts[2] in ("Query", "Sync"):
                out.append(" ".join(parts[2:])[:160])
        return out


def count(client, tracer: Tracer, url: str) -> dict:
    for _ in range(WARM):
        assert client.get(url).status_code == 200, url
    tracer.reset()
    assert client.get(url).status_code == 200, url
    trips = tracer.round_trips() if tracer.postgresql else None
    return {"statements": list(tracer.statements), "round_trips": trips}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", required=True, help="instance folder (a copy: it migrates)")
    parser.add_argument("--database", help="SQLAlchemy URL (default: the instance's SQLite)")
    parser.add_argument("--show", action="store_true", help="print each statement and trip")
    args = parser.parse_args()
    config = {"QINGDAN_INSTANCE": args.instance, "QINGDAN_SEARCH_CATCH_UP_ON_START": False}
    config["QINGDAN_PORTAL"] = False
    if args.database:
        config["QINGDAN_DATABASE_URL"] = args.database
    app = create_app(config)
    client = app.test_client()
    chosen = {name: url for name, url in scenarios(client).items() if "#" not in url}
    tracer = Tracer(app.extensions["qingdan"].engine)
    print(f"database: {app.extensions['qingdan'].engine.dialect.name}")
    for name, url in chosen.items():
        found = count(client, tracer, url)
        trips = found["round_trips"]
        print(
            f"{name:16} statements {len(found['statements']):2}"
            + ("" if trips is None else f"  round trips {len(trips):2}")
            + f"  {url}"
        )
        if args.show:
            for statement in found["statements"]:
                print(f"    sql  {statement}")
            for trip in trips or []:
                print(f"    trip {trip}")


if __name__ == "__main__":
    main()
