"""The app's keys: the bindings that work everywhere, every binding by where it works, and the
user's remapping of them by id."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from textual.binding import Binding, BindingType

if TYPE_CHECKING:
    from engine import Settings

# Keys that act on playback from every screen; they give way to a focused text box.
TRANSPORT = {"play_pause", "next_track", "previous_track", "seek", "volume", "mute"}

EVERYWHERE: list[BindingType] = [
    Binding("1", "switch_mode('browse')", "Browse", id="browse", show=False),
    Binding("2", "switch_mode('downloads')", "Downloads", id="downloads", show=False),
    Binding("3", "switch_mode('library')", "Library", id="library", show=False),
    Binding("4", "switch_mode('queue')", "Queue", id="queue", show=False),
    Binding("5", "switch_mode('discover')", "Discover", id="discover", show=False),
    Binding("6", "switch_mode('playlists')", "Playlists", id="playlists", show=False),
    Binding("space", "play_pause", "Play/pause", id="play-pause", priority=True, show=False),
    Binding("n", "next_track", "Next", id="next", priority=True, show=False),
    Binding("p", "previous_track", "Previous", id="previous", priority=True, show=False),
    Binding("left", "seek(-1)", "Seek back", id="seek-back", priority=True, show=False),
    Binding("right", "seek(1)", "Seek forward", id="seek-forward", priority=True, show=False),
    Binding(
        "plus,equals_sign", "volume(1)", "Volume up", id="volume-up", priority=True, show=False
    ),
    Binding("minus", "volume(-1)", "Volume down", id="volume-down", priority=True, show=False),
    Binding("m", "mute", "Mute", id="mute", priority=True, show=False),
    Binding("r", "repeat", "Repeat", id="repeat", show=False),
    Binding("ctrl+r", "radio", "Radio", id="radio", show=False),
    Binding("question_mark", "help", "Keys", id="help"),
    Binding("ctrl+p", "command_palette", "Commands", id="commands", show=False, priority=True),
    Binding("q", "quit", "Quit", id="quit"),
    Binding("Q", "quit_daemon", "Quit daemon", id="quit-daemon", show=False),
    Binding("U", "sync_catalog", "Sync catalog", id="sync-catalog", show=False),
]


def binding_scopes() -> list[tuple[str, list[Binding]]]:
    """Every binding of the app, by where it works: for the help screen and the keymap. The
    screens are imported here, when first wanted (after the first frame)."""
    import tui.screens.all as screens
    from tui.dialogs import Ask, Confirm, FormatPicker, PlaylistPicker
    from tui.screens.browse import BrowseScreen
    from tui.widgets import FittedTable, SearchBox

    def of(owner: Any) -> list[Binding]:
        return [b for b in owner.BINDINGS if isinstance(b, Binding)]

    return [
        ("everywhere", [b for b in EVERYWHERE if isinstance(b, Binding)]),
        ("browse", of(BrowseScreen)),
        ("concert", of(screens.ConcertScreen)),
        ("downloads", of(screens.DownloadsScreen)),
        ("library", of(screens.LibraryScreen)),
        ("queue", of(screens.QueueScreen)),
        ("discover", of(screens.DiscoverScreen)),
        ("playlists", of(screens.PlaylistsScreen)),
        ("history", of(screens.HistoryScreen)),
        ("stats", of(screens.StatsScreen)),
        ("lists", of(FittedTable)),
        ("search boxes", of(SearchBox)),
        (
            "dialogs",
            of(FormatPicker) + of(Confirm) + of(Ask) + of(PlaylistPicker) + of(screens.HelpScreen),
        ),
    ]


def user_keymap(settings: Settings) -> tuple[dict[str, str], str]:
    """The user's remapping (binding id -> keys) of the ids that exist, and a warning naming
    the ones that do not (``""`` when every id is known)."""
    keymap = dict(settings.keys)
    known = {b.id for _, bindings in binding_scopes() for b in bindings if b.id}
    unknown = sorted(set(keymap) - known)
    warning = ""
    if unknown:
        source = (
            "LIVESET_KEYS"
            if os.environ.get("LIVESET_KEYS")
            else f"[keys] of {settings.config_file}"
        )
        warning = (
            f"Unknown key binding id(s) in {source}: " + ", ".join(unknown) + " (see ? for ids)"
        )
    return {k: v for k, v in keymap.items() if k in known}, warning
