"""Publishing: turn working versions into immutable numbered versions, in releases.

A publication, in one transaction: the previous public version gets `superseded_at` =
now and loses `public_status`; the working version gets its number, `published_at` and
`public_status` ('active', or 'withdrawn' when its disposition removes the item); the
item's open notice closes; and a change-feed row is written (services/changefeed.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..domain.record import filter_columns
from ..domain.vocabularies import WITHDRAWING_DISPOSITIONS
from ..listings.paging import Order, Page, keyset_page
from ..models import UPSERT, WITHDRAW, Change, Item, ItemVersion, Notice, Release, Unit, utcnow
from . import audit
from .auth import PUBLISHER, Principal, require
from .catalog import ACTIVE
from .catalog import WITHDRAWN as WITHDRAWN_STATUS
from .changefeed import write_changes
from .errors import Conflict, NotFound, ValidationFailed
from .fragments import forget as forget_fragments
from .items import ON_NOTICE, PUBLISHED, WITHDRAWN, last_number, public_version, working_version
from .published import stamp as stamp_published


def _make_public(
    session: Session,
    item: Item,
    version: ItemVersion,
    *,
    actor: str,
    at: datetime,
    release: Release | None,
    comment: str | None,
) -> str:
    """Publish `version` of `item` (already locked by the caller's state CAS); returns the op."""
    previous = public_version(session, item)
    number = last_number(session, item) + 1
    if previous is not None:
        previous.public_status = None
        previous.superseded_at = at
        session.flush()
        forget_fragments(session, [previous.id])
    withdrawing = version.disposition in WITHDRAWING_DISPOSITIONS
    version.number = number
    version.public_status = WITHDRAWN_STATUS if withdrawing else ACTIVE
    version.published_at = at
    version.published_by = actor
    version.release_id = release.id if release else None
    version.comment = comment
    stamp_published(version)
    item.state = WITHDRAWN if withdrawing else PUBLISHED
    item.updated_at = at
    session.execute(
        update(Notice)
        .where(Notice.item_id == item.id, Notice.closed_at.is_(None))
        .values(closed_at=at)
        .execution_options(synchronize_session=False)
    )
    if not withdrawing:
        # A unit with a published power no longer reports zero.
        session.execute(
            update(Unit)
            .where(Unit.id == item.unit_id, Unit.zero_report.is_(True))
            .values(zero_report=False, zero_report_reason=None)
            .execution_options(synchronize_session=False)
        )
    return WITHDRAW if withdrawing else UPSERT


def _claim(session: Session, item: Item, from_state: str, to_state: str) -> bool:
    """Compare-and-set of the item's state: True for the one caller that moved it."""
    return (
        session.execute(
            update(Item)
            .where(Item.id == item.id, Item.state == from_state)
            .values(state=to_state)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def publish_release(
    session: Session,
    principal: Principal | None,
    *,
    name: Any,
    codes: Any,
    description: str | None = None,
    comment: str | None = None,
    now: datetime | None = None,
) -> Release:
    """Publish every listed item (each on notice, its period over) as one release, or none."""
    principal = require(principal, PUBLISHER)
    now = now or utcnow()
    errors: dict[str, list[str]] = {}
    if not isinstance(name, str) or not name.strip():
        errors["name"] = ["required"]
    if not isinstance(codes, list) or not codes:
        errors["items"] = ["list the codes of the items to publish"]
    elif len(set(map(str, codes))) != len(codes):
        errors["items"] = ["lists an item twice"]
    if errors:
        raise ValidationFailed("the release is incomplete", errors=errors)
    items = []
    for index, code in enumerate(codes):
        item = (
            session.scalar(select(Item).where(Item.code == code)) if isinstance(code, str) else None
        )
        if item is None:
            errors[f"items.{index}"] = [f"no item {code}"]
            continue
        problem = not_ready(session, item, now)
        if problem:
            errors[f"items.{index}"] = [problem]
        items.append(item)
    if errors:
        raise Conflict("some items cannot be published now; nothing was published", errors=errors)
    release = Release(
        name=name.strip(), description=description, published_at=now, published_by=principal.actor
    )
    session.add(release)
    session.flush()
    publish_items(session, principal, items, release=release, comment=comment, at=now)
    audit.record(
        session,
        principal.actor,
        "release.publish",
        after={"release": release.id, "name": release.name, "items": list(codes)},
        comment=comment,
        at=now,
    )
    session.commit()
    session.expire_all()
    return release


def not_ready(session: Session, item: Item, now: datetime) -> str | None:
    """Why `item` cannot be published now, or None."""
    if item.state != ON_NOTICE:
        return f"item {item.code} is {item.state}, not on public notice"
    ends = session.scalar(
        select(Notice.ends_at).where(Notice.item_id == item.id, Notice.closed_at.is_(None))
    )
    if ends is not None and ends > now:
        return f"item {item.code} is on public notice until {ends.isoformat()}"
    return None


def publish_items(
    session: Session,
    principal: Principal,
    items: list[Item],
    *,
    release: Release | None,
    comment: str | None,
    at: datetime,
) -> None:
    """Publish the working versions of items that are on notice; no commit."""
    published: list[tuple[ItemVersion, str]] = []
    for item in sorted(items, key=lambda i: i.code):
        if not _claim(session, item, ON_NOTICE, PUBLISHED):
            raise Conflict(f"item {item.code} was moved by someone else meanwhile")
        session.refresh(item)
        version = working_version(session, item)
        operation = _make_public(
            session, item, version, actor=principal.actor, at=at, release=release, comment=comment
        )
        published.append((version, operation))
        audit.record(
            session,
            principal.actor,
            "workflow.publish",
            unit_id=item.unit_id,
            item_code=item.code,
            before={"state": ON_NOTICE},
            after={
                "state": item.state,
                "version": version.number,
                "release": release.id if release else None,
            },
            comment=comment,
            at=at,
        )
    session.flush()
    write_changes(session, published, at)


def withdraw_published(
    session: Session, principal: Principal, item: Item, *, reason: str, at: datetime
) -> ItemVersion:
    """Cancel a published item at once: a tombstone version with disposition 'cancel'."""
    previous = public_version(session, item)
    record = dict(previous.record)
    record.update(
        disposition="cancel", disposition_reason=reason, merged_into=None, transferred_to=None
    )
    tombstone = ItemVersion(
        item_id=item.id,
        unit_id=item.unit_id,
        number=None,
        revision=previous.revision + 1,
        record=record,
        created_by=principal.actor,
        **filter_columns(record),
    )
    session.add(tombstone)
    session.flush()
    operation = _make_public(
        session, item, tombstone, actor=principal.actor, at=at, release=None, comment=reason
    )
    session.flush()
    write_changes(session, [(tombstone, operation)], at)
    return tombstone


@dataclass
class ReleaseContents:
    release: Release
    added: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    withdrawn: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> category -> n


def release_contents(session: Session, release: Release) -> ReleaseContents:
    """What a release added, changed and withdrew, with counts per category."""
    contents = ReleaseContents(release, counts={"added": {}, "changed": {}, "withdrawn": {}})
    rows = session.execute(
        select(Change, ItemVersion.name, ItemVersion.category, ItemVersion.disposition)
        .join(ItemVersion, ItemVersion.id == Change.version_id)
        .where(Change.release_id == release.id)
        .order_by(Change.seq)
    )
    for change, name, category, disposition in rows:
        if change.operation == WITHDRAW:
            kind = "withdrawn"
        else:
            kind = "added" if change.version == 1 else "changed"
        entry = {
            "code": change.code,
            "name": name,
            "category": category,
            "version": change.version,
            "disposition": disposition,
            "seq": change.seq,
        }
        getattr(contents, kind).append(entry)
        contents.counts[kind][category] = contents.counts[kind].get(category, 0) + 1
    return contents


def get_release(session: Session, release_id: int) -> ReleaseContents:
    release = session.get(Release, release_id)
    if release is None:
        raise NotFound(f"no release {release_id}")
    return release_contents(session, release)


def list_releases(session: Session, *, limit: int = 25, cursor: str | None = None) -> Page:
    """Releases, newest first, each with its contents."""
    query = select(Release)
    total = session.scalar(select(func.count()).select_from(Release))
    order = Order("-id", (Release.id,), descending=True)
    page = keyset_page(
        session, query, order, limit=limit, cursor=cursor, total=total or 0, backwards=False
    )
    page.rows = [release_contents(session, r) for r in page.rows]
    return page
