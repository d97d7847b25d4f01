"""Drives a source instance through the real editorial services, and serves it on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import select
from werkzeug.serving import make_server

from qingdan_api.models import Item, ItemVersion, utcnow
from qingdan_api.services import editing, publishing, workflow
from qingdan_api.services.auth import Principal
from qingdan_api.services.items import editing_base
from qingdan_api.services.loading import add_units
from tests import factories as f

ADMIN = Principal(0, "测试管理员", "admin")
TO_NOTICE = ("submit", "review", "approve", "notice")


def _revision(session, code: str) -> int:
    item = session.scalar(select(Item).where(Item.code == code))
    return editing_base(session, item).revision


def _take(session, code: str, name: str, **kw) -> None:
    workflow.transition(
        session, ADMIN, code, name, expected_revision=_revision(session, code), **kw
    )


def to_notice(session, code: str) -> None:
    for name in TO_NOTICE:
        _take(session, code, name, **({"notice_days": 0} if name == "notice" else {}))


def add_units_to(session, units: list[dict]) -> None:
    add_units(session, units)
    session.commit()


def draft(session, unit: dict, seq: int, **overrides) -> str:
    """A new item as a draft, taken to public notice; returns its code."""
    record = f.record(unit, seq, **overrides)
    editing.create_item(session, ADMIN, record)
    to_notice(session, record["code"])
    return record["code"]


def publish_release(session, codes: list[str], name: str) -> None:
    """Publish items that are on notice together, as one release."""
    # The notices were opened with 0 days; publish a moment later so they have ended.
    publishing.publish_release(
        session, ADMIN, name=name, codes=codes, now=utcnow() + timedelta(seconds=1)
    )


def adjust(session, code: str, **changes) -> None:
    """Adjust a published item: a working copy, reviewed, on notice (publish separately)."""
    editing.patch_item(session, ADMIN, code, changes, expected_revision=_revision(session, code))
    to_notice(session, code)


def cancel(session, code: str, reason: str) -> None:
    """Propose cancelling a published item (published later, as a withdrawal)."""
    patch = {"remarks": "拟取消"}
    editing.patch_item(session, ADMIN, code, patch, expected_revision=_revision(session, code))
    editing.propose_disposition(
        session,
        ADMIN,
        code,
        {"disposition": "cancel", "disposition_reason": reason},
        expected_revision=_revision(session, code),
    )
    to_notice(session, code)


def withdraw(session, code: str, reason: str) -> None:
    """Withdraw a published item at once (the publisher's 'withdraw' transition)."""
    _take(session, code, "withdraw", comment=reason)


def public_set(session, source_id: int | None = None) -> dict[str, tuple]:
    """code -> (version, status, content_hash, record) of every public version."""
    query = select(ItemVersion).where(ItemVersion.public_status.is_not(None))
    if source_id is not None:
        query = query.where(ItemVersion.source_id == source_id)
    return {
        v.code: (v.number, v.public_status, v.content_hash, v.record)
        for v in session.scalars(query)
    }


class Hold:
    """One rule of a Gate: requests whose path ends with `suffix` pass `passes` times,
    then wait (`held` set) until `release()`."""

    def __init__(self, suffix: str, passes: int):
        self.suffix, self.passes, self.seen = suffix, passes, 0
        self.held, self.released = threading.Event(), threading.Event()

    def release(self) -> None:
        self.released.set()


class Gate:
    """WSGI middleware for a served source (`app.wsgi_app = Gate(app.wsgi_app)`): holds
    chosen requests, so a test acts while a harvester waits on the network, whatever the
    machine's speed."""

    def __init__(self, wsgi_app):
        self.wsgi_app, self.lock, self.holds = wsgi_app, threading.Lock(), []

    def hold(self, suffix: str, passes: int = 0) -> Hold:
        rule = Hold(suffix, passes)
        with self.lock:
            self.holds.append(rule)
        return rule

    def __call__(self, environ, start_response):
        path, waiting = environ["PATH_INFO"], None
        with self.lock:
            for rule in self.holds:
                if not rule.released.is_set() and path.endswith(rule.suffix):
                    rule.seen += 1
                    if rule.seen > rule.passes:
                        waiting = rule
                        break
        if waiting is not None:
            waiting.held.set()
            waiting.released.wait(timeout=120)
        return self.wsgi_app(environ, start_response)


@contextmanager
def serving(app) -> Iterator[str]:
    """Serve `app` on an ephemeral loopback port; yields its API root URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{app.config['QINGDAN_URL_PREFIX']}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
