"""archive text decoded once, setlists (set and segue per track), notes; repair stored text

Revision ID: 0004
Revises: 0003

Liveset before this stored the archive's one-line text as sent, so titles, venues and names
could hold HTML entities (``Scarlet Begonias -&gt;``, ``Barton Hall &amp; Co``). This migration
adds the columns of the setlist model and runs every stored one-line field through the text
layer once; a track title loses its typed-in number and its segue arrow, which becomes the
``segue`` flag. Downloaded files are renamed and re-tagged by the engine on its next start (the
``repairs`` row ``file-names-1``), since a migration should not move music.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from engine.archive.setlist import clean_title
from engine.archive.text import line_text
from engine.models import display_title

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: The one-line text fields each table stored as the archive sent them.
_LINE_FIELDS = {
    "artists": ("name",),
    "concerts": ("artist", "venue", "city"),
    "recordings": ("title", "artist", "venue", "city", "source", "taper", "transferer", "lineage"),
    "reviews": ("reviewer", "title"),
    "downloads": ("title",),
    "play_queue": ("artist", "album"),
}


def upgrade() -> None:
    with op.batch_alter_table("tracks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("set_name", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("segue", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "repairs",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("done_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    connection = op.get_bind()
    for table, fields in _LINE_FIELDS.items():
        _clean(connection, table, fields)
    _clean_tracks(connection)
    _clean_queue_titles(connection)
    connection.execute(sa.text("INSERT INTO repairs (name, done_at) VALUES ('file-names-1', NULL)"))


def _clean(connection: Any, table: str, fields: tuple[str, ...]) -> None:
    columns = ", ".join(fields)
    rows = connection.execute(sa.text(f"SELECT id, {columns} FROM {table}")).fetchall()
    for row in rows:
        values = {f: row[i + 1] for i, f in enumerate(fields)}
        cleaned = {f: line_text(v) for f, v in values.items() if v}
        changed = {f: v for f, v in cleaned.items() if v != values[f]}
        if changed:
            assignments = ", ".join(f"{f} = :{f}" for f in changed)
            connection.execute(
                sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id"),
                {**changed, "id": row[0]},
            )


def _clean_queue_titles(connection: Any) -> None:
    """Queue entries show a title as the screen does: a segue as a trailing arrow."""
    rows = connection.execute(sa.text("SELECT id, title FROM play_queue")).fetchall()
    for entry_id, title in rows:
        cleaned, segue = clean_title(line_text(title or ""))
        shown = display_title(cleaned, segue)
        if shown != title:
            connection.execute(
                sa.text("UPDATE play_queue SET title = :title WHERE id = :id"),
                {"title": shown, "id": entry_id},
            )


def _clean_tracks(connection: Any) -> None:
    rows = connection.execute(sa.text("SELECT id, title FROM tracks")).fetchall()
    for track_id, title in rows:
        cleaned, segue = clean_title(line_text(title or ""))
        if cleaned != title or segue:
            connection.execute(
                sa.text("UPDATE tracks SET title = :title, segue = :segue WHERE id = :id"),
                {"title": cleaned, "segue": segue, "id": track_id},
            )


def downgrade() -> None:
    op.drop_table("repairs")
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_column("notes")
    with op.batch_alter_table("tracks", schema=None) as batch_op:
        batch_op.drop_column("segue")
        batch_op.drop_column("set_name")
