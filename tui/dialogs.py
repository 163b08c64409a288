"""The dialogs any screen may open: a yes/no question, a choice of download format, a name
asked for, and a choice of playlist."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList

if TYPE_CHECKING:
    from textual.app import ComposeResult


class Confirm(ModalScreen[bool]):
    """A yes/no question; y or Enter on Yes confirms, n or Escape declines."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "dismiss(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "dismiss(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Label(self.question)
            with Horizontal(id="confirm-buttons"):
                yield Button("Yes (y)", id="yes", variant="error")
                yield Button("No (n)", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class FormatPicker(ModalScreen[str | None]):
    """Choose the format of a download; Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="format.cancel")
    ]

    def __init__(self, formats: list[str]) -> None:
        super().__init__()
        self.formats = formats

    def compose(self) -> ComposeResult:
        picker = OptionList(*self.formats, id="formats")
        picker.border_title = "Download as"
        yield picker

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.formats[event.option_index])


class Ask(ModalScreen[str | None]):
    """One line of text asked for (a playlist's name); Enter gives it, Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="ask.cancel")
    ]

    def __init__(self, question: str, value: str = "") -> None:
        super().__init__()
        self.question = question
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="ask"):
            yield Label(self.question)
            yield Input(self.value, id="answer")

    @on(Input.Submitted)
    def given(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)


NEW_PLAYLIST = "+ New playlist…"


class PlaylistPicker(ModalScreen[str | None]):
    """Which playlist to add to (or a new one, by name); Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="playlist-picker.cancel")
    ]

    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self.names = [*names, NEW_PLAYLIST]

    def compose(self) -> ComposeResult:
        picker = OptionList(*self.names, id="playlist-picker")
        picker.border_title = "Add to playlist"
        yield picker

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        name = self.names[event.option_index]
        if name != NEW_PLAYLIST:
            self.dismiss(name)
            return

        def named(answer: str | None) -> None:
            self.dismiss(answer)

        self.app.push_screen(Ask("Name of the new playlist"), named)
