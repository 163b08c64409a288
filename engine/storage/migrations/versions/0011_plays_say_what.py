"""a play says what was heard: its title, artist, album and length, as the queue had them

Revision ID: 0011
Revises: 0010

History and the listening stats read a play alone, without the recording's metadata or the
file's tags (which may be gone). Plays made before this say "" until liveset plays them again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plays", schema=None) as batch_op:
        for name in ("title", "artist", "album"):
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("duration", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plays", schema=None) as batch_op:
        for name in ("duration", "album", "artist", "title"):
            batch_op.drop_column(name)
