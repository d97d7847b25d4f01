"""suggestion rank index: the prefix index of search_suggestions covers the ranking

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 05:00:00.000000

(key, kind) becomes (key, kind, start, count, length, id): a name prefix is ranked from
the index, then only the rows it suggests are read (search/suggestions.py).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RANK_COLUMNS = ["key", "kind", "start", "count", "length", "id"]


def upgrade() -> None:
    op.create_index("ix_search_suggestions_key_rank", "search_suggestions", RANK_COLUMNS)
    op.drop_index("ix_search_suggestions_key_kind", table_name="search_suggestions")


def downgrade() -> None:
    op.create_index("ix_search_suggestions_key_kind", "search_suggestions", ["key", "kind"])
    op.drop_index("ix_search_suggestions_key_rank", table_name="search_suggestions")
