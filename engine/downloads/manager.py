"""The download manager: a persistent queue run N files at a time over the shared httpx client.

Each file streams into ``<name>.part`` beside its destination and resumes with ``Range`` after a
dropped connection, a pause or a restart. Before it lands (an atomic rename) its size and md5 are
checked against the archive's metadata and its tags are written; a checksum mismatch throws the
part away and starts again, a few times, then fails with the reason.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import errno
import json
import logging
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from functools import partial
from typing import IO, TYPE_CHECKING, Any

import httpx

from engine.archive.client import RETRY_STATUSES, backoff_delay, retry_after_seconds
from engine.archive.concerts import download_url, quote_path
from engine.downloads import store
from engine.downloads.checksum import Checksum
from engine.downloads.disk import DISK_FULL, free_space
from engine.downloads.paths import (
    inside,
    part_of,
    plain_file_name,
    recording_dir,
)
from engine.downloads.plan import FileSpec, plan
from engine.errors import (
    ConfigError,
    DiskFullError,
    DiskSpaceError,
    DownloadError,
    NotFoundError,
    StorageError,
    size_text,
)
from engine.events import (
    DownloadProgress,
    DownloadsChanged,
    DownloadsHeld,
    FileProgress,
    LibraryChanged,
)
from engine.library import files
from engine.library.scanner import read_file
from engine.library.tags import write_tags
from engine.models import ACTIVE_DOWNLOAD_STATES, Download, DownloadState

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from pathlib import Path

    from engine.events import Event
    from engine.models import Recording
    from engine.storage.database import Database
    from engine.storage.schema import DownloadRow

log = logging.getLogger(__name__)

CHUNK = 4 << 20  # bytes written before the kernel is asked to put them on disk
QUEUE_POLL_SECONDS = 2.0
#: How long a cancelled transfer waits for its thread to stop (it writes nothing meanwhile).
STOP_WAIT = 2.0
#: A waiter reads the queue again this long after a change, so a burst is read once.
WAIT_SETTLE = 0.05
#: A queue held by a full disk goes on once this much more than ``keep_free`` is free (or all
#: that the queue still needs, when that is less, but never under 4 MB: no flapping).
ROOM_TO_GO_ON = 32 << 20
#: Free bytes needed to tag a downloaded file (its tags may grow it).
ROOM_TO_TAG = 1 << 20
#: Metadata fields that name servers: they change, so they are not kept beside the audio.
_SERVER_FIELDS = ("server", "d1", "d2", "dir", "workable_servers", "alternate_locations")


class _Retry(Exception):
    """A failure worth another try (a dropped connection, 429, 5xx)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class _Fatal(Exception):
    """A failure another try will not fix (403, 404, a full disk)."""


class _Control:
    """Between a transfer and its fetcher thread: the thread stops when told, and says once
    when the last bytes are about to arrive (the network slot goes to the next file)."""

    def __init__(self, on_nearly_done: Callable[[], object]) -> None:
        self.stop = threading.Event()
        self._on_nearly_done = on_nearly_done
        self._said = False

    def nearly_done(self) -> None:
        if not self._said:
            self._said = True
            self._on_nearly_done()


@dataclass
class _Live:
    """What a running file has done, kept in memory between database writes."""

    identifier: str
    bytes_done: int
    size: int | None
    samples: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=64))

    def speed(self) -> float:
        if len(self.samples) < 2:
            return 0.0
        (t0, b0), (t1, b1) = self.samples[0], self.samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0

    def advance(self, count: int) -> None:
        self.bytes_done += count
        now = time.monotonic()
        self.samples.append((now, self.bytes_done))
        while len(self.samples) > 2 and now - self.samples[0][0] > 3.0:
            self.samples.popleft()


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
        # Bodies move on fetcher threads over blocking connections (see _transfer): a client
        # of their own, set up as the archive client is (redirects, timeouts, proxies).
        self._user_agent, self._timeout = user_agent, timeout
        self._client: httpx.Client | None = None  # made when the queue starts running
        self._archive_url = archive_url.rstrip("/")
        self.music_dir = music_dir
        self._publish = publish
        self._concurrency = concurrency
        self._retries = retries
        self._keep_free = keep_free
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._progress_interval = progress_interval
        self._tasks: dict[int, asyncio.Task[None]] = {}
        # Files using the network: the concurrency cap counts these, so a file that has
        # arrived and is being checked and landed lets the next one start at once.
        self._network: set[int] = set()
        # identifier -> the data node's folder the archive redirected to, for this run only
        # (node addresses are not permanent): the item's other files skip the redirect.
        self._nodes: dict[str, str] = {}
        self._slots = asyncio.Semaphore(concurrency)
        self._live: dict[int, _Live] = {}
        self._wake = asyncio.Event()
        self._changed = asyncio.Condition()
        self._progress_dirty = False
        self._background: list[asyncio.Task[None]] = []
        self._closing = False
        self._lock: IO[bytes] | None = None
        self._only: frozenset[int] | None = None
        self._folders: set[Path] = set()  # recording folders made in this run
        # Why the queue starts no file (a full disk), and files to record as queued again
        # once the database can be written (its disk may be the full one).
        self._held: str | None = None
        self._requeue: dict[int, int] = {}
        self._maybe_more = True  # queued files may wait that no task runs yet
        self._landing = concurrent.futures.ThreadPoolExecutor(
            concurrency, thread_name_prefix="liveset-land"
        )
        # A file's thread may still be finishing its last read as the next file starts.
        self._fetchers = concurrent.futures.ThreadPoolExecutor(
            2 * concurrency + 2, thread_name_prefix="liveset-fetch"
        )

    # --- lifecycle -----------------------------------------------------------------------

    async def start(
        self, lock_path: Path | None = None, *, only: Iterable[int] | None = None
    ) -> bool:
        """Run the queue in the background (or only the files ``only``, for a command that
        waits for what it asked); False when another liveset process runs it (it holds
        ``lock_path``): two runners would download the same files into the same parts."""
        self._only = frozenset(only) if only is not None else None
        if lock_path is not None:
            self._lock = await asyncio.to_thread(_take_lock, lock_path)
            if self._lock is None:
                log.info("downloads: another liveset process is running the queue")
                return False
        self._client = httpx.Client(
            headers={"User-Agent": self._user_agent},
            timeout=httpx.Timeout(self._timeout, connect=min(self._timeout, 5.0)),
            follow_redirects=True,
            limits=httpx.Limits(max_connections=2 * self._concurrency + 2),
        )
        requeued = await self._database.run(store.requeue_interrupted)
        if requeued:
            log.info("downloads: %d interrupted file(s) queued again", requeued)
        self._background = [
            asyncio.create_task(self._schedule(), name="downloads-scheduler"),
            asyncio.create_task(self._report_progress(), name="downloads-progress"),
        ]
        self._wake.set()
        return True

    async def close(self) -> None:
        """Stop running files; they stay queued (with their parts) for the next start."""
        self._closing = True
        if self._lock is not None:
            self._lock.close()  # closing the file lets go of the lock
            self._lock = None
        for task in self._background:
            task.cancel()
        running = list(self._tasks.items())
        for _, task in running:
            task.cancel()
        await asyncio.gather(*self._background, *(t for _, t in running), return_exceptions=True)
        requeue = dict(self._requeue)
        for download_id, _ in running:
            live = self._live.pop(download_id, None)
            requeue.setdefault(download_id, live.bytes_done if live else -1)
        try:
            for download_id, done in requeue.items():
                await self._mark(
                    download_id, DownloadState.QUEUED, **({"bytes_done": done} if done >= 0 else {})
                )
        except StorageError as error:  # the next start queues them again
            log.info("downloads: cannot record the stopped files (%s)", error)
        self._landing.shutdown(wait=True)
        # Threads of cancelled transfers write nothing more; one blocked in a read ends with
        # its timeout, in the background.
        self._fetchers.shutdown(wait=False, cancel_futures=True)
        if self._client is not None:
            await asyncio.to_thread(self._client.close)
            self._client = None

    @property
    def held(self) -> str | None:
        """Why the queue starts no file for now (the disk is full), or None."""
        return self._held

    # --- commands ------------------------------------------------------------------------

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
        await self._check_space(fresh)
        try:
            await asyncio.to_thread(self._write_metadata, recording.identifier, metadata, folder)
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
            self._maybe_more = True
        self._changed_now((recording.identifier,))
        wanted = {spec.file_name for spec in specs}
        listed = await self.listing(identifier=recording.identifier)
        return tuple(d for d in listed if d.file_name in wanted)

    def _needs_download(self, row: DownloadRow | None) -> bool:
        if row is None:
            return True
        if row.state == DownloadState.DONE.value:
            return not (self.music_dir / row.dest_path).exists()
        return row.state in (DownloadState.FAILED.value, DownloadState.CANCELLED.value)

    def _write_metadata(self, identifier: str, metadata: Mapping[str, Any], folder: Any) -> None:
        kept = {k: v for k, v in metadata.items() if k not in _SERVER_FIELDS}
        target = inside(self.music_dir, folder / f"{plain_file_name(identifier)}.json")
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = part_of(target)
        temporary.write_text(
            json.dumps(kept, indent=1), encoding="ascii"
        )  # escapes keep any odd text intact
        os.replace(temporary, target)

    async def _check_space(self, specs: Sequence[FileSpec]) -> None:
        def still_needed() -> int:
            needed = 0
            for spec in specs:
                have = _file_size(part_of(self.music_dir / spec.dest_path))
                needed += max(0, (spec.size or 0) - have)
            return needed

        needed = await asyncio.to_thread(still_needed)
        needed += await self._database.run(store.remaining_bytes)
        free = await asyncio.to_thread(free_space, self.music_dir)
        if needed > free - self._keep_free:
            raise DiskSpaceError(needed, free, self._keep_free, str(self.music_dir))

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
        return tuple(self._snapshot(row) for row in rows)

    def _snapshot(self, row: DownloadRow) -> Download:
        if row.id in self._requeue:  # held, its row not written yet (the database's disk)
            queued = store.to_download(row, bytes_done=self._requeue[row.id])
            return replace(queued, state=DownloadState.QUEUED)
        live = self._live.get(row.id)
        if live is None:
            return store.to_download(row)
        return store.to_download(row, speed=live.speed(), bytes_done=live.bytes_done)

    async def _stop(self, ids: Iterable[int]) -> list[DownloadRow]:
        rows = await self._database.run(lambda s: store.listing(s, ids=ids))
        tasks = [self._tasks[row.id] for row in rows if row.id in self._tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return rows

    async def pause(self, ids: Iterable[int]) -> None:
        # Recorded first: a runner (this process's or another's) sees it and stops the file,
        # and the queue cannot hand the file out again meanwhile.
        rows = await self._database.run(lambda s: store.listing(s, ids=ids))
        active = (DownloadState.QUEUED.value, DownloadState.RUNNING.value)
        chosen = [row for row in rows if row.state in active]
        for row in chosen:
            await self._record(row.id, DownloadState.PAUSED)
        await self._stop(row.id for row in chosen)
        for row in chosen:
            part = self._part(row)
            done = await asyncio.to_thread(_file_size, part) if part else 0
            await self._database.run(
                partial(store.set_progress, download_id=row.id, bytes_done=done)
            )
        self._changed_now(tuple({r.identifier for r in rows}))

    async def resume(self, ids: Iterable[int]) -> None:
        rows = await self._database.run(lambda s: store.listing(s, ids=ids))
        for row in rows:
            if row.state == DownloadState.PAUSED.value:
                await self._record(row.id, DownloadState.QUEUED)
                self._maybe_more = True
        self._changed_now(tuple({r.identifier for r in rows}))

    async def retry(self, ids: Iterable[int]) -> None:
        rows = await self._database.run(lambda s: store.listing(s, ids=ids))
        for row in rows:
            if row.state in (DownloadState.FAILED.value, DownloadState.CANCELLED.value):
                await self._record(row.id, DownloadState.QUEUED, error="", attempts=0)
                self._maybe_more = True
        self._changed_now(tuple({r.identifier for r in rows}))

    async def cancel(self, ids: Iterable[int]) -> None:
        """Stop and forget the partial data; done files stay."""
        rows = await self._database.run(lambda s: store.listing(s, ids=ids))
        chosen = [row for row in rows if row.state != DownloadState.DONE.value]
        # Recorded before anything stops or goes: no runner starts the file again or records
        # it failed because its part vanished.
        for row in chosen:
            await self._record(row.id, DownloadState.CANCELLED, bytes_done=0)
        await self._stop(row.id for row in chosen)
        for row in chosen:
            self._requeue.pop(row.id, None)
            part = self._part(row)
            if part is not None:
                await asyncio.to_thread(part.unlink, missing_ok=True)
        self._changed_now(tuple({r.identifier for r in rows}))

    async def remove(self, identifier: str) -> int:
        """Delete a recording's downloaded files and parts from disk and from the queue."""
        rows = await self._database.run(lambda s: store.listing(s, identifier=identifier))
        if not rows:
            raise NotFoundError(f"nothing of {identifier} was downloaded")
        await self._stop(r.id for r in rows)
        removed = await asyncio.to_thread(self._delete_files, rows, identifier)
        await self._database.run(partial(files.remove_paths, paths=removed))
        await self._database.run(lambda s: store.remove(s, identifier))
        self._changed_now((identifier,))
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
            async with self._changed:
                downloads = await self.listing(identifier=identifier)
                if chosen is not None:
                    downloads = tuple(d for d in downloads if d.id in chosen)
                if not any(d.state in ACTIVE_DOWNLOAD_STATES for d in downloads):
                    return downloads
                if until_held and self._held is not None:
                    return downloads
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
                # that arrives as the wait ends (CPython #86296), and the caller never stops.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(1.0):
                        await self._changed.wait()
            await asyncio.sleep(WAIT_SETTLE)  # a burst of changes is read once

    async def clear_finished(self) -> int:
        """Take finished and cancelled files off the list; how many recordings it touched."""
        identifiers = await self._database.run(store.clear_finished)
        if identifiers:
            self._changed_now(tuple(identifiers))
        return len(identifiers)

    def progress(self) -> tuple[FileProgress, ...]:
        return tuple(
            FileProgress(i, live.identifier, live.bytes_done, live.size, live.speed())
            for i, live in self._live.items()
        )

    # --- the queue -----------------------------------------------------------------------

    def _changed_now(self, identifiers: tuple[str, ...]) -> None:
        self._wake.set()
        self._publish(DownloadsChanged(identifiers))

        async def notify() -> None:
            async with self._changed:
                self._changed.notify_all()

        if not self._closing:
            task = asyncio.get_running_loop().create_task(notify())
            self._background.append(task)
            task.add_done_callback(self._background.remove)

    async def _schedule(self) -> None:
        while not self._closing:
            # Woken by this process; every few seconds it also looks for files another
            # liveset process (`liveset download` while the app runs) has queued, paused or
            # cancelled.
            polled = False
            try:
                async with asyncio.timeout(QUEUE_POLL_SECONDS):
                    await self._wake.wait()
            except TimeoutError:
                polled = True
            if self._closing:
                return
            self._wake.clear()
            try:
                await self._next_files(polled)
            except DiskFullError as error:
                await self._hold(str(error))
            except StorageError as error:  # said; the next round tries again
                log.warning("downloads: %s", error)

    async def _next_files(self, polled: bool) -> None:
        """Start what the queue holds, as far as there is room. The database is asked only
        when something may be waiting (this process queued or resumed files, or a file left
        room while more were queued) or at the poll, for what another process did."""
        if self._requeue and self._held is None:
            await self._write_requeued()
        if self._tasks and polled:
            await self._stop_changed_elsewhere()
        if self._held is not None and not await self._room_again():
            return
        room = self._concurrency - len(self._network)
        if room > 0 and (polled or self._maybe_more):
            rows = await self._database.run(
                partial(store.next_queued, limit=room, exclude=list(self._tasks), only=self._only)
            )
            self._maybe_more = len(rows) == room
            for row in rows:
                task = asyncio.create_task(self._run_file(row), name=f"download-{row.id}")
                self._tasks[row.id] = task
                self._network.add(row.id)
                task.add_done_callback(partial(self._file_finished, row.id))
            if rows:
                self._changed_now(tuple({r.identifier for r in rows}))

    async def _stop_changed_elsewhere(self) -> None:
        """Stop running files that another liveset process paused or cancelled (it recorded
        so); a cancelled file's part goes, whatever this one wrote after the other deleted it."""
        ids = list(self._tasks)
        recorded = await self._database.run(lambda s: store.states(s, ids))
        running = DownloadState.RUNNING.value
        gone = [i for i in ids if recorded.get(i, running) != running]
        if not gone:
            return
        rows = await self._stop(gone)
        for row in rows:
            log.info("download %s/%s: %s elsewhere", row.identifier, row.file_name, row.state)
            part = self._part(row)
            if row.state == DownloadState.CANCELLED.value and part is not None:
                await asyncio.to_thread(part.unlink, missing_ok=True)
        self._changed_now(tuple({r.identifier for r in rows}))

    # --- a full disk ---------------------------------------------------------------------

    async def _hold(self, reason: str) -> None:
        """Start no more files until there is room again; said once."""
        if self._held is not None:
            return
        self._held = reason  # taken at once: files that meet the full disk together say it once
        free = await asyncio.to_thread(free_space, self.music_dir)
        self._held = (
            f"downloads are waiting for disk space: {reason} ({size_text(free)} free); "
            "the queue goes on by itself when there is room"
        )
        log.info("%s", self._held)  # said by the event; a command prints it its own way
        self._publish(DownloadsHeld(self._held))
        self._changed_now(())

    async def _held_file(self, row: DownloadRow, part: Path, reason: str) -> None:
        """A file stopped by a full disk goes back in the queue, its part kept for a resume."""
        self._live.pop(row.id, None)
        self._requeue[row.id] = await asyncio.to_thread(_file_size, part)
        await self._hold(reason)
        with contextlib.suppress(StorageError):  # the database's disk may be the full one
            await self._write_requeued()
        self._changed_now((row.identifier,))

    async def _write_requeued(self) -> None:
        for download_id, done in list(self._requeue.items()):
            await self._mark(download_id, DownloadState.QUEUED, bytes_done=done)
            del self._requeue[download_id]
            self._maybe_more = True

    async def _room_again(self) -> bool:
        """Whether a held queue may go on: enough is free and the database takes writes."""
        free = await asyncio.to_thread(free_space, self.music_dir)
        remaining = await self._database.run(store.remaining_bytes)
        needed = max(ROOM_TO_TAG * 4, min(ROOM_TO_GO_ON, remaining))
        if free - self._keep_free < needed:
            log.debug("downloads: held: %d free, %d needed", free, needed)
            return False
        try:
            await self._write_requeued()
        except DiskFullError as error:
            log.debug("downloads: held: %d free, but %s", free, error.__cause__ or error)
            return False
        log.info("downloads: %s free again; going on", size_text(free))
        self._held = None
        self._publish(DownloadsHeld(""))
        self._changed_now(())
        return True

    def _file_finished(self, download_id: int, _task: object = None) -> None:
        self._tasks.pop(download_id, None)
        self._network.discard(download_id)
        self._live.pop(download_id, None)
        self._wake.set()

    async def _report_progress(self) -> None:
        """One ``DownloadProgress`` per interval at most, and none when nothing moved."""
        while True:
            await asyncio.sleep(self._progress_interval)
            if self._progress_dirty and self._live:
                self._progress_dirty = False
                self._publish(DownloadProgress(self.progress()))

    def _part(self, row: DownloadRow) -> Path | None:
        try:
            return part_of(inside(self.music_dir, row.dest_path))
        except StorageError:
            return None

    async def _run_file(self, row: DownloadRow) -> None:
        """Download one file to the end: retries, checks, tags, lands. Records the outcome."""
        try:
            dest = inside(self.music_dir, row.dest_path)
        except StorageError as error:
            await self._finish(row, DownloadState.FAILED, error=str(error))
            return
        part = part_of(dest)
        failures = 0
        mismatches = 0
        attempts = row.attempts  # the first try was counted as the queue handed the file out
        first = True
        while True:
            try:
                if not first:
                    # Recorded up front: a try cut short by a crash still counts.
                    attempts += 1
                    if not await self._mark(row.id, DownloadState.RUNNING, attempts=attempts):
                        return  # paused or cancelled meanwhile
                first = False
                if dest.parent not in self._folders:
                    await asyncio.to_thread(dest.parent.mkdir, parents=True, exist_ok=True)
                    self._folders.add(dest.parent)
                before = await asyncio.to_thread(_file_size, part)
                digest = await self._on_network(row, part, before)
                if not await self._verified(row, part, digest):
                    mismatches += 1
                    await asyncio.to_thread(part.unlink, missing_ok=True)
                    self._live.pop(row.id, None)
                    problem = f"checksum mismatch (expected {digest.describe()}, size {row.size})"
                    if mismatches > self._retries:
                        await self._finish(
                            row,
                            DownloadState.FAILED,
                            error=f"{problem}; gave up after {mismatches} tries",
                            attempts=attempts,
                        )
                        return
                    log.warning(
                        "download %s/%s: %s; starting again", row.identifier, row.file_name, problem
                    )
                    await self._mark(
                        row.id,
                        DownloadState.RUNNING,
                        bytes_done=0,
                        attempts=attempts,
                        error=problem,
                    )
                    continue
                # Landing (tags, fsync) has threads of its own: a file's fsync must not hold up
                # the quick file calls of the transfers that go on meanwhile.
                landed = await asyncio.get_running_loop().run_in_executor(
                    self._landing, self._land, row, part, dest
                )
                if landed is not None:
                    await self._database.run(partial(files.store, values=[landed]))
                await self._finish(row, DownloadState.DONE, attempts=attempts, error="")
                self._publish(LibraryChanged(added=1))
                return
            except _Retry as problem:
                after = await asyncio.to_thread(_file_size, part)
                failures = 1 if after > before else failures + 1  # progress resets the count
                if failures > self._retries:
                    await self._finish(
                        row,
                        DownloadState.FAILED,
                        error=f"{problem} (gave up after {failures} tries in a row)",
                        attempts=attempts,
                        bytes_done=after,
                    )
                    return
                delay = backoff_delay(
                    failures - 1,
                    problem.retry_after,
                    base=self._backoff_base,
                    cap=self._backoff_cap,
                )
                log.info(
                    "download %s/%s: %s; retry in %.2fs",
                    row.identifier,
                    row.file_name,
                    problem,
                    delay,
                )
                await self._mark(
                    row.id,
                    DownloadState.RUNNING,
                    bytes_done=after,
                    attempts=attempts,
                    error=str(problem),
                )
                await asyncio.sleep(delay)
            except _Fatal as problem:
                await self._finish(row, DownloadState.FAILED, error=str(problem), attempts=attempts)
                return
            except DiskFullError as error:
                await self._held_file(row, part, str(error))
                return
            except StorageError as error:
                # The database stayed locked past its wait: the file is not lost with it. It
                # is queued again once the database takes writes.
                log.warning("download %s/%s: %s", row.identifier, row.file_name, error)
                self._live.pop(row.id, None)
                self._requeue[row.id] = await asyncio.to_thread(_file_size, part)
                return
            except OSError as error:
                if error.errno in DISK_FULL:
                    await self._held_file(row, part, f"the disk of {self.music_dir} is full")
                    return
                if not await self._still_running(row):
                    return  # paused or cancelled elsewhere: its part was taken away
                await self._finish(
                    row,
                    DownloadState.FAILED,
                    error=f"cannot write {part}: {error.strerror or error}",
                    attempts=attempts,
                )
                return
            except Exception as error:  # never leave a file marked running by a bug
                log.exception("download %s/%s", row.identifier, row.file_name)
                await self._finish(
                    row, DownloadState.FAILED, error=f"internal error: {error!r}", attempts=attempts
                )
                return

    async def _record(self, download_id: int, state: DownloadState, **values: Any) -> None:
        """A command's write: whatever the file's state was."""
        await self._database.run(
            partial(store.set_state, download_id=download_id, state=state, **values)
        )

    async def _mark(self, download_id: int, state: DownloadState, **values: Any) -> bool:
        """The runner's write: only while the file is still marked running, so a pause or a
        cancel recorded meanwhile (here or by another liveset) is never undone."""
        return await self._database.run(
            partial(
                store.set_state, download_id=download_id, state=state, running_only=True, **values
            )
        )

    async def _still_running(self, row: DownloadRow) -> bool:
        recorded = await self._database.run(lambda s: store.states(s, [row.id]))
        return recorded.get(row.id) == DownloadState.RUNNING.value

    async def _finish(self, row: DownloadRow, state: DownloadState, **values: Any) -> None:
        live = self._live.pop(row.id, None)
        if live is not None and state is not DownloadState.DONE:
            values.setdefault("bytes_done", live.bytes_done)
        if state is DownloadState.DONE:
            values["bytes_done"] = row.size or values.get("bytes_done", 0)
        await self._mark(row.id, state, **values)
        if state is DownloadState.FAILED:
            log.warning(
                "download %s/%s failed: %s", row.identifier, row.file_name, values.get("error")
            )
        self._changed_now((row.identifier,))

    async def _on_network(self, row: DownloadRow, part: Path, offset: int) -> Checksum:
        """The transfer, holding one of the network slots only while bytes still come: the
        slot goes to the next file as the last byte arrives, while this one is still being
        written out, so the links never idle between files."""
        self._network.add(row.id)
        held = False

        def off_network() -> None:
            nonlocal held
            if held:
                held = False
                self._slots.release()
            self._network.discard(row.id)
            self._wake.set()

        try:
            await self._slots.acquire()
            held = True
            return await self._transfer(row, part, offset, off_network)
        finally:
            off_network()

    async def _transfer(
        self, row: DownloadRow, part: Path, offset: int, off_network: Callable[[], None]
    ) -> Checksum:
        """Stream the file into ``part`` from where it stopped; returns the checksum of the
        whole (see ``Checksum``).

        The body moves on a thread of its own over a blocking connection: the event loop
        is not woken for every block that arrives (at 20 MiB/s that cost more CPU than the
        rest of the download together). Every block is written as it comes, so a kill loses
        nothing that arrived. A cancelled transfer tells its thread to stop; the thread writes
        nothing after that, even if its read is still blocked."""
        if row.size is not None and offset > row.size:
            offset = 0
        digest = Checksum.choose(crc32=row.crc32, sha1=row.sha1, md5=row.md5)
        if offset:
            digest = await asyncio.to_thread(digest.update_from, part, offset)
        live = self._live.setdefault(row.id, _Live(row.identifier, offset, row.size))
        live.bytes_done = offset
        loop = asyncio.get_running_loop()
        control = _Control(lambda: loop.call_soon_threadsafe(off_network))
        work = loop.run_in_executor(
            self._fetchers, self._fetch, row, part, offset, digest, live, control
        )
        work.add_done_callback(_retrieved)  # a thread left behind by a cancel may fail later
        try:
            digest = await asyncio.shield(work)
        except asyncio.CancelledError:
            control.stop.set()  # from here on the thread writes nothing
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(asyncio.shield(work), STOP_WAIT)
            raise
        finally:
            if row.size is None or live.bytes_done < row.size:  # a whole file is recorded done
                try:
                    await self._database.run(
                        partial(
                            store.set_progress,
                            download_id=row.id,
                            bytes_done=live.bytes_done,
                            running_only=True,
                        )
                    )
                except StorageError as error:  # the part on disk is what a resume reads
                    log.info("download %s: progress not recorded (%s)", row.file_name, error)
        if row.size is not None and live.bytes_done < row.size:
            raise _Retry(f"the connection closed at {live.bytes_done} of {row.size} bytes")
        return digest

    def _fetch(
        self,
        row: DownloadRow,
        part: Path,
        offset: int,
        digest: Checksum,
        live: _Live,
        control: _Control,
    ) -> Checksum:
        """The request and the body, on a fetcher thread (see ``_transfer``)."""
        name = quote_path(row.file_name)
        node = self._nodes.get(row.identifier)
        url = (
            node + name if node else download_url(self._archive_url, row.identifier, row.file_name)
        )
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        client = self._client
        if client is None:
            raise _Retry("the queue is not running", 0.0)
        try:
            with client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                if node and status in (403, 404, 410):
                    self._nodes.pop(row.identifier, None)  # moved: ask the archive again
                    raise _Retry(f"the data node answered HTTP {status}; asking the archive", 0.0)
                final = str(response.url)
                if not node and response.history and final.endswith("/" + name):
                    self._nodes[row.identifier] = final[: -len(name)]
                if status == 416 and offset and offset == row.size:
                    return digest  # the part is already whole
                if status in RETRY_STATUSES:
                    raise _Retry(
                        f"HTTP {status}", retry_after_seconds(response.headers.get("Retry-After"))
                    )
                if status == 403:
                    raise _Fatal("the archive refuses this file (HTTP 403: stream-only or private)")
                if status == 416:
                    part.unlink(missing_ok=True)  # the part is longer than the file: start again
                    raise _Retry("the partial file did not match; starting again", 0.0)
                if status >= 400:
                    raise _Fatal(f"HTTP {status} for {url}")
                if offset and status == 200:
                    offset, digest, live.bytes_done = 0, digest.fresh(), 0  # Range ignored
                elif offset and not response.headers.get("Content-Range", "").startswith(
                    f"bytes {offset}-"
                ):
                    part.unlink(missing_ok=True)
                    raise _Retry("the server resumed at the wrong place; starting again", 0.0)
                self._write_body(response, part, offset, digest, live, control, row.size)
        except httpx.TransportError as error:
            if node:
                self._nodes.pop(row.identifier, None)
            raise _Retry(
                f"connection problem: {type(error).__name__}" + (f": {error}" if str(error) else "")
            ) from error
        return digest

    def _write_body(
        self,
        response: httpx.Response,
        part: Path,
        offset: int,
        digest: Checksum,
        live: _Live,
        control: _Control,
        size: int | None,
    ) -> None:
        started, streamed, advised = time.monotonic(), 0, offset
        if control.stop.is_set():
            return  # cancelled while the answer was on its way: make no part
        with open(part, "ab" if offset else "wb", buffering=0) as handle:
            at = offset
            for block in response.iter_raw():
                if control.stop.is_set():
                    return  # cancelled: the transfer has moved on without this thread
                handle.write(block)
                digest.update(block)
                at += len(block)
                streamed += len(block)
                live.advance(len(block))
                self._progress_dirty = True
                if size is not None and _nearly_done(started, streamed, size - at):
                    control.nearly_done()
                if hasattr(os, "posix_fadvise") and at - advised >= CHUNK:
                    # Start putting it on disk now, so the fsync before landing has little left.
                    os.posix_fadvise(handle.fileno(), advised, at - advised, os.POSIX_FADV_DONTNEED)
                    advised = at
        control.nearly_done()  # every byte is here: the next file may start

    async def _verified(self, row: DownloadRow, part: Path, digest: Any) -> bool:
        size = (await asyncio.to_thread(part.stat)).st_size
        if row.size is not None and size != row.size:
            return False
        return bool(digest.matches())

    def _land(self, row: DownloadRow, part: Path, dest: Path) -> dict[str, Any] | None:
        """Tag the verified part and rename it into place; its library row for a track."""
        if row.kind == "track" and row.tags:
            # Tags may grow the file: with no room, the verified part waits whole (a resume
            # finds it complete) rather than land untagged or half rewritten.
            if free_space(part.parent) < ROOM_TO_TAG:
                raise OSError(errno.ENOSPC, "no room to write the tags")
            try:
                write_tags(part, row.tags, ext=dest.suffix)
            except OSError as error:
                if error.errno in DISK_FULL:
                    part.unlink(missing_ok=True)  # it may be half rewritten: never lands
                    raise
                log.warning("cannot tag %s: %s", dest, error)
            except Exception as error:  # a file that plays but cannot be tagged still lands
                log.warning("cannot tag %s: %s", dest, error)
        with open(part, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(part, dest)
        if row.kind != "track":
            return None
        stat = dest.stat()
        root = str(self.music_dir.resolve())
        return read_file(str(dest), root, stat.st_size, stat.st_mtime_ns)


def _retrieved(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


#: On a link slower than the disk, the next file's request goes out this long before the
#: current file's last byte is due, so the link does not idle for a request's round trip.
LEAD_SECONDS = 0.03
#: ... and only once a transfer has run this long: fast transfers never overlap.
LEAD_AFTER = 0.25


def _nearly_done(started: float, streamed: int, remaining: int) -> bool:
    elapsed = time.monotonic() - started
    if elapsed < LEAD_AFTER or streamed <= 0:
        return False
    return remaining * elapsed / streamed < LEAD_SECONDS


def _take_lock(path: Path) -> IO[bytes] | None:
    """An exclusive lock on ``path`` held while the file stays open; None when taken."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "ab")  # noqa: SIM115 - held open for as long as the queue runs
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
