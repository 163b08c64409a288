"""liveset's engine: everything that lasts longer than a screen.

The TUI imports only this package root. ``engine`` never imports ``textual`` or ``rich``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from engine.archive.query import SearchTerms, parse_search
from engine.config import KNOWN_FORMATS, Settings, load_settings
from engine.errors import (
    ArchiveError,
    ArchiveResponseError,
    ArchiveUnavailable,
    ConfigError,
    DiskSpaceError,
    DownloadError,
    EngineError,
    NotFoundError,
    PlaybackUnavailable,
    StorageError,
)
from engine.events import (
    ArchiveStatusChanged,
    CatalogChanged,
    DownloadProgress,
    DownloadsChanged,
    Event,
    FileProgress,
    LibraryChanged,
    NowPlayingChanged,
    PlayerStateChanged,
    PositionChanged,
    QueueChanged,
    ScanProgress,
)
from engine.models import (
    SOURCE_KIND_ORDER,
    Artist,
    ArtistList,
    Concert,
    ConcertList,
    Download,
    DownloadState,
    LibraryConcert,
    LibraryProblem,
    LibraryStats,
    LibraryTrack,
    PartialDate,
    PlayerState,
    QueueItem,
    Recording,
    RecordingDownload,
    Review,
    ScanResult,
    SourceKind,
    Track,
    TrackFile,
    group_downloads,
    to_data,
)

if TYPE_CHECKING:
    from engine.facade import Engine


def __getattr__(name: str) -> Any:
    """``Engine`` is imported on first use: it brings in the database, HTTP and audio
    libraries, which a front end can load while it draws its first screen."""
    if name == "Engine":
        from engine.facade import Engine

        return Engine
    raise AttributeError(f"module 'engine' has no attribute {name!r}")


__all__ = [
    "KNOWN_FORMATS",
    "SOURCE_KIND_ORDER",
    "ArchiveError",
    "ArchiveResponseError",
    "ArchiveStatusChanged",
    "ArchiveUnavailable",
    "Artist",
    "ArtistList",
    "CatalogChanged",
    "Concert",
    "ConcertList",
    "ConfigError",
    "DiskSpaceError",
    "Download",
    "DownloadError",
    "DownloadProgress",
    "DownloadState",
    "DownloadsChanged",
    "Engine",
    "EngineError",
    "Event",
    "FileProgress",
    "LibraryChanged",
    "LibraryConcert",
    "LibraryProblem",
    "LibraryStats",
    "LibraryTrack",
    "NotFoundError",
    "NowPlayingChanged",
    "PartialDate",
    "PlaybackUnavailable",
    "PlayerState",
    "PlayerStateChanged",
    "PositionChanged",
    "QueueChanged",
    "QueueItem",
    "Recording",
    "RecordingDownload",
    "Review",
    "ScanProgress",
    "ScanResult",
    "SearchTerms",
    "Settings",
    "SourceKind",
    "StorageError",
    "Track",
    "TrackFile",
    "__version__",
    "group_downloads",
    "load_settings",
    "parse_search",
    "to_data",
]
