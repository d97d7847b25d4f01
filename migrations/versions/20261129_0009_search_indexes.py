"""search: suggestions' prefix index leads with the key; a covering index for @search

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 22:40:00.000000

With (kind, key), SQLite took `kind = ?` for a selective condition (it has no statistics)
and scanned every row of one kind whenever the indexer looked up a batch's items or terms:
catch-up slowed as the index grew and never finished the 1M-item demo. (key, kind) serves
the prefix ranges of @suggest just as well and leaves those lookups to the term and item
indexes.

ix_item_versions_search covers what @search reads of each matching item (ranking and
facet columns), so a match no longer visits every matching version's wide row.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SEARCH_COLUMNS = [
    "item_id",
    "public_status",
    "code",
    "name",
    "category",
    "unit_id",
    "level",
    "region_code",
    "target_mask",
]


def upgrade() -> None:
    with op.batch_alter_table("search_suggestions", schema=None) as batch_op:
        batch_op.drop_index("ix_search_suggestions_kind_key")
        batch_op.create_index("ix_search_suggestions_key_kind", ["key", "kind"], unique=False)
    with op.batch_alter_table("item_versions", schema=None) as batch_op:
        batch_op.create_index("ix_item_versions_search", SEARCH_COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("item_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_item_versions_search")
    with op.batch_alter_table("search_suggestions", schema=None) as batch_op:
        batch_op.drop_index("ix_search_suggestions_key_kind")
        batch_op.create_index("ix_search_suggestions_kind_key", ["kind", "key"], unique=False)
