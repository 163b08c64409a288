"""Browsing the archive: search terms, years of an artist, on this day, surprise, favourites."""

from __future__ import annotations

import random

import pytest

from engine import Engine, NotFoundError
from engine.archive.query import parse_search


def test_field_terms_are_taken_out_of_free_text() -> None:
    terms = parse_search('artist:"Grateful Dead" year:1977 city:"San Francisco" sbd rating>4 dew')
    assert terms.artist == "Grateful Dead" and terms.year == 1977 and terms.sbd_only
    assert terms.rating == (">", 4.0)
    assert terms.text == 'coverage:"San Francisco" dew'
    assert parse_search("venue:winterland").text == "venue:winterland"
    assert parse_search("rating>=4.5 phish").rating == (">=", 4.5)
    assert parse_search("year:seventies sbdx").text == "year:seventies sbdx"  # not terms: kept
    assert terms.rating_allows(4.4) and not terms.rating_allows(4.0)
    assert not terms.rating_allows(None)


async def test_typed_terms_filter_the_search(engine: Engine) -> None:
    typed = await engine.search_concerts('artist:"Grateful Dead" sbd')
    assert typed.concerts and all(c.artist == "Grateful Dead" for c in typed.concerts)
    assert all(c.best_source_kind.value == "SBD" for c in typed.concerts)
    rated = await engine.search_concerts("rating>4.5")
    assert rated.concerts and all((c.rating or 0) > 4.5 for c in rated.concerts)
    assert "1977-05-08" in {str(c.date) for c in rated.concerts}
    city = await engine.search_concerts('artist:"Grateful Dead" city:washington year:1970')
    assert {str(c.date) for c in city.concerts} == {"1970-10-23"}


async def test_years_of_an_artist_count_concerts(engine: Engine) -> None:
    years = dict(await engine.artist_years("Grateful Dead"))
    assert years == {1965: 1, 1970: 1, 1973: 1, 1977: 1, 1990: 1}
    # 2008: four recordings of three nights (two of 2008-04-24)
    assert dict(await engine.artist_years("Of A Revolution"))[2008] == 3


async def test_on_this_day_spans_years(engine: Engine) -> None:
    found = await engine.concerts_on_day(11, 1)
    assert {str(c.date) for c in found.concerts} >= {"1965-11-01", "2002-11-01"}
    assert all(c.date.month == 11 and c.date.day == 1 for c in found.concerts)
    assert not (await engine.concerts_on_day(2, 30)).concerts


async def test_surprise_is_a_well_rated_concert(engine: Engine) -> None:
    seen = {str((await engine.surprise_concert(rng=random.Random(seed))).date) for seed in range(8)}
    assert len(seen) > 1  # random, not always the same
    for seed in range(8):
        concert = await engine.surprise_concert(rng=random.Random(seed))
        assert any((r.avg_rating or 0) >= 4 for r in concert.recordings)
    with pytest.raises(NotFoundError):
        await engine.surprise_concert(min_stars=5.5)


async def test_downloaded_only_and_favourites(engine: Engine) -> None:
    assert not (await engine.search_concerts("Schoeps", downloaded_only=True)).concerts
    await engine.run_downloads()
    await engine.download("sci2007-07-28.Schoeps", tracks=[1])
    await engine.wait_downloads()
    found = await engine.search_concerts("", downloaded_only=True)
    assert [str(c.date) for c in found.concerts] == ["2007-07-28"]
    await engine.set_favourite("recording", "sci2007-07-28.Schoeps")
    await engine.set_favourite("artist", "Grateful Dead")
    assert await engine.favourites("recording") == (("recording", "sci2007-07-28.Schoeps"),)
    await engine.set_favourite("artist", "Grateful Dead", False)
    assert await engine.favourites() == (("recording", "sci2007-07-28.Schoeps"),)
    with pytest.raises(ValueError, match="kind"):
        await engine.set_favourite("planet", "Mars")
