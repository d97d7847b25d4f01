"""One database session per request, closed when the request ends."""

from __future__ import annotations

from flask import current_app, g, request
from sqlalchemy.orm import Session

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def db_session() -> Session:
    if "qingdan_session" not in g:
        state = current_app.extensions["qingdan"]
        reads = request.method in READ_METHODS
        factory = state.read_session_factory if reads else state.session_factory
        g.qingdan_session = factory()
    return g.qingdan_session


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("qingdan_session", None)
    if session is not None:
        session.close()
