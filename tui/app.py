"""The Textual app: search concerts, open one, see its recordings ranked and their setlists."""

from __future__ import annotations

from typing import ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from engine import (
    ArchiveStatusChanged,
    Concert,
    ConcertList,
    Engine,
    EngineError,
    Recording,
    Settings,
    SourceKind,
)
from tui.formatting import clock, stars


def kind_label(kind: SourceKind) -> str:
    return "-" if kind is SourceKind.UNKNOWN else kind.value


def fit_columns(table: DataTable[str], widths: dict[str, int], flexible: dict[str, int]) -> None:
    """Fixed widths for some columns; the rest of the table's width shared by weight."""
    padding = 2 * table.cell_padding * len(table.columns)
    spare = max(0, table.size.width - padding - sum(widths.values()) - 2)
    total = sum(flexible.values()) or 1
    for key, column in table.columns.items():
        name = str(key.value)
        column.auto_width = False
        if name in widths:
            column.width = widths[name]
        elif name in flexible:
            column.width = max(4, spare * flexible[name] // total)
    table.refresh()


class StatusLine(Static):
    """One line under the header: what is shown, and whether the archive is reachable."""

    online: reactive[bool | None] = reactive(None)
    message: reactive[str] = reactive("")

    def render(self) -> str:
        state = {None: "", True: "", False: "  [offline: cached results]"}[self.online]
        return f"{self.message}{state}"


class ConcertScreen(Screen[None]):
    """Every recording of one concert, best first, and the setlist of the selected one."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back", id="back")]

    def __init__(self, artist: str, date: str) -> None:
        super().__init__()
        self.artist = artist
        self.date = date
        self.concert: Concert | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield StatusLine(id="concert-title")
        with Vertical():
            yield DataTable(id="recordings", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="tracks", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(
            "#concert-title", StatusLine
        ).message = f"{self.artist} — {self.date}: loading…"
        recordings = self.query_one("#recordings", DataTable)
        recordings.add_columns(
            "source", "rating", "reviews", "taper", "formats", "length", "identifier"
        )
        self.query_one("#tracks", DataTable).add_columns("pos", "title", "length")
        self.load()

    @work(exclusive=True, group="concert")
    async def load(self) -> None:
        app = self.app
        assert isinstance(app, LivesetApp)
        try:
            concert = await app.engine.concert(self.artist, self.date)
        except EngineError as error:
            self.query_one("#concert-title", StatusLine).message = f"{self.artist} — {self.date}"
            self.notify(str(error), severity="error", title="Could not load the concert")
            return
        self.show(concert)

    def show(self, concert: Concert) -> None:
        self.concert = concert
        title = self.query_one("#concert-title", StatusLine)
        title.message = f"{concert.artist} — {concert.date} — {concert.venue}, {concert.city}"
        title.online = False if concert.stale else None
        table = self.query_one("#recordings", DataTable)
        table.clear()
        for r in concert.recordings:
            table.add_row(
                kind_label(r.source_kind),
                stars(r.weighted_rating),
                str(r.num_reviews),
                r.taper[:30],
                ", ".join(r.formats),
                clock(r.duration),
                r.identifier,
                key=r.identifier,
            )
        if concert.recordings:
            self.show_tracks(concert.recordings[0])
        table.focus()

    def show_tracks(self, recording: Recording) -> None:
        tracks = self.query_one("#tracks", DataTable)
        tracks.clear()
        for track in recording.tracks:
            tracks.add_row(track.position, track.title, clock(track.duration))

    @on(DataTable.RowHighlighted, "#recordings")
    def recording_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.concert is None or event.row_key.value is None:
            return
        chosen = next(
            (r for r in self.concert.recordings if r.identifier == event.row_key.value), None
        )
        if chosen is not None:
            self.show_tracks(chosen)


class BrowseScreen(Screen[None]):
    """Search concerts as you type; Enter opens one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", id="focus-search"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(
            placeholder="Search concerts: words, or artist:/venue:/coverage:/year:", id="search"
        )
        yield StatusLine(id="status")
        yield DataTable(id="concerts", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#concerts", DataTable)
        for name in ("date", "artist", "venue", "city", "recs", "best", "rating"):
            table.add_column(name, key=name)
        table.focus()  # keys act at once; "/" moves to the search box
        self.search("")

    def on_resize(self, event: events.Resize) -> None:
        fit_columns(
            self.query_one("#concerts", DataTable),
            {"date": 10, "recs": 4, "best": 4, "rating": 6},
            {"artist": 3, "venue": 4, "city": 3},
        )

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    @on(Input.Submitted, "#search")
    def search_submitted(self) -> None:
        self.query_one("#concerts", DataTable).focus()

    @on(Input.Changed, "#search")
    def search_changed(self, event: Input.Changed) -> None:
        self.search(event.value)

    @work(exclusive=True, group="search")
    async def search(self, text: str) -> None:
        import asyncio

        await asyncio.sleep(0.25)  # debounce: a newer keystroke cancels this worker
        app = self.app
        assert isinstance(app, LivesetApp)
        status = self.query_one("#status", StatusLine)
        status.message = "searching…"
        query, artist = _split_artist(text)
        try:
            found = await app.engine.search_concerts(query, artist=artist)
        except EngineError as error:
            status.message = "search failed"
            self.notify(str(error), severity="error", title="Search failed")
            return
        self.show(found)

    def show(self, found: ConcertList) -> None:
        status = self.query_one("#status", StatusLine)
        status.message = f"{len(found.concerts)} concert(s)"
        status.online = False if found.stale else None
        table = self.query_one("#concerts", DataTable)
        table.clear()
        for c in found.concerts:
            table.add_row(
                str(c.date),
                c.artist,
                c.venue,
                c.city,
                str(len(c.recordings)),
                c.best_source_kind.value,
                stars(c.rating),
                key=f"{c.artist}\t{c.date}",
            )

    @on(DataTable.RowSelected, "#concerts")
    def open_concert(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            artist, date = event.row_key.value.split("\t")
            self.app.push_screen(ConcertScreen(artist, date))


def _split_artist(text: str) -> tuple[str, str | None]:
    """``artist:"Grateful Dead" dark star`` → (``dark star``, ``Grateful Dead``)."""
    import re

    match = re.search(r'artist:(?:"([^"]+)"|(\S+))', text)
    if not match:
        return text, None
    artist = match.group(1) or match.group(2)
    return (text[: match.start()] + text[match.end() :]).strip(), artist


class LivesetApp(App[None]):
    TITLE = "liveset"
    CSS_PATH = "liveset.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit", id="quit")]

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.engine = engine or Engine(settings)

    async def on_mount(self) -> None:
        await self.engine.start()
        await self.engine.run_downloads()  # the queue belongs to the engine, not to a screen
        self.watch_engine()
        await self.push_screen(BrowseScreen())

    async def on_unmount(self) -> None:
        await self.engine.close()

    @work(group="engine-events")
    async def watch_engine(self) -> None:
        async for event in self.engine.events():
            if isinstance(event, ArchiveStatusChanged):
                for line in self.screen.query(StatusLine):
                    line.online = None if event.online else False
                if not event.online:
                    self.notify(event.message or "archive.org is unreachable", severity="warning")


def run_app(settings: Settings) -> int:
    LivesetApp(settings).run()
    return 0
