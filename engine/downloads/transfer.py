"""Bodies over HTTP on threads: one file's bytes from where its part stopped (``Range``), into
the part as they come, checked as they pass; no database here.

The body moves on a thread of its own over a blocking connection: the event loop is not woken
for every block that arrives (at 20 MiB/s that cost more CPU than the rest of the download
together). Every block is written as it comes, so a kill loses nothing that arrived. A cancelled
transfer tells its thread to stop; the thread writes nothing after that, even if its read is
still blocked.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from engine.archive.client import RETRY_STATUSES, retry_after_seconds
from engine.archive.concerts import download_url, quote_path

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from engine.downloads.checksum import Checksum
    from engine.storage.schema import DownloadRow

CHUNK = 4 << 20  # bytes written before the kernel is asked to put them on disk
#: How long a cancelled transfer waits for its thread to stop (it writes nothing meanwhile).
STOP_WAIT = 2.0
#: On a link slower than the disk, the next file's request goes out this long before the
#: current file's last byte is due, so the link does not idle for a request's round trip.
LEAD_SECONDS = 0.03
#: ... and only once a transfer has run this long: fast transfers never overlap.
LEAD_AFTER = 0.25


class Retry(Exception):
    """A failure worth another try (a dropped connection, 429, 5xx)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Fatal(Exception):
    """A failure another try will not fix (403, 404, a full disk)."""


@dataclass
class Live:
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


class Transfer:
    """The HTTP side of the download queue: a blocking client of its own (set up as the
    archive client is: redirects, timeouts, proxies) used from fetcher threads."""

    def __init__(
        self, archive_url: str, *, user_agent: str, timeout: float, concurrency: int
    ) -> None:
        self._archive_url = archive_url.rstrip("/")
        self._user_agent, self._timeout = user_agent, timeout
        self._concurrency = concurrency
        self._client: httpx.Client | None = None
        # identifier -> the data node's folder the archive redirected to, for this run only
        # (node addresses are not permanent): the item's other files skip the redirect.
        self.nodes: dict[str, str] = {}
        # A file's thread may still be finishing its last read as the next file starts.
        self._fetchers = concurrent.futures.ThreadPoolExecutor(
            2 * concurrency + 2, thread_name_prefix="liveset-fetch"
        )
        self.moved = False
        """Bytes arrived since the progress reporter last looked (it clears this)."""

    def open(self) -> None:
        self._client = httpx.Client(
            headers={"User-Agent": self._user_agent},
            timeout=httpx.Timeout(self._timeout, connect=min(self._timeout, 5.0)),
            follow_redirects=True,
            limits=httpx.Limits(max_connections=2 * self._concurrency + 2),
        )

    async def close(self) -> None:
        # Threads of cancelled transfers write nothing more; one blocked in a read ends with
        # its timeout, in the background.
        self._fetchers.shutdown(wait=False, cancel_futures=True)
        if self._client is not None:
            await asyncio.to_thread(self._client.close)
            self._client = None

    async def body(
        self,
        row: DownloadRow,
        part: Path,
        offset: int,
        digest: Checksum,
        live: Live,
        off_network: Callable[[], None],
    ) -> Checksum:
        """Stream the file into ``part`` from ``offset``; the checksum of the whole.
        ``off_network`` is called (on the loop) as the last bytes are about to arrive."""
        loop = asyncio.get_running_loop()
        control = _Control(lambda: loop.call_soon_threadsafe(off_network))
        work = loop.run_in_executor(
            self._fetchers, self._fetch, row, part, offset, digest, live, control
        )
        work.add_done_callback(_retrieved)  # a thread left behind by a cancel may fail later
        try:
            return await asyncio.shield(work)
        except asyncio.CancelledError:
            control.stop.set()  # from here on the thread writes nothing
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(asyncio.shield(work), STOP_WAIT)
            raise

    def _fetch(
        self,
        row: DownloadRow,
        part: Path,
        offset: int,
        digest: Checksum,
        live: Live,
        control: _Control,
    ) -> Checksum:
        """The request and the body, on a fetcher thread."""
        name = quote_path(row.file_name)
        node = self.nodes.get(row.identifier)
        url = (
            node + name if node else download_url(self._archive_url, row.identifier, row.file_name)
        )
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        client = self._client
        if client is None:
            raise Retry("the queue is not running", 0.0)
        try:
            with client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                if node and status in (403, 404, 410):
                    self.nodes.pop(row.identifier, None)  # moved: ask the archive again
                    raise Retry(f"the data node answered HTTP {status}; asking the archive", 0.0)
                final = str(response.url)
                if not node and response.history and final.endswith("/" + name):
                    self.nodes[row.identifier] = final[: -len(name)]
                if status == 416 and offset and offset == row.size:
                    return digest  # the part is already whole
                if status in RETRY_STATUSES:
                    raise Retry(
                        f"HTTP {status}", retry_after_seconds(response.headers.get("Retry-After"))
                    )
                if status == 403:
                    raise Fatal("the archive refuses this file (HTTP 403: stream-only or private)")
                if status == 416:
                    part.unlink(missing_ok=True)  # the part is longer than the file: start again
                    raise Retry("the partial file did not match; starting again", 0.0)
                if status >= 400:
                    raise Fatal(f"HTTP {status} for {url}")
                if offset and status == 200:
                    offset, digest, live.bytes_done = 0, digest.fresh(), 0  # Range ignored
                elif offset and not response.headers.get("Content-Range", "").startswith(
                    f"bytes {offset}-"
                ):
                    part.unlink(missing_ok=True)
                    raise Retry("the server resumed at the wrong place; starting again", 0.0)
                self._write_body(response, part, offset, digest, live, control, row.size)
        except httpx.TransportError as error:
            if node:
                self.nodes.pop(row.identifier, None)
            raise Retry(
                f"connection problem: {type(error).__name__}" + (f": {error}" if str(error) else "")
            ) from error
        return digest

    def _write_body(
        self,
        response: httpx.Response,
        part: Path,
        offset: int,
        digest: Checksum,
        live: Live,
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
                self.moved = True
                if size is not None and _nearly_done(started, streamed, size - at):
                    control.nearly_done()
                if hasattr(os, "posix_fadvise") and at - advised >= CHUNK:
                    # Start putting it on disk now, so the fsync before landing has little left.
                    os.posix_fadvise(handle.fileno(), advised, at - advised, os.POSIX_FADV_DONTNEED)
                    advised = at
        control.nearly_done()  # every byte is here: the next file may start


def _nearly_done(started: float, streamed: int, remaining: int) -> bool:
    elapsed = time.monotonic() - started
    if elapsed < LEAD_AFTER or streamed <= 0:
        return False
    return remaining * elapsed / streamed < LEAD_SECONDS


def _retrieved(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
