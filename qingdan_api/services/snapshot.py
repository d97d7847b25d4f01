"""Consistent read snapshots of the published lists, pinned to a change-feed position.

An export or a dump reads many keyset pages; they must all see the same published state,
and that state must be exactly "every change with seq <= S", so that a consumer who loads
the snapshot and then follows the feed from S + 1 neither misses nor repeats a change.

- PostgreSQL: the snapshot is a REPEATABLE READ transaction; its first query reads
  max(seq), so the data and S come from the same snapshot. Publishers hand out seqs under
  the change counter's row lock, held to commit (services/changefeed.py), so no seq can
  commit after a higher one and S never skips a change. The advisory lock below is a
  second guard on the same rule: publishers hold it shared while they write changes and
  a snapshot takes it exclusively for the instant it reads S (publishers wait
  milliseconds, not for the whole dump). Redundant today; kept while both exist.
- SQLite: one writer at a time, so seq order is commit order; in WAL mode a read
  transaction sees the database as of its first read, which is the max(seq) query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from ..db import WRITE_OPTION
from ..models import Change

# Advisory lock key shared by snapshots and publishers ("qdfd": Qingdan feed).
FEED_LOCK_KEY = 0x71646664


@dataclass(frozen=True)
class FeedPosition:
    seq: int  # 0 when nothing was ever published
    changed_at: datetime | None  # time of the change at `seq`


def feed_position(session: Session) -> FeedPosition:
    row = session.execute(
        select(Change.seq, Change.created_at).order_by(Change.seq.desc()).limit(1)
    ).first()
    return FeedPosition(0, None) if row is None else FeedPosition(row.seq, row.created_at)


def hold_publication_lock(session: Session) -> None:
    """Call in a publishing transaction before it writes to `changes` (PostgreSQL only).

    Released at commit or rollback. See the module docstring for why.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock_shared(FEED_LOCK_KEY)))


def engine_of(source: Engine | sessionmaker[Session] | Session) -> Engine:
    if isinstance(source, Engine):
        return source
    if isinstance(source, Session):
        return source.get_bind()  # type: ignore[return-value]
    return source.kw["bind"]


class Snapshot:
    """A read-only session over one consistent state of the database, and its feed position.

    Close it (or use it as a context manager) to end the transaction.
    """

    def __init__(self, source: Engine | sessionmaker[Session] | Session):
        engine = engine_of(source)
        self._connection: Connection = engine.connect()
        # A snapshot only reads: on SQLite it must not take the write lock for its lifetime.
        self._connection.execution_options(**{WRITE_OPTION: False})
        try:
            if engine.dialect.name == "postgresql":
                self._start_postgresql()
            else:
                self.session = Session(bind=self._connection)
                self.position = feed_position(self.session)  # the first read pins WAL
        except BaseException:
            # Never hand a connection that may still hold the feed lock back to the pool.
            self._connection.invalidate()
            self._connection.close()
            raise

    def _start_postgresql(self) -> None:
        conn = self._connection
        conn.execute(select(func.pg_advisory_lock(FEED_LOCK_KEY)))
        conn.commit()  # the session-level lock outlives this little transaction
        conn.execution_options(isolation_level="REPEATABLE READ")
        self.session = Session(bind=conn)
        try:
            self.position = feed_position(self.session)  # takes the snapshot
        finally:
            # A SELECT, but the snapshot is already taken; unlocking lets publishers go on.
            self.session.execute(select(func.pg_advisory_unlock(FEED_LOCK_KEY)))

    def close(self) -> None:
        if self._connection.closed:
            return
        self.session.close()
        self._connection.rollback()
        self._connection.close()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
