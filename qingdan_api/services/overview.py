"""Summaries for overview pages (the portal's home and release list): counts, no rows.

`publishing.list_releases` reads every change of every release it lists (a first release
holds the whole list); these read counts with GROUP BY, so a home page stays cheap at any
size. Only public facts are counted: releases and the change feed are public by design.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..models import WITHDRAW, Change, ItemVersion, Release
from .catalog import ACTIVE
from .paging import Page, newest_first


@dataclass
class ReleaseSummary:
    release: Release
    counts: dict[str, int] = field(default_factory=dict)  # added / changed / withdrawn

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _kind():
    return case(
        (Change.operation == WITHDRAW, "withdrawn"),
        (Change.version == 1, "added"),
        else_="changed",
    )


def release_summaries(session: Session, *, limit: int = 10, cursor: str | None = None) -> Page:
    """Releases newest first, each with how many items it added, changed and withdrew."""
    total = session.scalar(select(func.count()).select_from(Release)) or 0
    rows, following = newest_first(session, select(Release), Release.id, limit=limit, cursor=cursor)
    summaries = {r.id: ReleaseSummary(r, {"added": 0, "changed": 0, "withdrawn": 0}) for r in rows}
    if summaries:
        kind = _kind()
        counted = session.execute(
            select(Change.release_id, kind, func.count())
            .where(Change.release_id.in_(list(summaries)))
            .group_by(Change.release_id, kind)
        )
        for release_id, name, n in counted:
            summaries[release_id].counts[name] = n
    return Page([summaries[r.id] for r in rows], total, following, None)


def category_totals(session: Session) -> dict[str, int]:
    """Active published items per category code, over the whole list."""
    rows = session.execute(
        select(ItemVersion.category, func.count())
        .where(ItemVersion.public_status == ACTIVE)
        .group_by(ItemVersion.category)
    )
    return {category: n for category, n in rows}
