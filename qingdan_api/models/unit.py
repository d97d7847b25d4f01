"""Units (实施主体): the bodies that exercise powers, keyed by their credit code."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # unit-kinds vocabulary key
    nature: Mapped[str] = mapped_column(String(1))  # natures vocabulary code
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    sector: Mapped[str | None] = mapped_column(String(2))  # sector segment of its basic codes
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    # The harvest source this unit was mirrored from; NULL for local units.
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"), index=True)
    zero_report: Mapped[bool] = mapped_column(Boolean, default=False)
    zero_report_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")
