"""The download queue: every recording and its files, with progress, speed and ETA."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import ListItem, ListView, Static

from engine import (
    DownloadProgress,
    DownloadsChanged,
    DownloadsHeld,
    DownloadState,
    LibraryChanged,
    group_downloads,
)
from tui.dialogs import Confirm
from tui.formatting import bar, eta_text, fit_text, size_text, speed_text
from tui.screens.base import LivesetScreen
from tui.widgets import StatusLine

if TYPE_CHECKING:
    from textual import events
    from textual.app import ComposeResult

    from engine import Download, Event, RecordingDownload

BAR = 6
COLUMNS = ["name", "state", "progress", "size", "speed", "eta"]
FIXED = [9, BAR + 5, 8, 10, 7]  # state, progress, size, speed, eta; the name takes the rest
SEP = 2


def line(cells: list[str], widths: list[int]) -> str:
    """One row of columns: each cell cut (with …) or padded to its width."""
    return (" " * SEP).join(fit_text(c, w) for c, w in zip(cells, widths, strict=True))


def progress_cell(fraction: float) -> str:
    return f"{bar(fraction, BAR)} {fraction * 100:3.0f}%"


class DownloadLine(ListItem):
    """One recording or file of the queue: a single line that redraws alone."""

    def __init__(self, key: str, cells: list[str], widths: list[int]) -> None:
        super().__init__(Static(Content(line(cells, widths))))
        self.key = key
        self.cells = cells
        if key.startswith("rec:"):
            self.add_class("recording")

    def show(self, cells: list[str], widths: list[int], *, force: bool = False) -> None:
        if force or cells != self.cells:
            self.cells = cells
            self.query_one(Static).update(Content(line(cells, widths)))


def shared_note(recording: RecordingDownload) -> str:
    """A note every track of a recording has (a format fallback): said once, on its line."""
    notes = {f.note for f in recording.files if f.kind == "track"}
    return next(iter(notes)) if len(notes) == 1 else ""


class DownloadsScreen(LivesetScreen):
    """Recordings in the queue, each followed by its files."""

    AUTO_FOCUS = "#downloads"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("P", "pause", "Pause/resume", id="downloads.pause"),
        Binding("c", "cancel", "Cancel", id="downloads.cancel"),
        Binding("R", "retry", "Retry", id="downloads.retry"),
        Binding("X", "remove", "Remove from disk", id="downloads.remove"),
        Binding("F", "clear_finished", "Clear finished", id="downloads.clear-finished", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.downloads: dict[int, Download] = {}
        self.free = 0
        self.music_size = -1  # re-read when the library changed
        self.notes: dict[str, str] = {}  # the note every file of a recording has, by identifier

    def compose_body(self) -> ComposeResult:
        yield StatusLine(id="totals")
        yield Static(id="downloads-header")
        yield ListView(id="downloads")

    def on_mount(self) -> None:
        self.reload()

    def on_resize(self, event: events.Resize) -> None:
        widths = self.widths()
        self.query_one("#downloads-header", Static).update(Content(line(COLUMNS, widths)))
        for row in self.query(DownloadLine):
            row.show(row.cells, widths, force=True)

    def widths(self) -> list[int]:
        """Column widths: the name takes what the others leave."""
        space = self.query_one("#downloads", ListView).size.width or self.size.width
        return [max(12, space - sum(FIXED) - SEP * len(FIXED) - 2), *FIXED]

    def reload(self) -> None:
        self.run_engine(self.load, group="downloads")

    async def load(self) -> None:
        downloads = await self.engine.downloads()
        self.free = await self.engine.free_space()
        if self.music_size < 0:
            self.music_size = (await self.engine.library_stats()).size
        self.downloads = {d.id: d for d in downloads}
        self.show()

    def show(self) -> None:
        """Lines for every recording and file; kept in place when only their values changed,
        so each refresh redraws just the lines that changed."""
        wanted: list[tuple[str, list[str]]] = []
        for recording in group_downloads(tuple(self.downloads.values())):
            note = self.notes[recording.identifier] = shared_note(recording)
            wanted.append((f"rec:{recording.identifier}", self.recording_cells(recording)))
            wanted += [(f"file:{d.id}", self.file_cells(d, note)) for d in recording.files]
        listing = self.query_one("#downloads", ListView)
        rows = list(self.query(DownloadLine))
        widths = self.widths()
        if [r.key for r in rows] == [key for key, _ in wanted]:
            for row, (_, cells) in zip(rows, wanted, strict=True):
                row.show(cells, widths)
        else:
            cursor = self.selected_key()
            listing.clear()
            listing.extend(DownloadLine(key, cells, widths) for key, cells in wanted)
            keys = [key for key, _ in wanted]
            if keys:
                index = keys.index(cursor) if cursor in keys else 0
                self.call_after_refresh(setattr, listing, "index", index)
        self.show_totals()

    def shown_rows(self) -> list[list[str]]:
        """What the list shows, cell by cell."""
        return [list(row.cells) for row in self.query(DownloadLine)]

    def selected_key(self) -> str | None:
        child = self.query_one("#downloads", ListView).highlighted_child
        return child.key if isinstance(child, DownloadLine) else None

    def show_totals(self) -> None:
        states = [d.state for d in self.downloads.values()]
        counts = [
            f"{states.count(s)} {s.value}"
            for s in (
                DownloadState.RUNNING,
                DownloadState.QUEUED,
                DownloadState.PAUSED,
                DownloadState.FAILED,
            )
            if s in states
        ]
        left = sum(
            max(0, (d.size or 0) - d.bytes_done)
            for d in self.downloads.values()
            if d.state is not DownloadState.CANCELLED
        )
        speed = sum(d.speed for d in self.downloads.values() if d.state is DownloadState.RUNNING)
        parts = counts or ["nothing queued"]
        if self.engine.downloads_held():
            parts.insert(0, "waiting for disk space")
        if left:
            parts.append(f"{size_text(left)} to go at {speed_text(speed)}")
        free = f"{size_text(self.free)} free" if self.free > 0 else "no space left"
        parts.append(f"music {size_text(self.music_size)}, {free}")
        self.query_one("#totals", StatusLine).message = " · ".join(parts)

    def recording_cells(self, r: RecordingDownload) -> list[str]:
        fraction = (
            r.bytes_done / r.size if r.size else (1.0 if r.state is DownloadState.DONE else 0.0)
        )
        named = next((f for f in r.files if f.artist), None)
        name = f"{named.artist} {named.album}" if named else r.identifier
        note = self.notes.get(r.identifier, "")
        running = r.state is DownloadState.RUNNING
        return [
            f"{name}  ({r.done}/{len(r.files)})" + (f"  ({note})" if note else ""),
            r.state.value,
            progress_cell(fraction),
            size_text(r.size),
            speed_text(r.speed) if running else "-",
            eta_text(r.eta) if running else "-",
        ]

    def file_cells(self, d: Download, shared: str = "") -> list[str]:
        fraction = d.fraction or 0.0
        name = d.title or d.file_name
        if d.track_number:
            name = f"{d.track_number:02d} {name}"
        detail = d.error or (d.note if d.note != shared else "")
        running = d.state is DownloadState.RUNNING
        return [
            f"  {name}" + (f"  ({detail})" if detail else ""),
            d.state.value,
            progress_cell(fraction),
            size_text(d.size),
            speed_text(d.speed) if running else "-",
            eta_text(d.eta) if running else "-",
        ]

    def engine_event(self, event: Event) -> None:
        if isinstance(event, DownloadProgress):
            self.progress(event)
        elif isinstance(event, LibraryChanged):
            self.music_size = -1
            self.reload()
        elif isinstance(event, (DownloadsChanged, DownloadsHeld)):
            self.reload()

    def progress(self, event: DownloadProgress) -> None:
        rows = {row.key: row for row in self.query(DownloadLine)}
        widths = self.widths()
        touched: set[str] = set()
        for p in event.files:
            old = self.downloads.get(p.download_id)
            if old is None or old.state not in (DownloadState.QUEUED, DownloadState.RUNNING):
                continue  # a late tick for a file just paused or cancelled: it stays so
            new = dataclasses.replace(
                old,
                bytes_done=p.bytes_done,
                size=p.size or old.size,
                speed=p.speed,
                state=DownloadState.RUNNING,
            )
            self.downloads[p.download_id] = new
            if (row := rows.get(f"file:{new.id}")) is not None:
                row.show(self.file_cells(new, self.notes.get(new.identifier, "")), widths)
            touched.add(new.identifier)
        moving = tuple(d for d in self.downloads.values() if d.identifier in touched)
        for recording in group_downloads(moving):
            if (row := rows.get(f"rec:{recording.identifier}")) is not None:
                row.show(self.recording_cells(recording), widths)
        self.show_totals()

    # --- actions on the row under the cursor ----------------------------------------------

    def selected_ids(self) -> tuple[str | None, list[int]]:
        """The selected recording's identifier (for a recording row) and the download ids."""
        key = self.selected_key()
        if key is None:
            return None, []
        kind, _, value = key.partition(":")
        if kind == "rec":
            return value, [d.id for d in self.downloads.values() if d.identifier == value]
        return None, [int(value)]

    def action_pause(self) -> None:
        _, ids = self.selected_ids()
        running = [
            i
            for i in ids
            if self.downloads[i].state in (DownloadState.QUEUED, DownloadState.RUNNING)
        ]
        if running:
            self.run_engine(self.engine.pause_downloads, running, group="pause", exclusive=False)
        elif ids:
            self.run_engine(self.engine.resume_downloads, ids, group="pause", exclusive=False)

    def action_cancel(self) -> None:
        _, ids = self.selected_ids()
        if ids:
            self.run_engine(self.engine.cancel_downloads, ids, group="cancel", exclusive=False)

    def action_retry(self) -> None:
        _, ids = self.selected_ids()
        if ids:
            self.run_engine(self.engine.retry_downloads, ids, group="retry", exclusive=False)

    def action_clear_finished(self) -> None:
        self.run_engine(self.clear_finished, group="clear-finished")

    async def clear_finished(self) -> None:
        cleared = await self.engine.clear_finished_downloads()
        self.notify(
            f"Cleared {cleared} finished recording(s) from the list; their files stay"
            if cleared
            else "Nothing finished to clear"
        )

    def action_remove(self) -> None:
        identifier, ids = self.selected_ids()
        if identifier is None and ids:
            identifier = self.downloads[ids[0]].identifier
        if identifier is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_engine(self.remove_recording, identifier, group="remove", exclusive=False)

        self.app.push_screen(Confirm(f"Remove {identifier} from disk?"), answered)

    async def remove_recording(self, identifier: str) -> None:
        removed = await self.engine.remove_download(identifier)
        self.notify(f"Removed {removed} file(s) of {identifier}")
