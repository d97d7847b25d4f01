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
from .errors import NotFound
from .paging import Page, newest_first
from .publishing import ReleaseContents


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


def release_overview(session: Session, release_id: int, *, shown: int = 300) -> ReleaseContents:
    """A release with counts per kind and category, and the first `shown` entries of each

    kind (by change seq). Raises NotFound for an unknown release. Unlike
    `publishing.get_release`, it never reads more than 3 × `shown` rows.
    """
    release = session.get(Release, release_id)
    if release is None:
        raise NotFound(f"no release {release_id}")
    contents = ReleaseContents(release, counts={"added": {}, "changed": {}, "withdrawn": {}})
    kind = _kind()
    for name, category, n in session.execute(
        select(kind, ItemVersion.category, func.count())
        .join(ItemVersion, ItemVersion.id == Change.version_id)
        .where(Change.release_id == release_id)
        .group_by(kind, ItemVersion.category)
    ):
        contents.counts[name][category] = n
    for name in ("added", "changed", "withdrawn"):
        rows = session.execute(
            select(Change, ItemVersion.name, ItemVersion.category)
            .join(ItemVersion, ItemVersion.id == Change.version_id)
            .where(Change.release_id == release_id, kind == name)
            .order_by(Change.seq)
            .limit(shown)
        )
        getattr(contents, name).extend(
            {"code": c.code, "name": n, "category": cat, "version": c.version, "seq": c.seq}
            for c, n, cat in rows
        )
    return contents
