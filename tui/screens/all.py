"""The screens the app opens after the first one, imported together when first wanted."""

from tui.screens.concert import ConcertScreen
from tui.screens.discover import DiscoverScreen
from tui.screens.downloads import DownloadsScreen
from tui.screens.help import HelpScreen
from tui.screens.library import LibraryScreen
from tui.screens.listening import HistoryScreen, StatsScreen
from tui.screens.playlists import PlaylistsScreen
from tui.screens.queue import QueueScreen

__all__ = [
    "ConcertScreen",
    "DiscoverScreen",
    "DownloadsScreen",
    "HelpScreen",
    "HistoryScreen",
    "LibraryScreen",
    "PlaylistsScreen",
    "QueueScreen",
    "StatsScreen",
]
