"""Pre-rendered export output of published versions: rendered once, spliced into every export."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class ExportFragment(Base):
    """The CSV rows, XML and process key of one published version (services.fragments).

    Valid while `stamp` equals the renderer's stamp and `content_hash` the version's:
    anything else is rendered live and replaced by the next refresh.
    """

    __tablename__ = "export_fragments"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("item_versions.id", ondelete="CASCADE"), primary_key=True
    )
    stamp: Mapped[str] = mapped_column(String(16))
    content_hash: Mapped[str] = mapped_column(String(64))
    # The main CSV table's line without its last cell (url) and line end.
    csv_row: Mapped[str] = mapped_column(Text)
    # JSON array: the lines (CRLF-terminated) of each child table, in the schema's order.
    csv_children: Mapped[str] = mapped_column(Text)
    # The children of <item>, without the element itself (its url attribute varies).
    xml: Mapped[str] = mapped_column(Text)
    process_key: Mapped[str] = mapped_column(String(16))
