"""Pre-rendered export output of published versions: rendered once, spliced into every export."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import WITHOUT_ROWID, Base


class ExportFragment(Base):
    """The CSV child lines, XML and process key of one published version
    (services.fragments); its main CSV line is an ExportCsvRow.

    Valid while `stamp` equals the renderer's stamp and `content_hash` the version's:
    anything else is rendered live and replaced by the next refresh.
    """

    __tablename__ = "export_fragments"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("item_versions.id", ondelete="CASCADE"), primary_key=True
    )
    stamp: Mapped[str] = mapped_column(String(16))
    content_hash: Mapped[str] = mapped_column(String(64))
    # JSON array: the lines (CRLF-terminated) of each child table, in the schema's order.
    csv_children: Mapped[str] = mapped_column(Text)
    # The children of <item>, without the element itself (its url attribute varies).
    xml: Mapped[str] = mapped_column(Text)
    process_key: Mapped[str] = mapped_column(String(16))


class ExportCsvRow(Base):
    """The main CSV table's line of one published version, in a narrow table in code order.

    A whole-list CSV export reads these in code order. Beside the XML and child lines
    (about 15 KB a version) each was a random read of a wide row. Keyed by (code,
    version_id) on SQLite's B-tree, they are read in the file's order; at 1M items,
    with caches dropped, the export's query took 13.3 s instead of 21.6, and the whole
    table (about 1.6 GB) stays in the page cache where the wide one (15 GB) did not.
    Valid under the same rule as ExportFragment; the two are written together.
    """

    __tablename__ = "export_csv_rows"
    __table_args__ = (
        # For the cascade from item_versions and refresh's replacement, by version.
        Index("ix_export_csv_rows_version_id", "version_id"),
        dict(WITHOUT_ROWID),
    )

    code: Mapped[str] = mapped_column(String(31), primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("item_versions.id", ondelete="CASCADE"), primary_key=True
    )
    stamp: Mapped[str] = mapped_column(String(16))
    content_hash: Mapped[str] = mapped_column(String(64))
    # The line without its last cell (url) and line end.
    csv_row: Mapped[str] = mapped_column(Text)
