"""each person's listening their own: an owner on every personal row; what a household shares

Revision ID: 0010
Revises: 0009

Plays, feedback, imported listening, playlists, the play queue and the resume point get an
``owner`` (a profile), and the rows already there go to the person whose liveset runs this
migration first (its profile, by default the login name). Feedback, imports, playlist names and
the resume point are unique per person. ``household`` keeps what everyone of the database
shares: the music dir stored paths are relative to. Nothing wrote playlists yet: their tables are
made again with the owner in them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

OWNED = ("plays", "feedback", "imported_artists", "play_queue", "player_resume")


def _first_owner() -> str:
    owner = context.config.attributes.get("owner")
    if owner:
        return str(owner)
    from engine.profile import login_name

    return login_name()


def upgrade() -> None:
    owner = _first_owner()
    for table in OWNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("owner", sa.String(length=64), nullable=False, server_default=owner)
            )
        # No default left behind: a row written without its owner is refused, not given away.
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("owner", server_default=None)
            batch_op.create_index(batch_op.f(f"ix_{table}_owner"), ["owner"], unique=False)
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_constraint("uq_feedback_target", type_="unique")
        batch_op.create_unique_constraint(
            "uq_feedback_owner_target", ["owner", "target_kind", "target"]
        )
    with op.batch_alter_table("imported_artists", schema=None) as batch_op:
        batch_op.drop_constraint("uq_imported_artists_source_name", type_="unique")
        batch_op.create_unique_constraint(
            "uq_imported_artists_owner_source_name", ["owner", "source", "name"]
        )
    with op.batch_alter_table("player_resume", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_player_resume_owner", ["owner"])

    op.drop_table("playlist_items")
    op.drop_table("playlists")
    op.create_table(
        "playlists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner", "name", name="uq_playlists_owner_name"),
    )
    with op.batch_alter_table("playlists", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_playlists_owner"), ["owner"], unique=False)
    op.create_table(
        "playlist_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("playlist_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=255), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["playlist_id"], ["playlists.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("playlist_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_playlist_items_playlist_id"), ["playlist_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_playlist_items_owner"), ["owner"], unique=False)
    op.create_table(
        "household",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("household")
    for table in ("playlist_items", "playlists"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_owner"))
            batch_op.drop_column("owner")
    with op.batch_alter_table("player_resume", schema=None) as batch_op:
        batch_op.drop_constraint("uq_player_resume_owner", type_="unique")
    with op.batch_alter_table("imported_artists", schema=None) as batch_op:
        batch_op.drop_constraint("uq_imported_artists_owner_source_name", type_="unique")
        batch_op.create_unique_constraint("uq_imported_artists_source_name", ["source", "name"])
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_constraint("uq_feedback_owner_target", type_="unique")
        batch_op.create_unique_constraint("uq_feedback_target", ["target_kind", "target"])
    for table in OWNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_owner"))
            batch_op.drop_column("owner")
