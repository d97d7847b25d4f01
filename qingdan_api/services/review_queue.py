"""The review queue: the items waiting for a reviewer, by unit, with each unit's
unexplained alignment findings (which block nothing, but a reviewer should see them)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Item, ItemVersion, Unit
from . import alignment
from .auth import ADMIN, REVIEWER, Principal, require
from .items import IN_REVIEW, STATE_LABELS, SUBMITTED


def review_queue(session: Session, principal: Principal | None) -> list[dict]:
    """Units with items submitted or in review (reviewer or admin), oldest first.

    Each: {credit_code, name, alignment_unexplained, items: [{code, name, state,
    state_label, since}]}. Raises Unauthenticated / Forbidden for other callers.
    """
    require(principal, REVIEWER, ADMIN)
    rows = session.execute(
        select(
            Item.code, Item.state, Item.updated_at, ItemVersion.name, Unit.credit_code, Unit.name
        )
        .join(ItemVersion, (ItemVersion.item_id == Item.id) & ItemVersion.number.is_(None))
        .join(Unit, Unit.id == Item.unit_id)
        .where(Item.state.in_((SUBMITTED, IN_REVIEW)))
        .order_by(Item.updated_at, Item.code)
    ).all()
    unexplained: Counter[str] = Counter()
    if rows:
        for finding in alignment.compute(session).findings:
            if finding.explanation is None:
                unexplained.update(finding.units)
    units: dict[str, dict] = {}
    for code, state, since, name, credit_code, unit_name in rows:
        unit = units.setdefault(
            credit_code,
            {
                "credit_code": credit_code,
                "name": unit_name,
                "alignment_unexplained": unexplained[credit_code],
                "items": [],
            },
        )
        unit["items"].append(
            {
                "code": code,
                "name": name,
                "state": state,
                "state_label": STATE_LABELS[state],
                "since": since.isoformat(),
            }
        )
    return list(units.values())
