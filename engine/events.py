"""Events the engine emits on its one stream.

Events are coarse and plain: a screen that receives one re-reads what it shows through the facade.
Every event is a frozen dataclass, so it can cross a socket as data.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from engine.models import PlayerState, QueueItem


@dataclass(frozen=True, slots=True)
class Event:
    """Base of every engine event."""


@dataclass(frozen=True, slots=True)
class ArchiveStatusChanged(Event):
    """archive.org became reachable or unreachable."""

    online: bool
    """True when the last request reached archive.org."""
    message: str = ""
    """Why it is offline, for the user; empty when online."""


@dataclass(frozen=True, slots=True)
class CatalogChanged(Event):
    """Archive data was stored in the database (artists, concerts or recordings)."""

    identifiers: tuple[str, ...] = ()
    """Recordings or collections whose stored data changed."""


@dataclass(frozen=True, slots=True)
class CatalogProgress(Event):
    """A sync of the local catalog moved on: after each page written, a few a second at most."""

    kind: str
    """``full`` (every recording, dropping those gone) or ``update`` (what changed since the
    last sync)."""
    done: int
    total: int | None
    rate: float
    """Recordings a second in this run."""
    eta: float | None
    """Seconds left, when known."""


@dataclass(frozen=True, slots=True)
class CatalogSynced(Event):
    """A sync of the local catalog ended: finished, or stopped by ``error`` (what it wrote
    stays, and the next sync goes on from there)."""

    kind: str
    added: int
    updated: int
    removed: int
    items: int
    """Recordings in the catalog now."""
    seconds: float
    error: str = ""


@dataclass(frozen=True, slots=True)
class FileProgress:
    """Progress of one running download."""

    download_id: int
    identifier: str
    bytes_done: int
    size: int | None
    speed: float
    """Bytes per second."""


@dataclass(frozen=True, slots=True)
class DownloadProgress(Event):
    """Running downloads moved on; sent a few times a second at most."""

    files: tuple[FileProgress, ...]


@dataclass(frozen=True, slots=True)
class DownloadsChanged(Event):
    """Downloads were queued, started, finished, failed, paused, cancelled or removed."""

    identifiers: tuple[str, ...] = ()
    """Recordings whose downloads changed."""


@dataclass(frozen=True, slots=True)
class DownloadsHeld(Event):
    """The queue stopped starting files because the music dir's disk is full (its files stay
    queued, their parts kept), or went on again once there was room (``reason`` empty)."""

    reason: str
    """One line for the user: what is full and what happens next; empty when going on."""


class NoticeTopic(enum.StrEnum):
    """What a notice is about. A newer notice of a topic replaces the one shown before it, and
    an empty one says the matter is over; a front end keys what it tells the user by these."""

    ARCHIVE = "archive"
    """archive.org is being asked again."""
    OFFLINE = "offline"
    """archive.org cannot be reached (front ends only)."""
    DATABASE = "database"
    """The database is busy."""
    DAEMON = "daemon"
    """The daemon a front end is attached to went away."""
    RADIO = "radio"
    """What radio plays next, or why it cannot go on."""
    DISK = "disk"
    """The disk is full and the downloads wait (front ends only)."""
    CATALOG = "catalog"
    """The local catalog: its first sync offered, a sync started or done (front ends only)."""
    SOUND = "sound"
    """No audio output, or a track that cannot play (front ends only)."""
    DOWNLOADS = "downloads"
    """Which liveset runs the download queue (front ends only)."""


@dataclass(frozen=True, slots=True)
class Notice(Event):
    """Something slow that the user should hear about while it lasts: archive.org is being
    asked again, the database is busy. ``topic`` groups notices (a newer one replaces an older
    one of the same topic); an empty ``text`` says the matter is over."""

    topic: NoticeTopic
    text: str


@dataclass(frozen=True, slots=True)
class LibraryChanged(Event):
    """Files were added to, changed in or removed from the library."""

    added: int = 0
    removed: int = 0


@dataclass(frozen=True, slots=True)
class ScanProgress(Event):
    """A library scan moved on; sent a few times a second at most."""

    done: int
    total: int
    """Files found so far (grows while the folders are walked)."""
    finished: bool = False


@dataclass(frozen=True, slots=True)
class QueueChanged(Event):
    """Entries were added to, moved in or removed from the play queue."""

    length: int


@dataclass(frozen=True, slots=True)
class NowPlayingChanged(Event):
    """Another queue entry started playing."""

    item: QueueItem
    index: int


@dataclass(frozen=True, slots=True)
class PlaybackFailed(Event):
    """A queue entry could not be played. When no audio output could be opened, playback
    stopped there (every entry would fail the same way) and ``stopped`` is True."""

    message: str
    """One line for the user: what went wrong and what to set."""
    index: int | None
    """The queue entry, when known."""
    stopped: bool = False


@dataclass(frozen=True, slots=True)
class PlayerStateChanged(Event):
    """Playing, paused or stopped."""

    state: PlayerState


@dataclass(frozen=True, slots=True)
class PositionChanged(Event):
    """The position in the playing track; a few times a second at most."""

    position: float | None
    duration: float | None


class EventBus:
    """Fan-out of events to any number of subscribers, each with its own bounded queue.

    A slow subscriber loses its oldest events rather than blocking the engine.
    """

    def __init__(self, maxsize: int = 1000) -> None:
        self._maxsize = maxsize
        self._queues: set[asyncio.Queue[Event | None]] = set()

    def _offer(self, item: Event | None) -> None:
        for queue in self._queues:
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(item)

    def publish(self, event: Event) -> None:
        self._offer(event)

    def close(self) -> None:
        """End every subscription: each subscriber's stream stops after what it already has."""
        self._offer(None)

    def subscribe(self) -> AsyncIterator[Event]:
        """Every event published from this call on (not from the first ``anext``)."""
        queue: asyncio.Queue[Event | None] = asyncio.Queue(self._maxsize)
        self._queues.add(queue)
        return self._drain(queue)

    async def _drain(self, queue: asyncio.Queue[Event | None]) -> AsyncIterator[Event]:
        try:
            while (event := await queue.get()) is not None:
                yield event
        finally:
            self._queues.discard(queue)
