"""suggestion terms: one row per term, its keys in a table of their own

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 10:00:00.000000

`search_suggestions` held every key of every term as a full row (term, code, counts)
under three indexes: 9.9 GB at 1M items, each new term writing about twenty rows into
four B-trees. It becomes `search_terms` (one row per term, with its count and least
code), `search_term_keys` (key, term id: the table is its own index on SQLite, WITHOUT
ROWID), `search_pending_term_keys` (new terms' keys until they are merged in key order)
and `search_code_keys` (one row per item and code). The rows are carried over, so the
index needs no rebuild.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = sa.String(length=300).with_variant(sa.String(length=300, collation="C"), "postgresql")
WITHOUT_ROWID = {"sqlite_with_rowid": False}

old = sa.table(
    "search_suggestions",
    sa.column("kind", sa.String),
    sa.column("key", sa.String),
    sa.column("term", sa.String),
    sa.column("code", sa.String),
    sa.column("item_id", sa.Integer),
    sa.column("start", sa.Boolean),
    sa.column("count", sa.Integer),
    sa.column("length", sa.Integer),
)
terms = sa.table(
    "search_terms",
    sa.column("id", sa.Integer),
    sa.column("term", sa.String),
    sa.column("code", sa.String),
    sa.column("count", sa.Integer),
    sa.column("length", sa.Integer),
)
term_keys = sa.table(
    "search_term_keys",
    sa.column("key", sa.String),
    sa.column("term_id", sa.Integer),
    sa.column("start", sa.Boolean),
)
pending_keys = sa.table(
    "search_pending_term_keys",
    sa.column("term_id", sa.Integer),
    sa.column("key", sa.String),
    sa.column("start", sa.Boolean),
)
code_keys = sa.table(
    "search_code_keys",
    sa.column("item_id", sa.Integer),
    sa.column("key", sa.String),
    sa.column("term_id", sa.Integer),
    sa.column("code", sa.String),
)


def upgrade() -> None:
    op.create_table(
        "search_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=600), nullable=False),
        sa.Column("code", sa.String(length=31), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_terms")),
        sa.UniqueConstraint("term", name=op.f("uq_search_terms_term")),
    )
    op.create_table(
        "search_term_keys",
        sa.Column("key", KEY, nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key", "term_id", name=op.f("pk_search_term_keys")),
        **WITHOUT_ROWID,
    )
    op.create_table(
        "search_pending_term_keys",
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("key", KEY, nullable=False),
        sa.Column("start", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("term_id", "key", name=op.f("pk_search_pending_term_keys")),
        **WITHOUT_ROWID,
    )
    op.create_table(
        "search_code_keys",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("key", KEY, nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=31), nullable=False),
        sa.PrimaryKeyConstraint("item_id", "key", name=op.f("pk_search_code_keys")),
        **WITHOUT_ROWID,
    )
    op.create_index("ix_search_code_keys_key", "search_code_keys", ["key", "code"])
    op.create_index("ix_search_code_keys_term", "search_code_keys", ["term_id", "code"])
    name_rows = old.c.kind == "name"
    op.execute(
        terms.insert().from_select(
            ["term", "code", "count", "length"],
            sa.select(old.c.term, old.c.code, old.c.count, old.c.length)
            .where(name_rows, old.c.start.is_(True))
            .order_by(old.c.term),
        )
    )
    op.execute(
        term_keys.insert().from_select(
            ["key", "term_id", "start"],
            sa.select(old.c.key, terms.c.id, old.c.start)
            .join_from(old, terms, terms.c.term == old.c.term)
            .where(name_rows)
            .order_by(old.c.key, terms.c.id),
        )
    )
    op.execute(
        code_keys.insert().from_select(
            ["item_id", "key", "term_id", "code"],
            sa.select(old.c.item_id, old.c.key, terms.c.id, old.c.code)
            .join_from(old, terms, terms.c.term == old.c.term)
            .where(old.c.kind == "code"),
        )
    )
    op.drop_index("ix_search_suggestions_item", table_name="search_suggestions")
    op.drop_index("ix_search_suggestions_term", table_name="search_suggestions")
    op.drop_index("ix_search_suggestions_key_rank", table_name="search_suggestions")
    op.drop_table("search_suggestions")


def downgrade() -> None:
    op.create_table(
        "search_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("key", KEY, nullable=False),
        sa.Column("term", sa.String(length=600), nullable=False),
        sa.Column("code", sa.String(length=31), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("start", sa.Boolean(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_suggestions")),
    )
    columns = ["kind", "key", "term", "code", "item_id", "start", "count", "length"]
    for keys in (term_keys, pending_keys):
        op.execute(
            old.insert().from_select(
                columns,
                sa.select(
                    sa.literal("name"),
                    keys.c.key,
                    terms.c.term,
                    terms.c.code,
                    sa.null(),
                    keys.c.start,
                    terms.c.count,
                    terms.c.length,
                ).join_from(keys, terms, terms.c.id == keys.c.term_id),
            )
        )
    op.execute(
        old.insert().from_select(
            columns,
            sa.select(
                sa.literal("code"),
                code_keys.c.key,
                terms.c.term,
                code_keys.c.code,
                code_keys.c.item_id,
                sa.false(),
                sa.literal(1),
                terms.c.length,
            ).join_from(code_keys, terms, terms.c.id == code_keys.c.term_id),
        )
    )
    op.create_index(
        "ix_search_suggestions_key_rank",
        "search_suggestions",
        ["key", "kind", "start", "count", "length", "id"],
    )
    op.create_index("ix_search_suggestions_term", "search_suggestions", ["term"])
    op.create_index("ix_search_suggestions_item", "search_suggestions", ["item_id"])
    for table in ("search_code_keys", "search_pending_term_keys", "search_term_keys"):
        op.drop_table(table)
    op.drop_table("search_terms")
