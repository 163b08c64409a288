"""What is on disk: artists → concerts → tracks, a search, a scan, and unreadable files."""

from __future__ import annotations

import asyncio
import os.path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input

import engine as engine_package
from engine import LibraryChanged, ScanProgress
from tui.formatting import clock, plural, size_text
from tui.screens.base import LivesetScreen
from tui.widgets import FittedTable, SearchBox, StatusLine, selected_key

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from engine import Event, LibraryStats, LibraryTrack

DEBOUNCE = 0.2


class LibraryScreen(LivesetScreen):
    """Artists on the left; their concerts and a concert's tracks on the right."""

    AUTO_FOCUS = "#lib-artists"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Play", id="library.play"),
        Binding("slash", "focus_search", "Search", id="library.search", priority=True),
        Binding("S", "scan", "Scan now", id="library.scan"),
        Binding("u", "problems", "Unreadable", id="library.problems"),
        Binding("a", "queue(False)", "Add", id="library.add"),
        Binding("N", "queue(True)", "Play next", id="library.play-next"),
        Binding("L", "to_playlist", "To playlist…", id="library.to-playlist", show=False),
        Binding("escape", "clear_search", "Clear", id="library.clear", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.tracks: dict[str, LibraryTrack] = {}  # by path, as shown in the tracks table
        self.stats: LibraryStats | None = None
        self.scanning = ""

    def compose_body(self) -> ComposeResult:
        yield SearchBox(
            "library",
            placeholder="Search the library: title, artist, venue, city, date",
            id="library-search",
        )
        yield StatusLine(id="library-status")
        with Horizontal(id="library-panes"):
            yield FittedTable(id="lib-artists", fixed={"shows": 5}, flexible={"artist": 1})
            with Vertical():
                yield FittedTable(
                    id="lib-concerts",
                    fixed={"date": 10, "tracks": 6, "length": 8},
                    flexible={"venue": 3, "city": 2},
                    zebra_stripes=True,
                )
                yield FittedTable(
                    id="lib-tracks",
                    fixed={"#": 3, "length": 7, "format": 6},
                    flexible={"title": 1},
                )
                yield FittedTable(
                    id="lib-problems",
                    fixed={},
                    flexible={"file": 2, "reason": 1},
                    classes="hidden",
                )

    def on_mount(self) -> None:
        for name in ("artist", "shows"):
            self.query_one("#lib-artists", DataTable).add_column(name, key=name)
        concerts = self.query_one("#lib-concerts", DataTable)
        for name in ("date", "venue", "city", "tracks", "length"):
            concerts.add_column(name, key=name)
        tracks = self.query_one("#lib-tracks", DataTable)
        for name in ("#", "title", "length", "format"):
            tracks.add_column(name, key=name)
        problems = self.query_one("#lib-problems", DataTable)
        for name in ("file", "reason"):
            problems.add_column(name, key=name)
        self.show_snapshot()
        self.reload()

    def reload(self) -> None:
        self.run_engine(self.load, group="library")

    def show_snapshot(self) -> None:
        """The library as last seen, at once, while the engine loads (then replaced)."""
        snapshot = engine_package.read_library_snapshot(self.liveset.settings.data_dir)
        if snapshot is not None:
            stats, artists = snapshot
            self.show_artists(artists)
            self.stats = stats
            self.show_stats()

    async def load(self) -> None:
        stats, artists = await self.engine.library_overview()
        cursor = self.show_artists(artists)
        self.stats = stats
        self.show_stats()
        if artists and cursor is None:
            await self.load_concerts(artists[0][0])

    def show_artists(self, artists: tuple[tuple[str, int], ...]) -> str | None:
        """Fill the artists list, keeping the cursor's artist; returns that artist, if any."""
        table = self.query_one("#lib-artists", DataTable)
        cursor = selected_key(table)
        table.clear()
        for artist, count in artists:
            table.add_row(artist or "(unknown)", str(count), key=artist)
        if cursor is not None and cursor in table.rows:
            table.move_cursor(row=table.get_row_index(cursor))
        return cursor

    def show_stats(self) -> None:
        parts = []
        if (stats := self.stats) is not None:
            parts += [
                plural(stats.files, "file"),
                plural(stats.artists, "artist"),
                plural(stats.concerts, "concert"),
                size_text(stats.size),
            ]
            if stats.problems:
                parts.append(f"{stats.problems} unreadable (u)")
        if self.scanning:
            parts.append(self.scanning)
        self.query_one("#library-status", StatusLine).message = " · ".join(parts)

    @on(DataTable.RowSelected, "#lib-artists")
    def artist_selected(self) -> None:
        self.set_focus(self.query_one("#lib-concerts", DataTable))

    @on(DataTable.RowHighlighted, "#lib-artists")
    def artist_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.run_engine(self.load_concerts, event.row_key.value, group="lib-concerts")

    async def load_concerts(self, artist: str) -> None:
        concerts = await self.engine.library_concerts(artist)
        table = self.query_one("#lib-concerts", DataTable)
        table.clear()
        for c in concerts:
            table.add_row(
                c.date or "-",
                c.venue or c.album,
                c.city,
                str(c.tracks),
                clock(c.duration),
                key=f"{c.artist}\t{c.album}",
            )
        if concerts:
            await self.load_tracks(concerts[0].artist, concerts[0].album)

    @on(DataTable.RowHighlighted, "#lib-concerts")
    def concert_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            artist, album = event.row_key.value.split("\t")
            self.run_engine(self.load_tracks, artist, album, group="lib-tracks")

    async def load_tracks(self, artist: str, album: str) -> None:
        self.show_tracks(await self.engine.library_tracks(artist=artist, album=album))

    def show_tracks(self, tracks: tuple[LibraryTrack, ...], *, found: bool = False) -> None:
        """A concert's tracks; or search results (``found``), which name their concert."""
        table = self.query_one("#lib-tracks", DataTable)
        table.clear()
        self.tracks = {t.path: t for t in tracks}
        for t in tracks:
            title = f"{t.display_title} · {t.artist} · {t.album}" if found else t.display_title
            table.add_row(str(t.track_number or ""), title, clock(t.duration), t.format, key=t.path)

    @on(DataTable.RowSelected, "#lib-concerts")
    def play_concert(self) -> None:
        tracks = list(self.tracks.values())
        if tracks:
            self.play_folder(tracks[0].path, 0)

    @on(DataTable.RowSelected, "#lib-tracks")
    def play_track(self, event: DataTable.RowSelected) -> None:
        path = event.row_key.value
        if path:
            folder = os.path.dirname(path)
            siblings = sorted(p for p in self.tracks if os.path.dirname(p) == folder)
            self.play_folder(path, siblings.index(path) if path in siblings else 0)

    def play_folder(self, path: str, start: int) -> None:
        folder = os.path.dirname(path)
        self.run_engine(self.engine.queue_add, folder, play=True, start=start, group="play")

    def action_queue(self, after_current: bool) -> None:
        tracks = self.query_one("#lib-tracks", DataTable)
        path = selected_key(tracks)
        if path is None:
            return
        target = path if tracks.has_focus else os.path.dirname(path)
        self.run_engine(self.queue, target, after_current, group="queue", exclusive=False)

    def action_to_playlist(self) -> None:
        """Add the track under the cursor (downloaded from the archive) to a playlist."""
        path = selected_key(self.query_one("#lib-tracks", DataTable))
        track = self.tracks.get(path) if path else None
        if track is None:
            return
        if not track.identifier or track.track_number is None:
            self.notify("Only tracks of an archive recording go into playlists", severity="warning")
            return
        self.add_to_playlist(track.identifier, [track.track_number])

    async def queue(self, target: str, after_current: bool) -> None:
        items = await self.engine.queue_add(target, after_current=after_current)
        self.notify(
            f"{len(items)} track(s) added {'to play next' if after_current else 'to the queue'}"
        )

    # --- search, scan, problems -----------------------------------------------------------

    def action_focus_search(self) -> None:
        self.set_focus(self.query_one("#library-search", Input))

    def action_clear_search(self) -> None:
        self.query_one("#library-search", Input).value = ""
        self.set_focus(self.query_one("#lib-artists", DataTable))

    @on(Input.Changed, "#library-search")
    def search_changed(self, event: Input.Changed) -> None:
        self.run_engine(self.search, event.value, group="lib-tracks")

    @on(Input.Submitted, "#library-search")
    def search_submitted(self) -> None:
        self.set_focus(self.query_one("#lib-tracks", DataTable))

    async def search(self, text: str) -> None:
        await asyncio.sleep(DEBOUNCE)
        if text.strip():
            self.show_tracks(await self.engine.library_search(text), found=True)
        else:
            self.reload()

    def action_scan(self) -> None:
        if self.scanning:
            self.notify("A scan is already running")
            return
        self.scanning = "scanning…"
        self.run_engine(self.scan, group="scan")

    async def scan(self) -> None:
        try:
            result = await self.engine.scan_library()
        finally:
            self.scanning = ""
        self.notify(
            f"{result.files} files: {result.added} added, {result.updated} updated, "
            f"{result.removed} removed, {len(result.problems)} unreadable ({result.seconds:.1f} s)",
            title="Library scanned",
        )
        self.reload()

    def action_problems(self) -> None:
        problems = self.query_one("#lib-problems", DataTable)
        problems.toggle_class("hidden")
        self.query_one("#lib-tracks", DataTable).toggle_class("hidden")
        if not problems.has_class("hidden"):
            self.run_engine(self.load_problems, group="problems")
            self.set_focus(problems)

    async def load_problems(self) -> None:
        table = self.query_one("#lib-problems", DataTable)
        table.clear()
        for p in await self.engine.library_problems():
            table.add_row(p.path, p.reason, key=p.path)

    def engine_event(self, event: Event) -> None:
        if isinstance(event, ScanProgress):
            self.scanning = "" if event.finished else f"scanning {event.done}/{event.total or '?'}"
            self.show_stats()
        elif isinstance(event, LibraryChanged) and not self.scanning:
            self.reload()
