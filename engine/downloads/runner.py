"""The download queue at work: files handed out N at a time (each run to its end by
``file_runs``), what other processes did picked up every few seconds, progress reported, and the
queue held while the disk is full.

The database records every step, so a file left running by a liveset that stopped is queued
again at the next start and resumes from its part.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from engine.downloads import store
from engine.downloads.disk import DiskGuard
from engine.downloads.file_runs import FileRuns
from engine.downloads.transfer import Transfer
from engine.errors import DiskFullError, StorageError
from engine.events import DownloadProgress, DownloadsChanged, FileProgress
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
        self.files = FileRuns(
            database,
            music_dir=music_dir,
            transfer=self.transfer,
            guard=lambda: self.guard,
            publish=publish,
            changed=self.changed_now,
            wake=lambda: self._wake.set(),
            concurrency=concurrency,
            retries=retries,
            backoff_base=backoff_base,
            backoff_cap=backoff_cap,
        )
        self.live = self.files.live
        """What each running file has come to, by id."""
        self.tasks: dict[int, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()
        self.changed = asyncio.Condition()
        """Notified whenever the queue changed (a waiter reads it again)."""
        self._background: list[asyncio.Task[None]] = []
        self._closing = False
        self._only: frozenset[int] | None = None
        self.maybe_more = True
        """Queued files may wait that no task runs yet."""
        self.polls = 0
        """How often the queue was looked at for what other processes did (a count for the
        curious: a log line, a test that waits for the next look)."""

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
        self.files.close()
        await self.transfer.close()

    def _more_waiting(self) -> None:
        self.maybe_more = True

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
        if polled:
            self.polls += 1
        if self.guard.requeue and self.guard.held is None:
            await self.guard.write_requeued()
        if self.tasks and polled:
            await self._stop_changed_elsewhere()
        if self.guard.held is not None and not await self.guard.room_again():
            return
        room = self._concurrency - len(self.files.network)
        if room > 0 and (polled or self.maybe_more):
            rows = await self._database.run(
                partial(store.next_queued, limit=room, exclude=list(self.tasks), only=self._only)
            )
            self.maybe_more = len(rows) == room
            for row in rows:
                task = asyncio.create_task(self.files.run(row), name=f"download-{row.id}")
                self.tasks[row.id] = task
                self.files.network.add(row.id)
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
            part = self.files.part(row)
            if row.state == DownloadState.CANCELLED.value and part is not None:
                await asyncio.to_thread(part.unlink, missing_ok=True)
        self.changed_now(tuple({r.identifier for r in rows}))

    def _file_finished(self, download_id: int, _task: object = None) -> None:
        self.tasks.pop(download_id, None)
        self.files.network.discard(download_id)
        self.live.pop(download_id, None)
        self._wake.set()

    async def _report_progress(self) -> None:
        """One ``DownloadProgress`` per interval at most, and none when nothing moved."""
        while True:
            await asyncio.sleep(self._progress_interval)
            if self.transfer.moved and self.live:
                self.transfer.moved = False
                self._publish(DownloadProgress(self.progress()))

    async def record(self, download_id: int, state: DownloadState, **values: Any) -> None:
        """A command's write: whatever the file's state was."""
        await self.files.record(download_id, state, **values)

    async def mark(self, download_id: int, state: DownloadState, **values: Any) -> bool:
        """The runner's write: only while the file is still marked running."""
        return await self.files.mark(download_id, state, **values)

    def part(self, row: DownloadRow) -> Path | None:
        """Where the file's bytes gather until it lands (None for a path outside the dir)."""
        return self.files.part(row)
