"""What everyone of one database shares, kept in the database itself: the music dir that
stored paths are relative to, so every member resolves the same file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.storage.schema import HouseholdRow

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.orm import Session

MUSIC_DIR = "music_dir"


def music_dir(session: Session) -> str | None:
    """The database's music dir; None before anyone has used it."""
    row = session.get(HouseholdRow, MUSIC_DIR)
    return row.value if row is not None else None


def set_music_dir(session: Session, folder: Path) -> None:
    row = session.get(HouseholdRow, MUSIC_DIR)
    if row is None:
        session.add(HouseholdRow(name=MUSIC_DIR, value=str(folder)))
    else:
        row.value = str(folder)
