"""What you listened to: the history of every play (newest first, filtered by artist and by
skipped), and the stats with charts (hours a week as a sparkline, the tops as bars)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Input, Sparkline, Static

from tui.formatting import bar, clock, plural, size_text
from tui.screens.base import LivesetScreen
from tui.widgets import FittedTable, StatusLine

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from engine import ListeningStats, Tally

DEBOUNCE = 0.25


class HistoryScreen(LivesetScreen):
    """Every play, newest first."""

    AUTO_FOCUS = "#history"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="history.back"),
        Binding("slash", "focus_search", "Artist", id="history.artist", priority=True),
        Binding("s", "skipped", "Skipped only", id="history.skipped"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.skipped_only = False

    def compose_body(self) -> ComposeResult:
        yield Input(placeholder="Plays of the artist…", id="history-artist")
        yield StatusLine(id="history-status")
        yield FittedTable(
            id="history",
            fixed={"when": 16, "heard": 7, "how": 8},
            flexible={"artist": 2, "title": 3},
            zebra_stripes=True,
        )

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one("#history", DataTable)
        for name in ("when", "artist", "title", "heard", "how"):
            table.add_column(name, key=name)
        self.reload()

    def action_focus_search(self) -> None:
        self.set_focus(self.query_one("#history-artist", Input))

    def action_skipped(self) -> None:
        self.skipped_only = not self.skipped_only
        self.reload()

    @on(Input.Changed, "#history-artist")
    def artist_changed(self) -> None:
        self.reload(delay=DEBOUNCE)

    @on(Input.Submitted, "#history-artist")
    def artist_given(self) -> None:
        self.set_focus(self.query_one("#history", DataTable))

    def reload(self, delay: float = 0.0) -> None:
        self.run_engine(self.read, delay, group="history")

    async def read(self, delay: float) -> None:
        if delay:
            import asyncio

            await asyncio.sleep(delay)
        artist = self.query_one("#history-artist", Input).value.strip()
        plays = await self.engine.history(artist=artist, skipped_only=self.skipped_only, limit=500)
        table = self.query_one("#history", DataTable)
        table.clear()
        for n, p in enumerate(plays):
            table.add_row(
                time.strftime("%Y-%m-%d %H:%M", time.localtime(p.started_at)),
                p.artist,
                p.title,
                clock(p.seconds),
                "finished" if p.completed else "skipped" if p.skipped else "partly",
                key=str(n),
            )
        which = " skipped" if self.skipped_only else ""
        of = f" of {artist}" if artist else ""
        status = self.query_one("#history-status", StatusLine)
        status.message = f"{plural(len(plays), 'play')}{which}{of}, newest first · s skipped only"


class StatsScreen(LivesetScreen):
    """Your listening in charts."""

    AUTO_FOCUS = "#stats-body"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="stats.back"),
    ]

    def compose_body(self) -> ComposeResult:
        yield StatusLine(id="stats-status")
        with VerticalScroll(id="stats-body"):
            yield Static("Hours a week, the last 52 weeks", classes="stats-title")
            yield Sparkline([], id="stats-weeks")
            yield Static(id="stats-text")

    def on_mount(self) -> None:
        super().on_mount()
        self.run_engine(self.read, group="stats")

    async def read(self) -> None:
        found = await self.engine.listening_stats()
        self.query_one("#stats-weeks", Sparkline).data = list(found.weeks)
        self.query_one("#stats-text", Static).update(stats_text(found))
        total = found.finished + found.skipped + found.partly
        self.query_one("#stats-status", StatusLine).message = (
            f"{sum(found.weeks):.1f} h in the last year · {plural(total, 'play')}: "
            f"{found.finished} finished, {found.skipped} skipped"
        )


def stats_text(found: ListeningStats) -> str:
    """The tops and the rest as lines of text with bars (what reads under NO_COLOR too)."""
    lines = [f"this week {found.weeks[-1]:.1f} h · the most in a week {max(found.weeks):.1f} h"]

    def section(title: str, tallies: tuple[Tally, ...]) -> None:
        if not tallies:
            return
        lines.extend(["", title])
        longest = max(t.seconds for t in tallies) or 1.0
        width = min(32, max(len(t.name) for t in tallies))
        for t in tallies:
            name = t.name if len(t.name) <= width else t.name[: width - 1] + "…"
            lines.append(
                f"  {name:<{width}}  {bar(t.seconds / longest, 10)}  {t.seconds / 3600:5.1f} h"
                f"  {plural(t.plays, 'play')}"
            )

    section("Top artists", found.artists)
    section("Top shows", found.shows)
    section("Top songs", found.songs)
    section("Venues", found.venues)
    section("Years of the shows", found.years)
    if found.downloads:
        lines.extend(["", "Downloads by month"])
        lines += [f"  {m}  {plural(n, 'file')}  {size_text(b)}" for m, n, b in found.downloads]
    if len(lines) == 1:
        lines.append("Nothing played yet: the charts fill as you listen.")
    return "\n".join(lines)
