"""editorial: API tokens, public notices and comments, the change-feed counter

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 03:12:03.220431
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import qingdan_api.models.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    counter = op.create_table(
        "change_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_counter")),
    )
    # The one row whose lock serialises seq allocation (services/changefeed.py).
    op.bulk_insert(counter, [{"id": 1, "last_seq": 0}])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("created_at", qingdan_api.models.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", qingdan_api.models.base.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", qingdan_api.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_api_tokens_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", qingdan_api.models.base.UTCDateTime(), nullable=False),
        sa.Column("ends_at", qingdan_api.models.base.UTCDateTime(), nullable=False),
        sa.Column("closed_at", qingdan_api.models.base.UTCDateTime(), nullable=True),
        sa.Column("opened_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_notices_item_id_items")),
        sa.ForeignKeyConstraint(
            ["version_id"], ["item_versions.id"], name=op.f("fk_notices_version_id_item_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notices_item_id"), ["item_id"], unique=False)

    op.create_table(
        "notice_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("at", qingdan_api.models.base.UTCDateTime(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=True),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_notice_comments_notice_id_notices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_comments")),
    )
    with op.batch_alter_table("notice_comments", schema=None) as batch_op:
        batch_op.create_index("ix_notice_comments_client_at", ["client", "at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_notice_comments_notice_id"), ["notice_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notice_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_comments_notice_id"))
        batch_op.drop_index("ix_notice_comments_client_at")

    op.drop_table("notice_comments")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notices_item_id"))

    op.drop_table("notices")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_unit_id"))

    op.drop_table("api_tokens")
    op.drop_table("change_counter")
