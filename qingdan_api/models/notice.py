"""Public notice (公示): the notice period of an item, and comments posted on it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Notice(Base):
    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"))
    starts_at: Mapped[datetime] = mapped_column(default=utcnow)
    ends_at: Mapped[datetime]
    # Set when the notice ends early (returned, or published); open notices have NULL.
    closed_at: Mapped[datetime | None]
    opened_by: Mapped[str] = mapped_column(String(100))


class NoticeComment(Base):
    __tablename__ = "notice_comments"
    # The rate limit counts one client's recent comments: (client, at) serves that query.
    __table_args__ = (Index("ix_notice_comments_client_at", "client", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    client: Mapped[str] = mapped_column(String(64))
    author: Mapped[str | None] = mapped_column(String(100))
    contact: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
