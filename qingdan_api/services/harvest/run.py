"""One harvest run of one source: units, then the feed page by page, then verification."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ...models import HarvestConflict, Item, ItemVersion, Source, utcnow
from ..feed import SetChecksum, digest
from ..progress import Progress
from .apply import PageStats, apply_page, verify
from .client import HarvestError, SourceClient
from .units import UnitMirror

DEFAULT_PAGE_SIZE = 500
MAX_PAGES_PER_RUN = 1_000_000  # a bound, not a limit anyone should meet


@dataclass
class HarvestResult:
    source_id: int
    name: str
    base_url: str
    start_seq: int
    end_seq: int = 0
    source_last_seq: int | None = None
    pages: int = 0
    stats: PageStats = field(default_factory=PageStats)
    verified: bool = False
    checksum: str | None = None
    items_total: int = 0
    error: str | None = None


def mirror_checksum(session: Session, source_id: int) -> SetChecksum:
    """The same checksum as the source's feed gives, over what this mirror holds of it."""
    rows = session.execute(
        select(
            ItemVersion.code,
            ItemVersion.number,
            ItemVersion.content_hash,
            ItemVersion.public_status,
        ).where(ItemVersion.source_id == source_id, ItemVersion.public_status.is_not(None))
    )
    return digest(rows)


def ensure_source(
    session: Session, base_url: str, name: str | None = None, region: str | None = None
) -> Source:
    """The source row for `base_url`, created on first use."""
    base_url = base_url.rstrip("/")
    source = session.scalar(select(Source).where(Source.base_url == base_url))
    if source is None:
        parts = urlsplit(base_url)
        source = Source(base_url=base_url, name=name or parts.netloc + parts.path, last_seq=0)
        source.items_total = 0
        session.add(source)
    elif name:
        source.name = name
    if region:
        source.region_code = region
    session.commit()
    return source


def _verify(session: Session, theirs: dict, source: Source, result: HarvestResult) -> None:
    """Counts and checksum of the source's set at our checkpoint (`theirs`, as its
    @changes/checksum gave them) against our copy of it."""
    ours = mirror_checksum(session, source.id)
    result.items_total = ours.items_total
    result.checksum = ours.checksum
    source.items_total = ours.items_total
    if theirs.get("checksum") == ours.checksum and theirs.get("items_total") == ours.items_total:
        result.verified = True
        source.verified_seq = source.last_seq
        source.set_checksum = ours.checksum
        return
    refused = session.scalar(
        select(func.count())
        .select_from(HarvestConflict)
        .where(HarvestConflict.source_id == source.id)
    )
    why = f"; {refused} change(s) refused, see harvest_conflicts" if refused else ""
    raise HarvestError(
        f"the mirror differs from the source at seq {source.last_seq}: source "
        f"{theirs.get('items_total')} items, checksum {theirs.get('checksum')}; "
        f"mirror {ours.items_total} items, checksum {ours.checksum}{why}"
    )


def harvest(
    session_factory: sessionmaker[Session],
    base_url: str,
    *,
    name: str | None = None,
    region: str | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    progress: Progress | None = None,
    client: SourceClient | None = None,
) -> HarvestResult:
    """Bring the mirror of one source up to its current last_seq and verify it.

    `progress`, if given, learns the number of changes to apply and counts them off.
    """
    if client is None:  # ours to close
        with SourceClient(base_url) as own:
            return harvest(
                session_factory,
                base_url,
                name=name,
                region=region,
                page_size=page_size,
                progress=progress,
                client=own,
            )
    with session_factory() as session:
        source = ensure_source(session, base_url, name, region)
        result = HarvestResult(source.id, source.name, source.base_url, source.last_seq)
        source.last_attempt_at = utcnow()
        session.commit()
        try:
            checkpoint = _run(session, client, source, result, page_size, progress)
            theirs = client.checksum(checkpoint)  # asked before the next transaction opens
            source = session.get(Source, result.source_id)  # _run expunges per page
            if source.last_seq != checkpoint:
                raise HarvestError(
                    f"the checkpoint of source {source.name} moved meanwhile: "
                    "another harvest is running"
                )
            _verify(session, theirs, source, result)
            source.last_success_at = utcnow()
            source.last_error = None
        except HarvestError as exc:
            session.rollback()
            result.error = str(exc)
            source = session.get(Source, result.source_id)
            source.last_error = result.error[:4000]
        result.end_seq = source.last_seq
        if result.source_last_seq is not None:
            source.source_last_seq = result.source_last_seq
        session.commit()
    return result


def _run(
    session: Session,
    client: SourceClient,
    source: Source,
    result: HarvestResult,
    page_size: int,
    progress: Progress | None,
) -> int:
    """Apply the source's feed from our checkpoint, one transaction per page; returns the
    checkpoint reached (a seq of the source's feed).

    The source is only asked between transactions: on SQLite a writing session holds the
    single write lock from its first statement (db.py), so a slow or retried request
    inside one would make every editor of this instance wait for the source's network.
    """
    listed = list(client.units())
    units = UnitMirror(session, source, client)
    region = units.sync_all(session, listed)
    if source.region_code is None and region:
        source.region_code = region
    session.commit()
    since = source.last_seq
    page = client.changes(since, page_size)
    result.source_last_seq = page["last_seq"]
    if page["last_seq"] < since:
        raise HarvestError(
            f"the source's feed ends at seq {page['last_seq']}, before our checkpoint {since}: "
            "was it restored from an older backup? Reset the source to harvest it again."
        )
    if progress is not None:
        progress.total = page.get("items_total")
    for _ in range(MAX_PAGES_PER_RUN):
        entries = page["items"]
        if not entries:
            break
        changes = [verify(entry) for entry in entries]
        seqs = [c.seq for c in changes]
        if seqs[0] <= since or any(a >= b for a, b in pairwise(seqs)):
            raise HarvestError(f"the feed page after seq {since} is out of order")
        # Items new here need their unit: which are new is read (and the read ended)
        # before the source is asked for units this instance does not know yet.
        known = set(
            session.scalars(select(Item.code).where(Item.code.in_(c.code for c in changes)))
        )
        session.commit()
        units.fetch_missing(c.record for c in changes if c.code not in known and c.record)
        source = session.get(Source, result.source_id)  # the page's transaction begins
        stats = apply_page(
            session,
            source,
            changes,
            expected_seq=since,
            new_seq=seqs[-1],
            units=units,
            now=utcnow(),
        )
        session.commit()
        session.expunge_all()  # keep memory flat over a full bootstrap
        since = seqs[-1]
        result.pages += 1
        for key in ("applied", "skipped", "refused"):
            setattr(result.stats, key, getattr(result.stats, key) + getattr(stats, key))
        if progress is not None:
            progress.update(len(entries))
        if not (page.get("batching") or {}).get("next"):
            break
        page = client.changes(since, page_size)
        result.source_last_seq = page["last_seq"]
    return since
