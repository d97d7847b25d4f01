"""export fragments: pre-rendered CSV rows, XML and process key of published versions

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 01:30:00.000000

Filled by services.fragments.refresh (run before every dump), not here: a missing or
stale fragment is rendered live, so the table may start empty.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "export_fragments",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.String(length=16), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("csv_row", sa.Text(), nullable=False),
        sa.Column("csv_children", sa.Text(), nullable=False),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.Column("process_key", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["item_versions.id"],
            name=op.f("fk_export_fragments_version_id_item_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", name=op.f("pk_export_fragments")),
    )


def downgrade() -> None:
    op.drop_table("export_fragments")
