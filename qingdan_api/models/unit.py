"""Units (实施主体): the bodies that exercise powers, keyed by their credit code."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    # The old 9-character organisation code (GB 11714), kept as an alias: real sources
    # still name units by it. Always the credit code's characters 9-17 when set.
    org_code: Mapped[str | None] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    short_name: Mapped[str | None] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # unit-kinds vocabulary key
    nature: Mapped[str] = mapped_column(String(1))  # natures vocabulary code
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    sector: Mapped[str | None] = mapped_column(String(2))  # sector segment of its basic codes
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    # The harvest source this unit was mirrored from; NULL for local units.
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"), index=True)
    # Editing revision of the unit record: its ETag; bumps on every admin write.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Set when the unit no longer exists; its items stay, new ones cannot be added.
    retired_at: Mapped[datetime | None]
    zero_report: Mapped[bool] = mapped_column(Boolean, default=False)
    zero_report_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")
