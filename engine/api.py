"""``EngineAPI``: what a front end may ask of the engine, the one list of it.

``Engine`` (in this process) and ``RemoteEngine`` (a daemon's, over its socket) both implement
it; the TUI and the command line type against it, the daemon serves exactly its members, and
the socket codec rebuilds values from its annotations. It imports only the engine's plain
values, so a command that steers a daemon loads none of the storage, archive or download code.

A playback command marks the copy a remote client keeps that it changes (``@refreshes``): the
client reads that copy again after the call, so the caller sees what it did, as in-process.
"""

from __future__ import annotations

import enum
import random  # noqa: TC003  (read at run time by the socket codec, as the rest)
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from pathlib import Path  # noqa: TC003  (read at run time by the socket codec)
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar

from engine.events import CatalogSynced, Event  # noqa: TC001
from engine.models import (  # noqa: TC001
    ArtistList,
    CacheStats,
    CatalogStatus,
    Concert,
    ConcertList,
    Description,
    Discover,
    Download,
    DownloadState,
    Household,
    ImportResult,
    LibraryConcert,
    LibraryProblem,
    LibraryStats,
    LibraryTrack,
    ListeningStats,
    Pick,
    Play,
    PlayerState,
    PlaylistEntry,
    PlaylistImport,
    PlaylistSummary,
    PlayQueue,
    QueueItem,
    Recording,
    RepeatMode,
    ScanResult,
)

if TYPE_CHECKING:
    from types import TracebackType

    from engine.config import Settings

_F = TypeVar("_F", bound=Callable[..., Any])


class Copy(enum.Enum):
    """A copy of the engine's state that a remote client keeps, read again after a call."""

    PLAYER = "player"  # the player's state
    QUEUE = "queue"  # the play queue, with the player's state


def refreshes(copy: Copy) -> Callable[[_F], _F]:
    """Declare that a call changes ``copy`` (read by ``refreshed_by``)."""

    def mark(function: _F) -> _F:
        function.__refreshes__ = copy  # type: ignore[attr-defined]
        return function

    return mark


def refreshed_by(name: str) -> Copy | None:
    """The copy that the call ``name`` changes, if any."""
    member = getattr(EngineAPI, name, None)
    return getattr(member, "__refreshes__", None)


def api_calls() -> dict[str, str]:
    """The members a client may call: name -> "method" or "property" (the lifecycle and the
    event stream are the connection's own, not calls)."""
    calls: dict[str, str] = {}
    for name, member in vars(EngineAPI).items():
        if name.startswith("_") or name in _NOT_CALLS:
            continue
        if isinstance(member, property):
            calls[name] = "property"
        elif callable(member):
            calls[name] = "method"
    return calls


_NOT_CALLS = frozenset({"settings", "start", "close", "events"})


class EngineAPI(Protocol):
    """The engine as its front ends see it: commands as coroutines taking and returning plain
    frozen values, events from ``events()``."""

    settings: Settings

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    # --- the engine's state -------------------------------------------------------

    def events(self) -> AsyncIterator[Event]:
        """Every event from now on, until the engine closes."""
        ...

    @property
    def archive_online(self) -> bool | None:
        """True or False after the first request to the archive; None before."""
        ...

    @property
    def database_dialect(self) -> str: ...

    # --- browse: the catalog when it is ready, else the archive -------------------

    async def artists(self, *, limit: int | None = None) -> ArtistList:
        """The etree band collections, by name: from the catalog when there is one, else from
        the archive (from the cache when it is down)."""
        ...

    async def search_concerts(
        self,
        text: str = "",
        *,
        artist: str | None = None,
        year: int | None = None,
        sbd_only: bool = False,
        downloaded_only: bool = False,
        limit: int = 200,
    ) -> ConcertList:
        """Concerts whose recordings match, newest first.

        ``text`` may hold field terms (``artist:``, ``year:``, ``venue:``, ``city:``, ``sbd``,
        ``rating>4``; see ``parse_search``). With ``sbd_only`` only soundboard recordings count,
        and concerts without one are left out; ``downloaded_only`` keeps concerts with a
        recording in the library.
        """
        ...

    async def concerts_on_day(
        self, month: int, day: int, *, sbd_only: bool = False, downloaded_only: bool = False
    ) -> ConcertList:
        """Concerts played on this month and day, in any year since 1950, newest first."""
        ...

    async def surprise_concert(
        self, *, min_stars: float = 4.0, rng: random.Random | None = None
    ) -> Concert:
        """A random concert among the archive's well-rated recordings (``min_stars`` or more)."""
        ...

    async def artist_years(self, artist: str) -> tuple[tuple[int, int], ...]:
        """The years an artist played, each with its number of concerts, oldest first."""
        ...

    async def concert(self, artist: str, date: str) -> Concert:
        """One artist on one date, every recording with its tracks, best first.

        A year or a month (``1977``, ``1977-05``) is one concert only when the artist played
        once in it; otherwise ``AmbiguousConcertError`` names the dates (``concerts_in`` lists
        them). Two shows are never merged into one."""
        ...

    async def concerts_in(self, artist: str, span: str) -> ConcertList:
        """The concerts of an artist in a year, a month or on a day (``1977``, ``1977-05``),
        oldest first; recordings as search summaries, without tracks."""
        ...

    async def recording(self, identifier: str) -> Recording:
        """One recording with its tracks, files and reviews."""
        ...

    # --- history --------------------------------------------------------------------

    async def history(
        self,
        *,
        since: str | None = None,
        until: str | None = None,
        artist: str = "",
        skipped_only: bool = False,
        limit: int = 200,
    ) -> tuple[Play, ...]:
        """The person's plays, newest first: from the day ``since`` and before the day
        ``until`` (``YYYY-MM-DD``), of an artist (a part of the name), skipped ones only."""
        ...

    async def listening_stats(self) -> ListeningStats:
        """The person's listening in numbers: hours a week over the last year, top artists,
        shows, songs, years and venues, finished against skipped; the downloads by month."""
        ...

    # --- playlists ------------------------------------------------------------------

    async def playlists(self) -> tuple[PlaylistSummary, ...]:
        """The person's playlists, by name."""
        ...

    async def playlist(self, name: str) -> tuple[PlaylistEntry, ...]:
        """A playlist's items as they stand now: each resolved to its file on disk, else to
        the archive's URL (``item`` None for a track that cannot be found any more)."""
        ...

    async def create_playlist(self, name: str) -> str:
        """A new empty playlist; its name as kept (white space folded)."""
        ...

    async def rename_playlist(self, name: str, new: str) -> str: ...

    async def delete_playlist(self, name: str) -> None: ...

    async def playlist_add(
        self, name: str, identifier: str, tracks: Iterable[int] | None = None
    ) -> int:
        """Append tracks of a recording (numbered through the show; the whole recording
        without ``tracks``); how many items the list then has."""
        ...

    async def playlist_remove(self, name: str, positions: Sequence[int]) -> int:
        """Take out items by their 1-based positions; how many went."""
        ...

    async def playlist_move(self, name: str, source: int, target: int) -> None:
        """Move the item at ``source`` to ``target`` (1-based)."""
        ...

    async def playlist_export(self, name: str, format: str = "m3u8") -> str:
        """The playlist as a file other programs read: ``m3u8``, ``xspf`` or ``jspf``."""
        ...

    async def playlist_download(self, name: str) -> tuple[Download, ...]:
        """Download what of a playlist is not on disk: one download per recording, in the
        preferred format; the files queued."""
        ...

    async def playlist_import(self, path: str, name: str | None = None) -> PlaylistImport:
        """Read an M3U/M3U8, XSPF or JSPF file into a playlist (named after the file unless
        ``name``): archive tracks by their address, local files by their tags; the entries
        that match nothing are listed, never dropped."""
        ...

    @refreshes(Copy.QUEUE)
    async def queue_playlist(
        self, name: str, *, play: bool = False, shuffle: bool = False, start: int = 0
    ) -> tuple[QueueItem, ...]:
        """Add a playlist's tracks to the end of the queue (shuffled, if asked), and play
        (``play``) from the ``start``-th of them (0-based)."""
        ...

    async def set_track_favourite(
        self, identifier: str, track: int, favourite: bool = True
    ) -> None:
        """Favourite one performance: a recording's track (numbered through the show), not the
        show, which keeps its own favourite."""
        ...

    async def favourite_tracks(self) -> tuple[PlaylistEntry, ...]:
        """The favourite tracks, newest first, resolved like a playlist's items."""
        ...

    # --- the search boxes' memory ----------------------------------------------------

    async def search_history(self, scope: str) -> tuple[str, ...]:
        """What the person searched for in a box (``browse``, ``library``), newest first."""
        ...

    async def remember_search(self, scope: str, text: str) -> None:
        """Keep a search (the newest first; the oldest let go past a hundred)."""
        ...

    async def forget_search(self, scope: str, text: str) -> None: ...

    # --- the cache ------------------------------------------------------------------

    async def cache_stats(self) -> CacheStats:
        """What the cache of archive.org's answers holds by kind, and how often it had what
        was asked since this engine started."""
        ...

    async def clear_cache(
        self, *, kind: str | None = None, older_than_days: float | None = None
    ) -> int:
        """Forget cached answers (of one kind, older than so many days); how many went."""
        ...

    # --- the household ------------------------------------------------------------

    async def household(self) -> Household:
        """Who is listening (the profile), and the database and music dir shared with
        everyone of it."""
        ...

    async def household_setup(
        self, members: Sequence[str], *, apply: bool = True
    ) -> tuple[str, ...]:
        """Make ``members`` roles of this PostgreSQL database with row-level security on every
        personal table (run as the database's owner); the statements, run or (``apply`` false)
        not. On SQLite, a ``ConfigError``."""
        ...

    async def set_household_music_dir(self, folder: str) -> Path:
        """Make ``folder`` the music dir of everyone of this database (nothing is moved)."""
        ...

    # --- the local catalog --------------------------------------------------------

    async def catalog_status(self) -> CatalogStatus:
        """How much the local catalog holds, how old it is, and any pass left unfinished."""
        ...

    async def sync_catalog(self, *, full: bool = False) -> CatalogSynced:
        """Sync the local catalog with the archive: the rest of an unfinished pass, else what
        changed since the last sync (a full pass the first time, when ``full``, or once a
        week, dropping recordings that left the archive). ``CatalogProgress`` events tell how
        it goes; one sync at a time (a second call waits for the first)."""
        ...

    async def catalog_due(self) -> bool:
        """A background refresh is due (``catalog.refresh_hours``; never before a first sync,
        which is the user's to start)."""
        ...

    async def catalog_estimate(self) -> tuple[int, int]:
        """How many recordings a first sync would fetch (one small request), and about how
        many bytes they take in the database."""
        ...

    # --- the person's feedback ----------------------------------------------------

    async def set_favourite(self, kind: str, target: str, favourite: bool = True) -> None:
        """Mark a ``track``, ``recording`` or ``artist`` as a favourite, or unmark it."""
        ...

    async def favourites(self, kind: str | None = None) -> tuple[tuple[str, str], ...]:
        """``(kind, target)`` of every favourite, or of one kind."""
        ...

    async def set_rating(self, kind: str, target: str, rating: int) -> None:
        """Like (1) or dislike (-1) a ``track``, ``recording`` or ``artist``; 0 clears it.
        Recommendations take it at once."""
        ...

    async def set_not_interested(self, kind: str, target: str, value: bool = True) -> None:
        """Never recommend this recording or artist again (or again, with ``value`` False)."""
        ...

    # --- recommendations and radio ------------------------------------------------

    async def recommend(self, limit: int = 20) -> tuple[Pick, ...]:
        """The best recordings for the person at the keyboard, one a concert, varied, each
        with its reasons; scored here on the local catalog (empty without one). The first
        call after a catalog sync may fit the model (seconds); later ones take milliseconds."""
        ...

    async def discover(self, per_row: int = 10) -> Discover:
        """The discover screen's rows: the person's own (favourites, recent, most played),
        then for you, because you played..., on this day, hidden gems, new in the archive."""
        ...

    async def describe(self, text: str, limit: int = 20) -> Description:
        """Concerts ranked by a phrase ("mellow acoustic soundboard 1972 northeast"), with how
        it was read."""
        ...

    async def import_history(self, path: str) -> ImportResult:
        """Read a ListenBrainz export or a Last.fm scrobble file; its artists, matched to the
        archive's, count in recommendations from now on (a second import of the same service
        replaces the first)."""
        ...

    async def set_radio(self, on: bool) -> None:
        """Radio: when the queue runs out, go on with the best recommended concert."""
        ...

    # --- downloads ----------------------------------------------------------------

    async def run_downloads(self, *, only: Iterable[int] | None = None) -> bool:
        """Start working through the download queue in the background (files left running by
        a liveset that stopped are resumed), or only through the files ``only`` (a command
        that waits for what it asked). Until this is called the queue only records.
        False when another liveset process on this data dir already runs the queue."""
        ...

    async def download(
        self,
        identifier: str,
        *,
        format: str | None = None,
        tracks: Iterable[int] | None = None,
        sets: Iterable[str | int] | None = None,
    ) -> tuple[Download, ...]:
        """Queue a recording (or its ``tracks``, numbered through the show, or the tracks of its
        ``sets``: ``1``, ``2``, ``e`` for the encore; see ``in_set``) in ``format``, else the
        preferred formats of the config; stream-only originals fall back to a derivative with
        a note."""
        ...

    async def downloads(
        self, *, states: Iterable[DownloadState] | None = None, identifier: str | None = None
    ) -> tuple[Download, ...]:
        """The download queue, oldest first, with live progress of running files (those
        cleared from the list with ``clear_finished_downloads`` left out)."""
        ...

    async def clear_finished_downloads(self) -> int:
        """Take finished and cancelled downloads off the list (the files stay); returns how
        many recordings were cleared."""
        ...

    async def pause_downloads(self, ids: Iterable[int]) -> None: ...

    async def resume_downloads(self, ids: Iterable[int]) -> None: ...

    async def cancel_downloads(self, ids: Iterable[int]) -> None:
        """Stop files and delete their partial data."""
        ...

    async def retry_downloads(self, ids: Iterable[int]) -> None: ...

    async def free_space(self) -> int:
        """Bytes free on the music dir's disk."""
        ...

    async def remove_download(self, identifier: str) -> int:
        """Delete a downloaded recording from disk, the library and the queue; files removed."""
        ...

    async def wait_downloads(
        self,
        identifier: str | None = None,
        *,
        ids: Iterable[int] | None = None,
        until_held: bool = False,
    ) -> tuple[Download, ...]:
        """Wait until nothing of ``identifier`` (or of the files ``ids``, or of the queue) is
        queued or running; with ``until_held``, return as well when the queue is held by a
        full disk (see ``downloads_held``)."""
        ...

    def downloads_held(self) -> str | None:
        """Why the download queue starts no file for now (the disk is full: it goes on by
        itself when there is room), or None."""
        ...

    # --- the library on disk ------------------------------------------------------

    @property
    def library_folders(self) -> tuple[Path, ...]:
        """The folders a scan looks in: the music dir, then ``library.folders``."""
        ...

    async def scan_library(self, folders: Iterable[Path] | None = None) -> ScanResult:
        """Scan ``folders`` (default: ``library_folders``); publishes ``ScanProgress``."""
        ...

    async def downloaded_identifiers(self) -> frozenset[str]:
        """Archive identifiers with files in the library."""
        ...

    async def library_stats(self) -> LibraryStats: ...

    async def library_overview(self) -> tuple[LibraryStats, tuple[tuple[str, int], ...]]:
        """The library's totals and its artists with their numbers of concerts, at once."""
        ...

    async def library_search(self, text: str, *, limit: int = 200) -> tuple[LibraryTrack, ...]:
        """Tracks on disk matching every word of ``text`` (title, artist, album, venue, city,
        date), as prefixes."""
        ...

    async def library_artists(self) -> tuple[tuple[str, int], ...]:
        """Artists on disk with how many concerts of theirs are there."""
        ...

    async def library_concerts(self, artist: str | None = None) -> tuple[LibraryConcert, ...]: ...

    async def library_tracks(
        self, *, artist: str | None = None, album: str | None = None, identifier: str | None = None
    ) -> tuple[LibraryTrack, ...]: ...

    async def library_problems(self) -> tuple[LibraryProblem, ...]:
        """Files the scanner could not read, with the reason."""
        ...

    # --- playback and the play queue ----------------------------------------------

    async def audio_devices(self) -> tuple[tuple[str, str], ...]:
        """The audio outputs and devices mpv knows here: ``(name, description)``; a name goes
        into ``[player.mpv]`` ``audio-device`` (its part before ``/`` is an ``ao``)."""
        ...

    def player_state(self) -> PlayerState:
        """Playing, paused or stopped, where, how loud; raises ``PlaybackUnavailable``."""
        ...

    def play_queue(self) -> PlayQueue:
        """The play queue with the player's state, read together."""
        ...

    @refreshes(Copy.PLAYER)
    async def play(
        self, index: int | None = None, *, start: float | None = None, paused: bool = False
    ) -> None:
        """Play queue entry ``index`` (0-based; from ``start`` seconds), or go on where it
        stopped; ``paused`` loads it and waits there."""
        ...

    @refreshes(Copy.PLAYER)
    async def pause(self) -> None: ...

    @refreshes(Copy.PLAYER)
    async def resume(self) -> None: ...

    @refreshes(Copy.PLAYER)
    async def toggle_pause(self) -> None: ...

    @refreshes(Copy.PLAYER)
    async def stop(self) -> None:
        """Stop; the queue stays."""
        ...

    @refreshes(Copy.PLAYER)
    async def next_track(self) -> None: ...

    @refreshes(Copy.PLAYER)
    async def previous_track(self) -> None:
        """Back to the start of the track after a few seconds of it, else the one before."""
        ...

    @refreshes(Copy.PLAYER)
    async def seek(self, seconds: float, *, relative: bool = True) -> None:
        """Seek by ``seconds`` (or to them); never before the start of the track."""
        ...

    @refreshes(Copy.PLAYER)
    async def set_volume(self, volume: float) -> None:
        """0 to 130 (percent)."""
        ...

    @refreshes(Copy.PLAYER)
    async def set_muted(self, muted: bool) -> None: ...

    @refreshes(Copy.PLAYER)
    async def set_repeat(self, mode: RepeatMode | str) -> None: ...

    @refreshes(Copy.QUEUE)
    async def shuffle(self, *, keep_sets: bool = True, seed: int | None = None) -> None:
        """Shuffle what comes after the playing entry (a set of a show stays together)."""
        ...

    @refreshes(Copy.QUEUE)
    async def queue_insert(self, items: Sequence[QueueItem], *, after_current: bool = False) -> int:
        """Put entries back in the queue (an undo), at the end or after the playing one;
        the index of the first."""
        ...

    @refreshes(Copy.QUEUE)
    async def queue_remove(self, index: int) -> None: ...

    @refreshes(Copy.QUEUE)
    async def queue_move(self, source: int, target: int) -> None:
        """Move the entry at ``source`` so that it ends up at ``target``."""
        ...

    @refreshes(Copy.QUEUE)
    async def queue_clear(self) -> None: ...

    @refreshes(Copy.QUEUE)
    async def queue_add(
        self, target: str, *, after_current: bool = False, play: bool = False, start: int = 0
    ) -> tuple[QueueItem, ...]:
        """Queue a file, a folder or an archive recording (its downloaded tracks from disk,
        the others streamed), at the end or after the playing track; ``play`` starts it at
        ``start``: the recording's track (0-based) or the folder's file, in name order."""
        ...

    @refreshes(Copy.QUEUE)
    async def queue_concert(
        self, artist: str, date: str, *, after_current: bool = False, play: bool = False
    ) -> tuple[QueueItem, ...]:
        """Queue a whole concert: its best recording."""
        ...

    async def wait_until_idle(self) -> None:
        """Until the queue has played to its end, or was stopped."""
        ...

    async def saved_queue(self) -> tuple[tuple[QueueItem, ...], int | None, float]:
        """The queue as the last run left it, its current entry and the seconds into it;
        read from the database, without starting mpv."""
        ...

    @refreshes(Copy.QUEUE)
    async def restore_playback(self) -> bool:
        """Bring back the queue of the last run, paused where it stopped."""
        ...


if TYPE_CHECKING:
    from engine.facade import Engine
    from engine.remote.client import RemoteEngine

    def _both_implement(engine: Engine, remote: RemoteEngine) -> tuple[EngineAPI, EngineAPI]:
        """Read by the type checker only: a member of the protocol missing from ``Engine``, or
        with other arguments, fails it."""
        return engine, remote
