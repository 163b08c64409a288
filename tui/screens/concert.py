"""One concert: every recording side by side, the setlist of the selected one, its notes."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Static

from engine import KNOWN_FORMATS, LibraryChanged
from tui.dialogs import FormatPicker
from tui.formatting import clock, size_text, stars
from tui.screens.base import LivesetScreen
from tui.widgets import FittedTable, StatusLine, kind_label, selected_key

if TYPE_CHECKING:
    from textual import events
    from textual.app import ComposeResult

    from engine import Concert, Event, Recording

WIDE = 120  # columns from which the notes pane shows beside the setlist by default


class ConcertScreen(LivesetScreen):
    """Recordings ranked best first; the selected one's tracks with set breaks; notes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="concert.back"),
        Binding("enter", "select", "Play", id="concert.play"),
        Binding("N", "queue(True)", "Play next", id="concert.play-next"),
        Binding("a", "queue(False)", "Add", id="concert.add"),
        Binding("d", "download", "Download", id="concert.download"),
        Binding("D", "download_as", "Download as…", id="concert.download-as", show=False),
        Binding("t", "tick", "Tick track", id="concert.tick", show=False),
        Binding("f", "favourite", "Favourite", id="concert.favourite"),
        Binding(
            "F", "favourite_track", "Favourite track", id="concert.favourite-track", show=False
        ),
        Binding("L", "to_playlist", "To playlist…", id="concert.to-playlist", show=False),
        Binding("i", "toggle_info", "Notes", id="concert.notes"),
    ]

    def __init__(self, artist: str, date: str) -> None:
        super().__init__()
        self.artist = artist
        self.date = date
        self.concert: Concert | None = None
        self.recording: Recording | None = None
        self.on_disk: frozenset[str] = frozenset()
        self.favourites: set[str] = set()
        self.ticked: set[int] = set()  # 1-based track numbers of the shown recording

    def compose_body(self) -> ComposeResult:
        yield StatusLine(id="concert-title")
        yield FittedTable(
            id="recordings",
            fixed={"src": 4, "stars": 6, "rev": 3, "size": 8, "length": 7, "disk": 1, "fav": 1},
            flexible={"taper": 2, "lineage": 3, "formats": 2},
            zebra_stripes=True,
        )
        with Horizontal(id="concert-body"):
            yield FittedTable(
                id="tracks", fixed={"#": 4, "length": 7, "✓": 1}, flexible={"title": 1}
            )
            with VerticalScroll(id="info"):
                yield Static(id="notes")

    def on_mount(self) -> None:
        self.query_one(
            "#concert-title", StatusLine
        ).message = f"{self.artist} — {self.date}: loading…"
        recordings = self.query_one("#recordings", DataTable)
        for name in ("src", "stars", "rev", "taper", "lineage", "formats", "size", "length"):
            recordings.add_column(name, key=name)
        recordings.add_column("↓", key="disk")
        recordings.add_column("♥", key="fav")
        tracks = self.query_one("#tracks", DataTable)
        for name in ("#", "title", "length", "✓"):
            tracks.add_column(name, key=name)
        self.run_engine(self.load, group="concert")

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < WIDE, "narrow")

    async def load(self) -> None:
        title = self.query_one("#concert-title", StatusLine)
        try:
            concert = await self.engine.concert(self.artist, self.date)
        except Exception:
            title.message = f"{self.artist} — {self.date}: could not be loaded"
            raise
        self.on_disk = await self.engine.downloaded_identifiers()
        self.favourites = {t for _, t in await self.engine.favourites("recording")}
        self.show(concert)

    def show(self, concert: Concert) -> None:
        self.concert = concert
        title = self.query_one("#concert-title", StatusLine)
        place = ", ".join(p for p in (concert.venue, concert.city) if p)
        title.message = " — ".join(p for p in (concert.artist, str(concert.date), place) if p) + (
            f" · {len(concert.recordings)} recording(s)"
        )
        title.online = False if concert.stale else self.liveset.online
        table = self.query_one("#recordings", DataTable)
        table.clear()
        for r in concert.recordings:
            table.add_row(*self.recording_cells(r), key=r.identifier)
        table.styles.height = min(len(concert.recordings), 6) + 2  # the header and the rule
        if concert.recordings:
            self.show_recording(concert.recordings[0])
        self.set_focus(table)

    def recording_cells(self, r: Recording) -> list[str]:
        return [
            kind_label(r.source_kind),
            stars(r.avg_rating),
            str(r.num_reviews),
            r.taper or r.transferer or "-",
            r.lineage or r.source or "-",
            ", ".join(r.formats) or "-",
            size_text(r.total_size),
            clock(r.duration),
            "✓" if r.identifier in self.on_disk else "",
            "♥" if r.identifier in self.favourites else "",
        ]

    def show_recording(self, recording: Recording) -> None:
        if self.recording is not None and self.recording.identifier != recording.identifier:
            self.ticked.clear()
        self.recording = recording
        tracks = self.query_one("#tracks", DataTable)
        tracks.clear()
        part = None
        for track in recording.tracks:
            if track.set_name and track.set_name != part:
                part = track.set_name
                tracks.add_row("", f"── {part} ──", "", "", key=f"set:{part}")
            tracks.add_row(
                str(track.number),
                track.display_title,
                clock(track.duration),
                "✓" if track.number in self.ticked else "",
                key=str(track.number),
            )
        self.query_one("#notes", Static).update(self.notes(recording))

    def notes(self, recording: Recording) -> Content:
        parts = [
            ("Source", recording.source),
            ("Lineage", recording.lineage),
            ("Taper", recording.taper),
            ("Transfer", recording.transferer),
            ("Identifier", recording.identifier),
        ]
        lines = [Content.assemble((f"{name}: ", "bold"), value) for name, value in parts if value]
        for text in (recording.description, recording.notes):
            if text:
                lines += [Content(""), Content(text)]
        for review in recording.reviews:
            head = f"{'★' * (review.stars or 0)} {review.title} — {review.reviewer}, {review.date}"
            lines += [Content(""), Content.styled(head, "bold"), Content(review.body)]
        if not recording.tracks and not recording.description:
            stale = self.concert is not None and self.concert.stale
            lines.append(
                Content(
                    "(no details: not in the cache, and archive.org cannot be reached)"
                    if stale
                    else "(no details: the archive has no metadata for this item)"
                )
            )
        return Content("\n").join(lines)

    @on(DataTable.RowHighlighted, "#recordings")
    def recording_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.concert is None or event.row_key.value is None:
            return
        chosen = next(
            (r for r in self.concert.recordings if r.identifier == event.row_key.value), None
        )
        if chosen is not None and chosen is not self.recording:
            self.show_recording(chosen)

    # --- actions --------------------------------------------------------------------------

    def selected_track(self) -> int | None:
        """The 1-based track number under the tracks cursor, when the tracks have focus."""
        tracks = self.query_one("#tracks", DataTable)
        key = selected_key(tracks)
        if not tracks.has_focus or key is None or not key.isdigit():
            return None
        return int(key)

    @on(DataTable.RowSelected, "#recordings")
    def play_recording(self) -> None:
        self.play(0)

    @on(DataTable.RowSelected, "#tracks")
    def play_track(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if key and key.isdigit():
            self.play(int(key) - 1)

    def play(self, start: int) -> None:
        if self.recording is not None:
            identifier = self.recording.identifier
            self.run_engine(self.engine.queue_add, identifier, play=True, start=start, group="play")

    def action_queue(self, after_current: bool) -> None:
        if self.recording is None:
            return
        self.run_engine(self.queue, self.recording, after_current, group="queue", exclusive=False)

    async def queue(self, recording: Recording, after_current: bool) -> None:
        items = await self.engine.queue_add(recording.identifier, after_current=after_current)
        where = "to play next" if after_current else "to the queue"
        self.notify(f"{len(items)} track(s) of {recording.identifier} added {where}")

    def action_tick(self) -> None:
        """Tick the track under the cursor (for downloading some tracks) and move on."""
        tracks = self.query_one("#tracks", DataTable)
        key = selected_key(tracks)
        if key is not None and key.startswith("set:"):
            tracks.action_cursor_down()  # a set break: tick the set's first track
        number = self.selected_track()
        if number is None or self.recording is None:
            return
        self.ticked ^= {number}
        tracks.update_cell(str(number), "✓", "✓" if number in self.ticked else "")
        tracks.action_cursor_down()

    def action_download(self, format: str | None = None) -> None:
        if self.recording is None:
            return
        tracks = sorted(self.ticked) or None
        self.run_engine(
            self.download, self.recording, format, tracks, group="download", exclusive=False
        )

    def action_download_as(self) -> None:
        if self.recording is None:
            return
        audio = [f for f in self.recording.formats if f in KNOWN_FORMATS] or list(KNOWN_FORMATS)
        self.app.push_screen(FormatPicker(audio), self.picked_format)

    def picked_format(self, format: str | None) -> None:
        if format:
            self.action_download(format)

    async def download(
        self, recording: Recording, format: str | None, tracks: list[int] | None
    ) -> None:
        queued = await self.engine.download(recording.identifier, format=format, tracks=tracks)
        notes = {d.note for d in queued if d.note}
        what = f"{len(queued)} file(s)" if tracks else "the recording"
        self.notify(
            f"Downloading {what} of {recording.identifier}" + "".join(f"\n{n}" for n in notes),
            title="Download queued",
        )

    def action_to_playlist(self) -> None:
        """Add the ticked tracks (or the one under the cursor) to a playlist, picked."""
        if self.recording is None:
            return
        tracks = sorted(self.ticked) or [n for n in [self.selected_track()] if n is not None]
        if tracks:
            self.add_to_playlist(self.recording.identifier, tracks)

    def action_favourite_track(self) -> None:
        """Favourite the performance under the cursor (the show keeps its own favourite)."""
        number = self.selected_track()
        if self.recording is not None and number is not None:
            self.run_engine(
                self.favourite_track, self.recording.identifier, number, group="favourite"
            )

    async def favourite_track(self, identifier: str, number: int) -> None:
        await self.engine.set_track_favourite(identifier, number)
        self.notify(f"Track {number} is a favourite", title="Favourite")

    def action_favourite(self) -> None:
        if self.recording is None:
            return
        identifier = self.recording.identifier
        favourite = identifier not in self.favourites
        self.favourites ^= {identifier}
        self.query_one("#recordings", DataTable).update_cell(
            identifier, "fav", "♥" if favourite else ""
        )
        self.run_engine(
            self.engine.set_favourite, "recording", identifier, favourite, group="favourite"
        )

    def action_toggle_info(self) -> None:
        self.toggle_class("show-info" if self.has_class("narrow") else "hide-info")

    def engine_event(self, event: Event) -> None:
        if isinstance(event, LibraryChanged) and self.concert is not None:
            self.run_engine(self.refresh_on_disk, group="on-disk")

    async def refresh_on_disk(self) -> None:
        self.on_disk = await self.engine.downloaded_identifiers()
        table = self.query_one("#recordings", DataTable)
        for r in self.concert.recordings if self.concert else ():
            table.update_cell(r.identifier, "disk", "✓" if r.identifier in self.on_disk else "")
