"""Find a unit by whatever code names it: its credit code or its old organisation code."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..domain.codes import normalise_unit_code
from ..models import Unit


def find_unit(session: Session, code: str | None) -> Unit | None:
    """The unit whose credit code (18) or organisation code alias (9, GB 11714) is `code`.

    The code is tidied first (case, spaces, the `12345678-9` hyphen); None when nothing
    matches. Harvested units carry no alias, so an alias always names a local unit.
    """
    if not isinstance(code, str) or not code.strip():
        return None
    code = normalise_unit_code(code)
    if len(code) == 18:
        return session.scalar(select(Unit).where(Unit.credit_code == code))
    if len(code) == 9:
        return session.scalar(select(Unit).where(Unit.org_code == code))
    return None


def find_unit_by_name(session: Session, name: str) -> Unit | None:
    """The one live unit whose full or short name is `name`; None if none or several."""
    rows = list(
        session.scalars(
            select(Unit)
            .where(or_(Unit.name == name.strip(), Unit.short_name == name.strip()))
            .where(Unit.retired_at.is_(None))
            .limit(2)
        )
    )
    return rows[0] if len(rows) == 1 else None
