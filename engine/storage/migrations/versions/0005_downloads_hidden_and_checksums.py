"""downloads cleared from the list; the archive's SHA-1 and CRC-32 for cheaper checks

Revision ID: 0005
Revises: 0004

A finished download cleared from the downloads screen keeps its row, hidden: the row is how
liveset knows the file is already there, so asking again does not fetch it again. A file is
checked with the cheapest checksum the archive lists for it (CRC-32, SHA-1, then MD5).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("downloads", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hidden", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("sha1", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("crc32", sa.String(length=8), nullable=True))
    with op.batch_alter_table("track_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sha1", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("crc32", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("track_files", schema=None) as batch_op:
        batch_op.drop_column("crc32")
        batch_op.drop_column("sha1")
    with op.batch_alter_table("downloads", schema=None) as batch_op:
        batch_op.drop_column("crc32")
        batch_op.drop_column("sha1")
        batch_op.drop_column("hidden")
