"""the local catalog of the Live Music Archive: its recordings, artists and sync state

Revision ID: 0007
Revises: 0006

Every recording of the etree collection as a search doc gives it, so that browsing and search
need no request (``engine/catalog``). Its full-text index is SQLite FTS5 (contentless, with
indexes of one- and two-letter prefixes for search as you type, filled by the catalog with the
same words it gives PostgreSQL) or, on PostgreSQL, a weighted
text-search column with a GIN index: artist A, venue B, city C, the rest D, so that ``venue:``
and ``city:`` terms mean the same on both.
"""

from __future__ import annotations

import contextlib

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_items",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("identifier", sa.String(length=255), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("artist", sa.String(length=500), nullable=False),
        sa.Column("artist_key", sa.String(length=500), nullable=False),
        sa.Column("artist_collection", sa.String(length=255), nullable=False),
        sa.Column("date", sa.String(length=10), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("month", sa.Integer(), nullable=True),
        sa.Column("day", sa.Integer(), nullable=True),
        sa.Column("venue", sa.String(length=500), nullable=False),
        sa.Column("city", sa.String(length=500), nullable=False),
        sa.Column("source_kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("taper", sa.Text(), nullable=False),
        sa.Column("transferer", sa.Text(), nullable=False),
        sa.Column("lineage", sa.Text(), nullable=False),
        sa.Column("avg_rating", sa.Float(), nullable=True),
        sa.Column("num_reviews", sa.Integer(), nullable=False),
        sa.Column("downloads", sa.Integer(), nullable=True),
        sa.Column("formats", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("collections", sa.Text(), nullable=False),
        sa.Column("subjects", sa.Text(), nullable=False),
        sa.Column("added", sa.String(length=20), nullable=False),
        sa.Column("updated", sa.String(length=20), nullable=False),
        sa.Column("seen", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("identifier"),
    )
    with op.batch_alter_table("catalog_items", schema=None) as batch_op:
        batch_op.create_index("ix_catalog_items_artist_date", ["artist_key", "date"])
        batch_op.create_index("ix_catalog_items_month_day", ["month", "day"])
        batch_op.create_index(
            batch_op.f("ix_catalog_items_artist_collection"), ["artist_collection"]
        )
        batch_op.create_index(batch_op.f("ix_catalog_items_date"), ["date"])
    op.create_table(
        "catalog_artists",
        sa.Column("identifier", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=True),
        sa.Column("downloads", sa.Integer(), nullable=True),
        sa.Column("seen", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("identifier"),
    )
    with op.batch_alter_table("catalog_artists", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_artists_name"), ["name"])
    op.create_table(
        "catalog_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pass_kind", sa.String(length=16), nullable=False),
        sa.Column("pass_number", sa.Integer(), nullable=False),
        sa.Column("pass_started", sa.Float(), nullable=True),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=False),
        sa.Column("last_identifier", sa.String(length=255), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("since", sa.String(length=20), nullable=False),
        sa.Column("last_full", sa.Float(), nullable=True),
        sa.Column("last_sync", sa.Float(), nullable=True),
        sa.Column("high_water", sa.String(length=20), nullable=False),
        sa.Column("next_number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # Without FTS5 in this SQLite the catalog searches with LIKE.
        with contextlib.suppress(sa.exc.OperationalError):
            op.execute(
                "CREATE VIRTUAL TABLE catalog_fts USING fts5(artist, venue, city, rest, "
                "tokenize='unicode61 remove_diacritics 2', prefix='1 2', content='')"
            )
    elif bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE catalog_items ADD COLUMN catalog_fts tsvector")
        op.execute("CREATE INDEX ix_catalog_items_search ON catalog_items USING gin (catalog_fts)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS catalog_fts")
    op.drop_table("catalog_state")
    with op.batch_alter_table("catalog_artists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_artists_name"))
    op.drop_table("catalog_artists")
    with op.batch_alter_table("catalog_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_items_date"))
        batch_op.drop_index(batch_op.f("ix_catalog_items_artist_collection"))
        batch_op.drop_index("ix_catalog_items_month_day")
        batch_op.drop_index("ix_catalog_items_artist_date")
    op.drop_table("catalog_items")
