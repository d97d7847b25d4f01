"""search sweeps: a bulk catch-up's progress in item order, kept in the checkpoint row

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 15:00:00.000000

A bulk catch-up (a first load, a big harvest) indexes the items it covers in item order,
so that every B-tree of the index is appended to rather than written at scattered
places. Until it ends, the checkpoint (`seq`) stays where it was; `sweep_to` is the
change it brings the index to and `sweep_item_id` the last item it wrote, from which a
crashed sweep resumes and by which a second indexer sees that it was overtaken.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("search_checkpoints", sa.Column("sweep_to", sa.Integer(), nullable=True))
    op.add_column("search_checkpoints", sa.Column("sweep_item_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("search_checkpoints") as batch:
        batch.drop_column("sweep_item_id")
        batch.drop_column("sweep_to")
