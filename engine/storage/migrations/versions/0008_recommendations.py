"""what the recommender reads beyond plays and favourites

Revision ID: 0008
Revises: 0007

"Not interested" on a recording or an artist (never recommended again, unlike a dislike, which
only weighs against it), and the artists of a listening history imported from another service
(a ListenBrainz export, a Last.fm scrobble file), each with the archive collection it was
matched to, if any.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("not_interested", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "imported_artists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("artist_key", sa.String(length=500), nullable=False),
        sa.Column("matched", sa.String(length=500), nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.Column("last_played", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "name", name="uq_imported_artists_source_name"),
    )


def downgrade() -> None:
    op.drop_table("imported_artists")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_column("not_interested")
