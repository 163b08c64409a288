"""The play queue: jump, reorder, remove, clear, shuffle."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from engine import NowPlayingChanged, PlayerStateChanged, QueueChanged
from tui.formatting import clock
from tui.screens.base import LivesetScreen
from tui.widgets import FittedTable, StatusLine

if TYPE_CHECKING:
    from textual.app import ComposeResult

    from engine import Event, QueueItem


class QueueScreen(LivesetScreen):
    """What plays next, in order; ▶ marks the current entry."""

    AUTO_FOCUS = "#queue"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Jump", id="queue.jump"),
        Binding("K,shift+up", "move(-1)", "Move up", id="queue.move-up"),
        Binding("J,shift+down", "move(1)", "Move down", id="queue.move-down"),
        Binding("x,delete", "remove", "Remove", id="queue.remove"),
        Binding("C", "clear", "Clear", id="queue.clear"),
        Binding("u", "undo_clear", "Undo clear", id="queue.undo", show=False),
        Binding("z", "shuffle", "Shuffle", id="queue.shuffle"),
        Binding("f", "now_playing", "Now playing", id="queue.now-playing", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.cleared: tuple[QueueItem, ...] = ()  # what C took away, for u
        self.playing: int | None = None

    def compose_body(self) -> ComposeResult:
        yield StatusLine(id="queue-status")
        yield FittedTable(
            id="queue",
            fixed={"#": 4, "▶": 1, "length": 7},
            flexible={"title": 3, "artist": 2, "album": 3},
            zebra_stripes=True,
        )

    def on_mount(self) -> None:
        table = self.query_one("#queue", DataTable)
        for name in ("#", "▶", "title", "artist", "album", "length"):
            table.add_column(name, key=name)
        self.show()

    def show(self) -> None:
        """Re-read the queue and the current entry from the player."""
        items, index = self.liveset.queue_snapshot()
        table = self.query_one("#queue", DataTable)
        row = table.cursor_row
        table.clear()
        for i, item in enumerate(items):
            mark = "▶" if i == index else ""
            table.add_row(
                str(i + 1),
                mark,
                item.title,
                item.artist,
                item.album,
                clock(item.duration),
                key=str(i),
            )
        if items:
            # The cursor follows the playing entry from one track to the next, unless the user
            # has moved it elsewhere.
            follow = index is not None and index != self.playing and row == (self.playing or 0)
            table.move_cursor(
                row=index if follow and index is not None else min(row, len(items) - 1)
            )
        self.playing = index
        total = sum(item.duration or 0 for item in items)
        state = self.liveset.player_state
        repeat = f" · repeat {state.repeat}" if state and state.repeat != "off" else ""
        self.query_one("#queue-status", StatusLine).message = (
            f"{len(items)} track(s) · {clock(total)}{repeat}"
            if items
            else "The queue is empty: add a concert with a or N"
        )

    def engine_event(self, event: Event) -> None:
        if isinstance(event, (QueueChanged, NowPlayingChanged, PlayerStateChanged)):
            self.show()

    def selected(self) -> int | None:
        table = self.query_one("#queue", DataTable)
        return table.cursor_row if table.row_count else None

    @on(DataTable.RowSelected, "#queue")
    def jump(self, event: DataTable.RowSelected) -> None:
        self.run_engine(self.engine.play, event.cursor_row, group="play")

    def action_move(self, step: int) -> None:
        index = self.selected()
        table = self.query_one("#queue", DataTable)
        if index is None or not 0 <= index + step < table.row_count:
            return
        self.run_engine(self.engine.queue_move, index, index + step, group="move", exclusive=False)
        table.move_cursor(row=index + step)

    def action_remove(self) -> None:
        index = self.selected()
        if index is not None:
            self.run_engine(self.engine.queue_remove, index, group="remove", exclusive=False)

    def action_clear(self) -> None:
        items, _index = self.liveset.queue_snapshot()
        if not items:
            return
        self.cleared = items
        self.run_engine(self.engine.queue_clear, group="clear")
        self.notify(f"Cleared {len(items)} track(s); u brings them back", title="Queue")

    def action_undo_clear(self) -> None:
        if not self.cleared:
            self.notify("Nothing to bring back", title="Queue")
            return
        items, self.cleared = self.cleared, ()
        self.run_engine(self.engine.queue_insert, list(items), group="undo")

    def action_now_playing(self) -> None:
        _items, index = self.liveset.queue_snapshot()
        if index is None:
            self.notify("Nothing is playing", title="Queue")
            return
        self.query_one("#queue", DataTable).move_cursor(row=index)

    def action_shuffle(self) -> None:
        self.run_engine(self.engine.shuffle, group="shuffle")
