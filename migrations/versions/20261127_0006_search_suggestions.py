"""search suggestions: autocomplete terms under a B-tree prefix index

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 14:00:00.000000

The table starts empty; the `sql` index checkpoint is reset so that the next catch-up
(at start-up, or `qingdan index`) replays the change feed and fills it. Replaying what the
full-text index already holds is harmless: its writes are idempotent.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column(
            "key",
            sa.String(length=300).with_variant(sa.String(length=300, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("term", sa.String(length=600), nullable=False),
        sa.Column("code", sa.String(length=31), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("start", sa.Boolean(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_suggestions")),
    )
    with op.batch_alter_table("search_suggestions", schema=None) as batch_op:
        batch_op.create_index("ix_search_suggestions_kind_key", ["kind", "key"], unique=False)
        batch_op.create_index("ix_search_suggestions_term", ["term"], unique=False)
        batch_op.create_index("ix_search_suggestions_item", ["item_id"], unique=False)
    op.execute("DELETE FROM search_checkpoints WHERE name = 'sql'")


def downgrade() -> None:
    with op.batch_alter_table("search_suggestions", schema=None) as batch_op:
        batch_op.drop_index("ix_search_suggestions_item")
        batch_op.drop_index("ix_search_suggestions_term")
        batch_op.drop_index("ix_search_suggestions_kind_key")
    op.drop_table("search_suggestions")
