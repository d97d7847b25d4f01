"""Items and their immutable versions.

An item is one power exercised by one unit, identified forever by its implementation
code. Its content lives in versions: a published version is never modified again; a
working version (the draft, or the working copy of a published item) is the only one
that editors change. Filtering and sorting columns are copied out of the record into
real indexed columns so that listings never scan JSON.

`public_status` marks the one version of each item that the public list shows:
'active' for a live item, 'withdrawn' for the tombstone of a cancelled, transferred or
merged item, NULL for every other version (superseded or working).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow


class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(31), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    category: Mapped[str] = mapped_column(String(2))
    # The harvest source this item is mirrored from; NULL for local (edited) content.
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"), index=True)
    # Workflow state of the item as a whole (see services.workflow).
    state: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    unit = relationship("Unit")
    versions: Mapped[list[ItemVersion]] = relationship(
        back_populates="item", order_by="ItemVersion.id"
    )


SEARCH_COLUMNS = (
    "item_id",
    "public_status",
    "code",
    "name",
    "category",
    "unit_id",
    "level",
    "region_code",
    "target_mask",
)


EXPORT_COLUMNS = (
    "public_status",
    "code",
    "id",
    "number",
    "published_at",
    "release_id",
    "content_hash",
)


class ItemVersion(Base):
    __tablename__ = "item_versions"
    __table_args__ = (
        UniqueConstraint("item_id", "number", name="uq_item_versions_item_number"),
        # Kept beside the covering one below: on PostgreSQL, without it a unit's page in
        # code order was estimated dearer than the generic plan that sorts the whole
        # unit, which the prepared statement then kept (migration 0015).
        Index("ix_item_versions_public_code", "public_status", "code"),
        # Covers what a whole-list export reads of each version in code order (CSV and XML
        # splice stored fragments): at 1M items, reading these through a (public_status,
        # code) index took a random read of a wide version row each, 18.8 s of 43.6.
        Index("ix_item_versions_public_code_export", *EXPORT_COLUMNS),
        Index("ix_item_versions_public_unit", "public_status", "unit_id", "code"),
        # Covers a unit's counts per category and the unit + category filter.
        Index("ix_item_versions_public_unit_category", "public_status", "unit_id", "category"),
        Index("ix_item_versions_public_category", "public_status", "category", "code"),
        Index("ix_item_versions_public_level", "public_status", "level", "code"),
        Index("ix_item_versions_public_region", "public_status", "region_code", "code"),
        Index("ix_item_versions_public_parent", "public_status", "parent_code", "code"),
        Index("ix_item_versions_public_disposition", "public_status", "disposition", "code"),
        Index("ix_item_versions_public_name", "public_status", "name", "code"),
        Index("ix_item_versions_public_published", "public_status", "published_at", "code"),
        Index("ix_item_versions_code_published", "code", "published_at"),
        Index("ix_item_versions_public_basic", "public_status", "basic_code", "code"),
        # Covers search: a full-text match's items, their ranking and facet columns, read
        # without visiting the wide version rows (a page of the record each, at 1M items).
        Index("ix_item_versions_search", *SEARCH_COLUMNS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    # Version number among published versions; NULL while this is a working version.
    number: Mapped[int | None] = mapped_column(Integer)
    public_status: Mapped[str | None] = mapped_column(String(10))
    # Editing revision: the ETag of a working version; bumps on every save.
    revision: Mapped[int] = mapped_column(Integer, default=1)

    # Copied out of the record for filtering and sorting.
    code: Mapped[str] = mapped_column(String(31))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    name: Mapped[str] = mapped_column(String(300))
    # The basic code (characters 20-31 of the code): the same power across units and levels.
    basic_code: Mapped[str | None] = mapped_column(String(12))
    category: Mapped[str] = mapped_column(String(2))
    level: Mapped[str] = mapped_column(String(1))
    disposition: Mapped[str] = mapped_column(String(10))
    region_code: Mapped[str] = mapped_column(String(12))
    parent_code: Mapped[str | None] = mapped_column(String(31))
    target_mask: Mapped[int] = mapped_column(Integer)  # bit n set = target code n
    # The laws its legal bases cite, as `|key|key|` (domain.laws.law_keys_column), for ?law=.
    law_keys: Mapped[str | None] = mapped_column(Text)
    # Copied from the item so that listings can label harvested content without a join.
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))

    record: Mapped[dict[str, Any]]
    content_hash: Mapped[str] = mapped_column(String(64))
    # Rendered once when the version is published (domain/published_json.py): the public
    # JSON of the item and of its listing summary, `@id`s without the API root; NULL on
    # working versions. Reads splice these bytes instead of decoding `record`.
    public_json: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    summary_json: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100))
    published_at: Mapped[datetime | None]
    published_by: Mapped[str | None] = mapped_column(String(100))
    # When a newer version replaced this one in the public list (valid-time end).
    superseded_at: Mapped[datetime | None]
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id"), index=True)
    comment: Mapped[str | None] = mapped_column(Text)

    item: Mapped[Item] = relationship(back_populates="versions")
    release = relationship("Release")
