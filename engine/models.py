"""Domain models: frozen, detached values handed across the engine's facade.

None of them holds a database row or a network handle, so they can be serialised to plain data
(``to_data``) and sent to a TUI in another process.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any


class SourceKind(enum.StrEnum):
    """How a recording was made; ordered best first by ``SOURCE_KIND_ORDER``."""

    SBD = "SBD"
    MTX = "MTX"
    FM = "FM"
    AUD = "AUD"
    UNKNOWN = "unknown"


#: Each source kind in words, as reasons and "describe it" say it.
SOURCE_KIND_WORDS: dict[str, str] = {
    "SBD": "soundboard",
    "MTX": "matrix",
    "FM": "broadcast",
    "AUD": "audience",
    "unknown": "recording",
}

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
    sha1: str | None = None
    crc32: str | None = None


def display_title(title: str, segue: bool) -> str:
    """A track title as shown: arrows inside it and a segue after it as ``→``."""
    shown = title.replace(" > ", " → ")
    return f"{shown} →" if segue else shown


@dataclass(frozen=True, slots=True)
class Track:
    """One song (or tuning, or jam) of a recording, in playing order."""

    title: str
    """Decoded, without a typed-in track number or a trailing segue arrow."""
    disc: int
    """The disc the archive's file names put it on (1 when they say nothing)."""
    number: int
    """1-based, counting through the whole show: the number the screen, the command line,
    ``--tracks`` and file names all use."""
    duration: float | None
    files: tuple[TrackFile, ...] = ()
    set_name: str = ""
    """``Set 1``, ``Set 2``, ``Encore``, ``Encore 2``; ``Disc 2`` when only the discs are
    known; ``""`` when the show is one part."""
    segue: bool = False
    """The music runs on into the next track without a break."""

    @property
    def display_title(self) -> str:
        """The title as shown: segues as ``→`` (``Scarlet Begonias →``, ``Eyes → Drums``)."""
        return display_title(self.title, self.segue)

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
    """The item's description as text: often the setlist."""
    notes: str = ""
    """The item's notes as text: lineage, technical notes, who played."""
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
class Play:
    """One play of a track, as it was recorded when it ended."""

    started_at: float
    """When it started (seconds since 1970)."""
    title: str
    artist: str
    album: str
    identifier: str
    """The recording (``""`` for a file of no recording)."""
    file_name: str
    path: str
    """What played: a file's path or the archive's URL."""
    seconds: float
    """How long it was heard."""
    duration: float | None
    completed: bool
    skipped: bool


@dataclass(frozen=True, slots=True)
class CacheKind:
    """The cached answers of one kind (``search``, ``metadata``, ``artists``...)."""

    kind: str
    entries: int
    bytes: int
    oldest: float | None
    newest: float | None


@dataclass(frozen=True, slots=True)
class CacheStats:
    kinds: tuple[CacheKind, ...]
    lookups: int
    """Answers looked for in the cache since this liveset started."""
    found: int
    """Of those, how many the cache had."""


@dataclass(frozen=True, slots=True)
class Tally:
    """A name with how often it was played and for how long."""

    name: str
    plays: int
    seconds: float


@dataclass(frozen=True, slots=True)
class ListeningStats:
    """The person's listening in numbers (and the household's downloads)."""

    weeks: tuple[float, ...]
    """Hours listened in each of the last 52 weeks, oldest first (the last is this week)."""
    artists: tuple[Tally, ...]
    shows: tuple[Tally, ...]
    """Recordings, as ``artist date venue``."""
    songs: tuple[Tally, ...]
    """Songs across every recording of them."""
    years: tuple[Tally, ...]
    """The years of the shows played (which eras)."""
    venues: tuple[Tally, ...]
    finished: int
    skipped: int
    partly: int
    downloads: tuple[tuple[str, int, int], ...]
    """By month (``YYYY-MM``): files downloaded and their bytes."""


@dataclass(frozen=True, slots=True)
class PlaylistImport:
    """What an imported playlist file gave: the list it went into, how many entries were
    matched to tracks, and the entries that were not (never silently dropped)."""

    name: str
    added: int
    unmatched: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PlaylistSummary:
    name: str
    tracks: int


@dataclass(frozen=True, slots=True)
class PlaylistEntry:
    """One item of a playlist as it stands now: the recording and the archive's name for the
    track, and what plays it (a file on disk, else the archive's URL), or ``None`` when the
    track cannot be found any more (the item is kept, and said so)."""

    position: int
    """1-based."""
    identifier: str
    file_name: str
    item: QueueItem | None
    on_disk: bool = False


@dataclass(frozen=True, slots=True)
class Household:
    """Who is listening, and the library they share with everyone of their database."""

    profile: str
    """The person whose plays, likes, queue and playlists these are."""
    login: str
    """The login name running liveset (the profile unless one was named)."""
    database: str
    """The database, without a password."""
    music_dir: Path
    """The shared music dir: the database's, whatever this person's config says."""
    configured_music_dir: Path | None = None
    """This person's configured music dir, when it disagrees with the database's."""


@dataclass(frozen=True, slots=True)
class CatalogStatus:
    """The local catalog of the Live Music Archive: how much it holds and how old it is."""

    items: int
    artists: int
    last_sync: float | None
    """When the last sync finished (seconds since the epoch); None before the first."""
    last_full: float | None
    syncing: str
    """``full`` or ``update`` while a pass is unfinished (running, or killed: the next sync
    goes on from its last page); ``""`` otherwise."""
    done: int
    total: int | None
    size: int | None
    """Bytes of the database file, for SQLite on disk."""
    refresh_hours: float
    """How often the app refreshes it in the background; 0 is never."""

    @property
    def ready(self) -> bool:
        """A full pass has finished: the catalog answers browsing and search."""
        return self.last_full is not None and self.items > 0

    def age(self, now: float) -> float | None:
        return None if self.last_sync is None else max(0.0, now - self.last_sync)


@dataclass(frozen=True, slots=True)
class ArtistList:
    artists: tuple[Artist, ...]
    stale: bool = False


class DownloadState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


#: States a download can still move on from by itself.
ACTIVE_DOWNLOAD_STATES = frozenset({DownloadState.QUEUED, DownloadState.RUNNING})


@dataclass(frozen=True, slots=True)
class Download:
    """One file of a recording in the download queue."""

    id: int
    identifier: str
    file_name: str
    """The file's name in the archive item."""
    format: str
    kind: str
    """``track`` for audio, ``info`` for the text beside it."""
    title: str
    track_number: int | None
    path: str
    """Where it lands, relative to the music dir."""
    state: DownloadState
    bytes_done: int
    size: int | None
    speed: float = 0.0
    """Bytes per second over the last few seconds; 0 when not running."""
    error: str = ""
    note: str = ""
    """Something the user should know, such as a format fallback."""
    attempts: int = 0
    artist: str = ""
    album: str = ""
    """``1977-05-08 Barton Hall, Ithaca, NY``: the recording as people name it."""

    @property
    def fraction(self) -> float | None:
        if not self.size:
            return 1.0 if self.state is DownloadState.DONE else None
        return min(1.0, self.bytes_done / self.size)

    @property
    def eta(self) -> float | None:
        """Seconds left at the current speed."""
        if self.state is not DownloadState.RUNNING or not self.size or self.speed <= 0:
            return None
        return max(0.0, (self.size - self.bytes_done) / self.speed)


@dataclass(frozen=True, slots=True)
class RecordingDownload:
    """The files of one recording in the queue, summed up."""

    identifier: str
    files: tuple[Download, ...]

    @property
    def state(self) -> DownloadState:
        states = {f.state for f in self.files}
        for state in (
            DownloadState.RUNNING,
            DownloadState.QUEUED,
            DownloadState.FAILED,
            DownloadState.PAUSED,
            DownloadState.DONE,
        ):
            if state in states:
                return state
        return DownloadState.CANCELLED

    @property
    def bytes_done(self) -> int:
        return sum(f.bytes_done for f in self.files)

    @property
    def size(self) -> int:
        return sum(f.size or 0 for f in self.files)

    @property
    def speed(self) -> float:
        return sum(f.speed for f in self.files)

    @property
    def done(self) -> int:
        return sum(f.state is DownloadState.DONE for f in self.files)

    @property
    def eta(self) -> float | None:
        speed = self.speed
        return (self.size - self.bytes_done) / speed if speed > 0 else None

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(f"{f.file_name}: {f.error}" for f in self.files if f.error)


def group_downloads(downloads: tuple[Download, ...]) -> tuple[RecordingDownload, ...]:
    """Downloads by recording, in queue order."""
    grouped: dict[str, list[Download]] = {}
    for download in downloads:
        grouped.setdefault(download.identifier, []).append(download)
    return tuple(RecordingDownload(k, tuple(v)) for k, v in grouped.items())


@dataclass(frozen=True, slots=True)
class LibraryTrack:
    """An audio file on disk with its tags."""

    path: str
    format: str
    artist: str
    album: str
    title: str
    date: str
    venue: str
    city: str
    track_number: int | None
    disc: int | None
    duration: float | None
    identifier: str
    size: int

    @property
    def display_title(self) -> str:
        """The title as every screen shows it: the tag's trailing `` >`` segue (and an arrow
        inside the title) as ``→``."""
        segue = self.title.endswith(" >")
        return display_title(self.title[:-2].rstrip() if segue else self.title, segue)


@dataclass(frozen=True, slots=True)
class LibraryConcert:
    """The tracks of one album (one recording of a concert) on disk."""

    artist: str
    date: str
    album: str
    venue: str
    city: str
    identifier: str
    tracks: int
    duration: float | None
    size: int


@dataclass(frozen=True, slots=True)
class LibraryProblem:
    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class ScanResult:
    folders: tuple[str, ...]
    files: int
    """Audio files found."""
    added: int
    updated: int
    removed: int
    unchanged: int
    problems: tuple[LibraryProblem, ...]
    """Files that could not be read, and why."""
    untagged: int
    """Files in a format without tags (Shorten), listed by their folder names."""
    seconds: float


@dataclass(frozen=True, slots=True)
class LibraryStats:
    files: int
    artists: int
    concerts: int
    size: int
    duration: float
    problems: int
    formats: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One entry of the play queue: a file on disk or an archive download URL."""

    uri: str
    title: str
    artist: str = ""
    album: str = ""
    identifier: str = ""
    file_name: str = ""
    duration: float | None = None


class PlaybackStatus(enum.StrEnum):
    STOPPED = "stopped"
    PLAYING = "playing"
    PAUSED = "paused"


class RepeatMode(enum.StrEnum):
    OFF = "off"
    ONE = "one"
    """The track again and again."""
    ALL = "all"
    """The queue over again."""


@dataclass(frozen=True, slots=True)
class PlayerState:
    state: PlaybackStatus
    index: int | None
    """The queue entry playing (or paused), if any."""
    position: float | None
    duration: float | None
    volume: float
    muted: bool
    repeat: RepeatMode = RepeatMode.OFF
    radio: bool = False
    """When the queue runs out, liveset goes on with the best recommended concert."""


@dataclass(frozen=True, slots=True)
class PlayQueue:
    """The play queue and the player's state, read at one moment."""

    items: tuple[QueueItem, ...]
    player: PlayerState

    @property
    def current(self) -> int | None:
        """The entry playing or paused; None when stopped."""
        return None if self.player.state is PlaybackStatus.STOPPED else self.player.index


@dataclass(frozen=True, slots=True)
class Pick:
    """A recommended recording, with its score and why, in words, best reason first."""

    recording: Recording
    score: float
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DiscoverRow:
    """One row of the discover screen: ``key`` names its kind (``favourites``, ``recent``,
    ``most-played``, ``for-you``, ``because``, ``on-this-day``, ``hidden-gems``, ``new``)."""

    key: str
    title: str
    why: str
    picks: tuple[Pick, ...] = ()


@dataclass(frozen=True, slots=True)
class Discover:
    """The discover screen's rows. ``cold_start``: no listening to go on yet, so the picks are
    well-rated and on-this-day ones; ``note`` says what is missing, if anything."""

    rows: tuple[DiscoverRow, ...]
    cold_start: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class Description:
    """A phrase read as a search (``reading``: what each kind of word was taken as, e.g.
    ``("years", ("1972",))``) and the concerts it ranks first."""

    text: str
    reading: tuple[tuple[str, tuple[str, ...]], ...]
    picks: tuple[Pick, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What ``liveset import`` read: the service, listens and artists, how many of those were
    found among the archive's artists (the rest kept, unmatched), the top matches."""

    source: str
    listens: int
    artists: int
    matched: int
    top: tuple[tuple[str, str, int], ...] = ()  # (name in the file, archive artist, plays)


def to_data(value: Any) -> Any:
    """Plain JSON-able data for any domain value (dataclasses, enums, tuples)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, PartialDate):
            return str(value)
        return data
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [to_data(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((to_data(v) for v in value), key=str)
    if isinstance(value, dict):
        return {str(k): to_data(v) for k, v in value.items()}
    return value


__all__ = [
    "ACTIVE_DOWNLOAD_STATES",
    "SOURCE_KIND_ORDER",
    "SOURCE_KIND_WORDS",
    "Artist",
    "ArtistList",
    "Concert",
    "ConcertList",
    "Description",
    "Discover",
    "DiscoverRow",
    "Download",
    "DownloadState",
    "ImportResult",
    "LibraryConcert",
    "LibraryProblem",
    "LibraryStats",
    "LibraryTrack",
    "PartialDate",
    "Pick",
    "PlayQueue",
    "PlaybackStatus",
    "PlayerState",
    "QueueItem",
    "Recording",
    "RecordingDownload",
    "RepeatMode",
    "Review",
    "ScanResult",
    "SourceKind",
    "Track",
    "TrackFile",
    "group_downloads",
    "to_data",
]
