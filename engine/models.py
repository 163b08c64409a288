"""Domain models: frozen, detached values handed across the engine's facade.

None of them holds a database row or a network handle, so they can be serialised to plain data
(``to_data``) and sent to a TUI in another process.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import Any


class SourceKind(enum.StrEnum):
    """How a recording was made; ordered best first by ``SOURCE_KIND_ORDER``."""

    SBD = "SBD"
    MTX = "MTX"
    FM = "FM"
    AUD = "AUD"
    UNKNOWN = "unknown"


#: Lower is better. Soundboards first, then matrix mixes, broadcasts, audience tapes.
SOURCE_KIND_ORDER: dict[SourceKind, int] = {
    SourceKind.SBD: 0,
    SourceKind.MTX: 1,
    SourceKind.FM: 2,
    SourceKind.AUD: 3,
    SourceKind.UNKNOWN: 4,
}


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A concert date where month or day may be unknown (``00``/``XX`` in the archive)."""

    year: int
    month: int | None = None
    day: int | None = None

    def __str__(self) -> str:
        month = f"{self.month:02d}" if self.month else "??"
        day = f"{self.day:02d}" if self.day else "??"
        return f"{self.year:04d}-{month}-{day}"

    @property
    def sort_key(self) -> tuple[int, int, int]:
        return (self.year, self.month or 0, self.day or 0)


@dataclass(frozen=True, slots=True)
class Artist:
    """An etree band collection (or, later, a local artist)."""

    identifier: str
    name: str
    item_count: int | None = None
    downloads: int | None = None


@dataclass(frozen=True, slots=True)
class Review:
    reviewer: str
    title: str
    body: str
    stars: int | None
    date: str


@dataclass(frozen=True, slots=True)
class TrackFile:
    """One file of a track in one format."""

    name: str
    format: str
    url: str
    size: int | None
    md5: str | None
    length: float | None
    source: str
    private: bool = False
    bitrate: int | None = None


@dataclass(frozen=True, slots=True)
class Track:
    title: str
    disc: int
    number: int
    duration: float | None
    files: tuple[TrackFile, ...] = ()

    @property
    def position(self) -> str:
        return f"{self.disc}-{self.number:02d}"

    def file_for(self, fmt: str) -> TrackFile | None:
        return next((f for f in self.files if f.format == fmt), None)


@dataclass(frozen=True, slots=True)
class Recording:
    """One archive item: one taper's or transferer's recording of a concert."""

    identifier: str
    title: str
    artist: str
    date: PartialDate | None
    venue: str
    city: str
    source_kind: SourceKind
    source: str = ""
    taper: str = ""
    transferer: str = ""
    lineage: str = ""
    avg_rating: float | None = None
    num_reviews: int = 0
    weighted_rating: float | None = None
    downloads: int | None = None
    formats: tuple[str, ...] = ()
    total_size: int | None = None
    duration: float | None = None
    description: str = ""
    tracks: tuple[Track, ...] = ()
    reviews: tuple[Review, ...] = ()
    stale: bool = False


@dataclass(frozen=True, slots=True)
class Concert:
    """One artist on one date; groups the recordings of that night, best first."""

    artist: str
    date: PartialDate
    venue: str
    city: str
    recordings: tuple[Recording, ...] = ()
    stale: bool = False

    @property
    def best(self) -> Recording | None:
        return self.recordings[0] if self.recordings else None

    @property
    def best_source_kind(self) -> SourceKind:
        return self.best.source_kind if self.best else SourceKind.UNKNOWN

    @property
    def rating(self) -> float | None:
        """Average stars over all reviews of all recordings of the concert."""
        rated = [r for r in self.recordings if r.avg_rating is not None and r.num_reviews]
        reviews = sum(r.num_reviews for r in rated)
        if not reviews:
            return None
        return sum(r.avg_rating * r.num_reviews for r in rated if r.avg_rating) / reviews


@dataclass(frozen=True, slots=True)
class ConcertList:
    """Concerts found by a search, newest first unless asked otherwise."""

    concerts: tuple[Concert, ...]
    total_items: int
    stale: bool = False


@dataclass(frozen=True, slots=True)
class ArtistList:
    artists: tuple[Artist, ...]
    stale: bool = False


def to_data(value: Any) -> Any:
    """Plain JSON-able data for any domain value (dataclasses, enums, tuples)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, PartialDate):
            return str(value)
        return data
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_data(v) for k, v in value.items()}
    return value


__all__ = [
    "SOURCE_KIND_ORDER",
    "Artist",
    "ArtistList",
    "Concert",
    "ConcertList",
    "PartialDate",
    "Recording",
    "Review",
    "SourceKind",
    "Track",
    "TrackFile",
    "to_data",
]
