"""search index: documents, checkpoints, and the native full-text index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 12:00:00

The full-text index itself cannot be expressed in the models: an FTS5 virtual table on
SQLite, a tsvector column with a GIN index on PostgreSQL. Autogenerate ignores them
(qingdan_api.migrate.include_name).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import qingdan_api.models.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_checkpoints",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("updated_at", qingdan_api.models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_search_checkpoints")),
    )
    op.create_table(
        "search_documents",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=31), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_search_documents_item_id_items")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["item_versions.id"],
            name=op.f("fk_search_documents_version_id_item_versions"),
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_search_documents")),
    )
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_search_documents_version_id"), ["version_id"], unique=False
        )

    if op.get_bind().dialect.name == "sqlite":
        # rowid = item id; one column per weight class (see qingdan_api.search.documents).
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "name, codes, titles, body, tokenize='unicode61 remove_diacritics 0')"
        )
    elif op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_documents ADD COLUMN tsv tsvector NOT NULL")
        op.execute("CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_fts")
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_documents_version_id"))
    op.drop_table("search_documents")
    op.drop_table("search_checkpoints")
