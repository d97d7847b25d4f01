"""The change feed: one row per publication or withdrawal, in commit order.

Upper platforms mirror Qingdan by reading this table in `seq` order. A row is written in
the same transaction as the publication it records, and rows are never deleted, so a
consumer holding any `seq` can always resume from it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow

UPSERT = "upsert"
WITHDRAW = "withdraw"


class Change(Base):
    __tablename__ = "changes"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    code: Mapped[str] = mapped_column(String(31), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"))
    version: Mapped[int] = mapped_column(Integer)
    operation: Mapped[str] = mapped_column(String(10))
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
