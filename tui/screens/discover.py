"""Discover: the person's own (favourites, recent, most played), then rows of picks scored
locally, each saying why; and "describe it", a phrase ranked into concerts."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Input

import engine as engine_package
from tui.screens.base import LivesetScreen
from tui.widgets import FittedTable, StatusLine, selected_key

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from engine import Description, Discover, Event, Pick

HEADER = "row:"  # the key prefix of a row's title line


class DiscoverScreen(LivesetScreen):
    AUTO_FOCUS = "#picks"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Open", id="discover.open"),
        Binding("P", "play", "Play", id="discover.play"),
        Binding("a", "queue", "Add", id="discover.add"),
        Binding("d", "download", "Download", id="discover.download"),
        Binding("f", "favourite", "Favourite", id="discover.favourite", show=False),
        Binding("l", "rate(1)", "Like", id="discover.like"),
        Binding("D", "rate(-1)", "Dislike", id="discover.dislike"),
        Binding("x", "not_interested", "Not for me", id="discover.not-interested"),
        Binding("slash", "focus_search", "Describe", id="discover.describe", priority=True),
        Binding("escape", "clear_search", "Clear", id="discover.clear", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.picks: dict[str, Pick] = {}  # by identifier, as shown
        self.description: Description | None = None
        self.discover: Discover | None = None

    def compose_body(self) -> ComposeResult:
        yield Input(
            placeholder="Describe it: mellow acoustic soundboard 1972 northeast · dead 77 sbd",
            id="describe",
        )
        yield StatusLine(id="discover-status")
        yield FittedTable(id="picks", fixed={}, flexible={"concert": 5, "why": 4})

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one("#picks", DataTable)
        for name in ("concert", "why"):
            table.add_column(name, key=name)
        self.reload()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if self.discover is not None and self.description is None:
            self.reload()  # what was played meanwhile counts

    def reload(self) -> None:
        self.run_engine(self.load, group="discover")

    def say(self, text: str) -> None:
        self.query_one("#discover-status", StatusLine).message = text

    async def load(self) -> None:
        if self.discover is None:
            self.say("Scoring the catalog for you… (the first time after a sync, up to a minute)")
        found = await self.engine.discover()
        self.discover = found
        if self.description is None:
            self.show_rows(
                [(r.title, r.why, r.picks) for r in found.rows], found.note or self.summary(found)
            )

    @staticmethod
    def summary(found: Discover) -> str:
        picks = sum(len(r.picks) for r in found.rows)
        rows = len(found.rows)
        return (
            f"{picks} pick{'s' if picks != 1 else ''} in {rows} row{'s' if rows != 1 else ''}, "
            "scored here · / describes what you want"
        )

    def show_rows(self, rows: list[tuple[str, str, tuple[Pick, ...]]], status: str) -> None:
        table = self.query_one("#picks", DataTable)
        cursor = selected_key(table)
        table.clear()
        self.picks = {}
        for number, (title, why, picks) in enumerate(rows):
            fresh = [p for p in picks if p.recording.identifier not in self.picks]
            if not fresh:
                continue  # a row key is unique: a pick is shown once, in its first row
            table.add_row(
                Text(f"── {title}", style="bold"), Text(why, style="dim"), key=f"{HEADER}{number}"
            )
            for pick in fresh:
                recording = pick.recording
                self.picks[recording.identifier] = pick
                where = ", ".join(p for p in (recording.venue, recording.city) if p)
                concert = f"{recording.date or '????-??-??'}  {recording.artist}"
                table.add_row(
                    concert + (f" · {where}" if where else ""),
                    " · ".join(pick.reasons),
                    key=recording.identifier,
                )
        if not self.picks:
            table.add_row("nothing to show yet", "", key=f"{HEADER}empty")
        if cursor in self.picks:
            table.move_cursor(row=table.get_row_index(cursor))
        elif self.picks:
            table.move_cursor(row=table.get_row_index(next(iter(self.picks))))
        self.say(status)

    # --- describe it --------------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.set_focus(self.query_one("#describe", Input))

    def action_clear_search(self) -> None:
        box = self.query_one("#describe", Input)
        if box.value or self.description is not None:
            box.value = ""
            self.description = None
            self.set_focus(self.query_one("#picks", DataTable))
            if self.discover is not None:
                found = self.discover
                self.show_rows(
                    [(r.title, r.why, r.picks) for r in found.rows],
                    found.note or self.summary(found),
                )
            self.reload()

    @on(Input.Submitted, "#describe")
    def described(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.action_clear_search()
            return
        self.say(f"Reading “{text}”…")
        self.run_engine(self.describe, text, group="describe")

    async def describe(self, text: str) -> None:
        found = await self.engine.describe(text)
        self.description = found
        read = " · ".join(f"{name}: {', '.join(values)}" for name, values in found.reading)
        title = f"Described: {text}"
        self.show_rows(
            [(title, read or "nothing read", found.picks)],
            f"Read as {read}" if read else "Nothing in it liveset knows; esc goes back",
        )
        self.set_focus(self.query_one("#picks", DataTable))

    # --- the pick under the cursor ------------------------------------------------------

    def current(self) -> Pick | None:
        key = selected_key(self.query_one("#picks", DataTable))
        return self.picks.get(key) if key is not None else None

    @on(DataTable.RowSelected, "#picks")
    def open_pick(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        pick = self.picks.get(str(key)) if key is not None else None
        if pick is not None and pick.recording.date is not None:
            self.liveset.open_concert(pick.recording.artist, str(pick.recording.date))

    def action_play(self) -> None:
        if (pick := self.current()) is not None:
            self.run_engine(self.queue, pick, True, group="queue", exclusive=False)

    def action_queue(self) -> None:
        if (pick := self.current()) is not None:
            self.run_engine(self.queue, pick, False, group="queue", exclusive=False)

    async def queue(self, pick: Pick, play: bool) -> None:
        items = await self.engine.queue_add(pick.recording.identifier, play=play)
        if not play:
            self.notify(f"{len(items)} track(s) of {pick.recording.identifier} added to the queue")

    def action_download(self) -> None:
        if (pick := self.current()) is not None:
            self.run_engine(self.download, pick, group="download", exclusive=False)

    async def download(self, pick: Pick) -> None:
        queued = await self.engine.download(pick.recording.identifier)
        self.notify(
            f"Downloading {pick.recording.identifier} ({len(queued)} files)",
            title="Download queued",
        )

    def action_favourite(self) -> None:
        if (pick := self.current()) is not None:
            self.run_engine(self.feedback, "favourite", pick, group="feedback", exclusive=False)

    def action_rate(self, rating: int) -> None:
        if (pick := self.current()) is not None:
            what = "like" if rating > 0 else "dislike"
            self.run_engine(self.feedback, what, pick, group="feedback", exclusive=False)

    def action_not_interested(self) -> None:
        if (pick := self.current()) is not None:
            table = self.query_one("#picks", DataTable)
            table.remove_row(pick.recording.identifier)  # gone at once; the rest re-ranks
            self.picks.pop(pick.recording.identifier, None)
            self.run_engine(self.feedback, "hide", pick, group="feedback", exclusive=False)

    async def feedback(self, what: str, pick: Pick) -> None:
        identifier = pick.recording.identifier
        if what == "favourite":
            await self.engine.set_favourite("recording", identifier, True)
            said = "Favourite"
        elif what == "hide":
            await self.engine.set_not_interested("recording", identifier)
            said = "Not recommended again"
        else:
            await self.engine.set_rating("recording", identifier, 1 if what == "like" else -1)
            said = "Liked" if what == "like" else "Disliked"
        self.notify(f"{said}: {pick.recording.artist} {pick.recording.date or ''}", timeout=3)
        if self.description is not None:
            await self.describe(self.description.text)
        else:
            await self.load()

    def engine_event(self, event: Event) -> None:
        if isinstance(event, engine_package.CatalogSynced) and not event.error:
            self.reload()
