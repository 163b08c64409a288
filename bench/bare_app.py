"""The floor for the app benchmark: a bare Textual app that shows one DataTable.

It draws a table of 100 rows and a footer; ``?`` opens a box with a table of 50 rows, the work
liveset's help screen does.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer


class Answer(ModalScreen[None]):
    """What ``?`` opens: a table of 50 rows in a box, the work liveset's help screen does."""

    CSS = "Answer { align: center middle; } DataTable { width: 90%; height: 85%; border: round; }"

    def compose(self) -> ComposeResult:
        table: DataTable[str] = DataTable(cursor_type="row")
        table.border_title = "key handled here"
        yield table

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("where", "key", "does", "id")
        for n in range(50):
            table.add_row("everywhere", str(n), f"action {n}", f"action-{n}")
        table.focus()


class BareApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "answer", "Answer"),
        Binding("q", "quit", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("date", "artist", "venue")
        for n in range(100):
            table.add_row(f"1977-05-{n % 28 + 1:02d}", f"Band {n}", f"Venue {n}")

    def action_answer(self) -> None:
        self.push_screen(Answer())


if __name__ == "__main__":
    BareApp().run()
