"""Summaries for overview pages (the portal's home and release list): counts, no rows.

`publishing.list_releases` reads every change of every release it lists (a first release
holds the whole list); these read counts with GROUP BY, so a home page stays cheap at any
size. Only public facts are counted: releases and the change feed are public by design.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..listings.paging import Order, Page, keyset_page
from ..models import WITHDRAW, Change, ItemVersion, Release, Unit
from .catalog import ACTIVE
from .errors import NotFound
from .kept import Kept
from .kept import publication_marker as items_marker
from .publishing import ReleaseContents
from .units import list_units


@dataclass
class ReleaseSummary:
    release: Release | ReleaseInfo
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
    order = Order("-id", (Release.id,), descending=True)
    page = keyset_page(session, select(Release), order, limit=limit, cursor=cursor, backwards=False)
    rows, following = page.rows, page.next
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


@dataclass(frozen=True)
class UnitInfo:
    credit_code: str
    name: str
    zero_report: bool


@dataclass(frozen=True)
class UnitLine:
    unit: UnitInfo
    item_counts: dict[str, int]  # category code -> active published items

    @property
    def items_total(self) -> int:
        return sum(self.item_counts.values())


@dataclass(frozen=True)
class ReleaseInfo:
    id: int
    name: str
    published_at: datetime


@dataclass(frozen=True)
class Home:
    """What a home page shows, as plain values (safe to keep between requests)."""

    units: list[UnitLine]
    units_total: int
    totals: dict[str, int]  # category code -> active published items, whole list
    releases: list[ReleaseSummary]  # newest first; `release` is a ReleaseInfo


_HOMES: Kept[Home] = Kept(maxsize=8)


def publication_marker(session: Session) -> tuple[Any, ...]:
    """Changes whenever anything a home page shows may have changed.

    The items' marker (services/kept.py), plus releases and units: every release writes
    a row, and unit edits move `updated_at`. All are read from indexes in well under a
    millisecond.
    """
    return items_marker(
        session,
        select(func.max(Release.id)).scalar_subquery(),
        select(func.count(Unit.id)).scalar_subquery(),
        select(func.max(Unit.updated_at)).scalar_subquery(),
    )


def home(session: Session, *, units_shown: int = 500, releases_shown: int = 5) -> Home:
    """Units with their counts per category, totals and the latest releases.

    Counting a large list costs tens of milliseconds on every request, yet the answer only
    changes with a publication: it is kept per database until `publication_marker` moves.
    """
    key = (publication_marker(session), units_shown, releases_shown)
    return _HOMES.get(key, lambda: _home(session, units_shown, releases_shown))


def _home(session: Session, units_shown: int, releases_shown: int) -> Home:
    page = list_units(session, limit=units_shown)
    lines = [
        UnitLine(UnitInfo(s.unit.credit_code, s.unit.name, s.unit.zero_report), dict(s.item_counts))
        for s in page.rows
    ]
    if page.next is None:  # every unit is here: their counts add up to the totals
        totals: dict[str, int] = {}
        for line in lines:
            for category, n in line.item_counts.items():
                totals[category] = totals.get(category, 0) + n
    else:
        totals = category_totals(session)
    releases = [
        ReleaseSummary(
            ReleaseInfo(r.release.id, r.release.name, r.release.published_at),
            dict(r.counts),
        )
        for r in release_summaries(session, limit=releases_shown).rows
    ]
    return Home(lines, page.total, totals, releases)
