"""Writing change-feed rows with gap-free, commit-ordered sequence numbers.

Readers follow the feed with `?since=seq`, so a row must never become visible after a
row with a higher seq: a reader that has seen seq 12 would skip an 11 committed later.
An autoincrement column does not give that guarantee (two transactions draw 11 and 12,
12 commits first). So every publishing transaction allocates its seqs under one lock
that it holds until it commits:

- PostgreSQL: `SELECT … FROM change_counter WHERE id = 1 FOR UPDATE` locks the counter's
  only row. The next publisher blocks on that lock until this transaction commits or
  rolls back, then reads the committed value; so seqs are handed out in commit order,
  and a rolled-back transaction releases its numbers unused (no gaps).
- SQLite: a database has a single writer. The first write of the transaction (the
  counter UPDATE at the latest) takes the write lock, held to commit: same effect.

The counter holds the last seq handed out; rows loaded in bulk without the counter
(services/loading.py) are covered by also taking MAX(changes.seq) under the lock, and
the column's PostgreSQL sequence is moved along so the loader never reuses a seq. The
bulk loader itself is an offline tool: it does not take the lock.
Publishing is rare next to reading, so one global lock costs nothing that matters.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from ..models import Change, ChangeCounter, ItemVersion
from .snapshot import hold_publication_lock


def _allocate(session: Session, count: int) -> int:
    """Reserve `count` consecutive seqs; returns the first. Holds the lock until commit."""
    # Send the caller's pending writes first: on SQLite that takes the write lock before
    # the counter is read, so nothing can commit between the read and our own commit.
    session.flush()
    hold_publication_lock(session)  # lets a dump's snapshot start between publications
    last = session.scalar(
        select(ChangeCounter.last_seq).where(ChangeCounter.id == 1).with_for_update()
    )
    if last is None:  # a database created without the migration's seed row
        session.add(ChangeCounter(id=1, last_seq=0))
        session.flush()
        last = 0
    last = max(last, session.scalar(select(func.max(Change.seq))) or 0)
    session.execute(
        update(ChangeCounter).where(ChangeCounter.id == 1).values(last_seq=last + count)
    )
    if session.bind.dialect.name == "postgresql":
        # Keep the column's own sequence ahead too, for rows the bulk loader adds later.
        session.execute(
            text("SELECT setval(pg_get_serial_sequence('changes', 'seq'), :last)"),
            {"last": last + count},
        )
    return last + 1


def write_changes(
    session: Session, entries: list[tuple[ItemVersion, str]], at: datetime
) -> list[Change]:
    """Add one change row per (published version, operation), in the caller's transaction."""
    if not entries:
        return []
    first = _allocate(session, len(entries))
    rows = [
        Change(
            seq=first + offset,
            item_id=version.item_id,
            code=version.code,
            version_id=version.id,
            version=version.number,
            operation=operation,
            release_id=version.release_id,
            created_at=at,
        )
        for offset, (version, operation) in enumerate(entries)
    ]
    session.add_all(rows)
    return rows
