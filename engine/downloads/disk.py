"""The music dir's disk: how much is free, and the guard that holds the download queue while
it is full."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import shutil
from typing import TYPE_CHECKING

from engine.downloads import store
from engine.downloads.paths import part_of
from engine.errors import DiskFullError, DiskSpaceError, StorageError, size_text
from engine.events import DownloadsHeld
from engine.models import DownloadState

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence
    from pathlib import Path

    from engine.downloads.plan import FileSpec
    from engine.events import Event
    from engine.storage.database import Database
    from engine.storage.schema import DownloadRow

log = logging.getLogger(__name__)

#: Free bytes needed to tag a downloaded file (its tags may grow it).
ROOM_TO_TAG = 1 << 20

#: The errors of a disk (or a quota) that is full.
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def free_space(path: Path) -> int:
    """Bytes free on the disk of ``path`` (or of its nearest folder that exists)."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free


#: A queue held by a full disk goes on once this much more than ``keep_free`` is free (or all
#: that the queue still needs, when that is less, but never under 4 MB: no flapping).
ROOM_TO_GO_ON = 32 << 20


def file_size(path: Path) -> int:
    """The size of ``path``; 0 when it is not there."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


class DiskGuard:
    """Holds the download queue while the music dir's disk is full, said once, and lets it go
    on by itself when there is room again. Files stopped by it are remembered with their bytes
    (``requeue``) until the database, whose disk may be the full one, takes the write."""

    def __init__(
        self,
        database: Database,
        music_dir: Path,
        keep_free: int,
        *,
        publish: Callable[[Event], None],
        mark: Callable[..., Awaitable[bool]],
        changed: Callable[[tuple[str, ...]], None],
        requeued: Callable[[], None],
    ) -> None:
        """``mark`` writes a running file's state; ``changed`` says the queue changed;
        ``requeued`` is called for each file recorded as queued again."""
        self._database = database
        self._music_dir = music_dir
        self._keep_free = keep_free
        self._publish = publish
        self._mark = mark
        self._changed = changed
        self._requeued = requeued
        self.held: str | None = None
        """Why the queue starts no file for now, or None."""
        self.requeue: dict[int, int] = {}
        """Files to record as queued again, with their bytes done."""

    async def check_space(self, specs: Sequence[FileSpec]) -> None:
        """Refuse (``DiskSpaceError``) files the disk has no room for, with the queue."""

        def still_needed() -> int:
            needed = 0
            for spec in specs:
                have = file_size(part_of(self._music_dir / spec.dest_path))
                needed += max(0, (spec.size or 0) - have)
            return needed

        needed = await asyncio.to_thread(still_needed)
        needed += await self._database.run(store.remaining_bytes)
        free = await asyncio.to_thread(free_space, self._music_dir)
        if needed > free - self._keep_free:
            raise DiskSpaceError(needed, free, self._keep_free, str(self._music_dir))

    async def hold(self, reason: str) -> None:
        """Start no more files until there is room again; said once."""
        if self.held is not None:
            return
        self.held = reason  # taken at once: files that meet the full disk together say it once
        free = await asyncio.to_thread(free_space, self._music_dir)
        self.held = (
            f"downloads are waiting for disk space: {reason} ({size_text(free)} free); "
            "the queue goes on by itself when there is room"
        )
        log.info("%s", self.held)  # said by the event; a command prints it its own way
        self._publish(DownloadsHeld(self.held))
        self._changed(())

    async def held_file(self, row: DownloadRow, part: Path, reason: str) -> None:
        """A file stopped by a full disk goes back in the queue, its part kept for a resume."""
        self.requeue[row.id] = await asyncio.to_thread(file_size, part)
        await self.hold(reason)
        with contextlib.suppress(StorageError):  # the database's disk may be the full one
            await self.write_requeued()
        self._changed((row.identifier,))

    async def write_requeued(self) -> None:
        for download_id, done in list(self.requeue.items()):
            await self._mark(download_id, DownloadState.QUEUED, bytes_done=done)
            del self.requeue[download_id]
            self._requeued()

    async def room_again(self) -> bool:
        """Whether a held queue may go on: enough is free and the database takes writes."""
        free = await asyncio.to_thread(free_space, self._music_dir)
        remaining = await self._database.run(store.remaining_bytes)
        needed = max(ROOM_TO_TAG * 4, min(ROOM_TO_GO_ON, remaining))
        if free - self._keep_free < needed:
            log.debug("downloads: held: %d free, %d needed", free, needed)
            return False
        try:
            await self.write_requeued()
        except DiskFullError as error:
            log.debug("downloads: held: %d free, but %s", free, error.__cause__ or error)
            return False
        log.info("downloads: %s free again; going on", size_text(free))
        self.held = None
        self._publish(DownloadsHeld(""))
        self._changed(())
        return True
