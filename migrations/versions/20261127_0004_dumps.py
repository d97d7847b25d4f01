"""dumps: one row per snapshot of the published lists written to files

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 03:13:58.481414
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import qingdan_api.models.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dumps",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("created_at", qingdan_api.models.base.UTCDateTime(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("withdrawn_count", sa.Integer(), nullable=False),
        sa.Column(
            "files",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["release_id"], ["releases.id"], name=op.f("fk_dumps_release_id_releases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dumps")),
    )
    with op.batch_alter_table("dumps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dumps_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_dumps_release_id"), ["release_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dumps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dumps_release_id"))
        batch_op.drop_index(batch_op.f("ix_dumps_created_at"))
    op.drop_table("dumps")
