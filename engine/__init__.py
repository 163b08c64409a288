"""liveset's engine: everything that lasts longer than a screen.

The TUI imports only this package root. ``engine`` never imports ``textual`` or ``rich``.
"""

from __future__ import annotations

__version__ = "0.1.0"

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
    ScanProgress,
)
from engine.facade import Engine
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
    "PartialDate",
    "PlaybackUnavailable",
    "Recording",
    "RecordingDownload",
    "Review",
    "ScanProgress",
    "ScanResult",
    "Settings",
    "SourceKind",
    "StorageError",
    "Track",
    "TrackFile",
    "__version__",
    "group_downloads",
    "load_settings",
    "to_data",
]
