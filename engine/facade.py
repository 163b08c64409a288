"""``Engine``: the one object a front end talks to.

Commands are coroutines taking and returning plain values (frozen domain objects); events come
from ``events()``. Nothing here knows about a screen, so the same facade can be served over a
socket later.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import random
import zipfile
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import __version__
from engine.archive.client import ArchiveClient
from engine.archive.concerts import (
    SEARCH_FIELDS,
    group_concerts,
    rank_recordings,
    recording_from_metadata,
    recording_from_search_doc,
)
from engine.archive.parse import as_int, as_str, as_text
from engine.archive.query import (
    ARTISTS_QUERY,
    concerts_query,
    day_query,
    parse_date_arg,
    parse_search,
)
from engine.archive.setlist import in_set
from engine.catalog import store as catalog
from engine.catalog.sync import PAGE as CATALOG_PAGE, Catalog
from engine.downloads.manager import DownloadManager, album_name, choose_file, free_space
from engine.downloads.repair import repair_downloads
from engine.errors import (
    AmbiguousConcertError,
    ArchiveError,
    ArchiveResponseError,
    ConfigError,
    DownloadError,
    EngineError,
    NotFoundError,
    PlaybackError,
)
from engine.events import (
    ArchiveStatusChanged,
    CatalogChanged,
    CatalogSynced,
    Event,
    EventBus,
    Notice,
    PlayerStateChanged,
)
from engine.formats import FORMAT_HELP, format_name
from engine.library import files
from engine.library.scanner import layout_tags, scan, walk
from engine.library.tags import AUDIO_EXTENSIONS, TagError, read_tags
from engine.lifecycle import StartClose
from engine.models import (
    Artist,
    ArtistList,
    CatalogStatus,
    Concert,
    ConcertList,
    Description,
    Discover,
    Download,
    DownloadState,
    ImportResult,
    LibraryConcert,
    LibraryProblem,
    LibraryStats,
    LibraryTrack,
    PartialDate,
    Pick,
    PlayerState,
    PlayQueue,
    QueueItem,
    Recording,
    RepeatMode,
    ScanResult,
    SourceKind,
)
from engine.playback import resume
from engine.playback.backend import MpvBackend
from engine.playback.player import Player
from engine.snapshot import write_library_snapshot
from engine.storage import feedback, repository as repo
from engine.storage.cache import DatabaseCache
from engine.storage.database import Database

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterable, Sequence

    from engine.config import Settings
    from engine.recommend.service import Recommender

log = logging.getLogger(__name__)

INDEX_FILE = "recommend/index.npz"  # the recommender's saved index, in the data dir
RADIO_TRIES = 5  # picks radio tries before it says it cannot go on
USER_AGENT = f"liveset/{__version__} (terminal player for the Live Music Archive)"


class Engine(StartClose):
    """The engine: database, archive client and (later) downloads, player and recommender."""

    def __init__(
        self,
        settings: Settings,
        *,
        backoff_base: float = 0.5,
        probe_every: tuple[float, float] | None = None,
        catalog_page: int | None = None,
    ) -> None:
        """``backoff_base`` (seconds before the first retry), ``probe_every`` (the first and
        the longest wait between looks at an unreachable archive) and ``catalog_page`` (the
        recordings a catalog sync asks for at once) are for tests."""
        self.settings = settings
        self._bus = EventBus()
        self._database = Database(settings.db_url, on_busy=self._database_busy)
        self._backoff_base = backoff_base
        self._probe_every = probe_every
        self._archive: ArchiveClient | None = None
        self._downloads: DownloadManager | None = None
        self._downloads_running = False
        self._player: Player | None = None
        self._catalog = Catalog(
            self._database,
            lambda: self._client,
            self._bus.publish,
            refresh_hours=settings.catalog_refresh_hours,
            page=catalog_page or CATALOG_PAGE,
        )
        self._recommender_made: Recommender | None = None
        self._radio = settings.radio
        self._radio_task: asyncio.Task[None] | None = None
        self._started = False

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        if self._started:
            return
        try:
            self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigError(
                "data_dir",
                str(self.settings.data_dir),
                f"a folder liveset can make and write ({error.strerror or error})",
            ) from error
        await self._database.open()
        self._archive = ArchiveClient(
            self.settings.archive_url,
            user_agent=USER_AGENT,
            concurrency=self.settings.request_concurrency,
            timeout=self.settings.request_timeout,
            retries=self.settings.request_retries,
            backoff_base=self._backoff_base,
            cache=DatabaseCache(self._database),
            on_status=self._archive_status,
            on_retry=self._archive_retrying,
        )
        if self._probe_every is not None:
            self._archive.probe_every = self._probe_every
        self._downloads = DownloadManager(
            self._database,
            user_agent=USER_AGENT,
            timeout=self.settings.request_timeout,
            archive_url=self.settings.archive_url,
            music_dir=self.settings.music_dir,
            publish=self._bus.publish,
            concurrency=self.settings.download_concurrency,
            retries=self.settings.download_retries,
            keep_free=self.settings.keep_free,
            backoff_base=self._backoff_base,
        )
        self._started = True
        report = await repair_downloads(
            self._database, self.settings.music_dir, self.settings.archive_url
        )
        if report.recordings:
            log.info(
                "repaired %d downloaded recording(s): %d folder(s) moved, %d file(s) renamed, "
                "%d re-tagged",
                report.recordings,
                report.folders_moved,
                report.files_renamed,
                report.files_retagged,
            )

    def _archive_retrying(self, message: str) -> None:
        self._bus.publish(Notice("archive", message))

    def _database_busy(self, message: str) -> None:
        self._bus.publish(Notice("database", message))

    def _archive_status(self, online: bool, message: str) -> None:
        # The client runs on this loop, so its callback may publish directly.
        self._bus.publish(ArchiveStatusChanged(online, message))

    async def close(self) -> None:
        if self._recommender_made is not None:
            await self._recommender_made.close()
        if self._radio_task is not None and not self._radio_task.done():
            self._radio_task.cancel()
        if self._player is not None:
            await self._player.close()
            self._player = None
        if self._downloads is not None:
            if self._downloads_running:
                await self._downloads.close()
            self._downloads = None
            self._downloads_running = False
        if self._archive is not None:
            await self._archive.aclose()
            self._archive = None
        await self._database.close()
        self._bus.close()
        self._started = False

    def events(self) -> AsyncIterator[Event]:
        """Every event from now on, until the engine closes."""
        return self._bus.subscribe()

    @property
    def _client(self) -> ArchiveClient:
        if self._archive is None:
            raise EngineError("the engine is not started")
        return self._archive

    @property
    def archive_online(self) -> bool | None:
        """True or False after the first request to the archive; None before."""
        return self._archive.online if self._archive else None

    @property
    def database_dialect(self) -> str:
        return self._database.dialect

    # --- archive commands ----------------------------------------------------------------

    async def artists(self, *, limit: int | None = None) -> ArtistList:
        """The etree band collections, by name: from the catalog when there is one, else from
        the archive (from the cache when it is down)."""
        if await self._catalog.ready():
            found = await self._database.run(catalog.artists)
            return ArtistList(tuple(found[:limit] if limit else found))
        artists: list[Artist] = []
        stale = False
        try:
            async for page in self._client.scrape(
                ARTISTS_QUERY,
                ("identifier", "title", "creator", "downloads", "item_count"),
                limit=limit,
                kind="artists",
            ):
                stale = stale or page.stale
                for item in page.data:
                    identifier = as_str(item.get("identifier"))
                    if identifier:
                        name = (
                            as_text(item.get("title")) or as_text(item.get("creator")) or identifier
                        )
                        artists.append(
                            Artist(
                                identifier,
                                name,
                                as_int(item.get("item_count")),
                                as_int(item.get("downloads")),
                            )
                        )
        except ArchiveError:
            stored = await self._database.run(repo.list_artists)
            if not stored:
                raise
            return ArtistList(tuple(stored[:limit] if limit else stored), stale=True)
        artists.sort(key=lambda a: a.name.casefold())
        await self._database.run(lambda s: repo.save_artists(s, artists))
        return ArtistList(tuple(artists), stale=stale)

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
        terms = parse_search(text)
        if await self._catalog.ready():
            asked = catalog.read_query(
                terms.text,
                artist=artist or terms.artist,
                year=year or terms.year,
                sbd_only=sbd_only or terms.sbd_only,
            )
            found = await self._database.run(lambda s: catalog.search(s, asked, limit))
            return await self._local_list(
                found,
                ranked=True,
                downloaded_only=downloaded_only,
                keep=lambda c: terms.rating_allows(c.rating),
            )
        query = concerts_query(terms.text, artist=artist or terms.artist, year=year or terms.year)
        return await self._concert_list(
            query,
            sort="date desc",
            limit=limit,
            sbd_only=sbd_only or terms.sbd_only,
            downloaded_only=downloaded_only,
            keep=lambda c: terms.rating_allows(c.rating),
        )

    async def concerts_on_day(
        self, month: int, day: int, *, sbd_only: bool = False, downloaded_only: bool = False
    ) -> ConcertList:
        """Concerts played on this month and day, in any year since 1950, newest first."""
        if await self._catalog.ready():
            found = await self._database.run(lambda s: catalog.on_day(s, month, day))
            return await self._local_list(found, sbd_only=sbd_only, downloaded_only=downloaded_only)
        years = range(1950, datetime.date.today().year + 1)
        return await self._concert_list(
            concerts_query(day_query(month, day, years)),
            sort="date desc",
            limit=500,
            sbd_only=sbd_only,
            downloaded_only=downloaded_only,
        )

    async def surprise_concert(
        self, *, min_stars: float = 4.0, rng: random.Random | None = None
    ) -> Concert:
        """A random concert among the archive's well-rated recordings (``min_stars`` or more)."""
        if await self._catalog.ready():
            pick = (rng or random).random()
            chosen = await self._database.run(lambda s: catalog.random_rated(s, min_stars, pick))
            shows = group_concerts(chosen)
            if not shows:
                raise NotFoundError(f"no concert rated {min_stars} stars or more was found")
            return shows[0]
        found = await self._concert_list(
            concerts_query(f"avg_rating:[{min_stars} TO 5]"), sort="downloads desc", limit=500
        )
        if not found.concerts:
            raise NotFoundError(f"no concert rated {min_stars} stars or more was found")
        return (rng or random).choice(found.concerts)

    async def _local_list(
        self,
        recordings: list[Recording],
        *,
        ranked: bool = False,
        sbd_only: bool = False,
        downloaded_only: bool = False,
        keep: Callable[[Concert], bool] | None = None,
    ) -> ConcertList:
        """Concerts of recordings from the catalog; ``ranked`` keeps the order of their best
        recordings (a search's), else newest first."""
        concerts, count = await self._grouped(
            recordings, sbd_only=sbd_only, downloaded_only=downloaded_only, stale=False
        )
        if ranked:
            place: dict[str, int] = {}
            for n, r in enumerate(recordings):
                place.setdefault(r.identifier, n)
            concerts.sort(key=lambda c: min(place[r.identifier] for r in c.recordings))
        if keep is not None:
            concerts = [c for c in concerts if keep(c)]
        return ConcertList(tuple(concerts), total_items=count)

    async def _grouped(
        self, recordings: list[Recording], *, sbd_only: bool, downloaded_only: bool, stale: bool
    ) -> tuple[list[Concert], int]:
        """Recordings filtered as asked and grouped into concerts, newest first (the one rule
        for the catalog and the archive alike); and how many recordings were kept."""
        if sbd_only:
            recordings = [r for r in recordings if r.source_kind is SourceKind.SBD]
        if downloaded_only:
            on_disk = await self.downloaded_identifiers()
            recordings = [r for r in recordings if r.identifier in on_disk]
        return group_concerts(recordings, stale=stale), len(recordings)

    async def _concert_list(
        self,
        query: str,
        *,
        sort: str,
        limit: int,
        sbd_only: bool = False,
        downloaded_only: bool = False,
        keep: Callable[[Concert], bool] | None = None,
    ) -> ConcertList:
        fetched = await self._client.advanced_search(query, SEARCH_FIELDS, sort=(sort,), rows=limit)
        docs, found = fetched.data
        recordings = [r for d in docs if (r := recording_from_search_doc(d)) is not None]
        await self._database.run(lambda s: repo.save_recordings(s, recordings))
        concerts, _kept = await self._grouped(
            recordings, sbd_only=sbd_only, downloaded_only=downloaded_only, stale=fetched.stale
        )
        if keep is not None:
            concerts = [c for c in concerts if keep(c)]
        return ConcertList(tuple(concerts), total_items=found, stale=fetched.stale)

    async def artist_years(self, artist: str) -> tuple[tuple[int, int], ...]:
        """The years an artist played, each with its number of concerts, oldest first."""
        if await self._catalog.ready():
            return tuple(await self._database.run(lambda s: catalog.artist_years(s, artist)))
        dates: dict[int, set[str]] = {}
        async for page in self._client.scrape(
            concerts_query(artist=artist), ("identifier", "year", "date"), kind="years"
        ):
            for doc in page.data:
                year = as_int(doc.get("year"))
                day = as_str(doc.get("date"))[:10]
                if year is None and day[:4].isdigit():
                    year = int(day[:4])
                if year is not None:
                    dates.setdefault(year, set()).add(day or as_str(doc.get("identifier")))
        return tuple((year, len(days)) for year, days in sorted(dates.items()))

    # --- the local catalog ---------------------------------------------------------------

    async def catalog_status(self) -> CatalogStatus:
        """How much the local catalog holds, how old it is, and any pass left unfinished."""
        return await self._catalog.status()

    async def sync_catalog(self, *, full: bool = False) -> CatalogSynced:
        """Sync the local catalog with the archive: the rest of an unfinished pass, else what
        changed since the last sync (a full pass the first time, when ``full``, or once a
        week, dropping recordings that left the archive). ``CatalogProgress`` events tell how
        it goes; one sync at a time (a second call waits for the first)."""
        synced = await self._catalog.sync(full=full)
        changed = synced.added or synced.updated or synced.removed
        if changed and (self.settings.data_dir / INDEX_FILE).exists():
            # The recommender's index holds the catalog: fit it again, in the background.
            self._recommender.refit()
        return synced

    async def catalog_due(self) -> bool:
        """A background refresh is due (``catalog.refresh_hours``; never before a first sync,
        which is the user's to start)."""
        return await self._catalog.due()

    async def catalog_estimate(self) -> tuple[int, int]:
        """How many recordings a first sync would fetch (one small request), and about how
        many bytes they take in the database."""
        return await self._catalog.estimate()

    # --- favourites ----------------------------------------------------------------------

    async def set_favourite(self, kind: str, target: str, favourite: bool = True) -> None:
        """Mark a ``track``, ``recording`` or ``artist`` as a favourite, or unmark it."""
        _check_kind(kind)
        await self._database.run(lambda s: feedback.set_favourite(s, kind, target, favourite))

    async def favourites(self, kind: str | None = None) -> tuple[tuple[str, str], ...]:
        """``(kind, target)`` of every favourite, or of one kind."""
        return tuple(await self._database.run(lambda s: feedback.favourites(s, kind)))

    async def set_rating(self, kind: str, target: str, rating: int) -> None:
        """Like (1) or dislike (-1) a ``track``, ``recording`` or ``artist``; 0 clears it.
        Recommendations take it at once."""
        _check_kind(kind)
        await self._database.run(lambda s: feedback.set_rating(s, kind, target, rating))

    async def set_not_interested(self, kind: str, target: str, value: bool = True) -> None:
        """Never recommend this recording or artist again (or again, with ``value`` False)."""
        _check_kind(kind)
        await self._database.run(lambda s: feedback.set_not_interested(s, kind, target, value))

    # --- recommendations -----------------------------------------------------------------

    @property
    def _recommender(self) -> Recommender:
        """The recommender, made (and numpy, scipy and the rest imported) on first use: a
        command that never recommends starts without them."""
        if self._recommender_made is None:
            from engine.recommend.service import Recommender

            self._recommender_made = Recommender(self._database, self.settings.data_dir)
        return self._recommender_made

    async def recommend(self, limit: int = 20) -> tuple[Pick, ...]:
        """The best recordings for the person at the keyboard, one a concert, varied, each
        with its reasons; scored here on the local catalog (empty without one). The first
        call after a catalog sync may fit the model (seconds); later ones take milliseconds."""
        return await self._recommender.recommend(limit)

    async def discover(self, per_row: int = 10) -> Discover:
        """The discover screen's rows: the person's own (favourites, recent, most played),
        then for you, because you played..., on this day, hidden gems, new in the archive."""
        return await self._recommender.discover(per_row)

    async def describe(self, text: str, limit: int = 20) -> Description:
        """Concerts ranked by a phrase ("mellow acoustic soundboard 1972 northeast"), with how
        it was read."""
        return await self._recommender.describe(text, limit)

    async def import_history(self, path: str) -> ImportResult:
        """Read a ListenBrainz export or a Last.fm scrobble file; its artists, matched to the
        archive's, count in recommendations from now on (a second import of the same service
        replaces the first)."""
        file = await asyncio.to_thread(lambda: Path(path).expanduser())
        if not await asyncio.to_thread(file.is_file):
            raise NotFoundError(f"no such file: {path}")
        from engine.recommend.imports import ImportFormatError

        try:
            return await self._recommender.import_history(file)
        except (ImportFormatError, UnicodeError, zipfile.BadZipFile) as error:
            raise EngineError(f"cannot read {path}: {error}") from error

    async def set_radio(self, on: bool) -> None:
        """Radio: when the queue runs out, go on with the best recommended concert."""
        self._radio = on
        if self._player is not None:
            self._player.radio = on
        self._bus.publish(PlayerStateChanged(self.player_state()))

    def _ran_out(self) -> None:
        if self._radio_task is None or self._radio_task.done():
            self._radio_task = asyncio.get_running_loop().create_task(self._radio_next())

    async def _radio_next(self) -> None:
        avoid = {item.identifier for item in self._play.queue if item.identifier}
        error: Exception | None = None
        for _ in range(RADIO_TRIES):  # a pick may be gone from the archive: the next one
            try:
                pick = await self._recommender.next_for_radio(avoid)
            except EngineError as failed:
                error = failed
                break
            if pick is None:
                break
            try:
                await self.queue_add(pick.recording.identifier, play=True)
            except NotFoundError as missing:
                error = missing
                avoid.add(pick.recording.identifier)
                continue
            except (EngineError, OSError) as failed:
                error = failed
                break
            recording = pick.recording
            why = f" ({pick.reasons[0]})" if pick.reasons else ""
            self._bus.publish(
                Notice("radio", f"radio: {recording.artist} {recording.date or ''}{why}")
            )
            return
        if error is not None:
            self._bus.publish(Notice("radio", f"radio could not go on: {error}"))
        else:
            self._bus.publish(
                Notice("radio", "radio has nothing to play: sync the catalog (U) first")
            )

    async def concert(self, artist: str, date: str) -> Concert:
        """One artist on one date, every recording with its tracks, best first.

        A year or a month (``1977``, ``1977-05``) is one concert only when the artist played
        once in it; otherwise ``AmbiguousConcertError`` names the dates (``concerts_in`` lists
        them). Two shows are never merged into one."""
        when = parse_date_arg(date)
        if await self._catalog.ready():
            listed = await self._database.run(lambda s: catalog.artist_span(s, artist, when, 500))
            if listed:
                return await self._concert_of(artist, date, when, listed, stale=False)
        query = concerts_query(artist=artist, date=when)
        try:
            fetched = await self._client.advanced_search(
                query, SEARCH_FIELDS, sort=("downloads desc",), rows=500
            )
        except ArchiveError:
            stored = await self._database.run(
                lambda s: repo.get_concert(s, artist, str(when), self.settings.archive_url)
            )
            if stored is None:
                raise
            return replace(stored, stale=True)
        docs, _found = fetched.data
        summaries = [r for d in docs if (r := recording_from_search_doc(d)) is not None]
        return await self._concert_of(artist, date, when, summaries, stale=fetched.stale)

    async def _concert_of(
        self,
        artist: str,
        date: str,
        when: PartialDate,
        summaries: list[Recording],
        *,
        stale: bool,
    ) -> Concert:
        """The concert of these search summaries, each recording with its tracks (from the
        metadata endpoint, cached; a summary stays when that fails)."""
        if not summaries:
            raise NotFoundError(f"no recordings of {artist} on {date}")
        if when.day is None:
            shows = group_concerts(summaries)
            if len(shows) > 1:
                dates = tuple(sorted(str(c.date) for c in shows))
                raise AmbiguousConcertError(shows[0].artist, date, dates)
        details = await asyncio.gather(
            *(self._recording_details(s) for s in summaries), return_exceptions=True
        )
        recordings: list[Recording] = []
        for summary, detail in zip(summaries, details, strict=True):
            if isinstance(detail, BaseException):
                if not isinstance(detail, EngineError):
                    raise detail
                log.warning("recording %s skipped: %s", summary.identifier, detail)
                # Not answered (offline, say): the summary stands in, and the concert is
                # marked as not the archive's whole answer.
                stale = stale or isinstance(detail, ArchiveError)
                recordings.append(summary)
            elif detail is None:
                log.warning("recording %s: the archive has no metadata for it", summary.identifier)
                recordings.append(summary)
            else:
                stale = stale or detail.stale
                recordings.append(detail)
        await self._database.run(lambda s: repo.save_recordings(s, recordings))
        self._bus.publish(CatalogChanged(tuple(r.identifier for r in recordings)))
        concerts = group_concerts(recordings, stale=stale)
        # The search matched these items on the asked date (or the one show of the span); an
        # item whose own metadata gives the date less exactly still belongs to that show.
        if len(concerts) != 1:
            best = max(concerts, key=lambda c: (c.date.day is not None, len(c.recordings)))
            merged = rank_recordings(r for c in concerts for r in c.recordings)
            return replace(best, recordings=merged, stale=stale)
        return concerts[0]

    async def concerts_in(self, artist: str, span: str) -> ConcertList:
        """The concerts of an artist in a year, a month or on a day (``1977``, ``1977-05``),
        oldest first; recordings as search summaries, without tracks."""
        when = parse_date_arg(span)
        if await self._catalog.ready():
            listed = await self._database.run(lambda s: catalog.artist_span(s, artist, when))
            found = await self._local_list(listed)
            return replace(
                found, concerts=tuple(sorted(found.concerts, key=lambda c: c.date.sort_key))
            )
        found = await self._concert_list(
            concerts_query(artist=artist, date=when), sort="date asc", limit=2000
        )
        return replace(found, concerts=tuple(sorted(found.concerts, key=lambda c: c.date.sort_key)))

    def _item(self, identifier: str, body: dict[str, Any] | None) -> Recording:
        """The recording in a metadata body asked for as ``identifier``: none is not found,
        and a body about another item is the archive's mistake, never taken for this one."""
        recording = recording_from_metadata(body, self.settings.archive_url) if body else None
        if recording is None:
            raise NotFoundError(f"the archive has no item {identifier!r}")
        if recording.identifier != identifier:
            raise ArchiveResponseError(
                f"asked for {identifier!r}, the archive answered with {recording.identifier!r}"
            )
        return recording

    async def _recording_details(self, summary: Recording) -> Recording | None:
        fetched = await self._client.metadata(summary.identifier)
        if fetched.data is None:
            return None
        recording = self._item(summary.identifier, fetched.data)
        return replace(recording, downloads=summary.downloads, stale=fetched.stale)

    async def recording(self, identifier: str) -> Recording:
        """One recording with its tracks, files and reviews."""
        try:
            fetched = await self._client.metadata(identifier)
        except ArchiveError:
            stored = await self._database.run(
                lambda s: repo.get_recording(s, identifier, self.settings.archive_url)
            )
            if stored is None or not stored.tracks:
                raise
            return replace(stored, stale=True)
        recording = self._item(identifier, fetched.data)
        stored = await self._database.run(
            lambda s: repo.get_recording(s, identifier, self.settings.archive_url)
        )
        if stored is not None and stored.downloads is not None:
            recording = replace(recording, downloads=stored.downloads)
        await self._database.run(lambda s: repo.save_recordings(s, [recording]))
        self._bus.publish(CatalogChanged((identifier,)))
        return replace(recording, stale=fetched.stale)

    # --- downloads -----------------------------------------------------------------------

    @property
    def _queue(self) -> DownloadManager:
        if self._downloads is None:
            raise EngineError("the engine is not started")
        return self._downloads

    async def run_downloads(self, *, only: Iterable[int] | None = None) -> bool:
        """Start working through the download queue in the background (files left running by
        a liveset that stopped are resumed), or only through the files ``only`` (a command
        that waits for what it asked). Until this is called the queue only records.
        False when another liveset process on this data dir already runs the queue."""
        if not self._downloads_running:
            lock = self.settings.data_dir / "downloads.lock"
            self._downloads_running = await self._queue.start(lock, only=only)
        return self._downloads_running

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
        if format is not None:
            named = format_name(format)
            if named is None:
                raise DownloadError(f"unknown format {format!r}; one of: {FORMAT_HELP}")
            format = named
        fetched = await self._client.metadata(identifier)
        recording = self._item(identifier, fetched.data)
        preferred = self.settings.preferred_formats
        if format is not None:
            offered = {f.format for t in recording.tracks for f in t.files if not f.private}
            if format not in offered:
                stream_only = format in recording.formats
                raise DownloadError(
                    f"{identifier} has no {format} files to download"
                    + (" (they are stream-only)" if stream_only else "")
                    + f"; it has: {', '.join(sorted(offered)) or 'none'}"
                )
            preferred = (format, *(f for f in preferred if f != format))
        await self._database.run(lambda s: repo.save_recordings(s, [recording]))
        if sets is not None:
            asked = list(sets)
            in_sets = [
                t.number for t in recording.tracks if any(in_set(t.set_name, a) for a in asked)
            ]
            if not in_sets:
                shown = list(dict.fromkeys(t.set_name for t in recording.tracks if t.set_name))
                raise NotFoundError(
                    f"{identifier} has no set {asked[0]}"
                    + (f"; it has {', '.join(shown)}" if shown else "; it is one set")
                )
            tracks = [n for n in in_sets if tracks is None or n in set(tracks)]
        return await self._queue.enqueue(
            recording, fetched.data or {}, preferred=preferred, tracks=tracks
        )

    async def downloads(
        self, *, states: Iterable[DownloadState] | None = None, identifier: str | None = None
    ) -> tuple[Download, ...]:
        """The download queue, oldest first, with live progress of running files (those
        cleared from the list with ``clear_finished_downloads`` left out)."""
        return await self._queue.listing(states=states, identifier=identifier, visible_only=True)

    async def clear_finished_downloads(self) -> int:
        """Take finished and cancelled downloads off the list (the files stay); returns how
        many recordings were cleared."""
        return await self._queue.clear_finished()

    async def pause_downloads(self, ids: Iterable[int]) -> None:
        await self._queue.pause(ids)

    async def resume_downloads(self, ids: Iterable[int]) -> None:
        await self._queue.resume(ids)

    async def cancel_downloads(self, ids: Iterable[int]) -> None:
        """Stop files and delete their partial data."""
        await self._queue.cancel(ids)

    async def retry_downloads(self, ids: Iterable[int]) -> None:
        await self._queue.retry(ids)

    async def free_space(self) -> int:
        """Bytes free on the music dir's disk."""
        return await asyncio.to_thread(free_space, self.settings.music_dir)

    async def remove_download(self, identifier: str) -> int:
        """Delete a downloaded recording from disk, the library and the queue; files removed."""
        return await self._queue.remove(identifier)

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
        return await self._queue.wait(identifier, ids=ids, until_held=until_held)

    def downloads_held(self) -> str | None:
        """Why the download queue starts no file for now (the disk is full: it goes on by
        itself when there is room), or None."""
        return self._queue.held

    # --- library -------------------------------------------------------------------------

    @property
    def library_folders(self) -> tuple[Path, ...]:
        """The folders a scan looks in: the music dir, then ``library.folders``."""
        folders = (self.settings.music_dir, *self.settings.library_folders)
        return tuple(dict.fromkeys(folders))

    async def scan_library(self, folders: Iterable[Path] | None = None) -> ScanResult:
        """Scan ``folders`` (default: ``library_folders``); publishes ``ScanProgress``."""
        chosen = tuple(folders) if folders is not None else self.library_folders
        return await scan(self._database, chosen, self._bus.publish)

    async def downloaded_identifiers(self) -> frozenset[str]:
        """Archive identifiers with files in the library."""
        return frozenset(await self._database.run(files.identifiers))

    async def library_stats(self) -> LibraryStats:
        return await self._database.run(files.stats)

    async def library_overview(self) -> tuple[LibraryStats, tuple[tuple[str, int], ...]]:
        """The library's totals and its artists with their numbers of concerts, at once."""
        totals, found = await self._database.run(files.overview)
        artists = tuple(found)
        await asyncio.to_thread(write_library_snapshot, self.settings.data_dir, totals, artists)
        return totals, artists

    async def library_search(self, text: str, *, limit: int = 200) -> tuple[LibraryTrack, ...]:
        """Tracks on disk matching every word of ``text`` (title, artist, album, venue, city,
        date), as prefixes."""
        return tuple(await self._database.run(lambda s: files.search(s, text, limit)))

    async def library_artists(self) -> tuple[tuple[str, int], ...]:
        """Artists on disk with how many concerts of theirs are there."""
        return tuple(await self._database.run(files.artists))

    async def library_concerts(self, artist: str | None = None) -> tuple[LibraryConcert, ...]:
        return tuple(await self._database.run(lambda s: files.concerts(s, artist)))

    async def library_tracks(
        self, *, artist: str | None = None, album: str | None = None, identifier: str | None = None
    ) -> tuple[LibraryTrack, ...]:
        return tuple(
            await self._database.run(
                partial(files.tracks, artist=artist, album=album, identifier=identifier)
            )
        )

    async def library_problems(self) -> tuple[LibraryProblem, ...]:
        """Files the scanner could not read, with the reason."""
        return tuple(await self._database.run(files.problems))

    # --- playback ------------------------------------------------------------------------

    @property
    def _play(self) -> Player:
        """The player, made on first use; raises ``PlaybackUnavailable`` without libmpv."""
        if self._player is None:
            gain = self.settings.replaygain
            options = {"replaygain": "no" if gain == "off" else gain}
            options.update(self.settings.mpv_options)  # the config's [player.mpv] has the last word
            self._player = Player(self._database, self._bus.publish, MpvBackend, options)
            self._player.radio = self._radio
            self._player.on_ran_out = self._ran_out
        return self._player

    async def audio_devices(self) -> tuple[tuple[str, str], ...]:
        """The audio outputs and devices mpv knows here: ``(name, description)``; a name goes
        into ``[player.mpv]`` ``audio-device`` (its part before ``/`` is an ``ao``)."""
        return tuple(self._play.audio_devices())

    def player_state(self) -> PlayerState:
        """Playing, paused or stopped, where, how loud; raises ``PlaybackUnavailable``."""
        return self._play.state()

    def play_queue(self) -> PlayQueue:
        """The play queue with the player's state, read together."""
        player = self._play
        return PlayQueue(player.queue, player.state())

    async def play(
        self, index: int | None = None, *, start: float | None = None, paused: bool = False
    ) -> None:
        """Play queue entry ``index`` (0-based; from ``start`` seconds), or go on where it
        stopped; ``paused`` loads it and waits there."""
        await self._play.play(index, start=start, paused=paused)

    async def pause(self) -> None:
        await self._play.pause()

    async def resume(self) -> None:
        await self._play.resume()

    async def toggle_pause(self) -> None:
        await self._play.toggle_pause()

    async def stop(self) -> None:
        """Stop; the queue stays."""
        await self._play.stop()

    async def next_track(self) -> None:
        await self._play.next()

    async def previous_track(self) -> None:
        """Back to the start of the track after a few seconds of it, else the one before."""
        await self._play.previous()

    async def seek(self, seconds: float, *, relative: bool = True) -> None:
        """Seek by ``seconds`` (or to them); never before the start of the track."""
        await self._play.seek(seconds, relative=relative)

    async def set_volume(self, volume: float) -> None:
        """0 to 130 (percent)."""
        await self._play.set_volume(volume)

    async def set_muted(self, muted: bool) -> None:
        await self._play.set_muted(muted)

    async def set_repeat(self, mode: RepeatMode | str) -> None:
        await self._play.set_repeat(mode)

    async def shuffle(self, *, keep_sets: bool = True, seed: int | None = None) -> None:
        """Shuffle what comes after the playing entry (a set of a show stays together)."""
        await self._play.shuffle(keep_sets=keep_sets, seed=seed)

    async def queue_insert(self, items: Sequence[QueueItem], *, after_current: bool = False) -> int:
        """Put entries back in the queue (an undo), at the end or after the playing one;
        the index of the first."""
        return await self._play.add(items, after_current=after_current)

    async def queue_remove(self, index: int) -> None:
        await self._play.remove(index)

    async def queue_move(self, source: int, target: int) -> None:
        """Move the entry at ``source`` so that it ends up at ``target``."""
        await self._play.move(source, target)

    async def queue_clear(self) -> None:
        await self._play.clear()

    async def wait_until_idle(self) -> None:
        """Until the queue has played to its end, or was stopped."""
        await self._play.wait_until_idle()

    async def saved_queue(self) -> tuple[tuple[QueueItem, ...], int | None, float]:
        """The queue as the last run left it, its current entry and the seconds into it;
        read from the database, without starting mpv."""
        items, index, seconds, _volume = await self._database.run(resume.load)
        return tuple(items), index, seconds

    async def restore_playback(self) -> bool:
        """Bring back the queue of the last run, paused where it stopped."""
        return await self._play.restore()

    async def queue_add(
        self, target: str, *, after_current: bool = False, play: bool = False, start: int = 0
    ) -> tuple[QueueItem, ...]:
        """Queue a file, a folder or an archive recording (its downloaded tracks from disk,
        the others streamed), at the end or after the playing track; ``play`` starts it at
        ``start``: the recording's track (0-based) or the folder's file, in name order."""
        sourced = await self._queue_items(target)
        items = tuple(item for _, item in sourced)
        player = self._play
        offset = next((i for i, (at, _) in enumerate(sourced) if at >= start), 0)
        if play and not after_current and (found := _run_of(player.queue, items)) is not None:
            # Already queued as a whole (Enter again on the same show): play it there.
            await player.play(found + offset)
            return items
        first = await player.add(items, after_current=after_current)
        if play and items:
            await player.play(first + offset)
        return items

    async def queue_concert(
        self, artist: str, date: str, *, after_current: bool = False, play: bool = False
    ) -> tuple[QueueItem, ...]:
        """Queue a whole concert: its best recording."""
        best = (await self.concert(artist, date)).best
        if best is None:
            raise NotFoundError(f"no recordings of {artist} on {date}")
        return await self.queue_add(best.identifier, after_current=after_current, play=play)

    async def _queue_items(self, target: str) -> list[tuple[int, QueueItem]]:
        """What ``target`` queues, each item with its place in the recording or folder."""
        path = await asyncio.to_thread(lambda: Path(target).expanduser())
        if await asyncio.to_thread(path.is_dir):
            found = await asyncio.to_thread(walk, str(path.resolve()))
            return list(
                enumerate(
                    await asyncio.to_thread(lambda: [_file_item(p) for p, _, _ in sorted(found)])
                )
            )
        if await asyncio.to_thread(path.is_file):
            item = await asyncio.to_thread(partial(_file_item, str(path.resolve()), asked=True))
            return [(0, item)]
        if "/" in target or target.startswith((".", "~")):
            raise NotFoundError(f"no such file or folder: {target}")
        try:
            recording = await self.recording(target)
        except NotFoundError:
            # A bare name may be either: archive identifiers end in ".flac" as often as files.
            if path.suffix.lower() in AUDIO_EXTENSIONS:
                raise NotFoundError(
                    f"no such file or folder: {target} (and no archive item of that name)"
                ) from None
            raise
        on_disk = {
            t.track_number: t
            for t in await self.library_tracks(identifier=recording.identifier)
            if t.track_number is not None
        }
        album = album_name(recording)
        items: list[tuple[int, QueueItem]] = []
        for track in recording.tracks:
            number = track.number
            local = on_disk.get(number)
            if local is not None:
                uri = local.path
                name = ""
            else:
                file, _note = choose_file(track, self.settings.preferred_formats)
                if file is None:
                    continue  # stream-only with no derivative: nothing to play
                uri, name = file.url, file.name
            item = QueueItem(
                uri=uri,
                title=track.display_title,
                artist=recording.artist,
                album=album,
                identifier=recording.identifier,
                file_name=name,
                duration=track.duration,
            )
            items.append((number - 1, item))
        if not items:
            raise NotFoundError(f"nothing of {target} can be played")
        return items


def _check_kind(kind: str) -> None:
    if kind not in feedback.KINDS:
        raise ValueError(f"kind must be one of {', '.join(feedback.KINDS)}")


def _run_of(queue: tuple[QueueItem, ...], items: tuple[QueueItem, ...]) -> int | None:
    """Where ``items`` stand in ``queue`` one after another (by what they play), if they do."""
    wanted = [i.uri for i in items]
    uris = [q.uri for q in queue]
    for at in range(len(uris) - len(wanted) + 1):
        if wanted and uris[at : at + len(wanted)] == wanted:
            return at
    return None


def _file_item(path: str, *, asked: bool = False) -> QueueItem:
    """The queue entry of a file; one ``asked`` for by name is refused, in words, when it is
    not audio liveset can play (a file found in a folder plays under its name)."""
    try:
        tags = read_tags(Path(path))
    except TagError as error:
        if asked:
            raise PlaybackError(f"cannot play {path}: {error}") from error
        return QueueItem(uri=path, title=Path(path).stem)
    except OSError as error:
        if asked:
            raise PlaybackError(f"cannot play {path}: {error.strerror or error}") from error
        raise
    tags = layout_tags(path, str(Path(path).parent), tags)  # "01 Title.flac" without tags
    return QueueItem(
        uri=path,
        title=tags.title or Path(path).stem,
        artist=tags.artist,
        album=tags.album,
        identifier=tags.identifier,
        duration=tags.duration,
    )
