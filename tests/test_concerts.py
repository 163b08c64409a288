"""Recordings from real metadata bodies; source kinds; ranking; grouping into concerts."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest

from engine import PartialDate, Recording, SourceKind
from engine.archive.concerts import (
    group_concerts,
    rank_recordings,
    recording_from_metadata,
    recording_from_search_doc,
    source_kind,
    weighted_rating,
)
from tests.fake_archive.corpus import fixtures_dir

BASE = "https://archive.org"


def metadata(name: str) -> dict:
    return json.loads((fixtures_dir() / "metadata" / name).read_text())


def test_rfk_1973_tracks_discs_and_private_originals() -> None:
    body = metadata("gd73-06-10.sbd.hollister.174.sbeok.shnf.json")
    rec = recording_from_metadata(body, BASE)
    assert rec is not None
    assert rec.source_kind is SourceKind.SBD
    assert rec.date == PartialDate(1973, 6, 10)
    assert (rec.venue, rec.city) == ("Robert F. Kennedy Stadium", "Washington, DC")
    # 31 songs; the artwork marked "Shorten" (a .bmp) and its MP3 derivative are not tracks.
    assert len(rec.tracks) == 31
    assert [t.title for t in rec.tracks[:3]] == [
        "Morning Dew",
        "Beat It On Down The Line",
        "Ramble On Rose",
    ]
    assert [t.disc for t in rec.tracks].count(1) == 11 and rec.tracks[11].disc == 2
    assert rec.tracks[-1].title == "Johnny B. Goode" and rec.tracks[-1].disc == 4
    first = rec.tracks[0]
    shn = first.file_for("Shorten")
    mp3 = first.file_for("VBR MP3")
    assert shn is not None and shn.private and shn.source == "original"
    assert mp3 is not None and not mp3.private
    assert mp3.url == f"{BASE}/download/gd73-06-10.sbd.hollister.174.sbeok.shnf/gd73-06-10d1t01.mp3"
    assert first.file_for("Ogg Vorbis") is not None
    # The shn length field is wrong (354 s); the median of the three lengths is not.
    assert first.duration == pytest.approx(674.93)
    assert "Shorten" in rec.formats and "VBR MP3" in rec.formats and "PNG" not in rec.formats
    assert rec.total_size == int(body["item_size"])
    assert "SBD > MR" in rec.lineage


def test_string_cheese_public_flac_two_sets_and_reviews() -> None:
    rec = recording_from_metadata(metadata("sci2007-07-28.Schoeps.json"), BASE)
    assert rec is not None
    assert len(rec.tracks) == 24
    discs = sorted({t.disc for t in rec.tracks})
    assert discs[0] == 1 and len(discs) >= 2
    # Within a disc, the order follows the track numbers.
    for disc in discs:
        numbers = [t.number for t in rec.tracks if t.disc == disc]
        assert numbers == sorted(numbers)
    flac = rec.tracks[0].file_for("Flac")
    assert flac is not None and not flac.private and flac.md5 == "7b54bc58b583072a8074f73838f62721"
    assert flac.size == 27094506 and flac.length == pytest.approx(333.22)
    assert rec.num_reviews == 5 and rec.avg_rating is not None and 1 <= rec.avg_rating <= 5
    assert rec.reviews[0].title == "Aha!" and rec.reviews[0].stars == 5
    assert rec.taper.startswith("Joe Billerbeck")


def test_lengths_in_seconds_and_clock_form() -> None:
    rec = recording_from_metadata(
        metadata("gd1990-04-03.158672.UltraMatrix.sbd.cm.miller.t.flac1644.json"), BASE
    )
    assert rec is not None and len(rec.tracks) == 22
    assert rec.tracks[0].title == "Tuning"  # "01 - Tuning": the typed-in number goes
    assert rec.tracks[0].duration == pytest.approx(108.83, abs=0.03)
    assert rec.source_kind is SourceKind.MTX  # an UltraMatrix mixes board and audience


def test_zero_length_originals_take_the_derivative_length() -> None:
    rec = recording_from_metadata(metadata("gd70-10-23.aud.wolfson.15080.sbefail.shnf.json"), BASE)
    assert rec is not None
    assert rec.source_kind is SourceKind.AUD
    assert rec.tracks[0].title == "Casey Jones"
    assert rec.tracks[0].duration is not None and rec.tracks[0].duration > 300
    assert rec.num_reviews == 24


def test_truncated_and_sparse_bodies_still_parse() -> None:
    rec = recording_from_metadata(
        metadata("gd1965-11-01.sbd.bershaw.5417.sbeok.shnf.TRUNCATED.json"), BASE
    )
    assert rec is not None and rec.tracks and rec.tracks[0].title == "Speed Limit"
    assert rec.duration is not None


def test_missing_item_and_collections_are_not_recordings() -> None:
    assert recording_from_metadata({}, BASE) is None
    assert recording_from_metadata({"metadata": []}, BASE) is None
    rec = recording_from_metadata(metadata("GratefulDead-collection.json"), BASE)
    assert rec is not None and rec.tracks == ()


@pytest.mark.parametrize(
    ("identifier", "title", "source", "lineage", "expected"),
    [
        ("gd77-05-08.sbd.hicks.4982.sbeok.shnf", "", "Matrix (see notes)", "", SourceKind.SBD),
        ("gd1990-04-03.UltraMatrix.sbd.miller", "", "", "", SourceKind.MTX),
        ("gd70-10-23.aud.wolfson", "", "", "", SourceKind.AUD),
        ("phish1997-11-17.fm.foo", "", "", "", SourceKind.FM),
        (
            "sci2007-07-28.Schoeps",
            "",
            "Gear: Schoeps cmc6 > SD 744T",
            "744T > HDD",
            SourceKind.UNKNOWN,
        ),
        ("band2001-01-01.foo", "", "Soundboard", "", SourceKind.SBD),
        ("band2001-01-01.foo", "", "", "AUD > Sony TC-124 > DAT", SourceKind.AUD),
        ("band2001-01-01.foo", "Band Live (pre-FM)", "", "", SourceKind.FM),
        ("band2001-01-01.foo", "", "", "DAT > CD > FLAC", SourceKind.UNKNOWN),
    ],
)
def test_source_kind(
    identifier: str, title: str, source: str, lineage: str, expected: SourceKind
) -> None:
    assert source_kind(identifier, title, source, lineage) is expected


def test_weighted_rating_formula() -> None:
    got = weighted_rating(5.0, 3, 4.0, 10)
    w = math.log(4)
    assert got == pytest.approx((10 * 4.0 + w * 5.0) / (10 + w + 1))
    assert weighted_rating(None, 0, 4.0, 10) is None
    assert weighted_rating(4.5, 0, 4.0, 10) is None
    # More reviews pull a recording further from the show's average.
    assert weighted_rating(5.0, 50, 3.0, 60) > weighted_rating(5.0, 2, 3.0, 60)  # type: ignore[operator]


def _rec(
    identifier: str, kind: SourceKind, avg: float | None, n: int, downloads: int = 0
) -> Recording:
    return Recording(
        identifier=identifier,
        title="",
        artist="Grateful Dead",
        date=PartialDate(1977, 5, 8),
        venue="Barton Hall",
        city="Ithaca, NY",
        source_kind=kind,
        avg_rating=avg,
        num_reviews=n,
        downloads=downloads,
    )


def test_ranking_soundboard_first_then_weighted_rating_then_downloads() -> None:
    ranked = rank_recordings(
        [
            _rec("aud-great", SourceKind.AUD, 5.0, 40, 100),
            _rec("sbd-fair", SourceKind.SBD, 3.0, 5, 10),
            _rec("sbd-good", SourceKind.SBD, 4.8, 30, 5),
            _rec("sbd-unrated-popular", SourceKind.SBD, None, 0, 9000),
            _rec("sbd-unrated", SourceKind.SBD, None, 0, 1),
        ]
    )
    assert [r.identifier for r in ranked] == [
        "sbd-good",
        "sbd-fair",
        "sbd-unrated-popular",
        "sbd-unrated",
        "aud-great",
    ]
    assert ranked[0].weighted_rating is not None and ranked[2].weighted_rating is None


def test_grouping_by_artist_and_date_newest_first() -> None:
    a = _rec("a", SourceKind.AUD, 4.0, 2)
    b = replace(_rec("b", SourceKind.SBD, 4.0, 2), artist="grateful dead")
    c = replace(_rec("c", SourceKind.SBD, None, 0), date=PartialDate(1977, 5, 9))
    d = replace(_rec("d", SourceKind.SBD, None, 0), date=None)
    concerts = group_concerts([a, b, c, d])
    assert [str(x.date) for x in concerts] == ["1977-05-09", "1977-05-08"]
    assert [r.identifier for r in concerts[1].recordings] == ["b", "a"]
    assert concerts[1].best_source_kind is SourceKind.SBD
    assert concerts[1].rating == pytest.approx(4.0)


def test_search_docs_with_drifting_types() -> None:
    old = recording_from_search_doc(
        {
            "identifier": "x",
            "year": "1973",
            "downloads": "12",
            "num_reviews": "2",
            "avg_rating": "4.5",
            "format": "Flac",
        }
    )
    new = recording_from_search_doc(
        {
            "identifier": "x",
            "year": 1973,
            "downloads": 12,
            "num_reviews": 2,
            "avg_rating": 4.5,
            "format": ["Flac", "PNG"],
        }
    )
    assert old is not None and new is not None
    assert (old.downloads, old.num_reviews, old.avg_rating, old.formats) == (12, 2, 4.5, ("Flac",))
    assert (new.downloads, new.num_reviews, new.avg_rating, new.formats) == (12, 2, 4.5, ("Flac",))
    assert recording_from_search_doc({"title": "no identifier"}) is None
    unrated = recording_from_search_doc({"identifier": "x", "num_reviews": 1, "avg_rating": 0})
    assert unrated is not None and unrated.avg_rating is None
    dated = recording_from_search_doc(
        {"identifier": "gd77-05-08.sbd.x", "date": "1977-05-08T00:00:00Z"}
    )
    assert dated is not None and dated.date == PartialDate(1977, 5, 8)
