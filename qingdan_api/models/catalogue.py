"""The upper-level basic catalogue (基本目录) in editions, and explained alignment findings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow


class CatalogueEdition(Base):
    """One published edition of a catalogue: its source (the publishing body) and date.

    The current edition is the one with the latest edition date (then the latest import).
    """

    __tablename__ = "catalogue_editions"
    __table_args__ = (UniqueConstraint("source", "edition_date", name="uq_catalogue_editions"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    edition_date: Mapped[date]
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_by: Mapped[str | None] = mapped_column(String(100))
    entries_total: Mapped[int] = mapped_column(default=0)

    entries: Mapped[list[CatalogueEntry]] = relationship(
        back_populates="edition", order_by="CatalogueEntry.basic_code"
    )


class CatalogueEntry(Base):
    """One item of the catalogue: what each implementing level's units must list."""

    __tablename__ = "catalogue_entries"
    __table_args__ = (
        UniqueConstraint("edition_id", "basic_code", name="uq_catalogue_entries_code"),
        Index("ix_catalogue_entries_edition_category", "edition_id", "category", "basic_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("catalogue_editions.id"))
    basic_code: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(2))
    # Levels that implement the entry, as stored level codes joined: "2,3".
    levels: Mapped[str] = mapped_column(String(20))
    sector: Mapped[str | None] = mapped_column(String(2))
    legal_basis_text: Mapped[str | None] = mapped_column(Text)
    # The block split into references (domain.laws.reference), and their law keys.
    legal_refs: Mapped[list[Any]]
    law_keys: Mapped[str | None] = mapped_column(Text)
    row: Mapped[int | None]  # the row of the imported file, for reports

    edition: Mapped[CatalogueEdition] = relationship(back_populates="entries")


class AlignmentExplanation(Base):
    """A reviewer's reason why one alignment finding is as it should be.

    Keyed by the finding's stable id (a hash of its kind and keys), so it still applies
    when the report is computed again.
    """

    __tablename__ = "alignment_explanations"

    finding_id: Mapped[str] = mapped_column(String(24), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    explained_by: Mapped[str] = mapped_column(String(100))
    explained_at: Mapped[datetime] = mapped_column(default=utcnow)
