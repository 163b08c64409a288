"""What every screen shares: a header, the now-playing bar, the footer, and the engine."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input
from textual.worker import Worker

from tui.host import host_of
from tui.widgets import NowPlayingBar, TopBar, as_work

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from textual.app import ComposeResult

    from engine import EngineAPI, Event
    from tui.host import Host


class LivesetScreen(Screen[None]):
    """A full screen of the app. Subclasses yield their body from ``compose_body``."""

    def compose(self) -> ComposeResult:
        yield TopBar()
        yield from self.compose_body()
        yield NowPlayingBar()
        yield Footer(show_command_palette=False)

    def compose_body(self) -> ComposeResult:
        yield from ()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # "/" is a priority binding, run as the key arrives, so the keys typed right after it
        # already reach the search box; inside a text box it is just a "/".
        return not (action == "focus_search" and isinstance(self.focused, Input))

    @property
    def liveset(self) -> Host:
        """The app, as much of it as a screen may use."""
        return host_of(self.app)

    @property
    def engine(self) -> EngineAPI:
        return self.liveset.engine

    def on_mount(self) -> None:
        # Every event, shown or not (under a dialog, or in another mode): no re-reading later.
        self.liveset.engine_events.subscribe(self, self.engine_event)

    def engine_event(self, event: Event) -> None:
        """An event from the engine; screens re-read what changed."""

    def on_screen_resume(self) -> None:
        for top in self.query(TopBar):
            top.mode = self.app.current_mode

    def action_select(self) -> None:
        """Enter on the table under the cursor (open, play, jump: each screen's own); a
        binding of its own so it shows in the footer and can be remapped."""
        if isinstance(self.focused, DataTable):
            self.focused.action_select_cursor()

    @on(Worker.StateChanged)
    def worker_failed(self, event: Worker.StateChanged) -> None:
        # Worker state messages do not bubble: hand them to the app's one error handler.
        self.liveset.worker_failed(event)

    def run_engine(
        self,
        work: Callable[..., Awaitable[Any]],
        *args: Any,
        group: str,
        exclusive: bool = True,
        **kwargs: Any,
    ) -> None:
        """Run ``work(*args, **kwargs)`` in a worker; errors become notifications (see the
        app), once the engine has started. The call is made when the worker runs, so one
        cancelled first leaves nothing un-awaited."""

        async def run() -> None:
            await self.liveset.started.wait()
            await work(*args, **kwargs)

        self.run_worker(as_work(run), group=group, exclusive=exclusive, exit_on_error=False)

    def add_to_playlist(self, identifier: str, tracks: list[int]) -> None:
        """Ask which playlist (or a new one), then add these tracks of the recording to it."""
        self.run_engine(self._pick_playlist, identifier, tracks, group="playlist")

    async def _pick_playlist(self, identifier: str, tracks: list[int]) -> None:
        from tui.dialogs import PlaylistPicker

        names = [p.name for p in await self.engine.playlists()]

        def picked(name: str | None) -> None:
            if name:
                self.run_engine(self._add_to, name, identifier, tracks, names, group="playlist")

        self.app.push_screen(PlaylistPicker(names), picked)

    async def _add_to(
        self, name: str, identifier: str, tracks: list[int], names: list[str]
    ) -> None:
        if name not in names:
            name = await self.engine.create_playlist(name)
        count = await self.engine.playlist_add(name, identifier, tracks)
        self.notify(f"{name} has {count} track(s)", title="Playlist")
