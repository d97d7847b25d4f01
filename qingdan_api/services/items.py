"""Editorial item states, and finding an item's working and public versions."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Item, ItemVersion
from .auth import EDITOR, PUBLISHER, REVIEWER, Principal, require
from .errors import Forbidden, NotFound

# Workflow states of an item (Item.state); services/workflow.py moves between them.
DRAFT = "draft"
SUBMITTED = "submitted"
IN_REVIEW = "in_review"
RETURNED = "returned"
APPROVED = "approved"
ON_NOTICE = "on_notice"
PUBLISHED = "published"
WITHDRAWN = "withdrawn"

STATE_LABELS = {
    DRAFT: "草稿",
    SUBMITTED: "已提交",
    IN_REVIEW: "审核中",
    RETURNED: "退回修改",
    APPROVED: "审核通过",
    ON_NOTICE: "公示中",
    PUBLISHED: "已发布",
    WITHDRAWN: "已撤销",
}
# States in which the item has a working version (a draft, or a published item's copy).
WORKING_STATES = frozenset({DRAFT, SUBMITTED, IN_REVIEW, RETURNED, APPROVED, ON_NOTICE})
EDITABLE_STATES = frozenset({DRAFT, RETURNED})


def load_item(session: Session, code: str) -> Item:
    item = session.scalar(select(Item).where(Item.code == code))
    if item is None:
        raise NotFound(f"no item with code {code}")
    return item


def working_version(session: Session, item: Item) -> ItemVersion | None:
    return session.scalar(
        select(ItemVersion).where(ItemVersion.item_id == item.id, ItemVersion.number.is_(None))
    )


def public_version(session: Session, item: Item) -> ItemVersion | None:
    return session.scalar(
        select(ItemVersion).where(
            ItemVersion.item_id == item.id, ItemVersion.public_status.is_not(None)
        )
    )


def editing_base(session: Session, item: Item) -> ItemVersion:
    """The version writes and transitions start from: the working one, else the public one.

    Its `revision` is the item's editorial ETag.
    """
    version = working_version(session, item) or public_version(session, item)
    if version is None:  # an item always has one or the other
        raise NotFound(f"item {item.code} has no content")
    return version


def last_number(session: Session, item: Item) -> int:
    return (
        session.scalar(select(func.max(ItemVersion.number)).where(ItemVersion.item_id == item.id))
        or 0
    )


def load_for_staff(session: Session, principal: Principal | None, code: str) -> Item:
    """An item the caller may see unpublished: any staff role; editors their own unit's."""
    principal = require(principal, EDITOR, REVIEWER, PUBLISHER)
    item = load_item(session, code)
    if principal.role == EDITOR and principal.unit_id != item.unit_id:
        raise Forbidden("editors may only see their own unit's items")
    return item
