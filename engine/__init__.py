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
    EngineError,
    NotFoundError,
    PlaybackUnavailable,
    StorageError,
)
from engine.events import ArchiveStatusChanged, CatalogChanged, Event
from engine.facade import Engine
from engine.models import (
    SOURCE_KIND_ORDER,
    Artist,
    ArtistList,
    Concert,
    ConcertList,
    PartialDate,
    Recording,
    Review,
    SourceKind,
    Track,
    TrackFile,
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
    "Engine",
    "EngineError",
    "Event",
    "NotFoundError",
    "PartialDate",
    "PlaybackUnavailable",
    "Recording",
    "Review",
    "Settings",
    "SourceKind",
    "StorageError",
    "Track",
    "TrackFile",
    "__version__",
    "load_settings",
    "to_data",
]
