"""the catalog's artist keys fold runs of white space, as the concert cache's always did

Revision ID: 0009
Revises: 0008

The catalog keyed "Grateful  Dead" apart from "Grateful Dead" while the concert cache did not;
both now key by ``engine.keys.artist_key``. Only keys with a run of white space inside change.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    items = sa.table(
        "catalog_items",
        sa.column("id", sa.BigInteger),
        sa.column("artist", sa.Text),
        sa.column("artist_key", sa.String),
    )
    bind = op.get_bind()
    spaced = sa.or_(*(items.c.artist_key.contains(gap) for gap in ("  ", "\t", "\n", "\r")))
    rows = bind.execute(sa.select(items.c.id, items.c.artist).where(spaced)).all()
    for ident, artist in rows:
        key = " ".join(artist.casefold().split())[:500]
        bind.execute(sa.update(items).where(items.c.id == ident).values(artist_key=key))


def downgrade() -> None:
    pass  # the old keys differed only by the runs of white space folded here
