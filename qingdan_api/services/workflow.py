"""The editorial workflow: one transition table, and the service that applies it.

A transition is a compare-and-set twice over: on the editing base's `revision` (the
If-Match ETag, bumped by every transition) and on the item's `state`. Two reviewers
pressing "approve" and "return" at once: one wins, the other gets 412.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import AuditEntry, Item, ItemVersion, Notice, Release, Unit, utcnow
from . import audit
from .auth import EDITOR, PUBLISHER, REVIEWER, Principal, require
from .editing import check_complete
from .errors import (
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
)
from .items import (
    APPROVED,
    DRAFT,
    IN_REVIEW,
    ON_NOTICE,
    PUBLISHED,
    RETURNED,
    SUBMITTED,
    WITHDRAWN,
    editing_base,
    load_for_staff,
)
from .publishing import not_ready, publish_items, withdraw_published


class Transition(NamedTuple):
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]  # admins may take every transition


# fmt: off
T = Transition
TRANSITIONS: dict[str, Transition] = {
    # name       from states                                    to state   roles
    "submit":   T((DRAFT, RETURNED),                            SUBMITTED, (EDITOR,)),
    "retract":  T((SUBMITTED,),                                 DRAFT,     (EDITOR,)),
    "review":   T((SUBMITTED,),                                 IN_REVIEW, (REVIEWER,)),
    "return":   T((SUBMITTED, IN_REVIEW, APPROVED, ON_NOTICE),  RETURNED,  (REVIEWER,)),
    "approve":  T((IN_REVIEW,),                                 APPROVED,  (REVIEWER,)),
    "notice":   T((APPROVED,),                                  ON_NOTICE, (REVIEWER, PUBLISHER)),
    # publish ends in WITHDRAWN instead when the disposition (cancel/transfer/merge) removes it
    "publish":  T((ON_NOTICE,),                                 PUBLISHED, (PUBLISHER,)),
    "withdraw": T((PUBLISHED,),                                 WITHDRAWN, (PUBLISHER,)),
}
TITLES = {
    "submit": "提交审核", "retract": "撤回提交", "review": "开始审核", "return": "退回修改",
    "approve": "审核通过", "notice": "公示", "publish": "发布", "withdraw": "撤销",
}
# fmt: on

# Transitions that must say why.
NEEDS_COMMENT = frozenset({"return", "withdraw"})
DEFAULT_NOTICE_DAYS = 7
MAX_NOTICE_DAYS = 60


def may_take(principal: Principal, item: Item, name: str) -> bool:
    spec = TRANSITIONS[name]
    if item.state not in spec.sources:
        return False
    if principal.role == EDITOR:
        return EDITOR in spec.roles and principal.unit_id == item.unit_id
    return principal.role == "admin" or principal.role in spec.roles


@dataclass
class WorkflowInfo:
    item: Item
    revision: int
    history: list[AuditEntry]
    transitions: list[str]
    notice: Notice | None


def workflow_info(session: Session, principal: Principal | None, code: str) -> WorkflowInfo:
    """State, transition history and what the caller may do next (staff only)."""
    item = load_for_staff(session, principal, code)
    history = list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.item_code == code, AuditEntry.action.like("workflow.%"))
            .order_by(AuditEntry.id)
        )
    )
    allowed = [name for name in TRANSITIONS if may_take(principal, item, name)]
    notice = session.scalar(
        select(Notice).where(Notice.item_id == item.id).order_by(Notice.id.desc()).limit(1)
    )
    return WorkflowInfo(item, editing_base(session, item).revision, history, allowed, notice)


def transition(
    session: Session,
    principal: Principal | None,
    code: str,
    name: str,
    *,
    expected_revision: int | None,
    comment: str | None = None,
    notice_days: int | None = None,
    release_name: str | None = None,
    now: datetime | None = None,
) -> WorkflowInfo:
    """Take transition `name` on item `code`; everything it implies commits together."""
    spec = TRANSITIONS.get(name)
    if spec is None:
        raise NotFound(f"no transition {name!r}; one of {', '.join(TRANSITIONS)}")
    principal = require(principal, *spec.roles)
    item = session.scalar(select(Item).where(Item.code == code))
    if item is None:
        raise NotFound(f"no item with code {code}")
    if principal.role == EDITOR and principal.unit_id != item.unit_id:
        raise Forbidden("editors may only move their own unit's items")
    if expected_revision is None:
        raise PreconditionRequired(f"send If-Match with the item's ETag to {name} it")
    # A stale ETag is the first thing to report: the caller decided on an old state.
    base = editing_base(session, item)
    if base.revision != expected_revision:
        raise PreconditionFailed(
            f"the item changed since revision {expected_revision}; it is now {base.revision}",
            current_revision=base.revision,
        )
    if item.state not in spec.sources:
        raise Conflict(
            f"cannot {name} item {code}: it is {item.state}; {name} needs "
            + " or ".join(spec.sources)
        )
    if comment is not None and not isinstance(comment, str):
        raise ValidationFailed("bad comment", errors={"comment": ["must be a string"]})
    comment = comment.strip() if comment and comment.strip() else None
    if name in NEEDS_COMMENT and not comment:
        raise ValidationFailed(f"say why ({name})", errors={"comment": ["required"]})
    now = now or utcnow()
    source = item.state
    _check_side_conditions(session, item, name, notice_days, now)
    if name in ("publish", "withdraw"):
        _publish_or_withdraw(
            session, principal, item, name, comment, release_name, expected_revision, now
        )
    else:
        _claim(session, item, base, source, spec.target, expected_revision, now)
        if name == "notice":
            days = DEFAULT_NOTICE_DAYS if notice_days is None else notice_days
            session.add(
                Notice(
                    item_id=item.id,
                    version_id=base.id,
                    starts_at=now,
                    ends_at=now + timedelta(days=days),
                    opened_by=principal.actor,
                )
            )
        elif source == ON_NOTICE:  # returned while on notice: the notice ends
            session.execute(
                update(Notice)
                .where(Notice.item_id == item.id, Notice.closed_at.is_(None))
                .values(closed_at=now)
                .execution_options(synchronize_session=False)
            )
        audit.record(
            session,
            principal.actor,
            f"workflow.{name}",
            unit_id=item.unit_id,
            item_code=code,
            before={"state": source, "revision": expected_revision},
            after={"state": spec.target, "revision": expected_revision + 1},
            comment=comment,
            at=now,
        )
    session.commit()
    session.expire_all()
    return workflow_info(session, principal, code)


def _check_side_conditions(
    session: Session, item: Item, name: str, notice_days: Any, now: datetime
) -> None:
    if name == "notice" and notice_days is not None:
        if isinstance(notice_days, bool) or not isinstance(notice_days, int):
            raise ValidationFailed("bad notice period", errors={"notice_days": ["an integer"]})
        if not 0 <= notice_days <= MAX_NOTICE_DAYS:
            raise ValidationFailed(
                "bad notice period", errors={"notice_days": [f"0 to {MAX_NOTICE_DAYS} days"]}
            )
    if name == "submit":
        # Drafts are saved incomplete; what review needs is checked here (issue 10).
        base = editing_base(session, item)
        check_complete(session, base.record, session.get(Unit, item.unit_id))
    if name == "publish":
        problem = not_ready(session, item, now)
        if problem:
            raise Conflict(problem)


def _claim(
    session: Session,
    item: Item,
    base: ItemVersion,
    source: str,
    target: str,
    expected_revision: int,
    now: datetime,
) -> None:
    """Compare-and-set the working version's revision, then the item's state."""
    bumped = session.execute(
        update(ItemVersion)
        .where(ItemVersion.id == base.id, ItemVersion.revision == expected_revision)
        .values(revision=expected_revision + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    moved = (
        bumped
        and session.execute(
            update(Item)
            .where(Item.id == item.id, Item.state == source)
            .values(state=target, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
    )
    if not moved:
        session.rollback()
        raise PreconditionFailed(f"item {item.code} was changed by someone else meanwhile")


def _publish_or_withdraw(
    session: Session,
    principal: Principal,
    item: Item,
    name: str,
    comment: str | None,
    release_name: str | None,
    expected_revision: int,
    now: datetime,
) -> None:
    if name == "publish":
        release = Release(
            name=release_name or f"{item.code} 单项发布",
            published_at=now,
            published_by=principal.actor,
        )
        session.add(release)
        session.flush()
        publish_items(session, principal, [item], release=release, comment=comment, at=now)
        return
    # Withdrawing a published item: the item's state is the lock (published versions
    # are immutable, so there is no revision to bump).
    moved = session.execute(
        update(Item)
        .where(Item.id == item.id, Item.state == PUBLISHED)
        .values(state=WITHDRAWN, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        session.rollback()
        raise PreconditionFailed(f"item {item.code} was changed by someone else meanwhile")
    session.refresh(item)
    tombstone = withdraw_published(session, principal, item, reason=comment, at=now)
    audit.record(
        session,
        principal.actor,
        "workflow.withdraw",
        unit_id=item.unit_id,
        item_code=item.code,
        before={"state": PUBLISHED, "revision": expected_revision},
        after={"state": WITHDRAWN, "version": tombstone.number},
        comment=comment,
        at=now,
    )
