"""Where concerts come from: ``ConcertSource``, answered by the local catalog (``CatalogSource``)
or by the archive's search (``ArchiveSource``, with the cache when the archive is down).

A source answers with recordings (``Found``); the browse service groups them into concerts by
the one rule both share."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from engine.archive.concerts import SEARCH_FIELDS, group_concerts, recording_from_search_doc
from engine.archive.parse import as_int, as_str, as_text
from engine.archive.query import ARTISTS_QUERY, concerts_query, day_query
from engine.catalog import store as catalog
from engine.errors import ArchiveError
from engine.models import Artist, ArtistList, SourceKind
from engine.storage import repository as repo

if TYPE_CHECKING:
    from collections.abc import Callable

    from engine.archive.client import ArchiveClient
    from engine.archive.query import SearchTerms
    from engine.browse.recordings import Recordings
    from engine.models import Concert, PartialDate, Recording
    from engine.storage.database import Database

#: The oldest year "on this day" asks the archive about.
FIRST_YEAR = 1950


@dataclass(frozen=True, slots=True)
class Found:
    """Recordings a source found, as search summaries (without tracks)."""

    recordings: list[Recording]
    total: int | None = None
    """How many the source holds in all; None: as many as are listed."""
    stale: bool = False
    """Not the archive's whole answer (the cache stood in)."""
    ranked: bool = False
    """In the order of relevance (a search's), not by date."""


class ConcertSource(Protocol):
    """What the browse service asks of a source. ``sbd_only`` keeps soundboards alone."""

    async def artists(self, limit: int | None) -> ArtistList: ...

    async def search(
        self,
        terms: SearchTerms,
        *,
        artist: str | None,
        year: int | None,
        sbd_only: bool,
        limit: int,
    ) -> Found: ...

    async def on_day(self, month: int, day: int, *, sbd_only: bool) -> Found: ...

    async def surprise(self, min_stars: float, rng: random.Random | None) -> Concert | None: ...

    async def artist_years(self, artist: str) -> tuple[tuple[int, int], ...]: ...

    async def concert(self, artist: str, date: str, when: PartialDate) -> Concert | None:
        """The concert with its recordings read in full; None when this source does not
        know it (another may)."""
        ...

    async def span(self, artist: str, when: PartialDate) -> Found: ...


def soundboards(recordings: list[Recording]) -> list[Recording]:
    return [r for r in recordings if r.source_kind is SourceKind.SBD]


class CatalogSource:
    """The local catalog of the whole collection: answers in milliseconds, offline."""

    def __init__(self, database: Database, recordings: Recordings) -> None:
        self._database = database
        self._recordings = recordings

    async def artists(self, limit: int | None) -> ArtistList:
        found = await self._database.run(catalog.artists)
        return ArtistList(tuple(found[:limit] if limit else found))

    async def search(
        self,
        terms: SearchTerms,
        *,
        artist: str | None,
        year: int | None,
        sbd_only: bool,
        limit: int,
    ) -> Found:
        asked = catalog.read_query(terms.text, artist=artist, year=year, sbd_only=sbd_only)
        found = await self._database.run(lambda s: catalog.search(s, asked, limit))
        return Found(found, ranked=True)

    async def on_day(self, month: int, day: int, *, sbd_only: bool) -> Found:
        found = await self._database.run(lambda s: catalog.on_day(s, month, day))
        return Found(soundboards(found) if sbd_only else found)

    async def surprise(self, min_stars: float, rng: random.Random | None) -> Concert | None:
        pick = (rng or random).random()
        chosen = await self._database.run(lambda s: catalog.random_rated(s, min_stars, pick))
        shows = group_concerts(chosen)
        return shows[0] if shows else None

    async def artist_years(self, artist: str) -> tuple[tuple[int, int], ...]:
        return tuple(await self._database.run(lambda s: catalog.artist_years(s, artist)))

    async def concert(self, artist: str, date: str, when: PartialDate) -> Concert | None:
        listed = await self._database.run(lambda s: catalog.artist_span(s, artist, when, 500))
        if not listed:
            return None
        return await self._recordings.concert_of(artist, date, when, listed, stale=False)

    async def span(self, artist: str, when: PartialDate) -> Found:
        return Found(await self._database.run(lambda s: catalog.artist_span(s, artist, when)))


class ArchiveSource:
    """The archive's search, each answer stored; the stored copy when the archive is down."""

    def __init__(
        self,
        database: Database,
        client: Callable[[], ArchiveClient],
        recordings: Recordings,
        archive_url: str,
    ) -> None:
        self._database = database
        self._client = client
        self._recordings = recordings
        self._archive_url = archive_url

    async def artists(self, limit: int | None) -> ArtistList:
        artists: list[Artist] = []
        stale = False
        try:
            async for page in self._client().scrape(
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

    async def search(
        self,
        terms: SearchTerms,
        *,
        artist: str | None,
        year: int | None,
        sbd_only: bool,
        limit: int,
    ) -> Found:
        query = concerts_query(terms.text, artist=artist, year=year)
        return await self._searched(query, sort="date desc", limit=limit, sbd_only=sbd_only)

    async def on_day(self, month: int, day: int, *, sbd_only: bool) -> Found:
        years = range(FIRST_YEAR, datetime.date.today().year + 1)
        query = concerts_query(day_query(month, day, years))
        return await self._searched(query, sort="date desc", limit=500, sbd_only=sbd_only)

    async def surprise(self, min_stars: float, rng: random.Random | None) -> Concert | None:
        query = concerts_query(f"avg_rating:[{min_stars} TO 5]")
        found = await self._searched(query, sort="downloads desc", limit=500)
        concerts = group_concerts(found.recordings, stale=found.stale)
        return (rng or random).choice(concerts) if concerts else None

    async def artist_years(self, artist: str) -> tuple[tuple[int, int], ...]:
        dates: dict[int, set[str]] = {}
        async for page in self._client().scrape(
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

    async def concert(self, artist: str, date: str, when: PartialDate) -> Concert | None:
        query = concerts_query(artist=artist, date=when)
        try:
            fetched = await self._client().advanced_search(
                query, SEARCH_FIELDS, sort=("downloads desc",), rows=500
            )
        except ArchiveError:
            stored = await self._database.run(
                lambda s: repo.get_concert(s, artist, str(when), self._archive_url)
            )
            if stored is None:
                raise
            return replace(stored, stale=True)
        docs, _found = fetched.data
        summaries = [r for d in docs if (r := recording_from_search_doc(d)) is not None]
        return await self._recordings.concert_of(artist, date, when, summaries, stale=fetched.stale)

    async def span(self, artist: str, when: PartialDate) -> Found:
        return await self._searched(
            concerts_query(artist=artist, date=when), sort="date asc", limit=2000
        )

    async def _searched(
        self, query: str, *, sort: str, limit: int, sbd_only: bool = False
    ) -> Found:
        fetched = await self._client().advanced_search(
            query, SEARCH_FIELDS, sort=(sort,), rows=limit
        )
        docs, total = fetched.data
        recordings = [r for d in docs if (r := recording_from_search_doc(d)) is not None]
        await self._database.run(lambda s: repo.save_recordings(s, recordings))
        kept = soundboards(recordings) if sbd_only else recordings
        return Found(kept, total=total, stale=fetched.stale)
