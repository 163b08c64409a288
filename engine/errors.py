"""The engine's errors: everything the engine raises across its facade.

Exception tree::

    EngineError
    ├── ConfigError            a setting has an invalid value (names key, value, what is allowed)
    ├── StorageError           the database cannot be opened, migrated or written
    ├── NotFoundError          an artist, concert or recording that does not exist
    ├── PlaybackUnavailable    libmpv is missing or failed to start
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


class NotFoundError(EngineError):
    """The thing asked for does not exist."""


class PlaybackUnavailable(EngineError):
    """Playback cannot work here (for example libmpv is not installed)."""


class ArchiveError(EngineError):
    """archive.org could not answer usefully."""


class ArchiveUnavailable(ArchiveError):
    """archive.org could not be reached, or kept failing after retries."""


class ArchiveResponseError(ArchiveError):
    """archive.org answered with something that cannot be used."""

    def __init__(self, message: str, *, url: str = "") -> None:
        self.url = url
        super().__init__(f"{message} ({url})" if url else message)
