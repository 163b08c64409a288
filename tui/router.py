"""Engine events into what the app shows: one handler per event type, then every event to the
screens that follow them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from textual.message import Message

from engine import (
    ArchiveStatusChanged,
    CatalogProgress,
    CatalogSynced,
    DownloadsHeld,
    Notice,
    NoticeTopic,
    NowPlayingChanged,
    PlaybackFailed,
    PlayerStateChanged,
    PositionChanged,
)
from tui.formatting import bar

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.signal import Signal

    from engine import Event, PlayerState, QueueItem
    from tui.notices import NoticeBoard

NO_AUDIO = "no audio output: set [player.mpv] ao"
STATUS_WORDS = {
    NoticeTopic.DISK: "disk full",
    NoticeTopic.ARCHIVE: "archive.org: retrying",
    NoticeTopic.DATABASE: "db busy",
}
"""The first line's few words while a matter lasts, the first of them that holds."""


class EngineEvent(Message):
    """An engine event, handed from the listening worker to the app's handler."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event

    def can_replace(self, message: Message) -> bool:
        # A newer position makes an older one not yet handled worthless.
        return (
            isinstance(message, EngineEvent)
            and isinstance(self.event, PositionChanged)
            and isinstance(message.event, PositionChanged)
        )


class Shown(Protocol):
    """What the router keeps up to date: the app's state that widgets follow."""

    online: bool | None
    sub_title: str
    now_item: QueueItem | None
    player_state: PlayerState | None
    position: float | None
    duration: float | None
    playback_note: str
    status_note: str
    catalog_note: str
    daemon_stopped: bool
    notices: NoticeBoard
    engine_events: Signal[Event]

    @property
    def catalog_syncing(self) -> bool:
        """A sync this app started is under way."""


class EventRouter:
    """Routes each engine event to its handler, then publishes it to the screens."""

    def __init__(self, app: Shown) -> None:
        self.app = app
        self.matters: dict[NoticeTopic, str] = {}
        """What lasts, by topic (``""`` once over): a full disk, the archive being retried."""
        self.handlers: dict[type[Event], Callable[[Any], None]] = {
            ArchiveStatusChanged: self.archive_status,
            NowPlayingChanged: self.now_playing,
            PlayerStateChanged: self.player_state,
            PositionChanged: self.position,
            Notice: self.notice,
            DownloadsHeld: self.downloads_held,
            CatalogProgress: self.catalog_progress,
            CatalogSynced: self.catalog_synced,
            PlaybackFailed: self.playback_failed,
        }

    def route(self, event: Event) -> None:
        if (handler := self.handlers.get(type(event))) is not None:
            handler(event)
        self.app.engine_events.publish(event)

    def archive_status(self, event: ArchiveStatusChanged) -> None:
        app = self.app
        app.online = None if event.online else False
        app.sub_title = "" if event.online else "offline"
        if event.online:
            app.notices.withdraw(NoticeTopic.OFFLINE)
        else:  # what was being retried has failed: this says it all
            app.notices.withdraw(NoticeTopic.ARCHIVE)
            message = event.message or "archive.org is unreachable"
            app.notices.say(message, topic=NoticeTopic.OFFLINE, severity="warning")

    def now_playing(self, event: NowPlayingChanged) -> None:
        self.app.now_item = event.item
        self.app.position = None
        self.app.duration = event.item.duration

    def player_state(self, event: PlayerStateChanged) -> None:
        self.app.player_state = event.state
        self.app.position = event.state.position
        self.app.duration = event.state.duration or self.app.duration

    def position(self, event: PositionChanged) -> None:
        app = self.app
        app.position = event.position
        app.duration = event.duration or app.duration
        if (event.position or 0) > 0.5 and app.playback_note == NO_AUDIO:
            app.playback_note = ""  # it plays: the output opened after all
            app.notices.withdraw(NoticeTopic.SOUND)

    def notice(self, event: Notice) -> None:
        app = self.app
        if event.topic == NoticeTopic.DAEMON:
            app.player_state, app.now_item, app.position = None, None, None
            app.playback_note = "the daemon stopped: quit and start liveset again"
            app.daemon_stopped = True  # nothing goes on after this app quits
            app.notices.say(
                event.text, topic=event.topic, severity="error", title="Daemon", timeout=30
            )
        elif event.topic == NoticeTopic.RADIO:
            app.notices.say(event.text, topic=event.topic, title="Radio", timeout=8)
        else:  # a matter that lasts: said once when it starts, taken down when it ends
            if not event.text:
                app.notices.withdraw(event.topic)
            elif not self.matters.get(event.topic):
                app.notices.say_once(event.text, topic=event.topic, severity="warning", timeout=8)
            self.matter(event.topic, event.text)

    def downloads_held(self, event: DownloadsHeld) -> None:
        board = self.app.notices
        if event.reason:
            board.say(
                event.reason,
                topic=NoticeTopic.DISK,
                severity="error",
                title="Disk full",
                timeout=30,
            )
        elif self.matters.get(NoticeTopic.DISK):
            board.say(
                "There is room again: downloads go on.", topic=NoticeTopic.DISK, title="Downloads"
            )
        self.matter(NoticeTopic.DISK, event.reason)

    def catalog_progress(self, event: CatalogProgress) -> None:
        fraction = event.done / event.total if event.total else 0.0
        self.app.catalog_note = f"catalog {bar(fraction, 6)} {fraction * 100:.0f}%"

    def catalog_synced(self, event: CatalogSynced) -> None:
        if not self.app.catalog_syncing and not event.error:
            # A sync another liveset ran (the daemon, a script): say its age again.
            self.app.catalog_note = "catalog now"

    def playback_failed(self, event: PlaybackFailed) -> None:
        board = self.app.notices
        if event.stopped:
            self.app.playback_note = NO_AUDIO
            board.say(
                event.message,
                topic=NoticeTopic.SOUND,
                severity="error",
                title="No sound",
                timeout=30,
            )
        else:
            board.say(
                event.message, topic=NoticeTopic.SOUND, severity="warning", title="Cannot play"
            )

    def matter(self, topic: NoticeTopic, text: str) -> None:
        self.matters[topic] = text
        self.app.status_note = next((w for t, w in STATUS_WORDS.items() if self.matters.get(t)), "")
