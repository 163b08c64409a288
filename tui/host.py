"""What a screen may ask of the app it runs in: a small protocol the app implements, so the
screens and the command palette never import the app module."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    import asyncio
    import datetime
    from collections.abc import Iterable

    from textual.app import App
    from textual.signal import Signal
    from textual.worker import Worker

    from engine import Artist, Concert, EngineAPI, Event, PlayerState, QueueItem, Settings


class Host(Protocol):
    """The app as the screens see it."""

    settings: Settings
    started: asyncio.Event
    """Set once the engine has started."""
    engine_events: Signal[Event]
    """Every engine event, for every screen that follows it."""
    known_artists: list[str]
    known_concerts: dict[tuple[str, str], str]
    known_playlists: list[str]

    @property
    def engine(self) -> EngineAPI: ...

    @property
    def online(self) -> bool | None:
        """False while archive.org cannot be reached; None when it can (or is not known)."""

    @property
    def player_state(self) -> PlayerState | None: ...

    def today(self) -> datetime.date: ...

    def queue_snapshot(self) -> tuple[tuple[QueueItem, ...], int | None]:
        """The queue and the entry playing (``None`` when stopped)."""

    def open_concert(self, artist: str, date: str) -> None: ...

    def open_artist(self, artist: str) -> None: ...

    def remember_artists(self, artists: Iterable[Artist]) -> None: ...

    def remember_concerts(self, concerts: Iterable[Concert]) -> None: ...

    def worker_failed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker becomes a notification."""


def host_of(app: App[Any]) -> Host:
    """The running app, as a host (the app class implements ``Host``; mypy checks it)."""
    return cast("Host", app)
