"""units as managed resources, basic-code filter

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 20:00:00.000000

Units get the old organisation code as an alias (unique), a short name, an editing
revision (their ETag) and a retirement date. Item versions get their basic code as a
column, filled from the code itself (characters 20-31), for the `basic_code` filter.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("org_code", sa.String(length=9), nullable=True))
        batch_op.add_column(sa.Column("short_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_units_org_code"), ["org_code"])
        batch_op.create_index(batch_op.f("ix_units_short_name"), ["short_name"], unique=False)
    # Every stored credit code is valid, so its characters 9-17 are the organisation code.
    op.execute("UPDATE units SET org_code = substr(credit_code, 9, 9) WHERE source_id IS NULL")
    with op.batch_alter_table("item_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("basic_code", sa.String(length=12), nullable=True))
        batch_op.create_index(
            "ix_item_versions_public_basic", ["public_status", "basic_code", "code"], unique=False
        )
    op.execute("UPDATE item_versions SET basic_code = substr(code, 20, 12)")


def downgrade() -> None:
    with op.batch_alter_table("item_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_item_versions_public_basic")
        batch_op.drop_column("basic_code")
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_units_short_name"))
        batch_op.drop_constraint(batch_op.f("uq_units_org_code"), type_="unique")
        batch_op.drop_column("retired_at")
        batch_op.drop_column("revision")
        batch_op.drop_column("short_name")
        batch_op.drop_column("org_code")
