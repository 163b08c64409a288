"""downloads cleared from the list (finished ones the user no longer wants to see)

Revision ID: 0005
Revises: 0004

A finished download cleared from the downloads screen keeps its row, hidden: the row is how
liveset knows the file is already there, so asking again does not fetch it again.
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


def downgrade() -> None:
    with op.batch_alter_table("downloads", schema=None) as batch_op:
        batch_op.drop_column("hidden")
