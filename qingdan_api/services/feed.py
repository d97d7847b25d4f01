"""Reading the change feed: pages in seq order, published-set checksums, recent entries.

The feed is the `changes` table (see services/changefeed.py for why seqs appear in commit
order). A page never reaches past the `last_seq` read at its start, so every row up to
that seq is visible to the reader and none is skipped by a consumer that resumes from it.

The published-set checksum pins what a faithful mirror holds after applying every row up
to a seq S: for each code, the row with the highest seq <= S names the version that is
public (operation upsert = 'active', withdraw = 'withdrawn' tombstone). The checksum is
the SHA-256 (hex) of the lines "<code> <version> <content_hash> <status>\\n" of those
versions, sorted by code (byte order), concatenated. Because it is computed from the feed
itself it can be asked for any past seq, which is what lets a consumer that stopped at S
verify its copy while the source keeps publishing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import UPSERT, WITHDRAW, Change, ItemVersion
from .catalog import ACTIVE, WITHDRAWN
from .errors import InvalidArgument

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# changes.seq is a 32-bit column: a larger position names nothing, and PostgreSQL refuses it.
MAX_SEQ = 2**31 - 1
STATUS_OF_OPERATION = {UPSERT: ACTIVE, WITHDRAW: WITHDRAWN}


@dataclass
class FeedEntry:
    seq: int
    code: str
    version: int
    operation: str
    release_id: int | None
    time: datetime
    content_hash: str
    published_at: datetime | None
    record: dict[str, Any] | None = None


@dataclass
class FeedPage:
    since: int
    limit: int
    last_seq: int
    remaining: int  # entries after `since` up to `last_seq`, this page's included
    entries: list[FeedEntry]

    @property
    def next_since(self) -> int | None:
        """`since` of the following page, or None when this page reaches `last_seq`."""
        if self.entries and self.entries[-1].seq < self.last_seq:
            return self.entries[-1].seq
        return None


@dataclass
class SetChecksum:
    seq: int
    items_total: int
    active: int
    withdrawn: int
    checksum: str


def last_seq(session: Session) -> int:
    """The highest seq committed now (0 for an empty feed)."""
    return session.scalar(select(func.max(Change.seq))) or 0


def _int_arg(value: Any, name: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(name, "an integer")
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise InvalidArgument(name, bound)
    return value


def read_changes(
    session: Session, since: int = 0, limit: int = DEFAULT_LIMIT, include_record: bool = False
) -> FeedPage:
    """Up to `limit` changes with seq > `since`, in seq order, each with its version's hash."""
    since = _int_arg(since, "since", 0, MAX_SEQ)
    limit = _int_arg(limit, "limit", 1, MAX_LIMIT)
    high = last_seq(session)  # read first: rows up to it are all committed and visible
    columns = [
        Change.seq,
        Change.code,
        Change.version,
        Change.operation,
        Change.release_id,
        Change.created_at,
        ItemVersion.content_hash,
        ItemVersion.published_at,
    ]
    if include_record:
        columns.append(ItemVersion.record)
    window = (Change.seq > since, Change.seq <= high)
    rows = session.execute(
        select(*columns)
        .join(ItemVersion, ItemVersion.id == Change.version_id)
        .where(*window)
        .order_by(Change.seq)
        .limit(limit)
    ).all()
    remaining = session.scalar(select(func.count()).select_from(Change).where(*window)) or 0
    entries = [FeedEntry(*row) for row in rows]
    return FeedPage(since, limit, high, remaining, entries)


def digest(lines: Iterable[tuple[str, int, str, str]]) -> SetChecksum:
    """The checksum of (code, version, content_hash, status) tuples; seq is set by callers."""
    hasher = hashlib.sha256()
    counts = {ACTIVE: 0, WITHDRAWN: 0}
    for code, version, content_hash, status in sorted(lines):
        hasher.update(f"{code} {version} {content_hash} {status}\n".encode())
        counts[status] += 1
    total = counts[ACTIVE] + counts[WITHDRAWN]
    return SetChecksum(0, total, counts[ACTIVE], counts[WITHDRAWN], hasher.hexdigest())


def set_checksum(session: Session, seq: int | None = None) -> SetChecksum:
    """The checksum of the published set after every change up to `seq` (default: now)."""
    high = last_seq(session)
    seq = high if seq is None else _int_arg(seq, "seq", 0, MAX_SEQ)
    if seq > high:
        raise InvalidArgument("seq", f"the feed ends at {high}")
    latest = (
        select(func.max(Change.seq).label("seq"))
        .where(Change.seq <= seq)
        .group_by(Change.code)
        .subquery()
    )
    rows = session.execute(
        select(Change.code, Change.version, ItemVersion.content_hash, Change.operation)
        .join(latest, latest.c.seq == Change.seq)
        .join(ItemVersion, ItemVersion.id == Change.version_id)
    )
    result = digest((c, v, h, STATUS_OF_OPERATION[op]) for c, v, h, op in rows)
    result.seq = seq
    return result


def recent_changes(session: Session, limit: int = 50) -> list[tuple[Change, ItemVersion]]:
    """The newest changes first, each with its version (for the Atom feed)."""
    limit = _int_arg(limit, "limit", 1, 200)
    return [
        (change, version)
        for change, version in session.execute(
            select(Change, ItemVersion)
            .join(ItemVersion, ItemVersion.id == Change.version_id)
            .order_by(Change.seq.desc())
            .limit(limit)
        )
    ]
