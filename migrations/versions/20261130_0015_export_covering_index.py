"""export covering index: published versions in code order without their wide rows

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 19:20:00.000000

A whole-list export (CSV, and XML from fragments) reads each published version's id,
number, publication time, release and content hash in code order. Through the former
(public_status, code) index every row was a random read of a version row holding its
record and public JSON: at 1M items, with caches dropped, reading those columns took
18.8 s of a 43.6 s export query. This index carries them, so the same read is one pass
over the index (the query: 21.6 s). The former index stays: on PostgreSQL, without it, a
unit's page of 50 in code order cost more in the planner's estimate than the generic
plan that sorts all the unit's items, which psycopg's prepared statement then kept (12.7
ms a page instead of 0.2; the peer benchmark's page fell from 4.09x to 2.24x datasette).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COVERED = ["public_status", "code", "id", "number", "published_at", "release_id", "content_hash"]


def upgrade() -> None:
    op.create_index("ix_item_versions_public_code_export", "item_versions", COVERED)


def downgrade() -> None:
    op.drop_index("ix_item_versions_public_code_export", table_name="item_versions")
