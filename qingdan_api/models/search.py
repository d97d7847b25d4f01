"""Search bookkeeping: which version of each item is indexed, and how far the indexer got.

The full-text index itself is native to each database and lives outside the ORM: an FTS5
virtual table `search_fts` (rowid = item id) on SQLite, a `tsv` tsvector column with a GIN
index on `search_documents` on PostgreSQL. Both are created by the migration; see
`qingdan_api.migrate.NATIVE_SEARCH_OBJECTS` for why autogenerate ignores them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class SearchDocument(Base):
    """One row per item in the SQL full-text index: its indexed public version."""

    __tablename__ = "search_documents"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"), index=True)
    code: Mapped[str] = mapped_column(String(31))


class SearchCheckpoint(Base):
    """The last change-feed `seq` an index has absorbed (one row per backend and index).

    The change feed is the indexer's durable queue: everything after `seq` is still to be
    indexed, so a crash between a publication's commit and its indexing loses nothing.
    """

    __tablename__ = "search_checkpoints"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
