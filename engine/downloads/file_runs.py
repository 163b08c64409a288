"""One file's download to the end: streamed while it holds a network slot, retried with a
backoff, checked, tagged and landed on threads of their own, and each step recorded (only while
the file is still marked running, so a pause or a cancel recorded meanwhile is never undone)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from engine.archive.client import backoff_delay
from engine.downloads import store
from engine.downloads.checksum import Checksum
from engine.downloads.disk import DISK_FULL, file_size
from engine.downloads.landing import land, make_folder, verified
from engine.downloads.paths import inside, part_of
from engine.downloads.transfer import Fatal, Live, Retry
from engine.errors import DiskFullError, StorageError
from engine.events import LibraryChanged
from engine.library import files
from engine.models import DownloadState

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from engine.downloads.disk import DiskGuard
    from engine.downloads.transfer import Transfer
    from engine.events import Event
    from engine.storage.database import Database
    from engine.storage.schema import DownloadRow

log = logging.getLogger(__name__)


class FileRuns:
    """Runs files one by one, as many at once as the runner starts; the network slots are
    shared by them all: a file holds one only while its bytes still come."""

    def __init__(
        self,
        database: Database,
        *,
        music_dir: Path,
        transfer: Transfer,
        guard: Callable[[], DiskGuard],
        publish: Callable[[Event], None],
        changed: Callable[[tuple[str, ...]], None],
        wake: Callable[[], None],
        concurrency: int,
        retries: int,
        backoff_base: float,
        backoff_cap: float,
    ) -> None:
        self._database = database
        self.music_dir = music_dir
        self.transfer = transfer
        self._guard = guard
        self._publish = publish
        self._changed = changed
        self._wake = wake
        self._retries = retries
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self.live: dict[int, Live] = {}
        # Files using the network: the concurrency cap counts these, so a file that has
        # arrived and is being checked and landed lets the next one start at once.
        self.network: set[int] = set()
        self._slots = asyncio.Semaphore(concurrency)
        self._folders: set[Path] = set()  # recording folders made in this run
        self._landing = concurrent.futures.ThreadPoolExecutor(
            concurrency, thread_name_prefix="liveset-land"
        )

    def close(self) -> None:
        self._landing.shutdown(wait=True)

    def part(self, row: DownloadRow) -> Path | None:
        try:
            return part_of(inside(self.music_dir, row.dest_path))
        except StorageError:
            return None

    async def run(self, row: DownloadRow) -> None:
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
                    await asyncio.to_thread(make_folder, dest.parent, self.music_dir)
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
                self._guard().requeue[row.id] = await asyncio.to_thread(file_size, part)
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

    async def _held_file(self, row: DownloadRow, part: Path, reason: str) -> None:
        self.live.pop(row.id, None)
        await self._guard().held_file(row, part, reason)

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
        self._changed((row.identifier,))

    async def _on_network(self, row: DownloadRow, part: Path, offset: int) -> Checksum:
        """The transfer, holding one of the network slots only while bytes still come: the
        slot goes to the next file as the last byte arrives, while this one is still being
        written out, so the links never idle between files."""
        self.network.add(row.id)
        held = False

        def off_network() -> None:
            nonlocal held
            if held:
                held = False
                self._slots.release()
            self.network.discard(row.id)
            self._wake()

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
