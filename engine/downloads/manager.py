"""The download manager: a persistent queue of files to fetch, and its commands (queue a
recording, pause, resume, retry, cancel, remove, wait), run by one liveset process at a time.

Each file streams into ``<name>.part`` beside its destination and resumes with ``Range`` after a
dropped connection, a pause or a restart (``transfer``); before it lands (an atomic rename) its
size and checksum are checked and its tags are written (``landing``); a checksum mismatch throws
the part away and starts again, a few times, then fails with the reason (``runner``). What to
fetch is planned first (``plan``); a full disk holds the queue (``disk``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from engine.downloads import store
from engine.downloads.disk import DISK_FULL, file_size
from engine.downloads.landing import write_metadata
from engine.downloads.paths import inside, part_of, plain_file_name, recording_dir
from engine.downloads.plan import plan
from engine.downloads.queue_lock import QueueLock
from engine.downloads.runner import Runner
from engine.errors import ConfigError, DownloadError, NotFoundError, StorageError
from engine.events import FileProgress, LibraryChanged
from engine.library import files
from engine.models import ACTIVE_DOWNLOAD_STATES, Download, DownloadState

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from pathlib import Path

    from engine.events import Event
    from engine.models import Recording
    from engine.storage.database import Database
    from engine.storage.schema import DownloadRow

log = logging.getLogger(__name__)

#: A waiter reads the queue again this long after a change, so a burst is read once.
WAIT_SETTLE = 0.05


class DownloadManager:
    def __init__(
        self,
        database: Database,
        *,
        user_agent: str,
        timeout: float = 20.0,
        archive_url: str,
        music_dir: Path,
        publish: Callable[[Event], None],
        concurrency: int = 3,
        retries: int = 5,
        keep_free: int = 0,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        progress_interval: float = 0.25,
    ) -> None:
        self._database = database
        self.music_dir = music_dir
        self._publish = publish
        self.runner = Runner(
            database,
            user_agent=user_agent,
            timeout=timeout,
            archive_url=archive_url,
            music_dir=music_dir,
            publish=publish,
            concurrency=concurrency,
            retries=retries,
            keep_free=keep_free,
            backoff_base=backoff_base,
            backoff_cap=backoff_cap,
            progress_interval=progress_interval,
        )
        self.guard = self.runner.guard
        self._lock: QueueLock | None = None

    # --- lifecycle -----------------------------------------------------------------------

    async def start(
        self, lock_path: Path | None = None, *, only: Iterable[int] | None = None
    ) -> bool:
        """Run the queue in the background (or only the files ``only``, for a command that
        waits for what it asked); False when another liveset process runs it (it holds
        the queue's lock, ``queue_lock``; ``lock_path`` is its file for an SQLite database):
        two runners would download the same files into the same parts."""
        if lock_path is not None:
            self._lock = await QueueLock.take(self._database, lock_path)
            if self._lock is None:
                log.info("downloads: another liveset process is running the queue")
                return False
        await self.runner.start(frozenset(only) if only is not None else None)
        return True

    async def close(self) -> None:
        """Stop running files; they stay queued (with their parts) for the next start."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        await self.runner.close()

    # --- commands ------------------------------------------------------------------------

    @property
    def held(self) -> str | None:
        """Why the queue starts no file for now (the disk is full), or None."""
        return self.guard.held

    async def enqueue(
        self,
        recording: Recording,
        metadata: Mapping[str, Any],
        *,
        preferred: Sequence[str],
        tracks: Iterable[int] | None = None,
    ) -> tuple[Download, ...]:
        """Queue a recording's tracks (all, or the 1-based ``tracks``) with the info text, and
        write the metadata JSON into its folder. Refuses when the disk has no room."""
        specs = plan(recording, metadata, preferred=preferred, tracks=tracks)
        for spec in specs:
            inside(self.music_dir, spec.dest_path)  # refuse before anything is queued
        folder = recording_dir(recording)
        known = await self._database.run(lambda s: store.existing(s, recording.identifier))
        needs = await asyncio.to_thread(
            lambda: [self._needs_download(known.get(spec.file_name)) for spec in specs]
        )
        fresh = [spec for spec, needed in zip(specs, needs, strict=True) if needed]
        # Files already queued are counted in the queue's remaining bytes, not twice.
        await self.guard.check_space(fresh)
        try:
            await asyncio.to_thread(
                write_metadata, self.music_dir, recording.identifier, metadata, folder
            )
        except OSError as error:
            if error.errno in DISK_FULL:
                raise DownloadError(
                    f"the disk of {self.music_dir} is full: nothing was queued"
                ) from error
            raise ConfigError(
                "music_dir",
                str(self.music_dir),
                f"a folder liveset can make and write ({error.strerror or error})",
            ) from error
        if fresh:
            await self._database.run(lambda s: store.add(s, [spec.values() for spec in fresh]))
            self.runner.maybe_more = True
        self.runner.changed_now((recording.identifier,))
        wanted = {spec.file_name for spec in specs}
        listed = await self.listing(identifier=recording.identifier)
        return tuple(d for d in listed if d.file_name in wanted)

    def _needs_download(self, row: DownloadRow | None) -> bool:
        if row is None:
            return True
        if row.state == DownloadState.DONE.value:
            return not (self.music_dir / row.dest_path).exists()
        return row.state in (DownloadState.FAILED.value, DownloadState.CANCELLED.value)

    async def listing(
        self,
        *,
        states: Iterable[DownloadState] | None = None,
        identifier: str | None = None,
        visible_only: bool = False,
    ) -> tuple[Download, ...]:
        rows = await self._database.run(
            lambda s: store.listing(
                s, states=states, identifier=identifier, visible_only=visible_only
            )
        )
        return tuple(self.runner.snapshot(row) for row in rows)

    async def pause(self, ids: Iterable[int]) -> None:
        # Recorded first: a runner (this process's or another's) sees it and stops the file,
        # and the queue cannot hand the file out again meanwhile.
        rows = await self._database.run(lambda s: store.listing(s, ids=ids))
        active = (DownloadState.QUEUED.value, DownloadState.RUNNING.value)
        chosen = [row for row in rows if row.state in active]
        for row in chosen:
            await self.runner.record(row.id, DownloadState.PAUSED)
        await self.runner.stop(row.id for row in chosen)
        for row in chosen:
            part = self.runner.part(row)
            done = await asyncio.to_thread(file_size, part) if part else 0
            await self._database.run(
                partial(store.set_progress, download_id=row.id, bytes_done=done)
            )
        self.runner.changed_now(tuple({r.identifier for r in rows}))

    async def resume(self, ids: Iterable[int]) -> None:
        rows = await self._database.run(lambda s: store.listing(s, ids=ids))
        for row in rows:
            if row.state == DownloadState.PAUSED.value:
                await self.runner.record(row.id, DownloadState.QUEUED)
                self.runner.maybe_more = True
        self.runner.changed_now(tuple({r.identifier for r in rows}))

    async def retry(self, ids: Iterable[int]) -> None:
        rows = await self._database.run(lambda s: store.listing(s, ids=ids))
        for row in rows:
            if row.state in (DownloadState.FAILED.value, DownloadState.CANCELLED.value):
                await self.runner.record(row.id, DownloadState.QUEUED, error="", attempts=0)
                self.runner.maybe_more = True
        self.runner.changed_now(tuple({r.identifier for r in rows}))

    async def cancel(self, ids: Iterable[int]) -> None:
        """Stop and forget the partial data; done files stay."""
        rows = await self._database.run(lambda s: store.listing(s, ids=ids))
        chosen = [row for row in rows if row.state != DownloadState.DONE.value]
        # Recorded before anything stops or goes: no runner starts the file again or records
        # it failed because its part vanished.
        for row in chosen:
            await self.runner.record(row.id, DownloadState.CANCELLED, bytes_done=0)
        await self.runner.stop(row.id for row in chosen)
        for row in chosen:
            self.guard.requeue.pop(row.id, None)
            part = self.runner.part(row)
            if part is not None:
                await asyncio.to_thread(part.unlink, missing_ok=True)
        self.runner.changed_now(tuple({r.identifier for r in rows}))

    async def remove(self, identifier: str) -> int:
        """Delete a recording's downloaded files and parts from disk and from the queue."""
        rows = await self._database.run(lambda s: store.listing(s, identifier=identifier))
        if not rows:
            raise NotFoundError(f"nothing of {identifier} was downloaded")
        await self.runner.stop(r.id for r in rows)
        removed = await asyncio.to_thread(self._delete_files, rows, identifier)
        await self._database.run(partial(files.remove_paths, paths=removed))
        await self._database.run(lambda s: store.remove(s, identifier))
        self.runner.changed_now((identifier,))
        self._publish(LibraryChanged(removed=len(removed)))
        return len(removed)

    def _delete_files(self, rows: Sequence[DownloadRow], identifier: str) -> list[str]:
        removed: list[str] = []
        folders: set[Path] = set()
        for row in rows:
            try:
                dest = inside(self.music_dir, row.dest_path)
            except StorageError:  # a path that would escape is not ours to delete
                continue
            for path in (dest, part_of(dest)):
                if path.exists():
                    path.unlink()
                    if path == dest:
                        removed.append(str(dest))
            folders.add(dest.parent)
        for folder in folders:
            (folder / f"{plain_file_name(identifier)}.json").unlink(missing_ok=True)
            # Remove the recording's folder and an artist folder left empty, nothing above.
            for candidate in (folder, folder.parent):
                if candidate != self.music_dir.resolve() and candidate.is_dir():
                    with contextlib.suppress(OSError):
                        candidate.rmdir()
        return removed

    async def wait(
        self,
        identifier: str | None = None,
        *,
        ids: Iterable[int] | None = None,
        until_held: bool = False,
    ) -> tuple[Download, ...]:
        """Wait until nothing of ``identifier`` (or of the files ``ids``, or of the whole queue)
        is queued or running; with ``until_held``, also return when the queue is held (see
        ``held``)."""
        chosen = frozenset(ids) if ids is not None else None
        while True:
            async with self.runner.changed:
                downloads = await self.listing(identifier=identifier)
                if chosen is not None:
                    downloads = tuple(d for d in downloads if d.id in chosen)
                if not any(d.state in ACTIVE_DOWNLOAD_STATES for d in downloads):
                    return downloads
                if until_held and self.guard.held is not None:
                    return downloads
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
                # that arrives as the wait ends (CPython #86296), and the caller never stops.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(1.0):
                        await self.runner.changed.wait()
            await asyncio.sleep(WAIT_SETTLE)  # a burst of changes is read once

    async def clear_finished(self) -> int:
        """Take finished and cancelled files off the list; how many recordings it touched."""
        identifiers = await self._database.run(store.clear_finished)
        if identifiers:
            self.runner.changed_now(tuple(identifiers))
        return len(identifiers)

    def progress(self) -> tuple[FileProgress, ...]:
        return tuple(
            FileProgress(i, live.identifier, live.bytes_done, live.size, live.speed())
            for i, live in self.runner.live.items()
        )
