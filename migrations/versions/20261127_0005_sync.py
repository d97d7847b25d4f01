"""sync: harvest sources, refused harvest changes, source labels on units, items, versions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import qingdan_api.models.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = qingdan_api.models.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME(), nullable=False),
        sa.Column("last_attempt_at", UTC_DATETIME(), nullable=True),
        sa.Column("last_success_at", UTC_DATETIME(), nullable=True),
        sa.Column("source_last_seq", sa.Integer(), nullable=True),
        sa.Column("verified_seq", sa.Integer(), nullable=True),
        sa.Column("set_checksum", sa.String(length=64), nullable=True),
        sa.Column("items_total", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
        sa.UniqueConstraint("base_url", name=op.f("uq_sources_base_url")),
    )
    op.create_table(
        "harvest_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=31), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", UTC_DATETIME(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_harvest_conflicts_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_conflicts")),
        sa.UniqueConstraint("source_id", "code", name="uq_harvest_conflicts_code"),
    )
    with op.batch_alter_table("harvest_conflicts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_harvest_conflicts_source_id"), ["source_id"], unique=False
        )
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_units_source_id"), ["source_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_units_source_id_sources"), "sources", ["source_id"], ["id"]
        )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_items_source_id"), ["source_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_items_source_id_sources"), "sources", ["source_id"], ["id"]
        )
    with op.batch_alter_table("item_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_item_versions_source_id_sources"), "sources", ["source_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("item_versions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_item_versions_source_id_sources"), type_="foreignkey"
        )
        batch_op.drop_column("source_id")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_items_source_id_sources"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_items_source_id"))
        batch_op.drop_column("source_id")
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_units_source_id_sources"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_units_source_id"))
        batch_op.drop_column("source_id")
    with op.batch_alter_table("harvest_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_harvest_conflicts_source_id"))
    op.drop_table("harvest_conflicts")
    op.drop_table("sources")
