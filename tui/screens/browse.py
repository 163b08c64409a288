"""Browse the archive: artists → years → concerts, or search as you type."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Input

import engine as engine_package
from engine import ArchiveUnavailable
from tui.formatting import stars
from tui.screens.base import LivesetScreen
from tui.widgets import FittedTable, SearchBox, StatusLine, kind_label

if TYPE_CHECKING:
    import datetime

    from textual.app import ComposeResult

    from engine import ArtistList, ConcertList, Event

DEBOUNCE = 0.25  # seconds of quiet typing before a search goes out
WIDE = 110  # columns from which the artists and years stay beside the concerts


@dataclass(frozen=True)
class Source:
    """What the concert list shows: a search, an artist (and year), or one day of the year."""

    kind: str  # search | artist | day
    text: str = ""
    artist: str = ""
    year: int | None = None
    month: int = 0
    day: int = 0

    def label(self) -> str:
        if self.kind == "artist":
            return f"{self.artist}, {self.year}" if self.year else self.artist
        if self.kind == "day":
            return f"on this day ({self.month:02d}-{self.day:02d})"
        return f"“{self.text}”" if self.text else "newest"


class BrowseScreen(LivesetScreen):
    """Artists, their years and concerts; a search box with field terms; filters."""

    AUTO_FOCUS = "#concerts"  # keys act at once; "/" moves to the search box

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Open", id="browse.open"),
        Binding("slash", "focus_search", "Search", id="browse.search", priority=True),
        Binding("s", "toggle_sbd", "SBD", id="browse.sbd-only"),
        Binding("d", "toggle_downloaded", "On disk", id="browse.downloaded-only"),
        Binding("o", "on_this_day", "Today", id="browse.on-this-day"),
        Binding("x", "surprise", "Surprise", id="browse.surprise"),
        Binding("a", "artists", "Artists", id="browse.artists"),
        Binding("escape", "clear_search", "Clear", id="browse.clear", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.source = Source("search")
        self.sbd_only = False
        self.downloaded_only = False
        self.artists: ArtistList | None = None

    def compose_body(self) -> ComposeResult:
        yield SearchBox(
            "browse",
            placeholder="Search: words, artist:, year:1977, venue:, city:, sbd, rating>4",
            id="search",
        )
        yield StatusLine(id="status")
        with Horizontal(id="browse-panes"):  # the artists and years join after the first frame
            yield FittedTable(
                id="concerts",
                fixed={"date": 10, "recs": 4, "best": 4, "stars": 6},
                flexible={"artist": 3, "venue": 4, "city": 3},
                zebra_stripes=True,
            )

    def on_mount(self) -> None:
        table = self.query_one("#concerts", DataTable)
        for name in ("date", "artist", "venue", "city", "recs", "best", "stars"):
            table.add_column(name, key=name)
        self.reload()
        self.call_after_refresh(self.add_artist_panes)

    async def add_artist_panes(self) -> None:
        """The artists and years panes: mounted once the first frame is out (on a narrow
        terminal they are hidden until asked for anyway)."""
        artists = FittedTable(id="artists", fixed={"shows": 5}, flexible={"artist": 1})
        years = FittedTable(id="years", fixed={"year": 4, "n": 3}, flexible={})
        for table, names in ((artists, ("artist", "shows")), (years, ("year", "n"))):
            for name in names:
                table.add_column(name, key=name)
        await self.query_one("#browse-panes", Horizontal).mount(artists, years, before=0)
        self.run_engine(self.load_artists, group="artists")

    def on_resize(self, event: events.Resize) -> None:
        # Narrow terminals give the concerts the whole width; "a" shows the artists and years.
        self.set_class(event.size.width < WIDE, "narrow")

    def action_artists(self) -> None:
        if not self.query("#artists"):
            return  # not mounted yet: a moment after start-up
        showing = not self.has_class("show-artists") if self.has_class("narrow") else True
        self.set_class(showing, "show-artists")
        if showing:
            self.set_focus(self.query_one("#artists", DataTable))
        else:
            self.set_focus(self.query_one("#concerts", DataTable))

    def hide_artists(self) -> None:
        """After choosing from the artists and years on a narrow terminal, back to concerts."""
        self.remove_class("show-artists")
        self.set_focus(self.query_one("#concerts", DataTable))

    # --- what the concert list shows ------------------------------------------------------

    def reload(self) -> None:
        self.run_engine(self.load_concerts, self.source, group="concerts")

    def engine_event(self, event: Event) -> None:
        if isinstance(event, engine_package.CatalogSynced) and not event.error:
            # The catalog answers from now on: every artist, and the list asked again.
            if self.query("#artists"):
                self.run_engine(self.load_artists, group="artists")
            self.reload()

    async def load_concerts(self, source: Source, *, delay: float = 0.0) -> None:
        if delay:
            await asyncio.sleep(delay)  # debounce: a newer keystroke cancels this worker
        status = self.query_one("#status", StatusLine)
        status.message = f"{source.label()}: searching…"
        sbd, downloaded = self.sbd_only, self.downloaded_only
        try:
            if source.kind == "day":
                found = await self.engine.concerts_on_day(
                    source.month, source.day, sbd_only=sbd, downloaded_only=downloaded
                )
            elif source.kind == "artist":
                found = await self.engine.search_concerts(
                    artist=source.artist,
                    year=source.year,
                    sbd_only=sbd,
                    downloaded_only=downloaded,
                )
            else:
                found = await self.engine.search_concerts(
                    source.text, sbd_only=sbd, downloaded_only=downloaded
                )
        except ArchiveUnavailable:
            # Never leave the last answer standing as if it answered this question.
            self.query_one("#concerts", DataTable).clear()
            status.message = (
                f"{source.label()}: not in the cache, and archive.org cannot be reached"
            )
            status.online = False
            return
        except Exception:
            self.query_one("#concerts", DataTable).clear()
            status.message = f"{source.label()}: search failed"
            raise
        self.show_concerts(source, found)

    def show_concerts(self, source: Source, found: ConcertList) -> None:
        flags = [
            f for f, on in (("SBD only", self.sbd_only), ("on disk", self.downloaded_only)) if on
        ]
        status = self.query_one("#status", StatusLine)
        if found.stale:
            flags.append("cached results")
        status.message = " · ".join([f"{len(found.concerts)} concert(s)", source.label(), *flags])
        status.online = False if found.stale else self.liveset.online
        table = self.query_one("#concerts", DataTable)
        table.clear()
        for c in found.concerts:
            table.add_row(
                str(c.date),
                c.artist,
                c.venue,
                c.city,
                str(len(c.recordings)),
                kind_label(c.best_source_kind),
                stars(c.rating),
                key=f"{c.artist}\t{c.date}",
            )
        self.liveset.remember_concerts(found.concerts)

    # --- artists and years ----------------------------------------------------------------

    async def load_artists(self) -> None:
        self.artists = await self.engine.artists()
        self.liveset.remember_artists(self.artists.artists)
        self.show_artists(self.query_one("#search", Input).value)

    def show_artists(self, text: str) -> None:
        if self.artists is None:
            return
        words = engine_package.parse_search(text).text.casefold().split()
        words = [w for w in words if ":" not in w]
        table = self.query_one("#artists", DataTable)
        table.clear()
        for artist in self.artists.artists:
            name = artist.name.casefold()
            if all(w in name for w in words):
                count = "-" if artist.item_count is None else str(artist.item_count)
                table.add_row(artist.name, count, key=artist.name)

    def select_artist(self, name: str) -> None:
        """Show an artist's concerts (every year) and years; used by the command palette."""
        self.source = Source("artist", artist=name)
        self.add_class("show-artists")
        self.reload()
        self.run_engine(self.load_years, name, group="years")
        self.set_focus(self.query_one("#years", DataTable))

    async def load_years(self, artist: str) -> None:
        years = await self.engine.artist_years(artist)
        table = self.query_one("#years", DataTable)
        table.clear()
        for year, count in years:
            table.add_row(str(year), str(count), key=str(year))

    @on(DataTable.RowSelected, "#artists")
    def artist_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.select_artist(event.row_key.value)

    @on(DataTable.RowSelected, "#years")
    def year_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value and self.source.artist:
            self.source = Source("artist", artist=self.source.artist, year=int(event.row_key.value))
            self.reload()
            self.hide_artists()

    @on(DataTable.RowSelected, "#concerts")
    def open_concert(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            artist, date = event.row_key.value.split("\t")
            self.liveset.open_concert(artist, date)

    # --- search and filters ---------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.set_focus(self.query_one("#search", Input))

    def action_clear_search(self) -> None:
        if self.has_class("narrow") and self.has_class("show-artists"):
            self.hide_artists()  # Escape first closes the artists view, back to the concerts
            return
        search = self.query_one("#search", Input)
        if search.value:
            search.value = ""
        self.set_focus(self.query_one("#concerts", DataTable))

    @on(Input.Submitted, "#search")
    def search_submitted(self) -> None:
        self.set_focus(self.query_one("#concerts", DataTable))

    @on(Input.Changed, "#search")
    def search_changed(self, event: Input.Changed) -> None:
        self.source = Source("search", text=event.value)
        self.show_artists(event.value)
        self.run_engine(self.load_concerts, self.source, delay=DEBOUNCE, group="concerts")

    def action_toggle_sbd(self) -> None:
        self.sbd_only = not self.sbd_only
        self.reload()

    def action_toggle_downloaded(self) -> None:
        self.downloaded_only = not self.downloaded_only
        self.reload()

    def action_on_this_day(self) -> None:
        today: datetime.date = self.liveset.today()
        self.source = Source("day", month=today.month, day=today.day)
        self.reload()
        self.set_focus(self.query_one("#concerts", DataTable))

    def action_surprise(self) -> None:
        self.run_engine(self.surprise, group="surprise")

    async def surprise(self) -> None:
        concert = await self.engine.surprise_concert()
        self.liveset.open_concert(concert.artist, str(concert.date))
