"""The status with no daemon running: the queue as the last run left it, and how many
downloads run or wait, read from the database alone (no archive client, no downloads, no
player, so ``liveset status`` answers quickly)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.downloads import store
from engine.models import DownloadState
from engine.playback import resume
from engine.storage.database import Database

if TYPE_CHECKING:
    from engine.config import Settings
    from engine.models import QueueItem


@dataclass(frozen=True, slots=True)
class SavedStatus:
    items: tuple[QueueItem, ...]
    index: int | None
    """The entry that was playing, or None."""
    seconds: float
    """Where in it playback stood."""
    running: int
    queued: int


async def saved_status(settings: Settings) -> SavedStatus:
    """Read the saved queue and the download counts (the same rows the engine keeps)."""
    settings.make_data_dir()
    database = Database(settings.db_url)
    await database.open()
    try:
        items, index, seconds, _volume = await database.run(resume.load)
        active = (DownloadState.RUNNING, DownloadState.QUEUED)
        rows = await database.run(lambda s: store.listing(s, states=active, visible_only=True))
    finally:
        await database.close()
    running = sum(row.state == DownloadState.RUNNING.value for row in rows)
    return SavedStatus(tuple(items), index, seconds, running, len(rows) - running)
