"""The engine's errors: everything the engine raises across its facade.

Exception tree::

    EngineError
    ├── ConfigError            a setting has an invalid value (names key, value, what is allowed)
    ├── StorageError           the database cannot be opened, migrated or written
    │   └── DiskFullError          ... because the disk holding it is full
    ├── NotFoundError          an artist, concert or recording that does not exist
    ├── AmbiguousConcertError  a year or month that holds several concerts, asked for as one
    ├── PlaybackUnavailable    libmpv is missing or failed to start
    ├── PlaybackError          a playback command could not be carried out (said in words)
    ├── DownloadError          a download cannot be queued or did not complete
    │   └── DiskSpaceError         the music dir's disk has no room for a recording
    └── ArchiveError           archive.org could not answer usefully
        ├── ArchiveUnavailable     unreachable, or kept failing (timeouts, 429/5xx) after retries
        └── ArchiveResponseError   a response that cannot be parsed (malformed JSON, error body)

Library errors (httpx, SQLAlchemy, json) are translated at the edge of the engine into these, so
callers handle one tree.
"""

from __future__ import annotations


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""


class ConfigError(EngineError):
    """A configuration value is invalid."""

    def __init__(self, key: str, value: object, allowed: str) -> None:
        self.key = key
        self.value = value
        self.allowed = allowed
        super().__init__(f"invalid value for {key}: {value!r} (allowed: {allowed})")


class StorageError(EngineError):
    """The database could not be opened, migrated or written."""


class DiskFullError(StorageError):
    """The disk holding the database (or the music) has no room left."""


class NotFoundError(EngineError):
    """The thing asked for does not exist."""


class AmbiguousConcertError(EngineError):
    """A span (a year, a month) asked for as one concert holds several; ``dates`` names them."""

    def __init__(self, artist: str, span: str, dates: tuple[str, ...]) -> None:
        self.artist, self.span, self.dates = artist, span, dates
        shown = ", ".join(dates[:5]) + (", ..." if len(dates) > 5 else "")
        super().__init__(f"{artist} played {len(dates)} concerts in {span} ({shown}); name the day")


class PlaybackUnavailable(EngineError):
    """Playback cannot work here (for example libmpv is not installed)."""


class PlaybackError(EngineError):
    """A playback command could not be carried out: nothing to seek in, no audio output, a file
    mpv cannot play."""


class DownloadError(EngineError):
    """A download cannot be queued, or failed for good."""


class DiskSpaceError(DownloadError):
    """Not enough free space for what was asked; nothing was queued."""

    def __init__(self, needed: int, free: int, keep_free: int, where: str) -> None:
        self.needed, self.free, self.keep_free = needed, free, keep_free
        super().__init__(
            f"not enough disk space in {where}: the download needs {size_text(needed)}, "
            f"{size_text(free)} is free and {size_text(keep_free)} is kept free "
            "(downloads.keep_free)"
        )


def size_text(count: int) -> str:
    """A byte count for a message: ``512 B``, ``1.5 MB``."""
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if abs(value) < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


class ArchiveError(EngineError):
    """archive.org could not answer usefully."""


class ArchiveUnavailable(ArchiveError):
    """archive.org could not be reached, or kept failing after retries."""


class ArchiveResponseError(ArchiveError):
    """archive.org answered with something that cannot be used."""

    def __init__(self, message: str, *, url: str = "") -> None:
        self.url = url
        super().__init__(f"{message} ({url})" if url else message)
