"""The facade end to end: fake archive over HTTP, real database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from engine import (
    ArchiveStatusChanged,
    ArchiveUnavailable,
    ConfigError,
    Engine,
    NotFoundError,
    PartialDate,
    SourceKind,
)
from tests.conftest import make_settings
from tests.fake_archive import FakeArchive

GD73 = "gd73-06-10.sbd.hollister.174.sbeok.shnf"


async def test_concert_with_tracks_source_kind_and_rating(engine: Engine) -> None:
    concert = await engine.concert("Grateful Dead", "1973-06-10")
    assert concert.date == PartialDate(1973, 6, 10)
    assert concert.venue == "Robert F. Kennedy Stadium"
    assert [r.identifier for r in concert.recordings] == [GD73]
    best = concert.best
    assert best is not None and best.source_kind is SourceKind.SBD
    assert len(best.tracks) == 31 and best.tracks[0].title == "Morning Dew"
    assert not concert.stale


async def test_concert_weighs_reviews(engine: Engine) -> None:
    concert = await engine.concert("Grateful Dead", "1970-10-23")
    rec = concert.recordings[0]
    assert rec.identifier == "gd70-10-23.aud.wolfson.15080.sbefail.shnf"
    assert rec.num_reviews == 24 and rec.avg_rating is not None
    assert rec.weighted_rating is not None and 1 <= rec.weighted_rating <= 5


async def test_search_hits_without_metadata_are_kept_as_summaries(engine: Engine) -> None:
    concert = await engine.concert("Of A Revolution", "2000-09-27")
    assert concert.recordings and all(r.tracks == () for r in concert.recordings)
    assert concert.city == "Columbus, OH" and concert.recordings[0].downloads


async def test_search_newest_first_and_sbd_filter(engine: Engine) -> None:
    found = await engine.search_concerts(artist="Grateful Dead")
    dates = [c.date.sort_key for c in found.concerts]
    assert dates == sorted(dates, reverse=True) and len(found.concerts) >= 5
    sbd = await engine.search_concerts(artist="Grateful Dead", sbd_only=True)
    assert sbd.concerts and all(c.best_source_kind is SourceKind.SBD for c in sbd.concerts)
    assert {str(c.date) for c in sbd.concerts} < {str(c.date) for c in found.concerts}
    year = await engine.search_concerts("washington", artist="Grateful Dead", year=1970)
    assert {str(c.date) for c in year.concerts} == {"1970-10-23"}


async def test_recording_and_missing_item(engine: Engine) -> None:
    recording = await engine.recording("sci2007-07-28.Schoeps")
    assert recording.artist == "String Cheese Incident" and len(recording.tracks) == 24
    with pytest.raises(NotFoundError, match="no item"):
        await engine.recording("no-such-item")
    with pytest.raises(NotFoundError):
        await engine.concert("Grateful Dead", "1901-01-01")
    with pytest.raises(ConfigError, match="YYYY-MM-DD"):
        await engine.concert("Grateful Dead", "last tuesday")


async def test_artists_from_scrape(engine: Engine) -> None:
    artists = await engine.artists()
    names = [a.name for a in artists.artists]
    assert "Grateful Dead" in names and "The Floyds" in names
    assert names == sorted(names, key=str.casefold)


async def test_offline_serves_stale_cache_and_says_so(
    tmp_path: Path, fake_archive: FakeArchive
) -> None:
    settings = make_settings(tmp_path, fake_archive.url)
    async with Engine(settings, backoff_base=0.01) as engine:
        events = engine.events()
        first_event = asyncio.ensure_future(anext(events))
        await engine.concert("Grateful Dead", "1973-06-10")
        await engine.artists()
        online = await asyncio.wait_for(first_event, 2)
        assert online == ArchiveStatusChanged(True, "")
    # Age the cache, then start a new engine pointed at an archive that is down: the stale cache
    # answers, marked stale.
    import sqlite3

    with sqlite3.connect(settings.database_path) as db:
        db.execute("UPDATE response_cache SET fetched_at = 0")
    down = make_settings(tmp_path, "http://127.0.0.1:9")
    from dataclasses import replace

    down = replace(down, request_retries=0, request_timeout=2.0)
    async with Engine(down, backoff_base=0.01) as engine:
        events = engine.events()
        next_event = asyncio.ensure_future(anext(events))
        recording = await engine.recording(GD73)
        assert recording.stale and len(recording.tracks) == 31
        offline = await asyncio.wait_for(next_event, 2)
        assert isinstance(offline, ArchiveStatusChanged) and not offline.online
        concert = await engine.concert("Grateful Dead", "1973-06-10")
        assert concert.stale and concert.best is not None and concert.best.identifier == GD73
        artists = await engine.artists()
        assert artists.stale and any(a.name == "Grateful Dead" for a in artists.artists)
        assert engine.archive_online is False
        with pytest.raises(ArchiveUnavailable):
            await engine.recording("sci2007-07-28.Schoeps")


async def test_engine_on_postgresql(
    tmp_path: Path, fake_archive: FakeArchive, postgres_url: str
) -> None:
    settings = make_settings(tmp_path, fake_archive.url, postgres_url)
    async with Engine(settings, backoff_base=0.01) as engine:
        assert engine.database_dialect == "postgresql"
        concert = await engine.concert("Grateful Dead", "1973-06-10")
        assert concert.best is not None and len(concert.best.tracks) == 31
