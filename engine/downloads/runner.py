"""The download queue at work: files handed out N at a time, each streamed, retried with a
backoff, checked, landed and recorded; the queue held while the disk is full.

A file holds one of the network slots only while its bytes still come; checking and landing
run on threads of their own. The database records every step, so a file left running by a
liveset that stopped is queued again at the next start and resumes from its part.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from engine.archive.client import backoff_delay
from engine.downloads import store
from engine.downloads.checksum import Checksum
from engine.downloads.disk import DISK_FULL, DiskGuard, file_size
from engine.downloads.landing import land, verified
from engine.downloads.paths import inside, part_of
from engine.downloads.transfer import Fatal, Live, Retry, Transfer
from engine.errors import DiskFullError, StorageError
from engine.events import DownloadProgress, DownloadsChanged, FileProgress, LibraryChanged
from engine.library import files
from engine.models import DownloadState

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

    from engine.events import Event
    from engine.models import Download
    from engine.storage.database import Database
    from engine.storage.schema import DownloadRow

log = logging.getLogger(__name__)

QUEUE_POLL_SECONDS = 2.0


class Runner:
    def __init__(
        self,
        database: Database,
        *,
        user_agent: str,
        timeout: float,
        archive_url: str,
        music_dir: Path,
        publish: Callable[[Event], None],
        concurrency: int,
        retries: int,
        keep_free: int,
        backoff_base: float,
        backoff_cap: float,
        progress_interval: float,
    ) -> None:
        self._database = database
        self.music_dir = music_dir
        self._publish = publish
        self._concurrency = concurrency
        self._retries = retries
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._progress_interval = progress_interval
        self.transfer = Transfer(
            archive_url, user_agent=user_agent, timeout=timeout, concurrency=concurrency
        )
        self.guard = DiskGuard(
            database,
            music_dir,
            keep_free,
            publish=publish,
            mark=self.mark,
            changed=self.changed_now,
            requeued=self._more_waiting,
        )
        self.tasks: dict[int, asyncio.Task[None]] = {}
        # Files using the network: the concurrency cap counts these, so a file that has
        # arrived and is being checked and landed lets the next one start at once.
        self._network: set[int] = set()
        self._slots = asyncio.Semaphore(concurrency)
        self.live: dict[int, Live] = {}
        self._wake = asyncio.Event()
        self.changed = asyncio.Condition()
        """Notified whenever the queue changed (a waiter reads it again)."""
        self._background: list[asyncio.Task[None]] = []
        self._closing = False
        self._only: frozenset[int] | None = None
        self._folders: set[Path] = set()  # recording folders made in this run
        self.maybe_more = True
        """Queued files may wait that no task runs yet."""
        self._landing = concurrent.futures.ThreadPoolExecutor(
            concurrency, thread_name_prefix="liveset-land"
        )

    async def start(self, only: frozenset[int] | None) -> None:
        """Run the queue in the background (or only the files ``only``)."""
        self._only = only
        self.transfer.open()
        requeued = await self._database.run(store.requeue_interrupted)
        if requeued:
            log.info("downloads: %d interrupted file(s) queued again", requeued)
        self._background = [
            asyncio.create_task(self._schedule(), name="downloads-scheduler"),
            asyncio.create_task(self._report_progress(), name="downloads-progress"),
        ]
        self._wake.set()

    async def close(self) -> None:
        """Stop running files; they stay queued (with their parts) for the next start."""
        self._closing = True
        for task in self._background:
            task.cancel()
        running = list(self.tasks.items())
        for _, task in running:
            task.cancel()
        await asyncio.gather(*self._background, *(t for _, t in running), return_exceptions=True)
        requeue = dict(self.guard.requeue)
        for download_id, _ in running:
            live = self.live.pop(download_id, None)
            requeue.setdefault(download_id, live.bytes_done if live else -1)
        try:
            for download_id, done in requeue.items():
                await self.mark(
                    download_id, DownloadState.QUEUED, **({"bytes_done": done} if done >= 0 else {})
                )
        except StorageError as error:  # the next start queues them again
            log.info("downloads: cannot record the stopped files (%s)", error)
        self._landing.shutdown(wait=True)
        await self.transfer.close()

    def _more_waiting(self) -> None:
        self.maybe_more = True

    async def _held_file(self, row: DownloadRow, part: Path, reason: str) -> None:
        self.live.pop(row.id, None)
        await self.guard.held_file(row, part, reason)

    def changed_now(self, identifiers: tuple[str, ...]) -> None:
        self._wake.set()
        self._publish(DownloadsChanged(identifiers))

        async def notify() -> None:
            async with self.changed:
                self.changed.notify_all()

        if not self._closing:
            task = asyncio.get_running_loop().create_task(notify())
            self._background.append(task)
            task.add_done_callback(self._background.remove)

    async def stop(self, ids: Iterable[int]) -> list[DownloadRow]:
        rows = await self._database.run(lambda s: store.listing(s, ids=ids))
        tasks = [self.tasks[row.id] for row in rows if row.id in self.tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return rows

    def snapshot(self, row: DownloadRow) -> Download:
        if row.id in self.guard.requeue:  # held, its row not written yet (the database's disk)
            queued = store.to_download(row, bytes_done=self.guard.requeue[row.id])
            return replace(queued, state=DownloadState.QUEUED)
        live = self.live.get(row.id)
        if live is None:
            return store.to_download(row)
        return store.to_download(row, speed=live.speed(), bytes_done=live.bytes_done)

    def progress(self) -> tuple[FileProgress, ...]:
        return tuple(
            FileProgress(i, live.identifier, live.bytes_done, live.size, live.speed())
            for i, live in self.live.items()
        )

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
                await self.guard.hold(str(error))
            except StorageError as error:  # said; the next round tries again
                log.warning("downloads: %s", error)

    async def _next_files(self, polled: bool) -> None:
        """Start what the queue holds, as far as there is room. The database is asked only
        when something may be waiting (this process queued or resumed files, or a file left
        room while more were queued) or at the poll, for what another process did."""
        if self.guard.requeue and self.guard.held is None:
            await self.guard.write_requeued()
        if self.tasks and polled:
            await self._stop_changed_elsewhere()
        if self.guard.held is not None and not await self.guard.room_again():
            return
        room = self._concurrency - len(self._network)
        if room > 0 and (polled or self.maybe_more):
            rows = await self._database.run(
                partial(store.next_queued, limit=room, exclude=list(self.tasks), only=self._only)
            )
            self.maybe_more = len(rows) == room
            for row in rows:
                task = asyncio.create_task(self._run_file(row), name=f"download-{row.id}")
                self.tasks[row.id] = task
                self._network.add(row.id)
                task.add_done_callback(partial(self._file_finished, row.id))
            if rows:
                self.changed_now(tuple({r.identifier for r in rows}))

    async def _stop_changed_elsewhere(self) -> None:
        """Stop running files that another liveset process paused or cancelled (it recorded
        so); a cancelled file's part goes, whatever this one wrote after the other deleted it."""
        ids = list(self.tasks)
        recorded = await self._database.run(lambda s: store.states(s, ids))
        running = DownloadState.RUNNING.value
        gone = [i for i in ids if recorded.get(i, running) != running]
        if not gone:
            return
        rows = await self.stop(gone)
        for row in rows:
            log.info("download %s/%s: %s elsewhere", row.identifier, row.file_name, row.state)
            part = self.part(row)
            if row.state == DownloadState.CANCELLED.value and part is not None:
                await asyncio.to_thread(part.unlink, missing_ok=True)
        self.changed_now(tuple({r.identifier for r in rows}))

    def _file_finished(self, download_id: int, _task: object = None) -> None:
        self.tasks.pop(download_id, None)
        self._network.discard(download_id)
        self.live.pop(download_id, None)
        self._wake.set()

    async def _report_progress(self) -> None:
        """One ``DownloadProgress`` per interval at most, and none when nothing moved."""
        while True:
            await asyncio.sleep(self._progress_interval)
            if self.transfer.moved and self.live:
                self.transfer.moved = False
                self._publish(DownloadProgress(self.progress()))

    def part(self, row: DownloadRow) -> Path | None:
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
                    if not await self.mark(row.id, DownloadState.RUNNING, attempts=attempts):
                        return  # paused or cancelled meanwhile
                first = False
                if dest.parent not in self._folders:
                    await asyncio.to_thread(dest.parent.mkdir, parents=True, exist_ok=True)
                    self._folders.add(dest.parent)
                before = await asyncio.to_thread(file_size, part)
                digest = await self._on_network(row, part, before)
                if not await asyncio.to_thread(verified, row, part, digest):
                    mismatches += 1
                    await asyncio.to_thread(part.unlink, missing_ok=True)
                    self.live.pop(row.id, None)
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
                    await self.mark(
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
                    self._landing, land, row, part, dest, self.music_dir
                )
                if landed is not None:
                    await self._database.run(partial(files.store, values=[landed]))
                await self._finish(row, DownloadState.DONE, attempts=attempts, error="")
                self._publish(LibraryChanged(added=1))
                return
            except Retry as problem:
                after = await asyncio.to_thread(file_size, part)
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
                await self.mark(
                    row.id,
                    DownloadState.RUNNING,
                    bytes_done=after,
                    attempts=attempts,
                    error=str(problem),
                )
                await asyncio.sleep(delay)
            except Fatal as problem:
                await self._finish(row, DownloadState.FAILED, error=str(problem), attempts=attempts)
                return
            except DiskFullError as error:
                await self._held_file(row, part, str(error))
                return
            except StorageError as error:
                # The database stayed locked past its wait: the file is not lost with it. It
                # is queued again once the database takes writes.
                log.warning("download %s/%s: %s", row.identifier, row.file_name, error)
                self.live.pop(row.id, None)
                self.guard.requeue[row.id] = await asyncio.to_thread(file_size, part)
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

    async def record(self, download_id: int, state: DownloadState, **values: Any) -> None:
        """A command's write: whatever the file's state was."""
        await self._database.run(
            partial(store.set_state, download_id=download_id, state=state, **values)
        )

    async def mark(self, download_id: int, state: DownloadState, **values: Any) -> bool:
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
        live = self.live.pop(row.id, None)
        if live is not None and state is not DownloadState.DONE:
            values.setdefault("bytes_done", live.bytes_done)
        if state is DownloadState.DONE:
            values["bytes_done"] = row.size or values.get("bytes_done", 0)
        await self.mark(row.id, state, **values)
        if state is DownloadState.FAILED:
            log.warning(
                "download %s/%s failed: %s", row.identifier, row.file_name, values.get("error")
            )
        self.changed_now((row.identifier,))

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
            return await self._stream(row, part, offset, off_network)
        finally:
            off_network()

    async def _stream(
        self, row: DownloadRow, part: Path, offset: int, off_network: Callable[[], None]
    ) -> Checksum:
        """Stream the file into ``part`` from where it stopped (see ``Transfer``), recording
        how far it came; returns the checksum of the whole (see ``Checksum``)."""
        if row.size is not None and offset > row.size:
            offset = 0
        digest = Checksum.choose(crc32=row.crc32, sha1=row.sha1, md5=row.md5)
        if offset:
            digest = await asyncio.to_thread(digest.update_from, part, offset)
        live = self.live.setdefault(row.id, Live(row.identifier, offset, row.size))
        live.bytes_done = offset
        try:
            digest = await self.transfer.body(row, part, offset, digest, live, off_network)
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
            raise Retry(f"the connection closed at {live.bytes_done} of {row.size} bytes")
        return digest
