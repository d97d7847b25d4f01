"""Load the demo city (临江市) into the database: units, releases, items and their history.

The generator (qingdan_api.demo) yields plain records with their lifecycle; this module
turns them into releases and published versions through the bulk loader. Every
publication lands in the quarterly release it falls in, stamped with that release's date,
as a real city's adjustments would be.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..demo import generate_items, generate_units
from ..demo.upper import EDITION_DATE as UPPER_EDITION
from ..demo.upper import HEADERS as UPPER_HEADERS
from ..demo.upper import SOURCE as UPPER_SOURCE
from ..demo.upper import catalogue_rows
from ..intake.reader import Sheet
from ..models import Base, Item, ItemVersion, Notice, Release, Unit, utcnow
from .auth import ADMIN, Principal
from .basic_catalogue import SHEET as UPPER_SHEET
from .basic_catalogue import import_catalogue
from .items import IN_REVIEW, ON_NOTICE
from .loading import BulkLoader, Publication, add_release, add_units
from .progress import Progress

DEMO_ADMIN = Principal(0, "demo", ADMIN)

PUBLISHED_STATES = {"published", "withdrawn"}
FIRST_RELEASE = date(2025, 1, 15)
LAST_PUBLICATION = date(2026, 10, 31)  # the generator's publication dates end here
DEMO_NOTICES = 5  # items under review put on public notice, so the portal can take comments
NOTICE_DAYS = 20


def has_content(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Unit)))


def reset_content(session: Session) -> None:
    """Delete every row of every table (not the schema), children before parents.

    Indexes kept outside the tables (the search index) must be rebuilt afterwards.
    """
    for table in reversed(Base.metadata.sorted_tables):
        session.execute(table.delete())
    session.commit()


def _release_key(day: date) -> tuple[int, int]:
    """Releases are quarterly; the first one holds everything up to its date."""
    if day <= FIRST_RELEASE:
        return (FIRST_RELEASE.year, 0)
    return (day.year, (day.month - 1) // 3 + 1)


def _release_name(key: tuple[int, int]) -> str:
    year, quarter = key
    if quarter == 0:
        return f"{year}年权力清单和责任清单首次公布"
    return f"{year}年第{quarter}批动态调整"


def _release_date(key: tuple[int, int]) -> datetime:
    year, quarter = key
    day = FIRST_RELEASE if quarter == 0 else date(year, 3 * quarter - 1, 15)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


def _following(key: tuple[int, int]) -> tuple[int, int]:
    year, quarter = key
    return (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def _dates(item: dict[str, Any]) -> list[date]:
    """Publication dates of an item's versions, oldest first."""
    earlier = [v["_published_at"] for v in item.get("_versions") or []]
    return [date.fromisoformat(d[:10]) for d in [*earlier, item["_published_at"]]]


def _strip(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


class _Releases:
    """The quarterly releases, created up front so that ids follow dates."""

    def __init__(self, session: Session, until: date):
        self.session = session
        self.by_key: dict[tuple[int, int], Release] = {}
        self.key_of: dict[int, tuple[int, int]] = {}
        key = _release_key(FIRST_RELEASE)
        while key <= _following(_release_key(until)):
            self._get(key)
            key = _following(key)

    def drop_empty(self) -> None:
        used = set(self.session.scalars(select(ItemVersion.release_id).distinct()))
        for key, release in list(self.by_key.items()):
            if release.id not in used:
                self.session.delete(release)
                del self.by_key[key]

    def for_day(self, day: date, after: Release | None = None) -> Release:
        key = _release_key(day)
        if after is not None and key <= self.key_of[after.id]:
            # Two versions of one item never share a release: the later one moves on.
            key = _following(self.key_of[after.id])
        return self._get(key)

    def _get(self, key: tuple[int, int]) -> Release:
        if key not in self.by_key:
            self.by_key[key] = add_release(
                self.session,
                _release_name(key),
                _release_date(key),
                published_by="临江市机构编制委员会办公室",
                description="临江市人民政府公布的权力清单和责任清单",
            )
            self.key_of[self.by_key[key].id] = key
        return self.by_key[key]


def load_demo(
    session: Session, *, total: int = 3000, seed: int = 2026, progress: Progress | None = None
) -> dict[str, int]:
    """Generate and load the demo city; returns counts of what was loaded.

    `progress`, if given, counts off the items as they are loaded (`total` of them).
    """
    units = generate_units(seed=seed)
    unit_ids = add_units(session, units)
    releases = _Releases(session, until=LAST_PUBLICATION)
    loader = BulkLoader(session, unit_ids, batch_size=5000)
    items = generate_items(units, total=total, seed=seed)
    if progress is not None:
        progress.total = total
    kept = []  # what the demo catalogue is derived from
    for item in items:
        if progress is not None:
            progress.update(1)
        state = item["_state"]
        kept.append({k: item.get(k) for k in ("basic_code", "name", "category", "level")})
        kept[-1].update(_state=state, legal_bases=item.get("legal_bases"))
        newest = _strip(item)
        if state in PUBLISHED_STATES:
            records = [_strip(r) for r in item.get("_versions") or []] + [newest]
            history = []
            release = None
            for number, (record, day) in enumerate(
                zip(records, _dates(item), strict=True), start=1
            ):
                release = releases.for_day(day, after=release)
                history.append(
                    Publication(
                        record,
                        release.published_at,
                        release_id=release.id,
                        published_by="临江市机构编制委员会办公室",
                        comment="首次公布" if number == 1 else "动态调整",
                    )
                )
            loader.add(history)
        else:
            loader.add([], working=newest, state=state)
    loader.finish()
    releases.drop_empty()
    notices = _open_notices(session, DEMO_NOTICES)
    session.commit()
    sectors = [u["sector"] for u in units if u.get("sector")]
    entries = _load_catalogue(session, catalogue_rows(kept, sectors))
    return {
        "units": len(units),
        **loader.counts,
        "releases": len(releases.by_key),
        "catalogue_entries": entries,
        "notices": notices,
    }


def _load_catalogue(session: Session, rows: list[list]) -> int:
    """The demo catalogue, imported through the catalogue importer like any other."""
    sheet = Sheet(UPPER_SHEET, UPPER_HEADERS, iter(enumerate(rows, start=2)))
    report = import_catalogue(
        session, DEMO_ADMIN, [sheet], source=UPPER_SOURCE, edition_date=UPPER_EDITION
    )
    if not report.committed:  # the demo's own data: a problem is a bug
        raise RuntimeError(f"demo catalogue rejected: {report.problems[:3]}")
    return report.counts["created"] + report.counts["updated"] + report.counts["unchanged"]


def _open_notices(session: Session, count: int) -> int:
    """Put the first `count` items under review on public notice, from now for 20 days.

    The notice runs from the moment of loading (not a fixed date), so the demo always
    has items open for comment.
    """
    now = utcnow()
    rows = session.execute(
        select(Item, ItemVersion)
        .join(ItemVersion, (ItemVersion.item_id == Item.id) & ItemVersion.number.is_(None))
        .where(Item.state == IN_REVIEW)
        .order_by(Item.code)
        .limit(count)
    ).all()
    for item, version in rows:
        item.state = ON_NOTICE
        session.add(
            Notice(
                item_id=item.id,
                version_id=version.id,
                starts_at=now,
                ends_at=now + timedelta(days=NOTICE_DAYS),
                opened_by="临江市机构编制委员会办公室",
            )
        )
    return len(rows)
