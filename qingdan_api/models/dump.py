"""Dumps: complete snapshots of the published lists written as files, one row per dump."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Dump(Base):
    __tablename__ = "dumps"

    # Also the folder name under <instance>/dumps/ and the URL segment under @downloads.
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id"), index=True)
    # The change-feed position the snapshot was taken at: every change with seq <= this
    # is in the files, none after it, so a consumer follows the feed from seq + 1.
    seq: Mapped[int] = mapped_column(Integer)
    item_count: Mapped[int] = mapped_column(Integer)
    withdrawn_count: Mapped[int] = mapped_column(Integer)
    # [{name, media_type, size, sha256}], in the order the files were written.
    files: Mapped[list[Any]]
