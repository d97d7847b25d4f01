"""The audit log: record every write and transition; let admins read it back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..listings.paging import Order, Page, keyset_page
from ..models import AuditEntry, Unit
from .auth import ADMIN, Principal, require
from .errors import InvalidArgument
from .unit_lookup import find_unit


def record(
    session: Session,
    actor: str,
    action: str,
    *,
    unit_id: int | None = None,
    item_code: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    comment: str | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Add an audit entry to the caller's transaction: it commits or rolls back with the write."""
    entry = AuditEntry(
        actor=actor,
        action=action,
        unit_id=unit_id,
        item_code=item_code,
        before=before,
        after=after,
        comment=comment,
    )
    if at is not None:
        entry.at = at
    session.add(entry)
    return entry


@dataclass
class AuditFilters:
    unit: str | None = None
    actor: str | None = None
    item: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_entries(
    session: Session,
    principal: Principal | None,
    filters: AuditFilters,
    *,
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """Audit entries, newest first, paged by id; admins only."""
    require(principal, ADMIN)
    query = select(AuditEntry)
    if filters.unit:
        unit = find_unit(session, filters.unit)
        unit_id = unit.id if unit is not None else None
        if unit_id is None:
            raise InvalidArgument("unit", f"no unit with credit code {filters.unit}")
        query = query.where(AuditEntry.unit_id == unit_id)
    if filters.actor:
        query = query.where(AuditEntry.actor == filters.actor)
    if filters.item:
        query = query.where(AuditEntry.item_code == filters.item)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.since:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until:
        query = query.where(AuditEntry.at <= filters.until)
    order = Order("-id", (AuditEntry.id,), descending=True)
    return keyset_page(session, query, order, limit=limit, cursor=cursor, backwards=False)


def unit_codes(session: Session, unit_ids: set[int]) -> dict[int, str]:
    """Credit codes of units, by id (to show audit entries with public identifiers)."""
    if not unit_ids:
        return {}
    return dict(
        session.execute(select(Unit.id, Unit.credit_code).where(Unit.id.in_(unit_ids))).all()
    )
