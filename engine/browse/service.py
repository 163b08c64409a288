"""The browse service: artists, searches, days, spans and concerts, from the catalog when it
is ready, else from the archive; the one place that chooses, and the one rule that turns a
source's recordings into concerts."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from engine.archive.concerts import group_concerts
from engine.archive.query import parse_date_arg, parse_search
from engine.browse.sources import ArchiveSource, CatalogSource
from engine.errors import NotFoundError
from engine.models import ConcertList

if TYPE_CHECKING:
    import random
    from collections.abc import Awaitable, Callable

    from engine.archive.client import ArchiveClient
    from engine.browse.recordings import Recordings
    from engine.browse.sources import ConcertSource, Found
    from engine.catalog.sync import Catalog
    from engine.models import ArtistList, Concert
    from engine.storage.database import Database


class Browse:
    def __init__(
        self,
        database: Database,
        client: Callable[[], ArchiveClient],
        catalog: Catalog,
        recordings: Recordings,
        archive_url: str,
        downloaded: Callable[[], Awaitable[frozenset[str]]],
    ) -> None:
        self._catalog = catalog
        self._downloaded = downloaded
        self.local = CatalogSource(database, recordings)
        self.archive = ArchiveSource(database, client, recordings, archive_url)

    async def source(self) -> ConcertSource:
        """The catalog once a full sync has made it ready; the archive until then."""
        return self.local if await self._catalog.ready() else self.archive

    async def artists(self, limit: int | None) -> ArtistList:
        return await (await self.source()).artists(limit)

    async def search(
        self,
        text: str,
        *,
        artist: str | None,
        year: int | None,
        sbd_only: bool,
        downloaded_only: bool,
        limit: int,
    ) -> ConcertList:
        terms = parse_search(text)
        found = await (await self.source()).search(
            terms,
            artist=artist or terms.artist,
            year=year or terms.year,
            sbd_only=sbd_only or terms.sbd_only,
            limit=limit,
        )
        return await self._listing(
            found,
            downloaded_only=downloaded_only,
            keep=lambda c: terms.rating_allows(c.rating),
        )

    async def on_day(
        self, month: int, day: int, *, sbd_only: bool, downloaded_only: bool
    ) -> ConcertList:
        found = await (await self.source()).on_day(month, day, sbd_only=sbd_only)
        return await self._listing(found, downloaded_only=downloaded_only)

    async def surprise(self, min_stars: float, rng: random.Random | None) -> Concert:
        chosen = await (await self.source()).surprise(min_stars, rng)
        if chosen is None:
            raise NotFoundError(f"no concert rated {min_stars} stars or more was found")
        return chosen

    async def artist_years(self, artist: str) -> tuple[tuple[int, int], ...]:
        return await (await self.source()).artist_years(artist)

    async def concert(self, artist: str, date: str) -> Concert:
        """The catalog's concert, or the archive's when the catalog has none of that date."""
        when = parse_date_arg(date)
        source = await self.source()
        found = await source.concert(artist, date, when)
        if found is None and source is not self.archive:
            found = await self.archive.concert(artist, date, when)
        if found is None:
            raise NotFoundError(f"no recordings of {artist} on {date}")
        return found

    async def span(self, artist: str, span: str) -> ConcertList:
        found = await (await self.source()).span(artist, parse_date_arg(span))
        listed = await self._listing(found)
        return replace(
            listed, concerts=tuple(sorted(listed.concerts, key=lambda c: c.date.sort_key))
        )

    async def _listing(
        self,
        found: Found,
        *,
        downloaded_only: bool = False,
        keep: Callable[[Concert], bool] | None = None,
    ) -> ConcertList:
        """Concerts of the recordings found, newest first (a search's in its order), kept to
        those with a recording in the library when asked, and to those ``keep`` takes."""
        recordings = found.recordings
        if downloaded_only:
            on_disk = await self._downloaded()
            recordings = [r for r in recordings if r.identifier in on_disk]
        concerts = group_concerts(recordings, stale=found.stale)
        if found.ranked:
            place: dict[str, int] = {}
            for n, r in enumerate(found.recordings):
                place.setdefault(r.identifier, n)
            concerts.sort(key=lambda c: min(place[r.identifier] for r in c.recordings))
        if keep is not None:
            concerts = [c for c in concerts if keep(c)]
        total = found.total if found.total is not None else len(recordings)
        return ConcertList(tuple(concerts), total_items=total, stale=found.stale)
