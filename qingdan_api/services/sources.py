"""Harvest sources as the public sees them: health per source and labels for content."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..listings.paging import Order, Page, keyset_page
from ..models import HarvestConflict, Source
from .errors import NotFound


@dataclass
class SourceHealth:
    source: Source
    conflicts: int

    @property
    def lag(self) -> int | None:
        if self.source.source_last_seq is None:
            return None
        return max(self.source.source_last_seq - self.source.last_seq, 0)

    @property
    def healthy(self) -> bool:
        """The last run ended verified, with nothing refused."""
        s = self.source
        return (
            s.last_error is None
            and s.last_success_at is not None
            and s.last_attempt_at is not None
            and s.last_success_at >= s.last_attempt_at
            and self.conflicts == 0
        )


def _conflict_counts(session: Session) -> dict[int, int]:
    return dict(
        session.execute(
            select(HarvestConflict.source_id, func.count()).group_by(HarvestConflict.source_id)
        ).all()
    )


def list_sources(session: Session, *, limit: int = 25, cursor: str | None = None) -> Page:
    """Harvested sources by id, each with its health (rows are SourceHealth)."""
    total = session.scalar(select(func.count()).select_from(Source)) or 0
    order = Order("id", (Source.id,))
    page = keyset_page(
        session, select(Source), order, limit=limit, cursor=cursor, total=total, backwards=False
    )
    counts = _conflict_counts(session)
    page.rows = [SourceHealth(s, counts.get(s.id, 0)) for s in page.rows]
    return page


def get_source(session: Session, source_id: int) -> SourceHealth:
    source = session.get(Source, source_id)
    if source is None:
        raise NotFound(f"no source {source_id}")
    return SourceHealth(source, _conflict_counts(session).get(source_id, 0))


def labels(session: Session) -> dict[int, Source]:
    """Every source by id, for labelling harvested units and items in responses."""
    return {s.id: s for s in session.scalars(select(Source))}
