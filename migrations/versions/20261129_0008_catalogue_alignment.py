"""upper-level catalogue, alignment explanations, law keys of item versions

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 21:00:00.000000

The basic catalogue (基本目录) is kept in editions; reviewers' explanations of alignment
findings are keyed by the finding's stable id. Item versions get the laws their legal
bases cite as a column (`|key|key|`), filled here from each stored record.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from qingdan_api.domain.laws import law_keys_column

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "catalogue_editions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("edition_date", sa.Date(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("imported_by", sa.String(length=100), nullable=True),
        sa.Column("entries_total", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_editions")),
        sa.UniqueConstraint("source", "edition_date", name="uq_catalogue_editions"),
    )
    op.create_table(
        "catalogue_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("basic_code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("category", sa.String(length=2), nullable=False),
        sa.Column("levels", sa.String(length=20), nullable=False),
        sa.Column("sector", sa.String(length=2), nullable=True),
        sa.Column("legal_basis_text", sa.Text(), nullable=True),
        sa.Column("legal_refs", JSON, nullable=False),
        sa.Column("law_keys", sa.Text(), nullable=True),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["catalogue_editions.id"],
            name=op.f("fk_catalogue_entries_edition_id_catalogue_editions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_entries")),
        sa.UniqueConstraint("edition_id", "basic_code", name="uq_catalogue_entries_code"),
    )
    op.create_index(
        "ix_catalogue_entries_edition_category",
        "catalogue_entries",
        ["edition_id", "category", "basic_code"],
        unique=False,
    )
    op.create_table(
        "alignment_explanations",
        sa.Column("finding_id", sa.String(length=24), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("explained_by", sa.String(length=100), nullable=False),
        sa.Column("explained_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("finding_id", name=op.f("pk_alignment_explanations")),
    )
    op.add_column("item_versions", sa.Column("law_keys", sa.Text(), nullable=True))
    _fill_law_keys()


def _fill_law_keys() -> None:
    """Every stored version's law keys, computed from its record, in batches by id."""
    bind = op.get_bind()
    versions = sa.table(
        "item_versions",
        sa.column("id", sa.Integer),
        sa.column("record", JSON),
        sa.column("law_keys", sa.Text),
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(versions.c.id, versions.c.record)
            .where(versions.c.id > last)
            .order_by(versions.c.id)
            .limit(2000)
        ).all()
        if not rows:
            return
        updates = []
        for version_id, record in rows:
            if isinstance(record, str):
                record = json.loads(record)
            keys = law_keys_column((record or {}).get("legal_bases"))
            if keys:
                updates.append({"vid": version_id, "keys": keys})
        if updates:
            bind.execute(
                versions.update()
                .where(versions.c.id == sa.bindparam("vid"))
                .values(law_keys=sa.bindparam("keys")),
                updates,
            )
        last = rows[-1][0]


def downgrade() -> None:
    # Both databases drop a column in place (SQLite since 3.35): a batch copy of
    # item_versions would fail SQLite's foreign-key check once other tables refer to it.
    op.execute("ALTER TABLE item_versions DROP COLUMN law_keys")
    op.drop_table("alignment_explanations")
    op.drop_index("ix_catalogue_entries_edition_category", table_name="catalogue_entries")
    op.drop_table("catalogue_entries")
    op.drop_table("catalogue_editions")
