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

from .base import WITHOUT_ROWID, Base, utcnow


class SearchDocument(Base):
    """One row per item in the SQL full-text index: its indexed public version."""

    __tablename__ = "search_documents"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"), index=True)
    code: Mapped[str] = mapped_column(String(31))


class SearchCheckpoint(Base):
    """How far an index got in the change feed (one row per backend and index).

    The change feed is the indexer's durable queue: everything after `seq` is still to be
    indexed, so a crash between a publication's commit and its indexing loses nothing.
    """

    __tablename__ = "search_checkpoints"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    # A sweep under way (`search.indexer`): a bulk catch-up that indexes the items changed
    # after `seq` in item order, up to the change `sweep_to`; `sweep_item_id` is the last
    # item it wrote. `seq` moves to `sweep_to` when the sweep ends; both are then NULL.
    sweep_to: Mapped[int | None] = mapped_column(Integer)
    sweep_item_id: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# Prefix ranges (key >= :q AND key < :q || U+FFFF) need code-point order, not a locale's.
SUGGESTION_KEY = String(300).with_variant(String(300, collation="C"), "postgresql")


class SearchTerm(Base):
    """A suggested term (an item's name, or name and sub-item name) and its published items.

    One row per distinct term: `count` is how many published items carry it and `code`
    the least of their codes. The term's keys are in `search_term_keys`, its items' code
    keys in `search_code_keys`.
    """

    __tablename__ = "search_terms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(600), unique=True)
    code: Mapped[str] = mapped_column(String(31))
    count: Mapped[int] = mapped_column(Integer)
    length: Mapped[int] = mapped_column(Integer)


class SearchTermKey(Base):
    """One key of a term: its whole key (`start`) or the key from one of its word starts on.

    A B-tree prefix range over `key` finds a term by its start or by any word inside it.
    The primary key is the only index and, on SQLite, the table itself (WITHOUT ROWID):
    about twenty keys per term make this the index's largest table (10M rows at 1M
    items), and each further index or rowid table was one more B-tree that every new term
    inserted into at scattered places.
    """

    __tablename__ = "search_term_keys"
    __table_args__ = (dict(WITHOUT_ROWID),)

    key: Mapped[str] = mapped_column(SUGGESTION_KEY, primary_key=True)
    term_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    start: Mapped[bool] = mapped_column(default=False)  # the key is the whole term's


class SearchPendingTermKey(Base):
    """Keys of terms created by recent writes, not yet merged into `search_term_keys`.

    New terms' keys land at scattered places of the key table: at 1M items, inserting
    them one batch at a time rewrote much of a 10M-row B-tree on every commit, a cost that
    grew with the index. Here they are appended in term order instead, and merged into
    the key table in key order (`search.suggestions.merge`) once they are as many as the
    merged ones, and whenever a catch-up ends; until then @suggest does not see them.
    """

    __tablename__ = "search_pending_term_keys"
    __table_args__ = (dict(WITHOUT_ROWID),)

    term_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(SUGGESTION_KEY, primary_key=True)
    start: Mapped[bool] = mapped_column(default=False)


class SearchCodeKey(Base):
    """One code of one published item (implementation, basic, local), in its matching form.

    These rows also record which term each indexed item carries (`term_id`) and its code,
    from which a term's count and least code are kept.
    """

    __tablename__ = "search_code_keys"
    __table_args__ = (
        Index("ix_search_code_keys_key", "key", "code"),  # code prefixes, in code order
        Index("ix_search_code_keys_term", "term_id", "code"),  # a term's least code
        dict(WITHOUT_ROWID),
    )

    item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(SUGGESTION_KEY, primary_key=True)
    term_id: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(31))
