"""One recording's metadata from the archive (the cache standing in when it is down), and a
concert built of search summaries, each recording read with its tracks."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from engine.archive.concerts import group_concerts, rank_recordings, recording_from_metadata
from engine.errors import (
    AmbiguousConcertError,
    ArchiveError,
    ArchiveResponseError,
    EngineError,
    NotFoundError,
)
from engine.events import CatalogChanged
from engine.storage import repository as repo

if TYPE_CHECKING:
    from collections.abc import Callable

    from engine.archive.client import ArchiveClient
    from engine.events import Event
    from engine.models import Concert, PartialDate, Recording
    from engine.storage.database import Database

log = logging.getLogger(__name__)


class Recordings:
    """Recordings with their tracks, files and reviews, as the archive's metadata gives them;
    each one read is stored, so a later look works offline."""

    def __init__(
        self,
        database: Database,
        client: Callable[[], ArchiveClient],
        archive_url: str,
        publish: Callable[[Event], None],
    ) -> None:
        self._database = database
        self._client = client
        self._archive_url = archive_url
        self._publish = publish

    def item(self, identifier: str, body: dict[str, Any] | None) -> Recording:
        """The recording in a metadata body asked for as ``identifier``: none is not found,
        and a body about another item is the archive's mistake, never taken for this one."""
        recording = recording_from_metadata(body, self._archive_url) if body else None
        if recording is None:
            raise NotFoundError(f"the archive has no item {identifier!r}")
        if recording.identifier != identifier:
            raise ArchiveResponseError(
                f"asked for {identifier!r}, the archive answered with {recording.identifier!r}"
            )
        return recording

    async def fetch(self, identifier: str) -> tuple[Recording, dict[str, Any]]:
        """The recording and its metadata body, from the archive (or its cached answer)."""
        fetched = await self._client().metadata(identifier)
        return self.item(identifier, fetched.data), fetched.data or {}

    async def recording(self, identifier: str) -> Recording:
        """One recording with its tracks, files and reviews; the stored one when the archive
        cannot be asked."""
        try:
            fetched = await self._client().metadata(identifier)
        except ArchiveError:
            stored = await self._stored(identifier)
            if stored is None or not stored.tracks:
                raise
            return replace(stored, stale=True)
        recording = self.item(identifier, fetched.data)
        stored = await self._stored(identifier)
        if stored is not None and stored.downloads is not None:
            recording = replace(recording, downloads=stored.downloads)
        await self.save([recording])
        return replace(recording, stale=fetched.stale)

    async def save(self, recordings: list[Recording]) -> None:
        """Store recordings read from the archive, and say they changed."""
        await self._database.run(lambda s: repo.save_recordings(s, recordings))
        self._publish(CatalogChanged(tuple(r.identifier for r in recordings)))

    async def _stored(self, identifier: str) -> Recording | None:
        return await self._database.run(
            lambda s: repo.get_recording(s, identifier, self._archive_url)
        )

    async def concert_of(
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
            *(self._details(s) for s in summaries), return_exceptions=True
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
        await self.save(recordings)
        concerts = group_concerts(recordings, stale=stale)
        # The search matched these items on the asked date (or the one show of the span); an
        # item whose own metadata gives the date less exactly still belongs to that show.
        if len(concerts) != 1:
            best = max(concerts, key=lambda c: (c.date.day is not None, len(c.recordings)))
            merged = rank_recordings(r for c in concerts for r in c.recordings)
            return replace(best, recordings=merged, stale=stale)
        return concerts[0]

    async def _details(self, summary: Recording) -> Recording | None:
        fetched = await self._client().metadata(summary.identifier)
        if fetched.data is None:
            return None
        recording = self.item(summary.identifier, fetched.data)
        return replace(recording, downloads=summary.downloads, stale=fetched.stale)
