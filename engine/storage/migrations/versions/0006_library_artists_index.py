"""an index for the library's artists and their concert counts

Revision ID: 0006
Revises: 0005

The library screen opens on every artist with the number of their concerts: over 100,000 files
that grouping took a sort of the whole table; on this index it reads the index in order.
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("library_files", schema=None) as batch_op:
        batch_op.create_index(
            "ix_library_files_readable", ["problem", "artist", "album"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("library_files", schema=None) as batch_op:
        batch_op.drop_index("ix_library_files_readable")
