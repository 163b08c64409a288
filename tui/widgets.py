"""Widgets every screen shares: the status line, the now-playing bar, table helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import DataTable, Input, Static

from tui.formatting import bar, clock, fit_text

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from textual.widgets.data_table import RowKey
    from textual.worker import WorkType

    from engine import PlayerState, QueueItem, SourceKind


def as_work(function: Callable[[], Coroutine[Any, Any, None]]) -> WorkType[None]:
    """An async function as Textual's ``run_worker`` types its work (a coroutine that sends and
    yields None); handing over the function, not a coroutine, means a worker cancelled before it
    starts leaves nothing un-awaited."""
    return cast("WorkType[None]", function)


def kind_label(kind: SourceKind) -> str:
    return "-" if kind is type(kind).UNKNOWN else kind.value


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


def plain_cell(value: object) -> object:
    """A cell's text as it is: never read as markup (an archive title such as ``Jam [SBD]``
    would lose its brackets), cut with an ellipsis by cells when the column is narrower."""
    if isinstance(value, str):
        return Text(value, no_wrap=True, overflow="ellipsis", end="")
    return value


class FittedTable(DataTable[Any]):
    """A table whose columns fill its width: ``fixed`` widths, the rest shared by weight.
    Its cells are plain text (see ``plain_cell``). Moves as lists do in a terminal player:
    j and k, g and G, Home and End, besides the arrows and pages."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", id="list.down", show=False),
        Binding("k", "cursor_up", "Up", id="list.up", show=False),
        Binding("g,home", "scroll_top", "First", id="list.first", show=False),
        Binding("G,end", "scroll_bottom", "Last", id="list.last", show=False),
    ]

    def add_row(self, *cells: Any, **options: Any) -> RowKey:
        return super().add_row(*(plain_cell(c) for c in cells), **options)

    def update_cell(self, row_key: Any, column_key: Any, value: Any, **options: Any) -> None:
        super().update_cell(row_key, column_key, plain_cell(value), **options)

    def __init__(
        self,
        *,
        fixed: dict[str, int],
        flexible: dict[str, int],
        id: str,
        zebra_stripes: bool = False,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=zebra_stripes, classes=classes)
        self.fixed = fixed
        self.flexible = flexible

    def on_resize(self) -> None:
        fit_columns(self, self.fixed, self.flexible)


def selected_key(table: DataTable[str]) -> str | None:
    """The row key under the cursor, or ``None`` in an empty table."""
    if not table.row_count:
        return None
    try:
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    except Exception:  # the cursor can sit past the end for a moment after a reload
        return None
    return str(key) if key is not None else None


def follow(widget: Static, **attributes: str) -> None:
    """Keep ``widget``'s reactives equal to the app's (``name=app_attribute``), on whichever
    screen it is, shown or not."""
    for name, source in attributes.items():
        widget.watch(widget.app, source, _setter(widget, name), init=True)


def _setter(widget: Static, name: str) -> Callable[[object], None]:
    # One argument: Textual calls a watcher of two with the old value and the new.
    def copy(value: object) -> None:
        setattr(widget, name, value)

    return copy


class StatusLine(Static):
    """One line: what is shown, and whether the archive is reachable (following the app;
    a screen showing cached answers may say offline on its own)."""

    online: reactive[bool | None] = reactive(None)
    message: reactive[str] = reactive("")

    def on_mount(self) -> None:
        follow(self, online="online")

    def render(self) -> Content:
        if self.online is False:
            return Content.assemble(self.message, "  ", ("offline", "bold"))
        return Content(self.message)


MODES = (
    ("browse", "1", "Browse"),
    ("downloads", "2", "Downloads"),
    ("library", "3", "Library"),
    ("queue", "4", "Queue"),
    ("discover", "5", "Discover"),
    ("playlists", "6", "Lists"),
)


class TopBar(Static):
    """The first line: the app's name, its screens as tabs (the current one lit), offline, and
    a few words while something slow lasts (``status_note``)."""

    mode: reactive[str] = reactive("browse")
    offline: reactive[bool | None] = reactive(False)
    note: reactive[str] = reactive("")
    catalog: reactive[str] = reactive("")
    person: reactive[str] = reactive("")

    def on_mount(self) -> None:
        self.watch(self.app, "online", lambda online: setattr(self, "offline", online is False))
        follow(self, note="status_note", catalog="catalog_note", person="person")

    def render(self) -> Content:
        parts: list[Content | str | tuple[str, str]] = [("liveset", "bold")]
        if self.person:  # a profile other than the login name: whose listening this is
            parts += [" ", (self.person, "bold underline")]
        parts.append("  ")
        for mode, key, name in MODES:
            tab = Content.from_markup(
                f"[@click=app.switch_mode('{mode}')] $key $name [/]", key=key, name=name
            )
            parts.append(tab.stylize("reverse") if mode == self.mode else tab)
        if self.offline:
            parts += ["  ", ("offline", "bold")]
        if self.note:
            parts += ["  ", (self.note, "bold")]
        if self.catalog:
            parts += ["  ", (self.catalog, "dim")]
        return Content.assemble(*parts)


class NowPlayingBar(Static):
    """Artist, date, title; position and duration as a bar; state and volume. Two lines."""

    item: reactive[QueueItem | None] = reactive(None)
    state: reactive[PlayerState | None] = reactive(None)
    position: reactive[float | None] = reactive(None)
    duration: reactive[float | None] = reactive(None)
    note: reactive[str] = reactive("")

    def on_mount(self) -> None:
        follow(
            self,
            item="now_item",
            state="player_state",
            position="position",
            duration="duration",
            note="playback_note",
        )

    def render(self) -> Content:
        width = max(20, self.size.width)
        state = self.state
        name = state.state if state else "stopped"
        symbol = {"playing": "▶", "paused": "❚❚", "stopped": "■"}.get(name, "■")
        item = self.item
        if item is None or name == "stopped":
            first = f"{symbol} {self.note or 'Nothing playing · space plays the queue · ? lists every key'}"
        else:
            where = " — ".join(p for p in (item.artist, item.album) if p)
            first = f"{symbol} {item.title}" + (f"  ·  {where}" if where else "")
        volume = ""
        if state is not None:
            volume = "muted" if state.muted else f"vol {state.volume:.0f}"
            if state.repeat != "off":
                volume = f"repeat {state.repeat}  {volume}"
            if state.radio:
                volume = f"radio  {volume}"
        first = fit_text(first, width - len(volume) - 1) + " " + volume
        position = self.position if name != "stopped" else None
        duration = self.duration or (item.duration if item else None)
        left, right = clock(position) if position else "0:00", clock(duration)
        inner = width - len(left) - len(right) - 2
        fraction = (position or 0) / duration if duration else 0.0
        return Content(f"{first}\n{left} {bar(fraction, inner)} {right}")


class SearchBox(Input):
    """A search box that remembers, for its person: what is searched (Enter, or leaving the
    box with words in it) is kept; up and down bring back earlier searches, ctrl+d forgets
    the one shown."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "recall(1)", "Earlier search", id="search.earlier", show=False),
        Binding("down", "recall(-1)", "Later search", id="search.later", show=False),
        Binding("ctrl+d", "forget", "Forget this search", id="search.forget", show=False),
    ]

    def __init__(self, scope: str, **options: Any) -> None:
        super().__init__(**options)
        self.scope = scope
        self.past: list[str] = []
        self.at = -1  # which of ``past`` is shown; -1 is what is being typed

    def _host(self) -> Any:
        from tui.host import host_of

        return host_of(self.app)

    def on_focus(self) -> None:
        self.run_worker(self._load(), group="search-history", exclusive=True, exit_on_error=False)

    async def _load(self) -> None:
        host = self._host()
        await host.started.wait()
        self.past = list(await host.engine.search_history(self.scope))
        self.at = -1

    def action_recall(self, step: int) -> None:
        if not self.past:
            return
        self.at = max(-1, min(len(self.past) - 1, self.at + step))
        self.value = "" if self.at < 0 else self.past[self.at]
        self.cursor_position = len(self.value)

    @on(Input.Submitted)
    def keep(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if text:
            self.past = [text, *(p for p in self.past if p != text)]
            self.at = -1
            self.run_worker(self._keep(text), group="search-keep", exit_on_error=False)

    async def _keep(self, text: str) -> None:
        host = self._host()
        await host.started.wait()
        await host.engine.remember_search(self.scope, text)

    def action_forget(self) -> None:
        text = self.value.strip()
        if not text or text not in self.past:
            return
        self.past.remove(text)
        self.at = -1
        self.value = ""
        self.run_worker(self._forget(text), group="search-keep", exit_on_error=False)
        self.notify(f"Forgot the search {text!r}", timeout=3)

    async def _forget(self, text: str) -> None:
        host = self._host()
        await host.started.wait()
        await host.engine.forget_search(self.scope, text)
