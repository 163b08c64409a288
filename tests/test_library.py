"""The library scanner and search, on real files in tmp, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from engine import Engine, LibraryChanged, ScanProgress
from engine.library.tags import read_tags, write_tags
from tests.conftest import make_settings
from tests.fake_archive.audio import synthesise

ALBUM = "1977-05-08 Barton Hall, Ithaca, NY"


def make_track(path: Path, fmt: str, **tags: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(synthesise({"name": path.name, "format": fmt}, 0.3))
    if tags:
        write_tags(path, tags)
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A small library: tagged Flac, MP3 and Ogg, a Shorten file in the download layout,
    a corrupt Flac, an empty MP3, and files a scan must ignore."""
    root = tmp_path / "music"
    show = root / "Grateful Dead" / f"{ALBUM} [SBD] (gd77-05-08.sbd.hicks)"
    titles = ["New Minglewood Blues", "Loser", "El Paso"]
    for number, (title, fmt, ext) in enumerate(
        zip(titles, ["Flac", "VBR MP3", "Ogg Vorbis"], [".flac", ".mp3", ".ogg"], strict=True), 1
    ):
        make_track(
            show / f"{number:02d} {title}{ext}",
            fmt,
            artist="Grateful Dead",
            album=ALBUM,
            date="1977-05-08",
            tracknumber=str(number),
            title=title,
            archive_identifier="gd77-05-08.sbd.hicks",
        )
    make_track(show / "04 Scarlet Begonias.shn", "Shorten")
    (show / "05 Broken.flac").write_bytes(b"this is not a flac file at all")
    (show / "06 Empty.mp3").write_bytes(b"")
    (show / "07 Half.flac.part").write_bytes(b"partial")
    (show / ".hidden.flac").write_bytes(b"hidden")
    (show / "info.txt").write_text("notes")
    make_track(
        root / "Phish" / "1997-11-17 McNichols Arena, Denver, CO" / "01 Tweezer.flac",
        "Flac",
        artist="Phish",
        album="1997-11-17 McNichols Arena, Denver, CO",
        date="1997-11-17",
        tracknumber="1",
        title="Tweezer",
    )
    return root


@pytest.fixture
async def library_engine(tmp_path: Path, db_url: str, folder: Path) -> Engine:
    settings = make_settings(tmp_path, "http://127.0.0.1:9", db_url)
    engine = Engine(settings)
    await engine.start()
    yield engine  # type: ignore[misc]
    await engine.close()


async def test_scan_reads_tags_lists_problems_and_ignores_parts(
    library_engine: Engine, folder: Path
) -> None:
    events = library_engine.events()
    result = await library_engine.scan_library()
    assert result.files == 7  # 3 tagged, Shorten, broken, empty, Phish
    assert result.added == 7
    assert result.untagged == 1
    reasons = {Path(p.path).name: p.reason for p in result.problems}
    assert set(reasons) == {"05 Broken.flac", "06 Empty.mp3"}
    assert "FLAC" in reasons["05 Broken.flac"]

    tracks = await library_engine.library_tracks(artist="Grateful Dead")
    assert [t.title for t in tracks] == [
        "New Minglewood Blues",
        "Loser",
        "El Paso",
        "Scarlet Begonias",
    ]
    shn = tracks[-1]
    assert (shn.format, shn.album, shn.date, shn.identifier) == (
        "Shorten",
        ALBUM,
        "1977-05-08",
        "gd77-05-08.sbd.hicks",
    )
    assert (shn.venue, shn.city) == ("Barton Hall", "Ithaca, NY")

    stats = await library_engine.library_stats()
    assert (stats.files, stats.artists, stats.concerts, stats.problems) == (7, 2, 2, 2)
    concerts = await library_engine.library_concerts("Grateful Dead")
    assert [(c.album, c.tracks) for c in concerts] == [(ALBUM, 4)]

    seen = []
    async for event in events:
        seen.append(event)
        if isinstance(event, LibraryChanged):
            break
    assert any(isinstance(e, ScanProgress) and e.finished for e in seen)


async def test_rescan_is_incremental(library_engine: Engine, folder: Path) -> None:
    await library_engine.scan_library()
    again = await library_engine.scan_library()
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 7)

    loser = next(folder.rglob("02 Loser.mp3"))
    write_tags(loser, {"title": "Loser (retitled)"})
    os.utime(loser, ns=(loser.stat().st_atime_ns, loser.stat().st_mtime_ns + 10**9))
    shutil.rmtree(folder / "Phish")
    changed = await library_engine.scan_library()
    assert (changed.added, changed.updated, changed.removed, changed.unchanged) == (0, 1, 1, 5)
    titles = {t.title for t in await library_engine.library_tracks()}
    assert "Loser (retitled)" in titles and "Tweezer" not in titles


async def test_scan_of_a_missing_folder_is_a_problem_not_a_crash(
    library_engine: Engine, tmp_path: Path
) -> None:
    result = await library_engine.scan_library([tmp_path / "nowhere"])
    assert result.files == 0
    assert [p.reason for p in result.problems] == ["folder not found"]


async def test_search_by_prefix_over_every_column(library_engine: Engine) -> None:
    await library_engine.scan_library()

    async def titles(query: str) -> list[str]:
        return [t.title for t in await library_engine.library_search(query)]

    assert await titles("minglewood") == ["New Minglewood Blues"]
    assert await titles("mingle") == ["New Minglewood Blues"]  # prefixes match
    assert await titles("barton loser") == ["Loser"]  # every word, any column
    assert await titles("denver") == ["Tweezer"]  # city
    assert await titles("ithaca") == [
        "New Minglewood Blues",
        "Loser",
        "El Paso",
        "Scarlet Begonias",
    ]
    assert await titles("phish 1997") == ["Tweezer"]
    assert await titles("nothing-like-this") == []
    assert await titles('"; DROP TABLE library_files; --') == []
    assert (await library_engine.library_stats()).files == 7


async def test_tags_round_trip_for_each_format(tmp_path: Path) -> None:
    for fmt, ext in (("Flac", ".flac"), ("VBR MP3", ".mp3"), ("Ogg Vorbis", ".ogg")):
        path = make_track(
            tmp_path / f"t{ext}",
            fmt,
            artist="Grateful Dead",
            album=ALBUM,
            date="1977-05-08",
            tracknumber="7/20",
            title="Dancin' in the Streets",
            archive_identifier="gd77",
        )
        tags = read_tags(path)
        assert (tags.artist, tags.album, tags.date, tags.track_number, tags.title) == (
            "Grateful Dead",
            ALBUM,
            "1977-05-08",
            7,
            "Dancin' in the Streets",
        ), fmt
        assert tags.identifier == "gd77"
        assert (tags.venue, tags.city) == ("Barton Hall", "Ithaca, NY")


async def test_two_scans_at_once_do_not_trip_over_new_files(
    tmp_path: Path, db_url: str, folder: Path
) -> None:
    """Two liveset processes (here two engines) scanning the same new files into one database."""
    settings = make_settings(tmp_path, "http://127.0.0.1:9", db_url)
    async with Engine(settings) as first, Engine(settings) as second:
        results = await asyncio.gather(first.scan_library(), second.scan_library())
        assert [r.files for r in results] == [7, 7]
        assert (await first.library_stats()).files == 7
