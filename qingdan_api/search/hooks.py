"""Index after commit: any session that wrote to the change feed triggers a catch-up.

Services that publish need not know about search. A session is marked when it flushes a
`Change` object or executes an INSERT into `changes` (the bulk loader's path); after that
session commits, the indexer catches up. Failures are logged, never raised: the
publication has committed already, the change feed still holds it, and the next catch-up
(or `qingdan index`) absorbs it. Catch-up runs synchronously in the committing thread, so
a client that publishes and then searches finds what it published.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from ..models import Change
from .indexer import INDEXER_SESSION, Indexer

log = logging.getLogger(__name__)

CHANGED = "qingdan_search_changed"


def install_after_commit(session_factory: sessionmaker[Session], indexer: Indexer) -> None:
    """Register the after-commit catch-up on every session `session_factory` makes."""

    @event.listens_for(session_factory, "after_flush")
    def _mark_flushed(session: Session, _context) -> None:
        if any(isinstance(obj, Change) for obj in session.new):
            session.info[CHANGED] = True

    @event.listens_for(session_factory, "do_orm_execute")
    def _mark_inserted(state: ORMExecuteState) -> None:
        table = getattr(state.statement, "table", None)
        if state.is_insert and getattr(table, "name", None) == Change.__tablename__:
            state.session.info[CHANGED] = True

    @event.listens_for(session_factory, "after_rollback")
    def _unmark(session: Session) -> None:
        session.info.pop(CHANGED, None)

    @event.listens_for(session_factory, "after_commit")
    def _catch_up(session: Session) -> None:
        if not session.info.pop(CHANGED, False) or session.info.get(INDEXER_SESSION):
            return
        try:
            indexer.catch_up()
        except Exception:  # the commit stands; the change feed keeps what was not indexed
            log.exception("search catch-up after commit failed; run `qingdan index`")


def start_catch_up(indexer: Indexer) -> threading.Thread:
    """Catch up in the background (at start-up): serving need not wait for a long backlog."""

    def run() -> None:
        try:
            if inspect(indexer.session_factory.kw["bind"]).has_table("search_checkpoints"):
                indexer.catch_up()
        except Exception:
            log.exception("search catch-up at start failed; run `qingdan index`")

    thread = threading.Thread(target=run, name="qingdan-search-catch-up", daemon=True)
    thread.start()
    return thread
