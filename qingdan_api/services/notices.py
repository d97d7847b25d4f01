"""Public notice (公示): items on notice, and the public's comments on them.

Comments are stored, length-limited and rate-limited per client address. The limit is
counted in the database, not in process memory, so it holds across worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..listings.paging import Order, Page, keyset_page
from ..models import Item, ItemVersion, Notice, NoticeComment, utcnow
from .auth import REVIEWER, Principal, require
from .errors import NotFound, TooManyRequests, ValidationFailed
from .items import ON_NOTICE

MAX_COMMENT = 2000
MAX_AUTHOR = 100
MAX_CONTACT = 200


@dataclass
class OnNotice:
    notice: Notice
    version: ItemVersion


def _open_notices():
    return (
        select(Notice, ItemVersion)
        .join(Item, Item.id == Notice.item_id)
        .join(ItemVersion, ItemVersion.id == Notice.version_id)
        .where(Item.state == ON_NOTICE, Notice.closed_at.is_(None))
    )


def list_notices(session: Session, *, limit: int = 25, cursor: str | None = None) -> Page:
    """Items on public notice now, by code, with their notice period."""
    query = _open_notices()
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = keyset_page(
        session,
        query,
        Order("code", (ItemVersion.code,)),
        limit=limit,
        cursor=cursor,
        total=total,
        backwards=False,
        key_of=lambda row: (row[1].code,),
        fetch=session.execute,
    )
    page.rows = [OnNotice(n, v) for n, v in page.rows]
    return page


def get_notice(session: Session, code: str) -> OnNotice:
    row = session.execute(_open_notices().where(ItemVersion.code == code)).first()
    if row is None:
        raise NotFound(f"item {code} is not on public notice")
    return OnNotice(*row)


def post_comment(
    session: Session,
    code: str,
    *,
    client: str,
    body: Any,
    author: Any = None,
    contact: Any = None,
    rate_limit: int = 5,
    window_seconds: int = 3600,
    now: datetime | None = None,
) -> NoticeComment:
    """Store a comment on an item while its notice period runs; anyone may comment."""
    now = now or utcnow()
    on_notice = get_notice(session, code)
    if on_notice.notice.ends_at <= now:
        raise NotFound(f"the public notice of item {code} ended; comments are closed")
    errors: dict[str, list[str]] = {}
    if not isinstance(body, str) or not body.strip():
        errors["body"] = ["required"]
    elif len(body) > MAX_COMMENT:
        errors["body"] = [f"at most {MAX_COMMENT} characters"]
    for name, value, limit in (("author", author, MAX_AUTHOR), ("contact", contact, MAX_CONTACT)):
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            errors[name] = [f"a string of at most {limit} characters"]
    if errors:
        raise ValidationFailed("the comment cannot be accepted", errors=errors)
    recent = session.scalar(
        select(func.count())
        .select_from(NoticeComment)
        .where(
            NoticeComment.client == client,
            NoticeComment.at > now - timedelta(seconds=window_seconds),
        )
    )
    if recent >= rate_limit:
        raise TooManyRequests(
            f"at most {rate_limit} comments per {window_seconds // 60} minutes; try again later",
            retry_after=window_seconds,
        )
    comment = NoticeComment(
        notice_id=on_notice.notice.id,
        at=now,
        client=client[:64],
        author=author,
        contact=contact,
        body=body.strip(),
    )
    session.add(comment)
    session.commit()
    return comment


def list_comments(session: Session, principal: Principal | None, code: str) -> list[NoticeComment]:
    """Every comment on an item's notices, oldest first: reviewers (and admins) only."""
    require(principal, REVIEWER)
    item_id = session.scalar(select(Item.id).where(Item.code == code))
    if item_id is None:
        raise NotFound(f"no item with code {code}")
    return list(
        session.scalars(
            select(NoticeComment)
            .join(Notice, Notice.id == NoticeComment.notice_id)
            .where(Notice.item_id == item_id)
            .order_by(NoticeComment.id)
        )
    )
