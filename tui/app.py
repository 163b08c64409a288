"""The Textual app: browse, concert, downloads, library and queue screens over one engine."""

from __future__ import annotations

import asyncio
import datetime
import sys
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.signal import Signal
from textual.widgets import Input
from textual.worker import Worker, WorkerState

import engine as engine_package
from engine import NoticeTopic, PlaybackError, PlaybackUnavailable, Settings
from tui.catalog_watch import CatalogWatch
from tui.commands import LivesetCommands
from tui.dialogs import Confirm
from tui.formatting import size_text
from tui.keymap import EVERYWHERE, TRANSPORT, binding_scopes, user_keymap
from tui.notices import NoticeBoard
from tui.router import EngineEvent, EventRouter
from tui.screens.browse import BrowseScreen
from tui.terminal import native_stderr_to
from tui.widgets import as_work

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable

    from textual.binding import BindingType

    from engine import Artist, Concert, EngineAPI, Event, PlayerState, PlayQueue, QueueItem
    from tui.host import Host

SEEK_STEP = 10.0
VOLUME_STEP = 5.0


class LivesetApp(App[None]):
    """The app. What many widgets show (now playing, online) lives here in reactives that the
    widgets follow; engine events reach every screen through the ``engine_events`` signal."""

    TITLE = "liveset"
    CSS_PATH = "liveset.tcss"
    COMMANDS = App.COMMANDS | {LivesetCommands}
    MODES: ClassVar[dict[str, Any]] = {
        "browse": BrowseScreen,
        "downloads": lambda: _screens().DownloadsScreen(),
        "library": lambda: _screens().LibraryScreen(),
        "queue": lambda: _screens().QueueScreen(),
        "discover": lambda: _screens().DiscoverScreen(),
        "playlists": lambda: _screens().PlaylistsScreen(),
    }
    BINDINGS: ClassVar[list[BindingType]] = EVERYWHERE
    # Toasts fit the width below 100 columns (see the notices in liveset.tcss).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]  # noqa: RUF012 (as Textual types it)

    online: reactive[bool | None] = reactive(None)
    """False while archive.org cannot be reached; None when it can (or is not yet known)."""
    now_item: reactive[QueueItem | None] = reactive(None)
    player_state: reactive[PlayerState | None] = reactive(None)
    position: reactive[float | None] = reactive(None)
    duration: reactive[float | None] = reactive(None)
    playback_note: reactive[str] = reactive("")
    """Why nothing can play (no libmpv, no audio output), for the now-playing bar."""
    status_note: reactive[str] = reactive("")
    """A few words on the first line while something slow lasts: a full disk holding the
    downloads, archive.org being asked again, a busy database."""
    catalog_note: reactive[str] = reactive("")
    person: reactive[str] = reactive("")
    """The profile, when it is not the login name (whose listening this is)."""
    """The local catalog on the first line: how old it is, or how far its sync has come."""

    def __init__(
        self,
        settings: Settings,
        engine: EngineAPI | None = None,
        *,
        restore_playback: bool = True,
        attach: bool = False,
    ) -> None:
        # The terminal's own palette from the first frame; with NO_COLOR, no colour at all.
        super().__init__(ansi_color=True)
        self.settings = settings
        self.set_reactive(
            LivesetApp.person,
            "" if settings.profile in ("", engine_package.login_name()) else settings.profile,
        )
        self._engine = engine
        self.attached = attach
        """Attached to a daemon: quitting leaves its playback and downloads running."""
        self.daemon_stopped = False
        self.started = asyncio.Event()  # set once the engine has started
        self.restore = restore_playback
        self.theme = "ansi-dark"  # the terminal's own colours
        self.engine_events: Signal[Event] = Signal(self, "engine-events")
        """Every engine event, for every screen that follows it, shown or not."""
        self.known_artists: list[str] = []
        self.known_concerts: dict[tuple[str, str], str] = {}
        self.known_playlists: list[str] = []
        self.notices = NoticeBoard(self)
        """What the user is told in toasts: every ``notify`` of the app and its screens."""
        self.router = EventRouter(self)
        self.catalog = CatalogWatch(self, lambda: self.engine, self.notices, self._catalog_note)

    def today(self) -> datetime.date:
        return datetime.date.today()

    @property
    def engine(self) -> EngineAPI:
        """The engine; made on first use (normally by ``start_engine`` in a thread)."""
        if self._engine is None:
            made: EngineAPI = (
                engine_package.RemoteEngine(self.settings)
                if self.attached
                else engine_package.Engine(self.settings)
            )
            self._engine = made
            return made
        return self._engine

    async def on_mount(self) -> None:
        await self.switch_mode("browse")  # drawn at once; screens wait for the engine
        # Loading the engine (and the other screens) competes for the interpreter: let the
        # first frame go out first.
        self.call_after_refresh(self.after_first_frame)

    def after_first_frame(self) -> None:
        self.apply_keymap()
        self.run_worker(as_work(self.start_engine), group="engine-start", exit_on_error=False)

    async def start_engine(self) -> None:
        """Load the engine's libraries off the event loop, then start it: the first screen is
        drawn and takes keys meanwhile."""
        if self._engine is None:
            await asyncio.to_thread(lambda: engine_package.EngineAPI)
        try:
            await self.engine.start()
        except Exception as error:
            self.notify(str(error), severity="error", title="liveset could not start", timeout=60)
            raise
        if self.attached:  # the daemon runs the queue and has the player as it was
            self.watch_engine()
            self.started.set()
            self.refresh_player()
            self.notify("Attached to the daemon: quitting leaves it playing", timeout=4)
            self.catalog.check()  # the daemon's catalog: its age, and the first sync offered
            return
        # The queue belongs to the engine, not to a screen; one liveset runs it at a time.
        if not await self.engine.run_downloads():
            self.notices.say(
                "Another liveset is running the download queue: this one shows it, and takes "
                "it over if that one stops.",
                topic=NoticeTopic.DOWNLOADS,
                title="Downloads",
                timeout=10,
            )
            self.take_over = self.set_interval(5.0, self.take_over_downloads)
        self.watch_engine()
        self.started.set()
        if self.restore:
            self.run_worker(as_work(self.restore_playback), group="restore", exit_on_error=False)
        self.catalog.check()

    # --- the local catalog ----------------------------------------------------------------

    @property
    def catalog_syncing(self) -> bool:
        return self.catalog.syncing

    def _catalog_note(self, words: str) -> None:
        self.catalog_note = words

    def action_sync_catalog(self) -> None:
        self.catalog.sync_asked()

    async def on_unmount(self) -> None:
        if self._engine is not None:
            await self._engine.close()

    def apply_keymap(self) -> None:
        keymap, warning = user_keymap(self.settings)
        if warning:
            self.notify(warning, severity="warning")
        self.set_keymap(keymap)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Any = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every toast of the app and its screens goes up on the one notice board."""
        self.notices.say(message, title=title, severity=severity, timeout=timeout, markup=markup)

    async def restore_playback(self) -> None:
        try:
            if await self.engine.restore_playback():
                self.refresh_player()
        except PlaybackUnavailable as error:
            self.playback_note = "playback unavailable (libmpv missing)"
            self.notices.say(
                str(error), topic=NoticeTopic.SOUND, severity="warning", title="No playback"
            )

    # --- engine events --------------------------------------------------------------------

    @work(group="engine-events")
    async def watch_engine(self) -> None:
        async for event in self.engine.events():
            self.post_message(EngineEvent(event))

    @on(EngineEvent)
    def engine_event(self, message: EngineEvent) -> None:
        self.router.route(message.event)

    def play_queue(self) -> PlayQueue | None:
        """The play queue and the player's state, once the engine has started and libmpv is
        there; else None."""
        if not self.started.is_set():
            return None
        try:
            return self.engine.play_queue()
        except PlaybackUnavailable:
            return None

    def refresh_player(self) -> None:
        """Read the player's state at once (after a restore of the last queue)."""
        if (queue := self.play_queue()) is None:
            return
        state = queue.player
        self.player_state = state
        self.position, self.duration = state.position, state.duration
        if state.index is not None and state.index < len(queue.items):
            self.now_item = queue.items[state.index]

    def queue_snapshot(self) -> tuple[tuple[QueueItem, ...], int | None]:
        """The queue and the entry playing (``None`` when stopped)."""
        if (queue := self.play_queue()) is None:
            return (), None
        return queue.items, queue.current

    # --- errors ---------------------------------------------------------------------------

    @on(Worker.StateChanged)
    def worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            title = (
                "No playback"
                if isinstance(error, PlaybackUnavailable)
                else "Playback"
                if isinstance(error, PlaybackError)
                else "Error"
            )
            self.notify(str(error) or type(error).__name__, severity="error", title=title)

    # --- transport ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A dialog owns its keys (n is No there, not Next); in a text box the key types.
        if action in TRANSPORT or action == "switch_mode":
            return not (isinstance(self.screen, ModalScreen) or isinstance(self.focused, Input))
        return True

    def transport(self, command: Callable[[EngineAPI], Awaitable[None]]) -> None:
        """Run a playback command once the engine has started (in a worker: a missing
        libmpv or a refused command becomes a notification)."""

        async def run() -> None:
            await self.started.wait()
            await command(self.engine)

        self.run_worker(as_work(run), group="transport", exit_on_error=False)

    def action_play_pause(self) -> None:
        stopped = self.player_state is None or self.player_state.state == "stopped"
        queue, _index = self.queue_snapshot()
        if stopped and queue:
            self.transport(lambda engine: engine.play(0))
        else:
            self.transport(lambda engine: engine.toggle_pause())

    def action_next_track(self) -> None:
        self.transport(lambda engine: engine.next_track())

    def action_previous_track(self) -> None:
        self.transport(lambda engine: engine.previous_track())

    def action_seek(self, direction: int) -> None:
        self.transport(lambda engine: engine.seek(direction * SEEK_STEP))

    def action_volume(self, direction: int) -> None:
        volume = self.player_state.volume if self.player_state else 100.0
        wanted = max(0.0, min(130.0, volume + direction * VOLUME_STEP))
        self.transport(lambda engine: engine.set_volume(wanted))

    def action_mute(self) -> None:
        muted = not (self.player_state and self.player_state.muted)
        self.transport(lambda engine: engine.set_muted(muted))

    def action_radio(self) -> None:
        on = not (self.player_state.radio if self.player_state else self.settings.radio)
        self.transport(lambda engine: engine.set_radio(on))
        self.notify(
            "Radio on: when the queue runs out, the best pick for you plays next"
            if on
            else "Radio off"
        )

    def action_repeat(self) -> None:
        modes = engine_package.RepeatMode  # loaded with the engine, not with the first screen
        current = self.player_state.repeat if self.player_state else modes.OFF
        following = {modes.OFF: modes.ALL, modes.ALL: modes.ONE, modes.ONE: modes.OFF}[current]
        self.transport(lambda engine: engine.set_repeat(following))
        self.notify(f"Repeat: {following}")

    # --- navigation -----------------------------------------------------------------------

    @staticmethod
    def binding_scopes() -> list[tuple[str, list[Any]]]:
        """Every binding of the app, by where it works."""
        return binding_scopes()

    async def take_over_downloads(self) -> None:
        if await self.engine.run_downloads():
            self.take_over.stop()
            self.notices.say(
                "The other liveset stopped: downloads run here now",
                topic=NoticeTopic.DOWNLOADS,
                title="Downloads",
            )

    async def action_quit(self) -> None:
        """Quit; with downloads running, say what stops (and that it resumes) first. Attached
        to a daemon, nothing stops."""
        if self.attached:
            self.exit()
            return
        if self.started.is_set() and not isinstance(self.screen, ModalScreen):
            running = await self.engine.downloads(
                states=(engine_package.DownloadState.RUNNING, engine_package.DownloadState.QUEUED)
            )
            if running:
                question = (
                    f"{len(running)} download(s) will stop, and go on when liveset opens "
                    "again. Quit?"
                )
                self.push_screen(Confirm(question), self.quit_if)
                return
        self.exit()

    def quit_if(self, yes: bool | None) -> None:
        if yes:
            self.exit()

    def action_quit_daemon(self) -> None:
        """Stop the daemon this app is attached to (after a yes), then quit."""
        if not self.attached:
            self.notify("No daemon: this liveset runs its own engine (q quits it)")
            return
        question = "Stop the daemon? Playback stops; downloads stay queued for its next start."
        self.push_screen(Confirm(question), self.stop_daemon_if)

    def stop_daemon_if(self, yes: bool | None) -> None:
        if not yes:
            return

        async def stop() -> None:
            engine = self.engine
            if isinstance(engine, engine_package.RemoteEngine):
                await engine.quit_daemon()
            self.daemon_stopped = True
            self.exit()

        self.run_worker(as_work(stop), group="quit-daemon", exit_on_error=False)

    def action_history(self) -> None:
        if not isinstance(self.screen, _screens().HistoryScreen):
            self.push_screen(_screens().HistoryScreen())

    def action_stats(self) -> None:
        if not isinstance(self.screen, _screens().StatsScreen):
            self.push_screen(_screens().StatsScreen())

    def action_cache_stats(self) -> None:
        async def tell() -> None:
            await self.started.wait()
            found = await self.engine.cache_stats()
            words = ", ".join(f"{k.kind} {k.entries} ({size_text(k.bytes)})" for k in found.kinds)
            self.notify(words or "The cache is empty", title="Cache", timeout=8)

        self.run_worker(as_work(tell), group="cache", exit_on_error=False)

    def action_clear_cache(self) -> None:
        async def clear() -> None:
            await self.started.wait()
            gone = await self.engine.clear_cache()
            self.notify(f"Forgot {gone} cached answer(s)", title="Cache")

        self.run_worker(as_work(clear), group="cache", exit_on_error=False)

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.binding_scopes(), dict(self.settings.keys)))

    async def browse_screen(self) -> BrowseScreen:
        if self.current_mode != "browse":
            await self.switch_mode("browse")
        while isinstance(self.screen, _screens().ConcertScreen):
            await self.pop_screen()
        screen = self.screen
        assert isinstance(screen, BrowseScreen)
        return screen

    def open_concert(self, artist: str, date: str) -> None:
        async def go() -> None:
            await self.browse_screen()
            await self.push_screen(_screens().ConcertScreen(artist, date))

        self.run_worker(go(), group="navigate", exit_on_error=False)

    def on_browse(self, act: Callable[[BrowseScreen], object]) -> None:
        """Go to the browse screen (from anywhere) and do ``act`` there."""

        async def go() -> None:
            act(await self.browse_screen())

        self.run_worker(go(), group="navigate", exit_on_error=False)

    def open_artist(self, artist: str) -> None:
        self.on_browse(lambda browse: browse.select_artist(artist))

    def action_on_this_day(self) -> None:
        self.on_browse(BrowseScreen.action_on_this_day)

    def action_surprise(self) -> None:
        self.on_browse(BrowseScreen.action_surprise)

    def action_scan_library(self) -> None:
        async def go() -> None:
            await self.switch_mode("library")
            screen = self.screen
            if isinstance(screen, _screens().LibraryScreen):
                screen.action_scan()

        self.run_worker(go(), group="navigate", exit_on_error=False)

    def remember_artists(self, artists: Iterable[Artist]) -> None:
        self.known_artists = [a.name for a in artists]

    def remember_concerts(self, concerts: Iterable[Concert]) -> None:
        for c in concerts:
            self.known_concerts[(c.artist, str(c.date))] = c.venue


def _screens() -> Any:
    """The screens other than browse, imported when first wanted (after the first frame)."""
    import tui.screens.all

    return tui.screens.all


def run_app(settings: Settings, *, detach: bool = False, options: Iterable[str] = ()) -> int:
    """Run the app: attached to the daemon when one runs (``detach`` starts one first, with
    the same ``options``), else with an engine of its own."""
    path = engine_package.socket_path(profile=settings.profile)
    attach = engine_package.daemon_running(path)
    if detach and not attach:
        command = engine_package.daemon_command([*options, "daemon"])
        engine_package.start_detached(command, path, settings.data_dir / "liveset.log")
        attach = True
    # Nothing but the app may write to the terminal: libraries' own stderr goes to the log.
    with native_stderr_to(settings.data_dir / "liveset.log"):
        app = LivesetApp(settings, attach=attach)
        app.run()
    if app.attached and not app.daemon_stopped:
        print(
            "liveset: playback and downloads go on in the daemon (liveset status; "
            "liveset quit-daemon stops it)",
            file=sys.stderr,
        )
    return 0


if TYPE_CHECKING:

    def _implements_host(app: LivesetApp) -> Host:
        return app  # mypy checks here that the app is what its screens take it for
