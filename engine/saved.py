"""The status with no daemon running: the queue as the last run left it, and how many
downloads run or wait. An SQLite database at the newest schema is read with the standard
library, read-only (``liveset status`` answers in about the time of a bare interpreter); any
other is read through the engine's own storage."""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.models import DownloadState, QueueItem
from engine.storage.revision import HEAD

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from engine.config import Settings

QUEUE_COLUMNS = ("uri", "title", "artist", "album", "identifier", "file_name", "duration")
"""A saved queue entry's columns (``play_queue``), in the order ``queue_item`` reads them."""


@dataclass(frozen=True, slots=True)
class SavedStatus:
    items: tuple[QueueItem, ...]
    index: int | None
    """The entry that was playing, or None."""
    seconds: float
    """Where in it playback stood."""
    running: int
    queued: int


def queue_item(row: Mapping[str, Any]) -> QueueItem:
    """A saved queue entry as the player takes it."""
    return QueueItem(**{name: row[name] for name in QUEUE_COLUMNS})


def saved_point(
    items: Sequence[QueueItem], queue_index: int | None, seconds: float
) -> tuple[int | None, float]:
    """The entry that was playing (None when the saved one is past the queue) and where."""
    if queue_index is None or queue_index >= len(items):
        return None, seconds
    return queue_index, seconds


async def saved_status(settings: Settings) -> SavedStatus:
    """Read the saved queue and the download counts (the same rows the engine keeps)."""
    quick = read_quickly(settings)
    return quick if quick is not None else await read_through_storage(settings)


async def read_through_storage(settings: Settings) -> SavedStatus:
    """The status read through the engine's own storage (any database, any schema)."""
    from engine.downloads import store
    from engine.playback import resume
    from engine.storage.database import Database

    settings.make_data_dir()
    database = Database(settings.db_url, person=settings.profile)
    await database.open()
    try:
        items, index, seconds, _volume = await database.run(resume.load)
        active = (DownloadState.RUNNING, DownloadState.QUEUED)
        rows = await database.run(lambda s: store.listing(s, states=active, visible_only=True))
    finally:
        await database.close()
    running = sum(row.state == DownloadState.RUNNING.value for row in rows)
    return SavedStatus(tuple(items), index, seconds, running, len(rows) - running)


def read_quickly(settings: Settings) -> SavedStatus | None:
    """The status read with ``sqlite3``, read-only; None when that cannot be trusted (not
    SQLite, no file yet, another schema revision, a locked or damaged file)."""
    path = settings.database_path
    if path is None or not path.is_file():
        return None
    uri = f"{path.as_uri()}?mode=ro"
    # A damaged file, a missing table or row: the engine's own path says what is wrong.
    with (
        contextlib.suppress(sqlite3.Error, TypeError, ValueError),
        contextlib.closing(sqlite3.connect(uri, uri=True)) as db,
    ):
        db.row_factory = sqlite3.Row
        (revision,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
        if revision != HEAD:
            return None
        columns = ", ".join(QUEUE_COLUMNS)
        # The person's own rows, as ``engine.storage.personal`` holds every session to them
        # (tests/test_saved_status.py reads both ways with two people).
        me = (settings.profile,)
        rows = db.execute(
            f"SELECT {columns} FROM play_queue WHERE owner = ? ORDER BY position", me
        ).fetchall()
        items = tuple(queue_item(row) for row in rows)
        point = db.execute("SELECT queue_index, seconds FROM player_resume WHERE owner = ?", me)
        saved = point.fetchone()
        index, seconds = saved_point(items, *saved) if saved else (None, 0.0)
        counts = dict(
            db.execute(
                "SELECT state, count(*) FROM downloads WHERE hidden = 0 AND state IN (?, ?) "
                "GROUP BY state",
                (DownloadState.RUNNING.value, DownloadState.QUEUED.value),
            ).fetchall()
        )
        running = counts.get(DownloadState.RUNNING.value, 0)
        return SavedStatus(
            items, index, seconds, running, counts.get(DownloadState.QUEUED.value, 0)
        )
    return None
