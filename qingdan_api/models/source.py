"""Harvest sources: the Qingdan instances this one mirrors, with their checkpoint and health."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Source(Base):
    """One followed change feed. `last_seq` is the checkpoint: every source change with a
    seq up to it has been applied here, in the same transaction that moved it."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    base_url: Mapped[str] = mapped_column(String(500), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str | None] = mapped_column(String(12))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    # The source's seq when the last run ended, and whether our copy matched it there.
    source_last_seq: Mapped[int | None] = mapped_column(Integer)
    verified_seq: Mapped[int | None] = mapped_column(Integer)
    set_checksum: Mapped[str | None] = mapped_column(String(64))
    items_total: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class HarvestConflict(Base):
    """A source change that was refused because its code belongs to other content here."""

    __tablename__ = "harvest_conflicts"
    __table_args__ = (UniqueConstraint("source_id", "code", name="uq_harvest_conflicts_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    code: Mapped[str] = mapped_column(String(31))
    seq: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
