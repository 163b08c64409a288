"""liveset's engine: everything that lasts longer than a screen.

The TUI imports only this package root. ``engine`` never imports ``textual`` or ``rich``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Each name is imported from its module on first use (PEP 562): a front end pays only for
# what it touches, and the database, HTTP and audio libraries behind ``Engine`` load when
# the engine is wanted (the app draws its first screen meanwhile).
_EXPORTS = {
    "SearchTerms": "engine.archive.query",
    "parse_search": "engine.archive.query",
    "KNOWN_FORMATS": "engine.config",
    "format_name": "engine.config",
    "Settings": "engine.config",
    "load_settings": "engine.config",
    "AmbiguousConcertError": "engine.errors",
    "ArchiveError": "engine.errors",
    "ArchiveResponseError": "engine.errors",
    "ArchiveUnavailable": "engine.errors",
    "ConfigError": "engine.errors",
    "DiskFullError": "engine.errors",
    "DiskSpaceError": "engine.errors",
    "DownloadError": "engine.errors",
    "EngineError": "engine.errors",
    "NotFoundError": "engine.errors",
    "PlaybackError": "engine.errors",
    "PlaybackUnavailable": "engine.errors",
    "StorageError": "engine.errors",
    "ArchiveStatusChanged": "engine.events",
    "CatalogChanged": "engine.events",
    "DownloadProgress": "engine.events",
    "DownloadsChanged": "engine.events",
    "DownloadsHeld": "engine.events",
    "Event": "engine.events",
    "FileProgress": "engine.events",
    "LibraryChanged": "engine.events",
    "Notice": "engine.events",
    "NowPlayingChanged": "engine.events",
    "PlaybackFailed": "engine.events",
    "PlayerStateChanged": "engine.events",
    "PositionChanged": "engine.events",
    "QueueChanged": "engine.events",
    "ScanProgress": "engine.events",
    "SOURCE_KIND_ORDER": "engine.models",
    "Artist": "engine.models",
    "ArtistList": "engine.models",
    "Concert": "engine.models",
    "ConcertList": "engine.models",
    "Download": "engine.models",
    "DownloadState": "engine.models",
    "LibraryConcert": "engine.models",
    "LibraryProblem": "engine.models",
    "LibraryStats": "engine.models",
    "LibraryTrack": "engine.models",
    "PartialDate": "engine.models",
    "PlayerState": "engine.models",
    "QueueItem": "engine.models",
    "Recording": "engine.models",
    "RecordingDownload": "engine.models",
    "Review": "engine.models",
    "ScanResult": "engine.models",
    "SourceKind": "engine.models",
    "Track": "engine.models",
    "TrackFile": "engine.models",
    "group_downloads": "engine.models",
    "to_data": "engine.models",
    "Engine": "engine.facade",
    "read_library_snapshot": "engine.snapshot",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next lookup is a plain one
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:
    from engine.archive.query import SearchTerms, parse_search
    from engine.config import KNOWN_FORMATS, Settings, format_name, load_settings
    from engine.errors import (
        AmbiguousConcertError,
        ArchiveError,
        ArchiveResponseError,
        ArchiveUnavailable,
        ConfigError,
        DiskFullError,
        DiskSpaceError,
        DownloadError,
        EngineError,
        NotFoundError,
        PlaybackError,
        PlaybackUnavailable,
        StorageError,
    )
    from engine.events import (
        ArchiveStatusChanged,
        CatalogChanged,
        DownloadProgress,
        DownloadsChanged,
        DownloadsHeld,
        Event,
        FileProgress,
        LibraryChanged,
        Notice,
        NowPlayingChanged,
        PlaybackFailed,
        PlayerStateChanged,
        PositionChanged,
        QueueChanged,
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
    from engine.snapshot import read_library_snapshot


__all__ = [
    "KNOWN_FORMATS",
    "SOURCE_KIND_ORDER",
    "AmbiguousConcertError",
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
    "DiskFullError",
    "DiskSpaceError",
    "Download",
    "DownloadError",
    "DownloadProgress",
    "DownloadState",
    "DownloadsChanged",
    "DownloadsHeld",
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
    "Notice",
    "NowPlayingChanged",
    "PartialDate",
    "PlaybackError",
    "PlaybackFailed",
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
    "format_name",
    "group_downloads",
    "load_settings",
    "parse_search",
    "read_library_snapshot",
    "to_data",
]
