"""Setlists: sets, encores and segues from titles, notes, names and discs, on real bodies first."""

from __future__ import annotations

from typing import Any

import pytest

from engine.archive.concerts import recording_from_metadata
from engine.archive.setlist import clean_title, in_set, read_setlist
from engine.models import Recording
from tests.fake_archive import synthetic
from tests.fake_archive.corpus import fixtures_dir, load_body

BASE = "http://archive.test"


def real(name: str) -> Recording:
    recording = recording_from_metadata(load_body(fixtures_dir() / "metadata" / name), BASE)
    assert recording is not None
    return recording


def synthetic_body(identifier: str, metadata: dict[str, Any], tracks: dict[str, str]) -> Recording:
    """A /metadata body in the archive's shape for a SYNTHETIC show of tests/fake_archive."""
    files = [
        {"name": name, "source": "original", "format": "Flac", "title": title, "track": str(n)}
        for n, (name, title) in enumerate(tracks.items(), 1)
    ]
    body = {"metadata": {"identifier": identifier, **metadata}, "files": files}
    recording = recording_from_metadata(body, BASE)
    assert recording is not None
    return recording


def sets(recording: Recording) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for track in recording.tracks:
        out.setdefault(track.set_name, []).append(track.number)
    return out


def test_two_sets_from_the_html_setlist_of_a_one_disc_show() -> None:
    gd90 = real("gd1990-04-03.158672.UltraMatrix.sbd.cm.miller.t.flac1644.json")
    # The description's "Set I" and "Set II"; the tuning before the second set opens it.
    assert sets(gd90) == {"Set 1": list(range(1, 11)), "Set 2": list(range(11, 23))}
    titles = [t.title for t in gd90.tracks]
    assert titles[:3] == ["Tuning", "Shakedown Street", "Hell In The Bucket"]  # "03 - ... >"
    segues = [t.number for t in gd90.tracks if t.segue]
    assert segues == [3, 8, 9, 12, 13, 14, 15, 16, 17, 18, 19, 20]
    assert gd90.tracks[12].display_title == "Scarlet Begonias →"


def test_one_set_and_an_encore_across_two_discs() -> None:
    gd70 = real("gd70-10-23.aud.wolfson.15080.sbefail.shnf.json")
    # "..., Not Fade Away, E: Uncle John's Band": one set over both discs, then the encore.
    assert sets(gd70) == {"Set 1": list(range(1, 15)), "Encore": [15]}
    assert [t.disc for t in gd70.tracks] == [1] * 9 + [2] * 6
    assert [t.number for t in gd70.tracks] == list(range(1, 16))  # not 1-9 then 1-6
    # Segues from the notes ("China Cat Sunflower-> I Know You Rider") where the next song is
    # the next track; "Good Lovin'-> Drums" has no Drums track, so no arrow.
    by_title = {t.title: t.segue for t in gd70.tracks}
    assert by_title["China Cat"] and by_title["The Other One"] and not by_title["Good Lovin'"]
    assert not gd70.tracks[13].segue and not gd70.tracks[14].segue


def test_sets_from_disc_and_set_headings_with_an_encore_on_the_last_disc() -> None:
    sci = real("sci2007-07-28.Schoeps.json")
    assert sets(sci) == {
        "Set 1": list(range(1, 11)),
        "Set 2": list(range(11, 19)),
        "Set 3": list(range(19, 24)),  # "Disc 3 - Set 3" runs on over "Disc 4:"
        "Encore": [24],
    }
    assert sci.tracks[22].display_title == "Round The Wheel → Drums → Round The Wheel"


def test_discs_are_called_discs_when_nothing_says_sets() -> None:
    gd73 = real("gd73-06-10.sbd.hollister.174.sbeok.shnf.json")
    assert list(sets(gd73)) == ["Disc 1", "Disc 2", "Disc 3", "Disc 4"]
    assert gd73.tracks[11].number == 12 and gd73.tracks[11].set_name == "Disc 2"


def test_synthetic_sets_that_cross_the_discs_with_entities_in_titles() -> None:
    show = synthetic_body(
        synthetic.CROSSING, synthetic.CROSSING_METADATA, synthetic.CROSSING_TRACKS
    )
    assert [t.disc for t in show.tracks] == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert sets(show) == {"Set 1": [1, 2, 3, 4], "Set 2": [5, 6, 7, 8], "Encore": [9]}
    assert [t.display_title for t in show.tracks[4:7]] == [
        "Scarlet Begonias →",
        "Fire On The Mountain",
        "Estimated Prophet →",
    ]
    assert show.venue == "Barton Hall & Co" and show.taper == "John Doe <jdoe@aol.com>"
    assert "1 < 2 ... Scarlet -> Fire" in show.notes and "hidden" not in show.description


def test_synthetic_encore_typed_into_a_title() -> None:
    show = synthetic_body(synthetic.ONE_SET, synthetic.ONE_SET_METADATA, synthetic.ONE_SET_TRACKS)
    assert sets(show) == {"Set 1": [1, 2, 3], "Encore": [4]}
    assert [t.title for t in show.tracks] == [
        "Bertha",
        "Me & My Uncle",
        "Dark Star",
        "Johnny B. Goode",
    ]
    assert show.tracks[2].segue


def test_synthetic_set_numbers_in_file_names() -> None:
    tracks = {"x-s1t01.flac": "A", "x-s1t02.flac": "B", "x-s2t01.flac": "C", "x-s2t02.flac": "D"}
    show = synthetic_body("x.synthetic", {"creator": "X", "date": "2001-01-01"}, tracks)
    assert sets(show) == {"Set 1": [1, 2], "Set 2": [3, 4]}


def test_a_one_part_show_has_no_headings() -> None:
    tracks = {"t01.flac": "A", "t02.flac": "B"}
    show = synthetic_body("y.synthetic", {"creator": "Y", "description": "A, B"}, tracks)
    assert sets(show) == {"": [1, 2]}


@pytest.mark.parametrize(
    ("raw", "title", "segue"),
    [
        ("Scarlet Begonias ->", "Scarlet Begonias", True),
        ("03 - Hell In The Bucket >", "Hell In The Bucket", True),
        ("d2t04. Dark Star -->", "Dark Star", True),
        ("Eyes Of The World → ", "Eyes Of The World", True),
        ("Eye Know Why -> Jam", "Eye Know Why > Jam", False),
        ("1999", "1999", False),
        ("2 X 2", "2 X 2", False),
    ],
)
def test_clean_title(raw: str, title: str, segue: bool) -> None:
    assert clean_title(raw) == (title, segue)


def test_reading_written_setlists() -> None:
    sections = read_setlist(
        "Set 1: Bertha, Sugaree\nSet II:\nd2t01. Scarlet Begonias ->\nd2t02 - Fire\n"
        "Encore: U.S. Blues\nE2: Brokedown Palace"
    )
    assert [(s.kind, [t for t, _ in s.songs]) for s in sections] == [
        ("set", ["Bertha", "Sugaree"]),
        ("set", ["Scarlet Begonias", "Fire"]),
        ("encore", ["U.S. Blues"]),
        ("encore", ["Brokedown Palace"]),
    ]
    assert sections[1].songs[0] == ("Scarlet Begonias", True)


def test_asking_for_a_set() -> None:
    assert in_set("Set 2", "2") and in_set("Set 2", 2) and in_set("Disc 2", "2")
    assert in_set("Encore", "e") and in_set("Encore", "encore") and in_set("Encore 2", "E2")
    assert in_set("", "1") and not in_set("", "2") and not in_set("Set 1", "e")
