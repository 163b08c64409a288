"""``Engine``: the engine in this process, a composition of its services.

Each call of ``EngineAPI`` (documented there, where ``RemoteEngine`` implements it too) is a
line into one service: browse (``engine.browse``), the catalog, feedback, recommendations and
radio, downloads, the library and playback. Nothing here knows about a screen.
"""

from __future__ import annotations

import asyncio
import logging
import time
import zipfile
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from engine import __version__, history, listening_stats
from engine.archive.client import ArchiveClient
from engine.browse.recordings import Recordings
from engine.browse.service import Browse
from engine.catalog.sync import PAGE as CATALOG_PAGE, Catalog
from engine.downloads import request
from engine.downloads.disk import free_space
from engine.downloads.manager import DownloadManager
from engine.downloads.repair import repair_downloads
from engine.errors import ConfigError, EngineError, NotFoundError
from engine.events import ArchiveStatusChanged, EventBus, Notice, NoticeTopic, PlayerStateChanged
from engine.library import files
from engine.library.scanner import scan
from engine.lifecycle import StartClose
from engine.models import CacheStats, Household, PlayQueue
from engine.playback import resume
from engine.playback.backend import MpvBackend
from engine.playback.player import Player
from engine.playback.queue_items import QueueItems
from engine.playlists import formats as playlist_formats
from engine.playlists.service import Playlists
from engine.recommend import index_path
from engine.recommend.radio import Radio
from engine.sharing import Sharing
from engine.snapshot import write_library_snapshot
from engine.storage import cache, feedback, searches
from engine.storage.database import Database

if TYPE_CHECKING:
    import random
    from collections.abc import AsyncIterator, Callable, Iterable, Sequence

    from engine.config import Settings
    from engine.events import CatalogSynced, Event
    from engine.models import (
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
        ListeningStats,
        Pick,
        Play,
        PlayerState,
        PlaylistEntry,
        PlaylistImport,
        PlaylistSummary,
        QueueItem,
        Recording,
        RepeatMode,
        ScanResult,
    )
    from engine.recommend.service import Recommender

log = logging.getLogger(__name__)

USER_AGENT = f"liveset/{__version__} (terminal player for the Live Music Archive)"


class Engine(StartClose):
    """The engine: database, archive client, downloads, library, player and recommender."""

    def __init__(
        self,
        settings: Settings,
        *,
        backoff_base: float = 0.5,
        probe_every: tuple[float, float] | None = None,
        catalog_page: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``backoff_base`` (seconds before the first retry), ``probe_every`` (the first and
        the longest wait between looks at an unreachable archive), ``catalog_page`` (the
        recordings a catalog sync asks for at once) and ``clock`` (the time recommendations
        are made at: this day's concerts, what is new) are for tests."""
        self._clock = clock
        self.settings = settings
        self._bus = EventBus()
        self._database = Database(
            settings.db_url, person=settings.profile, on_busy=self._database_busy
        )
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
        self._recordings = Recordings(
            self._database, lambda: self._client, settings.archive_url, self._bus.publish
        )
        self._browse = Browse(
            self._database,
            lambda: self._client,
            self._catalog,
            self._recordings,
            settings.archive_url,
            self.downloaded_identifiers,
        )
        self._items = QueueItems(
            self._recordings.recording,
            lambda identifier: self.library_tracks(identifier=identifier),
            lambda: self.settings.preferred_formats,
        )
        self._playlists = Playlists(
            self._database, self._recordings.recording, self._items.of_recording
        )
        self._recommender_made: Recommender | None = None
        self._radio_on = settings.radio
        self._radio = Radio(
            lambda: self._recommender,
            lambda: self._play.queue,
            lambda identifier: self.queue_add(identifier, play=True),
            self._bus.publish,
        )
        self._started = False
        self._sharing = Sharing(self._database, settings.profile)
        self._cache = cache.DatabaseCache(self._database)

    # --- lifecycle -----------------------------------------------------------------------

    # --- history -------------------------------------------------------------------------

    async def history(
        self,
        *,
        since: str | None = None,
        until: str | None = None,
        artist: str = "",
        skipped_only: bool = False,
        limit: int = 200,
    ) -> tuple[Play, ...]:
        start = history.day_start(since, "--since") if since else None
        end = history.day_start(until, "--until") if until else None
        found = await self._database.run(
            partial(
                history.plays,
                since=start,
                until=end,
                artist=artist,
                skipped_only=skipped_only,
                limit=limit,
            )
        )
        return tuple(found)

    async def listening_stats(self) -> ListeningStats:
        return await self._database.run(lambda s: listening_stats.stats(s, self._clock()))

    # --- playlists -----------------------------------------------------------------------

    async def playlists(self) -> tuple[PlaylistSummary, ...]:
        return await self._playlists.names()

    async def playlist(self, name: str) -> tuple[PlaylistEntry, ...]:
        return await self._playlists.entries(name)

    async def create_playlist(self, name: str) -> str:
        return await self._playlists.create(name)

    async def rename_playlist(self, name: str, new: str) -> str:
        return await self._playlists.rename(name, new)

    async def delete_playlist(self, name: str) -> None:
        await self._playlists.delete(name)

    async def playlist_add(
        self, name: str, identifier: str, tracks: Iterable[int] | None = None
    ) -> int:
        return await self._playlists.add(name, identifier, tracks)

    async def playlist_remove(self, name: str, positions: Sequence[int]) -> int:
        return await self._playlists.remove(name, positions)

    async def playlist_move(self, name: str, source: int, target: int) -> None:
        await self._playlists.move(name, source, target)

    async def playlist_export(self, name: str, format: str = "m3u8") -> str:
        if format not in playlist_formats.FORMATS:
            raise ConfigError("format", format, "one of " + ", ".join(playlist_formats.FORMATS))
        return playlist_formats.render(format, name, await self._playlists.entries(name))

    async def playlist_download(self, name: str) -> tuple[Download, ...]:
        queued: list[Download] = []
        for identifier, tracks in (await self._playlists.missing(name)).items():
            queued += await self.download(identifier, tracks=tracks)
        return tuple(queued)

    async def playlist_import(self, path: str, name: str | None = None) -> PlaylistImport:
        file = await asyncio.to_thread(lambda: Path(path).expanduser())
        return await self._playlists.import_file(file, name)

    async def queue_playlist(
        self, name: str, *, play: bool = False, shuffle: bool = False, start: int = 0
    ) -> tuple[QueueItem, ...]:
        items = await self._playlists.queue_items(name, shuffle=shuffle)
        if not items:
            raise NotFoundError(f"nothing of the playlist {name!r} can be played")
        # To play, what comes first is added first and plays while the rest is added after it
        # (a long list's first sound does not wait for the thousands behind it).
        head = len(items) if not play else max(0, min(start, len(items) - 1)) + 1
        first = await self._play.add(items[:head])
        if play:
            await self._play.play(first + head - 1)
        if head < len(items):
            await self._play.add(items[head:])
        return items

    async def set_track_favourite(
        self, identifier: str, track: int, favourite: bool = True
    ) -> None:
        target = await self._playlists.track_target(identifier, track)
        await self.set_favourite("track", target, favourite)

    async def favourite_tracks(self) -> tuple[PlaylistEntry, ...]:
        targets = [t for _, t in reversed(await self.favourites("track"))]
        rows = [tuple(t.split("/", 1)) for t in targets if "/" in t]
        return await self._playlists.resolve([(i, name) for i, name in rows])

    # --- the search boxes' memory --------------------------------------------------------

    async def search_history(self, scope: str) -> tuple[str, ...]:
        return tuple(await self._database.run(lambda s: searches.recent(s, scope)))

    async def remember_search(self, scope: str, text: str) -> None:
        await self._database.run(lambda s: searches.remember(s, scope, text))

    async def forget_search(self, scope: str, text: str) -> None:
        await self._database.run(lambda s: searches.forget(s, scope, text))

    # --- the cache -----------------------------------------------------------------------

    async def cache_stats(self) -> CacheStats:
        found = await self._database.run(cache.kinds)
        answers = self._cache
        return CacheStats(tuple(found), answers.lookups, answers.found)

    async def clear_cache(
        self, *, kind: str | None = None, older_than_days: float | None = None
    ) -> int:
        if older_than_days is not None and older_than_days < 0:
            raise ConfigError("--older-than", older_than_days, "a number of days, 0 or more")
        before = None if older_than_days is None else self._clock() - older_than_days * 86_400
        return await self._database.run(lambda s: cache.clear(s, kind=kind, before=before))

    # --- the household ---------------------------------------------------------------------

    async def household(self) -> Household:
        return self._sharing.household(self.settings.music_dir)

    async def household_setup(
        self, members: Sequence[str], *, apply: bool = True
    ) -> tuple[str, ...]:
        return await self._sharing.setup(members, apply=apply)

    async def set_household_music_dir(self, folder: str) -> Path:
        return await self._sharing.set_music_dir(folder)

    async def start(self) -> None:
        if self._started:
            return
        self.settings.make_data_dir()
        await self._database.open()
        # Stored paths are relative to the database's music dir: every member uses it.
        music_dir = await self._sharing.music_dir(self.settings.music_dir)
        self.settings = replace(self.settings, music_dir=music_dir)
        self._archive = ArchiveClient(
            self.settings.archive_url,
            user_agent=USER_AGENT,
            concurrency=self.settings.request_concurrency,
            timeout=self.settings.request_timeout,
            retries=self.settings.request_retries,
            backoff_base=self._backoff_base,
            cache=self._cache,
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
        self._bus.publish(Notice(NoticeTopic.ARCHIVE, message))

    def _database_busy(self, message: str) -> None:
        self._bus.publish(Notice(NoticeTopic.DATABASE, message))

    def _archive_status(self, online: bool, message: str) -> None:
        # The client runs on this loop, so its callback may publish directly.
        self._bus.publish(ArchiveStatusChanged(online, message))

    async def close(self) -> None:
        if self._recommender_made is not None:
            await self._recommender_made.close()
        self._radio.close()
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
        return self._bus.subscribe()

    @property
    def _client(self) -> ArchiveClient:
        if self._archive is None:
            raise EngineError("the engine is not started")
        return self._archive

    @property
    def archive_online(self) -> bool | None:
        return self._archive.online if self._archive else None

    @property
    def database_dialect(self) -> str:
        return self._database.dialect

    # --- browse --------------------------------------------------------------------------

    async def artists(self, *, limit: int | None = None) -> ArtistList:
        return await self._browse.artists(limit)

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
        return await self._browse.search(
            text,
            artist=artist,
            year=year,
            sbd_only=sbd_only,
            downloaded_only=downloaded_only,
            limit=limit,
        )

    async def concerts_on_day(
        self, month: int, day: int, *, sbd_only: bool = False, downloaded_only: bool = False
    ) -> ConcertList:
        return await self._browse.on_day(
            month, day, sbd_only=sbd_only, downloaded_only=downloaded_only
        )

    async def surprise_concert(
        self, *, min_stars: float = 4.0, rng: random.Random | None = None
    ) -> Concert:
        return await self._browse.surprise(min_stars, rng)

    async def artist_years(self, artist: str) -> tuple[tuple[int, int], ...]:
        return await self._browse.artist_years(artist)

    async def concert(self, artist: str, date: str) -> Concert:
        return await self._browse.concert(artist, date)

    async def concerts_in(self, artist: str, span: str) -> ConcertList:
        return await self._browse.span(artist, span)

    async def recording(self, identifier: str) -> Recording:
        return await self._recordings.recording(identifier)

    # --- the local catalog ---------------------------------------------------------------

    async def catalog_status(self) -> CatalogStatus:
        return await self._catalog.status()

    async def sync_catalog(self, *, full: bool = False) -> CatalogSynced:
        synced = await self._catalog.sync(full=full)
        changed = synced.added or synced.updated or synced.removed
        if changed and index_path(self.settings.data_dir).exists():
            # The recommender's index holds the catalog: fit it again, in the background.
            self._recommender.refit()
        return synced

    async def catalog_due(self) -> bool:
        return await self._catalog.due()

    async def catalog_estimate(self) -> tuple[int, int]:
        return await self._catalog.estimate()

    # --- the person's feedback -----------------------------------------------------------

    async def set_favourite(self, kind: str, target: str, favourite: bool = True) -> None:
        feedback.check_kind(kind)
        await self._database.run(lambda s: feedback.set_favourite(s, kind, target, favourite))

    async def favourites(self, kind: str | None = None) -> tuple[tuple[str, str], ...]:
        return tuple(await self._database.run(lambda s: feedback.favourites(s, kind)))

    async def set_rating(self, kind: str, target: str, rating: int) -> None:
        feedback.check_kind(kind)
        await self._database.run(lambda s: feedback.set_rating(s, kind, target, rating))

    async def set_not_interested(self, kind: str, target: str, value: bool = True) -> None:
        feedback.check_kind(kind)
        await self._database.run(lambda s: feedback.set_not_interested(s, kind, target, value))

    # --- recommendations and radio -------------------------------------------------------

    @property
    def _recommender(self) -> Recommender:
        """The recommender, made (and numpy, scipy and the rest imported) on first use: a
        command that never recommends starts without them."""
        if self._recommender_made is None:
            from engine.recommend.service import Recommender

            self._recommender_made = Recommender(
                self._database, self.settings.data_dir, clock=self._clock
            )
        return self._recommender_made

    async def recommend(self, limit: int = 20) -> tuple[Pick, ...]:
        return await self._recommender.recommend(limit)

    async def discover(self, per_row: int = 10) -> Discover:
        return await self._recommender.discover(per_row)

    async def describe(self, text: str, limit: int = 20) -> Description:
        return await self._recommender.describe(text, limit)

    async def import_history(self, path: str) -> ImportResult:
        file = await asyncio.to_thread(lambda: Path(path).expanduser())
        if not await asyncio.to_thread(file.is_file):
            raise NotFoundError(f"no such file: {path}")
        from engine.recommend.imports import ImportFormatError

        try:
            return await self._recommender.import_history(file)
        except (ImportFormatError, UnicodeError, zipfile.BadZipFile) as error:
            raise EngineError(f"cannot read {path}: {error}") from error

    async def set_radio(self, on: bool) -> None:
        self._radio_on = on
        if self._player is not None:
            self._player.radio = on
        self._bus.publish(PlayerStateChanged(self.player_state()))

    # --- downloads -----------------------------------------------------------------------

    @property
    def _queue(self) -> DownloadManager:
        if self._downloads is None:
            raise EngineError("the engine is not started")
        return self._downloads

    async def run_downloads(self, *, only: Iterable[int] | None = None) -> bool:
        if not self._downloads_running:
            # Beside an SQLite database: everyone of it shares its queue (PostgreSQL has an
            # advisory lock of its own).
            database = self.settings.database_path
            lock = (database.parent if database else self.settings.data_dir) / "downloads.lock"
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
        return await request.download(
            self._queue,
            self._recordings,
            self._database,
            identifier,
            preferred=self.settings.preferred_formats,
            format=format,
            tracks=tracks,
            sets=sets,
        )

    async def downloads(
        self, *, states: Iterable[DownloadState] | None = None, identifier: str | None = None
    ) -> tuple[Download, ...]:
        return await self._queue.listing(states=states, identifier=identifier, visible_only=True)

    async def clear_finished_downloads(self) -> int:
        return await self._queue.clear_finished()

    async def pause_downloads(self, ids: Iterable[int]) -> None:
        await self._queue.pause(ids)

    async def resume_downloads(self, ids: Iterable[int]) -> None:
        await self._queue.resume(ids)

    async def cancel_downloads(self, ids: Iterable[int]) -> None:
        await self._queue.cancel(ids)

    async def retry_downloads(self, ids: Iterable[int]) -> None:
        await self._queue.retry(ids)

    async def free_space(self) -> int:
        return await asyncio.to_thread(free_space, self.settings.music_dir)

    async def remove_download(self, identifier: str) -> int:
        return await self._queue.remove(identifier)

    async def wait_downloads(
        self,
        identifier: str | None = None,
        *,
        ids: Iterable[int] | None = None,
        until_held: bool = False,
    ) -> tuple[Download, ...]:
        return await self._queue.wait(identifier, ids=ids, until_held=until_held)

    def downloads_held(self) -> str | None:
        return self._queue.held

    # --- the library on disk -------------------------------------------------------------

    @property
    def library_folders(self) -> tuple[Path, ...]:
        folders = (self.settings.music_dir, *self.settings.library_folders)
        return tuple(dict.fromkeys(folders))

    async def scan_library(self, folders: Iterable[Path] | None = None) -> ScanResult:
        chosen = tuple(folders) if folders is not None else self.library_folders
        return await scan(self._database, chosen, self._bus.publish)

    async def downloaded_identifiers(self) -> frozenset[str]:
        return frozenset(await self._database.run(files.identifiers))

    async def library_stats(self) -> LibraryStats:
        return await self._database.run(files.stats)

    async def library_overview(self) -> tuple[LibraryStats, tuple[tuple[str, int], ...]]:
        totals, found = await self._database.run(files.overview)
        artists = tuple(found)
        await asyncio.to_thread(write_library_snapshot, self.settings.data_dir, totals, artists)
        return totals, artists

    async def library_search(self, text: str, *, limit: int = 200) -> tuple[LibraryTrack, ...]:
        return tuple(await self._database.run(lambda s: files.search(s, text, limit)))

    async def library_artists(self) -> tuple[tuple[str, int], ...]:
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
        return tuple(await self._database.run(files.problems))

    # --- playback and the play queue -----------------------------------------------------

    @property
    def _play(self) -> Player:
        """The player, made on first use; raises ``PlaybackUnavailable`` without libmpv."""
        if self._player is None:
            gain = self.settings.replaygain
            options = {"replaygain": "no" if gain == "off" else gain}
            options.update(self.settings.mpv_options)  # the config's [player.mpv] has the last word
            self._player = Player(self._database, self._bus.publish, MpvBackend, options)
            self._player.radio = self._radio_on
            self._player.on_ran_out = self._radio.ran_out
        return self._player

    async def audio_devices(self) -> tuple[tuple[str, str], ...]:
        return tuple(self._play.audio_devices())

    def player_state(self) -> PlayerState:
        return self._play.state()

    def play_queue(self) -> PlayQueue:
        player = self._play
        return PlayQueue(player.queue, player.state())

    async def play(
        self, index: int | None = None, *, start: float | None = None, paused: bool = False
    ) -> None:
        await self._play.play(index, start=start, paused=paused)

    async def pause(self) -> None:
        await self._play.pause()

    async def resume(self) -> None:
        await self._play.resume()

    async def toggle_pause(self) -> None:
        await self._play.toggle_pause()

    async def stop(self) -> None:
        await self._play.stop()

    async def next_track(self) -> None:
        await self._play.next()

    async def previous_track(self) -> None:
        await self._play.previous()

    async def seek(self, seconds: float, *, relative: bool = True) -> None:
        await self._play.seek(seconds, relative=relative)

    async def set_volume(self, volume: float) -> None:
        await self._play.set_volume(volume)

    async def set_muted(self, muted: bool) -> None:
        await self._play.set_muted(muted)

    async def set_repeat(self, mode: RepeatMode | str) -> None:
        await self._play.set_repeat(mode)

    async def shuffle(self, *, keep_sets: bool = True, seed: int | None = None) -> None:
        await self._play.shuffle(keep_sets=keep_sets, seed=seed)

    async def queue_insert(self, items: Sequence[QueueItem], *, after_current: bool = False) -> int:
        return await self._play.add(items, after_current=after_current)

    async def queue_remove(self, index: int) -> None:
        await self._play.remove(index)

    async def queue_move(self, source: int, target: int) -> None:
        await self._play.move(source, target)

    async def queue_clear(self) -> None:
        await self._play.clear()

    async def queue_add(
        self, target: str, *, after_current: bool = False, play: bool = False, start: int = 0
    ) -> tuple[QueueItem, ...]:
        return await self._items.add(
            self._play, target, after_current=after_current, play=play, start=start
        )

    async def queue_concert(
        self, artist: str, date: str, *, after_current: bool = False, play: bool = False
    ) -> tuple[QueueItem, ...]:
        best = (await self.concert(artist, date)).best
        if best is None:
            raise NotFoundError(f"no recordings of {artist} on {date}")
        return await self.queue_add(best.identifier, after_current=after_current, play=play)

    async def wait_until_idle(self) -> None:
        await self._play.wait_until_idle()

    async def saved_queue(self) -> tuple[tuple[QueueItem, ...], int | None, float]:
        items, index, seconds, _volume = await self._database.run(resume.load)
        return tuple(items), index, seconds

    async def restore_playback(self) -> bool:
        return await self._play.restore()
