"""Search bookkeeping: which version of each item is indexed, and how far the indexer got.

The full-text index itself is native to each database and lives outside the ORM: an FTS5
virtual table `search_fts` (rowid = item id) on SQLite, a `tsv` tsvector column with a GIN
index on `search_documents` on PostgreSQL. Both are created by the migration; see
`qingdan_api.migrate.NATIVE_SEARCH_OBJECTS` for why autogenerate ignores them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
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


# Prefix ranges (key >= :q AND key < :q || U+FFFF) need code-point order, not a locale's.
SUGGESTION_KEY = String(300).with_variant(String(300, collation="C"), "postgresql")


class SearchSuggestion(Base):
    """Autocomplete terms, kept by the search indexer beside the full-text index.

    kind 'code': one row per published item and code (implementation, basic, local), with
    the item's term and code; these rows also record which term each item carries.
    kind 'name': one row per distinct term (item name, or name and sub-item name) and
    word-boundary suffix of it, so that a B-tree prefix range finds a term by its start or
    by any word inside it; `count` and `code` summarise the published items carrying it.
    """

    __tablename__ = "search_suggestions"
    __table_args__ = (
        # Key first: an index led by `kind` (two values) looked selective to SQLite, which
        # then scanned every row of a kind to find a batch's terms or items (quadratic
        # indexing). Prefix ranges still use this one; the kind is checked in the index.
        # The ranking columns and the id follow, so that a prefix range is ranked from
        # the index alone (covering) and only the winners' rows are read: at 1M items the
        # first 2,000 rows of a short prefix were 2,000 random reads of a table on disk.
        Index("ix_search_suggestions_key_rank", "key", "kind", "start", "count", "length", "id"),
        Index("ix_search_suggestions_term", "term"),
        # Each indexing batch replaces its items' code rows: without this, a table scan.
        Index("ix_search_suggestions_item", "item_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(4))
    key: Mapped[str] = mapped_column(SUGGESTION_KEY)  # normalised: [0-9a-z] and ideographs
    term: Mapped[str] = mapped_column(String(600))  # what is suggested
    code: Mapped[str] = mapped_column(String(31))
    item_id: Mapped[int | None] = mapped_column(Integer)  # 'code' rows only
    start: Mapped[bool] = mapped_column(default=False)  # the key is the whole term
    count: Mapped[int] = mapped_column(Integer, default=1)
    length: Mapped[int] = mapped_column(Integer)
