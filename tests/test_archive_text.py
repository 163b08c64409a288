"""The archive's text and setlists as a user meets them: screen, command line, JSON, files,
tags and database; one numbering everywhere; one show per concert."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, inspect, text

from engine import AmbiguousConcertError, DownloadState, Engine, Settings
from engine.library.tags import read_tags
from tests.fake_archive import synthetic
from tests.test_tui import make_app, rows, settle

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.fake_archive import FakeArchive

ENTITY = re.compile(r"&(#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);", re.I)
FOLDER = "1977-05-08 Barton Hall & Co, Ithaca, NY [SBD] (sb1977-05-08.sbd.synthetic)"


@pytest.fixture
def shows(fake_archive: FakeArchive) -> Iterator[FakeArchive]:
    synthetic.add_shows(fake_archive)
    yield fake_archive


def database_text(url: str, skip: tuple[str, ...] = ("response_cache",)) -> str:
    """Every text value in the database, but the cache of the archive's raw answers."""
    engine = create_engine(url)
    out = []
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            if table in skip or table.startswith("library_fts") or table == "alembic_version":
                continue
            for row in connection.execute(text(f"SELECT * FROM {table}")):
                out += [json.dumps(v, ensure_ascii=False) for v in row if isinstance(v, str)]
    engine.dispose()
    return "\n".join(out)


async def test_a_download_has_clean_names_tags_and_rows(
    shows: FakeArchive, settings: Settings
) -> None:
    async with Engine(settings, backoff_base=0.01) as engine:
        await engine.run_downloads()
        queued = await engine.download(synthetic.CROSSING)
        done = await engine.wait_downloads(synthetic.CROSSING)
        assert {d.state for d in done} == {DownloadState.DONE}
        assert [d.track_number for d in queued if d.kind == "track"] == list(range(1, 10))
    folder = settings.music_dir / synthetic.ARTIST / FOLDER
    names = sorted(p.name for p in folder.glob("*.flac"))
    assert names[4:7] == [
        "05 Scarlet Begonias.flac",
        "06 Fire On The Mountain.flac",
        "07 Estimated Prophet.flac",
    ]
    tags = read_tags(folder / "05 Scarlet Begonias.flac")
    assert (tags.title, tags.track_number, tags.venue) == (
        "Scarlet Begonias >",  # a segue, as taggers of live music write it
        5,
        "Barton Hall & Co",
    )
    assert read_tags(folder / "06 Fire On The Mountain.flac").title == "Fire On The Mountain"
    for path in settings.music_dir.rglob("*"):
        assert not ENTITY.search(str(path.relative_to(settings.music_dir))), path
        if path.suffix == ".flac":
            assert not ENTITY.search(repr(read_tags(path))), path
    stored = database_text(settings.db_url)
    assert "Barton Hall & Co" in stored and "Scarlet Begonias" in stored
    assert not ENTITY.search(stored), ENTITY.search(stored)


def test_the_command_line_shows_sets_arrows_and_one_numbering(shows, liveset) -> None:  # type: ignore[no-untyped-def]
    shown = liveset("recording", synthetic.CROSSING)
    assert shown.returncode == 0, shown.stderr
    assert not ENTITY.search(shown.stdout), ENTITY.search(shown.stdout)
    lines = [line.split() for line in shown.stdout.splitlines()]
    track_rows = {cells[0]: cells[1:] for cells in lines if cells and cells[0].isdigit()}
    assert track_rows["4"][:4] == ["Set", "1", "Jack", "Straw"]  # disc 2, still the first set
    assert track_rows["5"][:5] == ["Set", "2", "Scarlet", "Begonias", "→"]
    assert track_rows["9"][:2] == ["Encore", "One"]
    assert "venue        Barton Hall & Co, Ithaca, NY" in shown.stdout
    assert "taper        John Doe <jdoe@aol.com>" in shown.stdout
    data = json.loads(liveset("recording", synthetic.CROSSING, "--json").stdout)
    assert not ENTITY.search(json.dumps(data, ensure_ascii=False))
    fifth = data["tracks"][4]
    assert (fifth["number"], fifth["title"], fifth["segue"], fifth["set_name"]) == (
        5,
        "Scarlet Begonias",
        True,
        "Set 2",
    )


def test_a_year_lists_its_concerts_and_never_merges_them(shows, liveset) -> None:  # type: ignore[no-untyped-def]
    listed = liveset("concert", synthetic.ARTIST, "1977")
    assert listed.returncode == 0, listed.stderr
    assert "2 concerts of Synthetic Band in 1977" in listed.stdout
    assert "1977-05-08" in listed.stdout and "1977-05-09" in listed.stdout
    assert "setlist" not in listed.stdout  # a choice, not one merged concert
    # Real bodies: nine shows of one band in 2003, each its own concert.
    data = json.loads(liveset("concert", "Of A Revolution", "2003", "--json").stdout)
    assert len(data["concerts"]) == 9
    assert all(c["recordings"] == 1 for c in data["concerts"])
    one = liveset("concert", synthetic.ARTIST, "1977-05-09")
    assert one.returncode == 0, one.stderr
    assert "Buffalo Memorial Auditorium" in one.stdout and "Encore" in one.stdout
    none = liveset("concert", synthetic.ARTIST, "1978")
    assert none.returncode == 1 and "no concerts of Synthetic Band in 1978" in none.stderr


async def test_the_engine_refuses_to_merge_two_shows(shows: FakeArchive, engine: Engine) -> None:
    with pytest.raises(AmbiguousConcertError, match="played 2 concerts in 1977-05") as caught:
        await engine.concert(synthetic.ARTIST, "1977-05")
    assert caught.value.dates == ("1977-05-08", "1977-05-09")
    found = await engine.concerts_in(synthetic.ARTIST, "1977")
    assert [str(c.date) for c in found.concerts] == ["1977-05-08", "1977-05-09"]


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_the_concert_screen_reads_like_the_notes(
    shows: FakeArchive, settings: Settings, size: tuple[int, int]
) -> None:
    app = make_app(settings)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        app.open_concert(synthetic.ARTIST, "1977-05-08")
        await settle(pilot)
        title = str(app.screen.query_one("#concert-title").render())
        assert "Barton Hall & Co" in title and not ENTITY.search(title)
        table = rows(app.screen.query_one("#tracks"))
        shown = [(r[0], r[1]) for r in table]
        assert shown == [
            ("", "── Set 1 ──"),
            ("1", "Minglewood Blues"),
            ("2", "Loser"),
            ("3", "El Paso"),
            ("4", "Jack Straw"),
            ("", "── Set 2 ──"),
            ("5", "Scarlet Begonias →"),
            ("6", "Fire On The Mountain"),
            ("7", "Estimated Prophet →"),
            ("8", "Morning Dew"),
            ("", "── Encore ──"),
            ("9", "One More Saturday Night"),
        ]
        notes = str(app.screen.query_one("#notes").render())
        assert "Taped by John Doe <jdoe@aol.com>; 1 < 2 ... Scarlet -> Fire" in notes
        assert "Set I\nMinglewood Blues" in notes and not ENTITY.search(notes)


# --- the repair of a library made by an older liveset ---------------------------------------

OLD_FOLDER = "1977-05-08 Barton Hall &amp; Co, Ithaca, NY [SBD] (sb1977-05-08.sbd.synthetic)"


def _old_library(shows: FakeArchive, settings: Settings) -> dict[str, bytes]:
    """What liveset 0003 left: the archive's text as sent in the database, in folder and file
    names and in tags; one file still downloading. Returns the audio by file name."""
    from engine.downloads.paths import safe_name
    from engine.library.tags import write_tags
    from engine.storage.database import migrate

    item = shows.item(synthetic.CROSSING)
    assert item is not None
    body = item.metadata
    folder = settings.music_dir / synthetic.ARTIST / OLD_FOLDER
    folder.mkdir(parents=True)
    (folder / f"{synthetic.CROSSING}.json").write_text(json.dumps(body), encoding="ascii")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = create_engine(settings.db_url)
    migrate(database, "0003")
    audio: dict[str, bytes] = {}
    with database.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO recordings (identifier, title, artist, date, venue, city, "
                "source_kind, source, taper, transferer, lineage, num_reviews, formats, "
                "description, has_details, updated_at) VALUES (:id, :title, :artist, "
                "'1977-05-08', :venue, 'Ithaca, NY', 'SBD', :source, :taper, '', '', 0, '[]', "
                "'', true, 0)"
            ),
            {
                "id": synthetic.CROSSING,
                "title": body["metadata"]["title"],
                "artist": synthetic.ARTIST,
                "venue": body["metadata"]["venue"],
                "source": body["metadata"]["source"],
                "taper": body["metadata"]["taper"],
            },
        )
        recording_id = connection.execute(text("SELECT id FROM recordings")).scalar()
        for number, (name, title) in enumerate(synthetic.CROSSING_TRACKS.items(), 1):
            disc, in_disc = int(name[-9]), int(name[-7:-5])
            connection.execute(
                text(
                    "INSERT INTO tracks (recording_id, position, disc, number, title) "
                    "VALUES (:r, :p, :d, :n, :t)"
                ),
                {"r": recording_id, "p": number - 1, "d": disc, "n": in_disc, "t": title},
            )
            old_name = safe_name(f"{number:02d} {title}.flac")
            relative = f"{synthetic.ARTIST}/{OLD_FOLDER}/{old_name}"
            state = "queued" if number == 9 else "done"
            tags = {
                "artist": synthetic.ARTIST,
                "album": "1977-05-08 Barton Hall &amp; Co, Ithaca, NY",
                "date": "1977-05-08",
                "tracknumber": f"{number}/9",
                "title": title,
                "venue": body["metadata"]["venue"],
                "city": "Ithaca, NY",
                "archive_identifier": synthetic.CROSSING,
            }
            data = item.files[name]
            audio[name] = data
            path = settings.music_dir / relative
            if state == "done":
                path.write_bytes(data)
                write_tags(path, tags)
            else:  # half of it arrived before liveset was closed
                path.with_name(path.name + ".part").write_bytes(data[: len(data) // 2])
            connection.execute(
                text(
                    "INSERT INTO downloads (identifier, file_name, format, kind, title, "
                    "track_number, disc, dest_path, size, md5, bytes_done, state, error, note, "
                    "attempts, tags, created_at, updated_at) VALUES (:i, :f, 'Flac', 'track', "
                    ":t, :n, :d, :p, :s, :m, :b, :state, '', '', 0, :tags, 0, 0)"
                ),
                {
                    "i": synthetic.CROSSING,
                    "f": name,
                    "t": title,
                    "n": number,
                    "d": disc,
                    "p": relative,
                    "s": len(data),
                    "m": body["files"][number - 1]["md5"],
                    "b": len(data) if state == "done" else len(data) // 2,
                    "state": state,
                    "tags": json.dumps(tags),
                },
            )
            if state == "done":
                stat = path.stat()
                connection.execute(
                    text(
                        "INSERT INTO library_files (path, root, size, mtime_ns, format, artist, "
                        "album, title, date, venue, city, track_number, identifier, problem, "
                        "scanned_at) VALUES (:path, :root, :size, :mtime, 'Flac', :artist, "
                        ":album, :title, '1977-05-08', :venue, 'Ithaca, NY', :n, :i, '', 0)"
                    ),
                    {
                        "path": str(path.resolve()),
                        "root": str(settings.music_dir.resolve()),
                        "size": stat.st_size,
                        "mtime": stat.st_mtime_ns,
                        "artist": synthetic.ARTIST,
                        "album": tags["album"],
                        "title": title,
                        "venue": tags["venue"],
                        "n": number,
                        "i": synthetic.CROSSING,
                    },
                )
        scarlet = (
            settings.music_dir / synthetic.ARTIST / OLD_FOLDER / "05 Scarlet Begonias -&gt;.flac"
        )
        assert scarlet.is_file()  # the name the issue saw
        connection.execute(
            text(
                "INSERT INTO play_queue (position, uri, title, artist, album, identifier, "
                "file_name) VALUES (0, :uri, 'Scarlet Begonias -&gt;', :artist, '', :i, '')"
            ),
            {"uri": str(scarlet.resolve()), "artist": synthetic.ARTIST, "i": synthetic.CROSSING},
        )
    database.dispose()
    return audio


async def test_the_repair_turns_an_old_library_into_a_clean_one(
    shows: FakeArchive, settings: Settings, db_url: str
) -> None:
    import soundfile

    settings = dataclasses.replace(settings, db_url=db_url)  # SQLite and PostgreSQL
    audio = _old_library(shows, settings)
    async with Engine(settings, backoff_base=0.01) as engine:  # migrates, then repairs
        queue, _index, _seconds = await engine.saved_queue()
        library = await engine.library_tracks(identifier=synthetic.CROSSING)
        rows_now = await engine.downloads(identifier=synthetic.CROSSING)
    folder = settings.music_dir / synthetic.ARTIST / FOLDER
    assert not (settings.music_dir / synthetic.ARTIST / OLD_FOLDER).exists()
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "01 Minglewood Blues.flac",
        "02 Loser.flac",
        "03 El Paso.flac",
        "04 Jack Straw.flac",
        "05 Scarlet Begonias.flac",
        "06 Fire On The Mountain.flac",
        "07 Estimated Prophet.flac",
        "08 Morning Dew.flac",
        "09 One More Saturday Night.flac.part",
        f"{synthetic.CROSSING}.json",
    ]
    scarlet = folder / "05 Scarlet Begonias.flac"
    tags = read_tags(scarlet)
    assert (tags.title, tags.album, tags.venue) == (
        "Scarlet Begonias >",
        "1977-05-08 Barton Hall & Co, Ithaca, NY",
        "Barton Hall & Co",
    )
    # Still the same music, sample for sample.
    original, _ = soundfile.read(io.BytesIO(audio["sb77-05-08d2t02.flac"]))
    now, _ = soundfile.read(scarlet)
    assert (original == now).all()
    # Download rows, the library and the play queue point at the files where they are now.
    done = [d for d in rows_now if d.state is DownloadState.DONE]
    assert len(done) == 8 and all((settings.music_dir / d.path).is_file() for d in done)
    assert {d.title for d in rows_now} >= {"Scarlet Begonias", "Estimated Prophet"}
    assert sorted(t.title for t in library)[:2] == ["El Paso", "Estimated Prophet >"]
    assert all(Path(t.path).is_file() for t in library) and len(library) == 8
    assert queue[0].uri == str(scarlet.resolve()) and queue[0].title == "Scarlet Begonias →"
    stored = database_text(settings.db_url)
    assert not ENTITY.search(stored), ENTITY.search(stored)
    # Nothing is fetched again: the landed files are where their rows say.
    shows.requests.clear()
    async with Engine(settings, backoff_base=0.01) as engine:
        await engine.run_downloads()
        await engine.download(synthetic.CROSSING)
        finished = await engine.wait_downloads(synthetic.CROSSING)
    fetched = [r.path for r in shows.requests if r.path.startswith("/download/")]
    assert all("d3t03" in p or p.endswith(".txt") for p in fetched), fetched
    assert {d.state for d in finished} == {DownloadState.DONE}
    assert sorted(p.name for p in folder.glob("*.flac"))[-1] == "09 One More Saturday Night.flac"


async def test_artist_names_are_decoded(fake_archive: FakeArchive, engine: Engine) -> None:
    fake_archive.add_item(  # SYNTHETIC: an artist collection whose name has an entity
        "MeAndTheBandSynthetic",
        {"mediatype": "collection", "collection": ["etree"], "title": "Me &amp; The Band"},
        {},
        searchable=True,
    )
    names = {a.identifier: a.name for a in (await engine.artists()).artists}
    assert names["MeAndTheBandSynthetic"] == "Me & The Band"


async def test_titles_show_as_text_never_as_markup_and_cut_by_cells(
    fake_archive: FakeArchive, settings: Settings
) -> None:
    from rich.cells import cell_len
    from textual.geometry import Region

    synthetic.add_show(  # SYNTHETIC: brackets and wide characters in titles
        fake_archive,
        "sb1977-05-10.synthetic",
        {**synthetic.ONE_SET_METADATA, "date": "1977-05-10", "description": ""},
        {
            "sb77-05-10t01.flac": "Jam [Instrumental] -&gt;",
            "sb77-05-10t02.flac": "[bold]Not bold[/bold]",
            "sb77-05-10t03.flac": "日本語のタイトルの長い曲名です、とても長い曲名がここにあります",
        },
    )
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_concert(synthetic.ARTIST, "1977-05-10")
        await settle(pilot)
        table = app.screen.query_one("#tracks")
        titles = [r[1] for r in rows(table)]
        assert titles[:2] == ["Jam [Instrumental] →", "[bold]Not bold[/bold]"]
        region = Region(0, 0, table.size.width, table.size.height)
        drawn = ["".join(s.text for s in strip) for strip in table.render_lines(region)]
        wide = next(line for line in drawn if "日本" in line)
        # Cut to the column by cells, with an ellipsis; the row keeps the table's width.
        assert "…" in wide and cell_len(wide) == table.size.width


def test_control_characters_never_reach_the_terminal_or_a_folder(  # type: ignore[no-untyped-def]
    fake_archive: FakeArchive, liveset, tmp_path: Path
) -> None:
    from tests.fake_archive.audio import synthesise

    flac = synthesise({"name": "t.flac", "format": "Flac"}, 0.5)
    fake_archive.add_item(  # SYNTHETIC: hostile text where people type
        "hostile-text.synthetic",
        {
            "creator": "\u001b[2J\u001b[31mRED\u0007",
            "date": "1999-09-09",
            "venue": "Hall \u202eevil\u202c\r\nBack\x08\x7f",
            "title": "OSC \u001b]0;owned\u0007 title",
        },
        {"t01.flac": flac},
        extra={"t01.flac": {"title": "Track\u0000 \u2066one\u2069"}},
    )
    shown = liveset("recording", "hostile-text.synthetic")
    assert shown.returncode == 0, shown.stderr
    for output in (shown.stdout, liveset("recording", "hostile-text.synthetic", "--json").stdout):
        assert not any(c in output for c in "\x1b\x07\x08\x7f\x00\u202e\u202c\u2066\u2069\r")
    assert "[2J[31mRED" in shown.stdout and "Hall evil Back" in shown.stdout
    done = liveset("download", "hostile-text.synthetic", "--wait")
    assert done.returncode == 0, done.stderr
    names = [p.name for p in tmp_path.rglob("*")]
    assert any(n.endswith(".flac") and "Track" in n for n in names)  # it landed, named
    assert not any(c in n for n in names for c in "\x1b\u202e\u2066\x00"), names
