"""The public names of the engine, the one list of them: read by type checkers, and by
``engine/__init__.py`` (through lazy_loader) to import each on first use."""

__version__: str

from .api import (
    EngineAPI as EngineAPI,
)
from .archive.query import (
    SearchTerms as SearchTerms,
    parse_search as parse_search,
)
from .config import (
    Settings as Settings,
    load_settings as load_settings,
)
from .errors import (
    AmbiguousConcertError as AmbiguousConcertError,
    ArchiveError as ArchiveError,
    ArchiveResponseError as ArchiveResponseError,
    ArchiveUnavailable as ArchiveUnavailable,
    ConfigError as ConfigError,
    DiskFullError as DiskFullError,
    DiskSpaceError as DiskSpaceError,
    DownloadError as DownloadError,
    EngineError as EngineError,
    NotFoundError as NotFoundError,
    PlaybackError as PlaybackError,
    PlaybackUnavailable as PlaybackUnavailable,
    StorageError as StorageError,
    size_text as size_text,
)
from .events import (
    ArchiveStatusChanged as ArchiveStatusChanged,
    CatalogChanged as CatalogChanged,
    CatalogProgress as CatalogProgress,
    CatalogSynced as CatalogSynced,
    DownloadProgress as DownloadProgress,
    DownloadsChanged as DownloadsChanged,
    DownloadsHeld as DownloadsHeld,
    Event as Event,
    FileProgress as FileProgress,
    LibraryChanged as LibraryChanged,
    Notice as Notice,
    NoticeTopic as NoticeTopic,
    NowPlayingChanged as NowPlayingChanged,
    PlaybackFailed as PlaybackFailed,
    PlayerStateChanged as PlayerStateChanged,
    PositionChanged as PositionChanged,
    QueueChanged as QueueChanged,
    ScanProgress as ScanProgress,
)
from .facade import (
    Engine as Engine,
)
from .formats import (
    KNOWN_FORMATS as KNOWN_FORMATS,
    format_name as format_name,
)
from .models import (
    SOURCE_KIND_ORDER as SOURCE_KIND_ORDER,
    Artist as Artist,
    ArtistList as ArtistList,
    CacheKind as CacheKind,
    CacheStats as CacheStats,
    CatalogStatus as CatalogStatus,
    Concert as Concert,
    ConcertList as ConcertList,
    Description as Description,
    Discover as Discover,
    DiscoverRow as DiscoverRow,
    Download as Download,
    DownloadState as DownloadState,
    Household as Household,
    ImportResult as ImportResult,
    LibraryConcert as LibraryConcert,
    LibraryProblem as LibraryProblem,
    LibraryStats as LibraryStats,
    LibraryTrack as LibraryTrack,
    ListeningStats as ListeningStats,
    PartialDate as PartialDate,
    Pick as Pick,
    Play as Play,
    PlaybackStatus as PlaybackStatus,
    PlayerState as PlayerState,
    PlaylistEntry as PlaylistEntry,
    PlaylistImport as PlaylistImport,
    PlaylistSummary as PlaylistSummary,
    PlayQueue as PlayQueue,
    QueueItem as QueueItem,
    Recording as Recording,
    RecordingDownload as RecordingDownload,
    RepeatMode as RepeatMode,
    Review as Review,
    ScanResult as ScanResult,
    SourceKind as SourceKind,
    Tally as Tally,
    Track as Track,
    TrackFile as TrackFile,
    group_downloads as group_downloads,
    to_data as to_data,
)
from .profile import (
    login_name as login_name,
    profile_of as profile_of,
)
from .remote import socket_path as socket_path
from .remote.client import (
    DaemonGone as DaemonGone,
    RemoteEngine as RemoteEngine,
    daemon_running as daemon_running,
)
from .remote.daemon import (
    daemon_command as daemon_command,
    run_daemon as run_daemon,
    start_detached as start_detached,
)
from .remote.server import DaemonRunning as DaemonRunning
from .remote.wire import (
    DaemonLine as DaemonLine,
)
from .saved import (
    SavedStatus as SavedStatus,
    saved_status as saved_status,
)
from .snapshot import (
    read_library_snapshot as read_library_snapshot,
)
