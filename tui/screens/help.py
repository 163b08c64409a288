"""Every key binding of the app, by where it works, with the id to remap it by."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import DataTable

if TYPE_CHECKING:
    from textual.app import ComposeResult


def key_label(keys: str) -> str:
    """``K,shift+up`` → ``K / shift+↑``."""
    names = {
        "up": "↑",
        "down": "↓",
        "left": "←",
        "right": "→",
        "slash": "/",
        "question_mark": "?",
        "plus": "+",
        "minus": "-",
        "equals_sign": "=",
        "space": "space",
        "escape": "esc",
    }
    parts = []
    for key in keys.split(","):
        *mods, name = key.strip().split("+")
        parts.append("+".join([*mods, names.get(name, name)]))
    return " / ".join(parts)


class HelpScreen(ModalScreen[None]):
    """A table of scopes, keys, what they do and their ids; Escape or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, scopes: list[tuple[str, list[Binding]]], keymap: dict[str, str]) -> None:
        super().__init__()
        self.scopes = scopes
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        table: DataTable[str] = DataTable(id="help", cursor_type="row", zebra_stripes=True)
        table.border_title = 'Keys (remap them in the config file: \\[keys] id = "key")'
        yield table

    def on_mount(self) -> None:
        table = self.query_one("#help", DataTable)
        table.add_columns("where", "key", "does", "id")
        for scope, bindings in self.scopes:
            for binding in bindings:
                keys = self.keymap.get(binding.id or "", binding.key)
                table.add_row(
                    scope, key_label(keys), binding.description or binding.action, binding.id or ""
                )
        self.set_focus(table)
