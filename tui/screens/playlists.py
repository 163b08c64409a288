"""Playlists: your lists on the left, the tracks of the one under the cursor on the right;
play, shuffle, queue, reorder, remove, rename, delete."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable

from tui.dialogs import Ask, Confirm
from tui.formatting import clock, plural
from tui.screens.base import LivesetScreen
from tui.widgets import FittedTable, StatusLine, selected_key

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from engine import PlaylistEntry


FAVOURITES = "♥ Favourite tracks"
"""The list of favourite tracks, first on the left: played, shuffled and queued as a list is."""


class PlaylistsScreen(LivesetScreen):
    AUTO_FOCUS = "#playlists"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Play", id="playlists.play"),
        Binding("z", "play(True)", "Shuffle", id="playlists.shuffle"),
        Binding("a", "queue", "Add to queue", id="playlists.queue"),
        Binding("c", "new", "New", id="playlists.new"),
        Binding("H", "app.history", "History", id="playlists.history"),
        Binding("S", "app.stats", "Stats", id="playlists.stats"),
        Binding("d", "download", "Download missing", id="playlists.download", show=False),
        Binding("R", "rename", "Rename", id="playlists.rename", show=False),
        Binding("X", "delete", "Delete", id="playlists.delete", show=False),
        Binding("x,delete", "remove", "Remove track", id="playlists.remove", show=False),
        Binding("K,shift+up", "move(-1)", "Move up", id="playlists.move-up", show=False),
        Binding("J,shift+down", "move(1)", "Move down", id="playlists.move-down", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.shown: str | None = None
        self.entries: tuple[PlaylistEntry, ...] = ()
        self.favourites: tuple[PlaylistEntry, ...] = ()

    def compose_body(self) -> ComposeResult:
        yield StatusLine(id="playlists-status")
        with Horizontal(id="playlists-panes"):
            yield FittedTable(id="playlists", fixed={"tracks": 6}, flexible={"name": 1})
            yield FittedTable(
                id="playlist-tracks",
                fixed={"#": 4, "length": 7, "from": 6},
                flexible={"title": 3, "show": 3},
                zebra_stripes=True,
            )

    def on_mount(self) -> None:
        super().on_mount()
        lists = self.query_one("#playlists", DataTable)
        for name in ("name", "tracks"):
            lists.add_column(name, key=name)
        tracks = self.query_one("#playlist-tracks", DataTable)
        for name in ("#", "title", "show", "length", "from"):
            tracks.add_column(name, key=name)
        self.reload()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.reload()

    def reload(self, select: str | None = None) -> None:
        self.run_engine(self.read_lists, select, group="playlists")

    async def read_lists(self, select: str | None) -> None:
        found = await self.engine.playlists()
        self.favourites = await self.engine.favourite_tracks()
        self.liveset.known_playlists = [p.name for p in found]  # for the command palette
        lists = self.query_one("#playlists", DataTable)
        keep = select or selected_key(lists)
        lists.clear()
        lists.add_row(FAVOURITES, str(len(self.favourites)), key=FAVOURITES)
        for playlist in found:
            lists.add_row(playlist.name, str(playlist.tracks), key=playlist.name)
        status = self.query_one("#playlists-status", StatusLine)
        status.message = (
            plural(len(found), "playlist")
            if found
            else "No playlists yet: c makes one; L adds tracks from a setlist, F favourites one"
        )
        names = [FAVOURITES, *(p.name for p in found)]
        lists.move_cursor(row=names.index(keep) if keep in names else 0)
        await self.read_tracks(names[lists.cursor_row])

    async def read_tracks(self, name: str) -> None:
        if name == FAVOURITES:
            self.favourites = await self.engine.favourite_tracks()
            self.show_tracks(name, self.favourites)
        else:
            self.show_tracks(name, await self.engine.playlist(name))

    def show_tracks(self, name: str | None, entries: tuple[PlaylistEntry, ...]) -> None:
        self.shown, self.entries = name, entries
        tracks = self.query_one("#playlist-tracks", DataTable)
        row = tracks.cursor_row
        tracks.clear()
        for entry in entries:
            item = entry.item
            if item is None:
                tracks.add_row(
                    str(entry.position),
                    "(not found)",
                    entry.identifier,
                    "",
                    "",
                    key=str(entry.position),
                )
                continue
            where = "disk" if entry.on_disk else "stream"
            tracks.add_row(
                str(entry.position),
                item.title,
                f"{item.artist} {item.album}",
                clock(item.duration),
                where,
                key=str(entry.position),
            )
        if entries:
            tracks.move_cursor(row=min(row, len(entries) - 1))

    @on(DataTable.RowHighlighted, "#playlists")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        name = event.row_key.value
        if name and name != self.shown:
            self.run_engine(self.read_tracks, name, group="playlist-tracks")

    @on(DataTable.RowSelected, "#playlists")
    def open_list(self, _event: DataTable.RowSelected) -> None:
        self.query_one("#playlist-tracks", DataTable).focus()

    @on(DataTable.RowSelected, "#playlist-tracks")
    def play_from(self, event: DataTable.RowSelected) -> None:
        """Enter on a track: the list plays from it (the items not found are skipped)."""
        if self.shown is None or self.shown == FAVOURITES:
            self.action_play(False)
            return
        at = event.cursor_row
        playable = sum(1 for e in self.entries[:at] if e.item is not None)
        self.run_engine(self.play, self.shown, False, playable, group="playlist-play")

    def action_play(self, shuffle: bool) -> None:
        if self.shown is not None:
            self.run_engine(self.play, self.shown, shuffle, group="playlist-play")

    async def play(self, name: str, shuffle: bool, start: int = 0) -> None:
        if name == FAVOURITES:
            await self.play_favourites(shuffle=shuffle, play=True)
            return
        items = await self.engine.queue_playlist(name, play=True, shuffle=shuffle, start=start)
        self.notify(f"Playing {plural(len(items), 'track')} of {name}", title="Playlist")

    def action_queue(self) -> None:
        if self.shown is not None:
            self.run_engine(self.queue, self.shown, group="playlist-play")

    async def play_favourites(self, *, shuffle: bool, play: bool) -> None:
        items = [e.item for e in await self.engine.favourite_tracks() if e.item is not None]
        if shuffle:
            random.shuffle(items)
        if not items:
            self.notify("No favourite tracks yet: F on a setlist's track makes one")
            return
        first = await self.engine.queue_insert(items)
        if play:
            await self.engine.play(first)
        self.notify(f"{plural(len(items), 'favourite track')} queued", title="Favourites")

    async def queue(self, name: str) -> None:
        if name == FAVOURITES:
            await self.play_favourites(shuffle=False, play=False)
            return
        items = await self.engine.queue_playlist(name)
        self.notify(f"{plural(len(items), 'track')} of {name} added to the queue", title="Playlist")

    def action_download(self) -> None:
        if self.shown not in (None, FAVOURITES):
            self.run_engine(self.download, self.shown, group="playlist-download")

    async def download(self, name: str) -> None:
        queued = await self.engine.playlist_download(name)
        said = f"Downloading {plural(len(queued), 'file')}" if queued else "All of it is on disk"
        self.notify(said, title=name)

    def action_new(self) -> None:
        def named(name: str | None) -> None:
            if name:
                self.run_engine(self.create, name, group="playlist-edit")

        self.app.push_screen(Ask("Name of the new playlist"), named)

    async def create(self, name: str) -> None:
        made = await self.engine.create_playlist(name)
        self.reload(made)

    def action_rename(self) -> None:
        if self.shown in (None, FAVOURITES):
            return
        old = self.shown

        def named(name: str | None) -> None:
            if name and name != old:
                self.run_engine(self.rename, old, name, group="playlist-edit")

        self.app.push_screen(Ask(f"New name of {old}", old), named)

    async def rename(self, old: str, new: str) -> None:
        self.reload(await self.engine.rename_playlist(old, new))

    def action_delete(self) -> None:
        if self.shown in (None, FAVOURITES):
            return
        name = self.shown

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_engine(self.delete, name, group="playlist-edit")

        self.app.push_screen(Confirm(f"Delete the playlist {name}?"), answered)

    async def delete(self, name: str) -> None:
        await self.engine.delete_playlist(name)
        self.shown = None
        self.reload()

    def _track(self) -> int | None:
        key = selected_key(self.query_one("#playlist-tracks", DataTable))
        return int(key) if key else None

    def action_remove(self) -> None:
        if self.shown == FAVOURITES and (position := self._track()) is not None:
            entry = self.favourites[position - 1]
            self.run_engine(self.unfavourite, entry, group="playlist-edit")
            return
        if self.shown is not None and (position := self._track()) is not None:
            self.run_engine(self.take_out, self.shown, position, group="playlist-edit")

    async def take_out(self, name: str, position: int) -> None:
        await self.engine.playlist_remove(name, [position])
        self.reload(name)

    async def unfavourite(self, entry: PlaylistEntry) -> None:
        await self.engine.set_favourite("track", f"{entry.identifier}/{entry.file_name}", False)
        self.reload(FAVOURITES)

    def action_move(self, step: int) -> None:
        position = self._track()
        if self.shown in (None, FAVOURITES) or position is None:
            return
        target = position + step
        if 1 <= target <= len(self.entries):
            self.run_engine(self.move, self.shown, position, target, group="playlist-edit")

    async def move(self, name: str, source: int, target: int) -> None:
        await self.engine.playlist_move(name, source, target)
        await self.read_tracks(name)
        self.query_one("#playlist-tracks", DataTable).move_cursor(row=target - 1)
