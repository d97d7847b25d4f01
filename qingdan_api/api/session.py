"""One database session per request, closed when the request ends."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session


def db_session() -> Session:
    if "qingdan_session" not in g:
        g.qingdan_session = current_app.extensions["qingdan"].session_factory()
    return g.qingdan_session


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("qingdan_session", None)
    if session is not None:
        session.close()
