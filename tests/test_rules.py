"""One place for each rule: names compared, sizes said, dates stored, folders laid out."""

from __future__ import annotations

import json
from dataclasses import replace

from engine import PartialDate, SourceKind
from engine.archive.concerts import group_concerts, recording_from_metadata
from engine.archive.parse import stored_date
from engine.downloads.paths import RecordingFolder, recording_dir
from engine.downloads.plan import album_name
from engine.errors import size_text
from engine.keys import artist_key, venue_key
from engine.library.scanner import layout_tags
from engine.library.tags import FileTags
from tests.fake_archive.corpus import fixtures_dir
from tui.formatting import size_text as shown_size


def _recording(name: str):  # type: ignore[no-untyped-def]
    body = json.loads((fixtures_dir() / "metadata" / name).read_text())
    return recording_from_metadata(body, "https://archive.org")


def test_names_fold_case_and_every_run_of_white_space() -> None:
    assert artist_key(" Grateful  Dead\t") == artist_key("grateful dead") == "grateful dead"
    assert venue_key("Barton  Hall") == venue_key("barton hall")
    sbd = _recording("gd73-06-10.sbd.hollister.174.sbeok.shnf.json")
    spaced = replace(sbd, identifier="x", artist="Grateful  Dead")
    (concert,) = group_concerts([sbd, spaced])  # one show, not two
    assert len(concert.recordings) == 2


def test_the_app_and_the_messages_say_a_size_alike() -> None:
    for count in (512, 1536, 5 << 20, 3 << 40):
        assert shown_size(count) == size_text(count)
    assert size_text(3 << 40) == "3.0 TB"  # the app said "3072.0 GB"
    assert shown_size(0) == shown_size(None) == "-"


def test_a_stored_date_reads_back_as_it_was_written() -> None:
    for date in (PartialDate(1977, 5, 8), PartialDate(1977, 5), PartialDate(1977)):
        assert stored_date(str(date)) == date
    assert stored_date("1977-00-00") == PartialDate(1977)


def test_the_folder_layout_reads_back_what_it_wrote() -> None:
    sbd = _recording("gd73-06-10.sbd.hollister.174.sbeok.shnf.json")
    for recording in (sbd, replace(sbd, source_kind=SourceKind.UNKNOWN, venue="", city="")):
        folder = RecordingFolder.of(recording)
        assert RecordingFolder.read(folder.name) == folder
        assert recording_dir(recording).name == folder.name
    folder = RecordingFolder.of(sbd)
    assert folder.album == album_name(sbd)  # the scanner's album of an untagged file
    path = f"/music/{recording_dir(sbd)}/01 Bertha.flac"
    tags = layout_tags(path, "/music", FileTags("Flac"))
    assert (tags.album, tags.identifier, tags.title, tags.track_number) == (
        album_name(sbd),
        sbd.identifier,
        "Bertha",
        1,
    )
    assert (tags.venue, tags.city) == (sbd.venue, sbd.city)


def test_the_library_shows_a_tags_segue_as_every_screen_does() -> None:
    from engine import LibraryTrack

    def track(title: str) -> LibraryTrack:
        return LibraryTrack(
            path="a/b.flac",
            format="Flac",
            artist="Grateful Dead",
            album="1977-05-08 Barton Hall",
            title=title,
            date="1977-05-08",
            venue="Barton Hall",
            city="Ithaca, NY",
            track_number=1,
            disc=None,
            duration=1.0,
            identifier="gd77",
            size=1,
        )

    assert track("Scarlet Begonias >").display_title == "Scarlet Begonias →"
    assert track("Eyes > Drums").display_title == "Eyes → Drums"
    assert track("Morning Dew").display_title == "Morning Dew"
