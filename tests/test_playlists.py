"""Playlists of tracks from any shows: made, changed and played through the engine against the
fake archive, resolved to disk or stream, each person's own, exported as M3U8 that mpv plays."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import subprocess
import sys
import threading
from typing import TYPE_CHECKING

import pytest

from engine import ConfigError, Engine, NotFoundError
from tests.conftest import cli_env

if TYPE_CHECKING:
    from pathlib import Path

    from engine import Settings
    from tests.fake_archive import FakeArchive

SCI = "sci2007-07-28.Schoeps"
GD77 = "gd77-05-08.sbd.hicks.4982.sbeok.shnf"


@pytest.fixture
def quiet(settings: Settings) -> Settings:
    return dataclasses.replace(settings, mpv_options=(("ao", "null"),))


async def test_a_playlist_mixes_shows_on_disk_and_streamed(quiet: Settings) -> None:
    async with Engine(quiet, backoff_base=0.01) as engine:
        await engine.run_downloads()
        queued = await engine.download(SCI, tracks=[2])
        await engine.wait_downloads(ids=[d.id for d in queued])
        assert await engine.create_playlist("  Best   of  ") == "Best of"
        assert await engine.playlist_add("Best of", SCI, [2, 3]) == 2
        assert await engine.playlist_add("Best of", GD77, [1]) == 3
        entries = await engine.playlist("Best of")
        assert [e.position for e in entries] == [1, 2, 3]
        assert [e.on_disk for e in entries] == [True, False, False]
        first, second, third = (e.item for e in entries)
        assert first is not None and first.uri.startswith(str(quiet.music_dir))
        assert second is not None and second.uri.startswith(quiet.archive_url)
        assert third is not None and third.identifier == GD77
        await engine.playlist_move("Best of", 3, 1)
        assert [e.identifier for e in await engine.playlist("Best of")] == [GD77, SCI, SCI]
        assert await engine.playlist_remove("Best of", [2]) == 1
        left = await engine.playlist("Best of")
        assert [(e.identifier, e.on_disk) for e in left] == [(GD77, False), (SCI, False)]
        assert await engine.rename_playlist("Best of", "Sunday") == "Sunday"
        assert [(p.name, p.tracks) for p in await engine.playlists()] == [("Sunday", 2)]
        with pytest.raises(NotFoundError, match="no track 99"):
            await engine.playlist_add("Sunday", SCI, [99])
        with pytest.raises(NotFoundError, match="already"):
            await engine.create_playlist("Sunday")
        with pytest.raises(ConfigError):
            await engine.create_playlist("\x1b[2J")
        await engine.delete_playlist("Sunday")
        assert await engine.playlists() == ()
        with pytest.raises(NotFoundError, match="no playlist"):
            await engine.playlist("Sunday")


async def test_a_playlist_follows_a_download_in_another_format(quiet: Settings) -> None:
    """The item names the track as the archive does: streamed before, the file on disk after a
    download in another format than the one first streamed."""
    async with Engine(quiet, backoff_base=0.01) as engine:
        await engine.create_playlist("x")
        await engine.playlist_add("x", SCI, [1])
        (before,) = await engine.playlist("x")
        assert before.item is not None and before.item.uri.endswith(".flac")
        await engine.run_downloads()
        queued = await engine.download(SCI, format="mp3", tracks=[1])
        await engine.wait_downloads(ids=[d.id for d in queued])
        (after,) = await engine.playlist("x")
        assert after.on_disk and after.item is not None and after.item.uri.endswith(".mp3")


async def test_playlists_are_each_persons_own(quiet: Settings) -> None:
    bob = dataclasses.replace(quiet, profile="bob", data_dir=quiet.data_dir.parent / "bob")
    async with Engine(quiet) as engine:
        await engine.create_playlist("Mine")
        await engine.playlist_add("Mine", SCI, [1, 2])
    async with Engine(dataclasses.replace(bob, db_url=quiet.db_url)) as engine:
        assert await engine.playlists() == ()
        await engine.create_playlist("Mine")  # the same name is his to use
        assert [p.tracks for p in await engine.playlists()] == [0]


async def test_a_playlist_plays_from_the_queue(quiet: Settings) -> None:
    async with Engine(quiet, backoff_base=0.01) as engine:
        await engine.create_playlist("p")
        await engine.playlist_add("p", SCI, [1, 2])
        events = engine.events()
        items = await engine.queue_playlist("p", play=True, start=1)
        assert [i.identifier for i in items] == [SCI, SCI]
        from engine import NowPlayingChanged

        async for event in events:
            if isinstance(event, NowPlayingChanged):
                assert event.item.uri == items[1].uri  # from the second, as asked
                break
        await engine.stop()


async def test_an_exported_m3u8_plays_in_mpv_to_its_end(quiet: Settings, tmp_path: Path) -> None:
    async with Engine(quiet, backoff_base=0.01) as engine:
        await engine.run_downloads()
        queued = await engine.download(SCI, tracks=[1])
        await engine.wait_downloads(ids=[d.id for d in queued])
        await engine.create_playlist("out")
        await engine.playlist_add("out", SCI, [1, 2])  # one on disk, one streamed
        text = await engine.playlist_export("out")
    lines = text.splitlines()
    assert lines[0] == "#EXTM3U" and lines[1] == "#PLAYLIST:out"
    assert lines[2].startswith("#EXTINF:") and lines[3].startswith(str(quiet.music_dir))
    assert lines[5].startswith(quiet.archive_url)
    path = tmp_path / "out.m3u8"
    path.write_text(text, encoding="utf-8")

    import mpv

    player = mpv.MPV(ao="null", vo="null", ytdl=False)
    loaded: list[str] = []
    finished = threading.Event()

    @player.event_callback("start-file")
    def started(_event) -> None:  # type: ignore[no-untyped-def]
        loaded.append(str(player.path))

    @player.event_callback("end-file")
    def ended(_event) -> None:  # type: ignore[no-untyped-def]
        if len(loaded) == 2:
            finished.set()

    try:
        player.loadlist(str(path))
        assert finished.wait(60), loaded
    finally:
        player.terminate()
    assert loaded == [lines[3], lines[5]]


def test_the_playlist_commands(tmp_path: Path, fake_archive: FakeArchive) -> None:
    env = cli_env(tmp_path, tmp_path / "home", fake_archive.url, LIVESET_MPV_OPTIONS="ao=null")

    def liveset(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tui", *args], env=env, capture_output=True, text=True
        )

    assert liveset("playlist", "create", "Road trip").returncode == 0
    added = liveset("playlist", "add", "Road trip", SCI, "--track", "1,3-4", "--json")
    assert json.loads(added.stdout) == {"name": "Road trip", "tracks": 3}
    shown = json.loads(liveset("playlist", "show", "Road trip", "--json").stdout)
    assert [t["position"] for t in shown["tracks"]] == [1, 2, 3]
    assert all(t["item"]["identifier"] == SCI for t in shown["tracks"])
    exported = liveset("playlist", "export", "Road trip", "-o", str(tmp_path / "r.m3u8"))
    assert exported.returncode == 0
    assert (tmp_path / "r.m3u8").read_text().count("#EXTINF:") == 3
    missing = liveset("playlist", "show", "Nope")
    assert missing.returncode != 0 and "no playlist named 'Nope'" in missing.stderr
    listed = liveset("playlist", "list")
    assert "Road trip" in listed.stdout and "3" in listed.stdout


async def test_a_track_and_its_show_are_favourites_apart(quiet: Settings) -> None:
    async with Engine(quiet, backoff_base=0.01) as engine:
        await engine.set_track_favourite(SCI, 3)
        assert await engine.favourites("recording") == ()  # the show is not favoured by it
        await engine.set_favourite("recording", SCI)
        await engine.set_track_favourite(GD77, 1)
        tracks = await engine.favourite_tracks()
        assert [(e.identifier, e.position) for e in tracks] == [(GD77, 1), (SCI, 2)]  # newest first
        assert tracks[1].item is not None and "Temperance" in tracks[1].item.title
        await engine.set_favourite("recording", SCI, False)
        assert len(await engine.favourite_tracks()) == 2  # the tracks stay favourites
        await engine.set_track_favourite(SCI, 3, False)
        assert [e.identifier for e in await engine.favourite_tracks()] == [GD77]
        with pytest.raises(NotFoundError, match="no track 40"):
            await engine.set_track_favourite(SCI, 40)


def test_favourite_a_track_from_the_command_line(tmp_path: Path, fake_archive: FakeArchive) -> None:
    env = cli_env(tmp_path, tmp_path / "home", fake_archive.url)
    done = subprocess.run(
        [sys.executable, "-m", "tui", "favourite", SCI, "--track", "2"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"favourite: {SCI} track 2"


async def test_the_playlists_screen_and_the_picker(quiet: Settings) -> None:
    from textual.widgets import DataTable, Input

    from tests.test_tui import make_app, settle, typed, wait_until
    from tui.dialogs import Ask, PlaylistPicker
    from tui.screens.concert import ConcertScreen
    from tui.screens.playlists import PlaylistsScreen

    app = make_app(quiet, restore_playback=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_concert("String Cheese Incident", "2007-07-28")
        await wait_until(pilot, lambda: isinstance(app.screen, ConcertScreen), "the concert")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConcertScreen)
        screen.query_one("#tracks", DataTable).focus()
        await pilot.press("t", "t")  # tracks 1 and 2 ticked
        await pilot.press("L")
        await wait_until(pilot, lambda: isinstance(app.screen, PlaylistPicker), "the picker")
        await pilot.press("enter")  # "+ New playlist…", the only choice yet
        await wait_until(pilot, lambda: isinstance(app.screen, Ask), "the name asked")
        await pilot.press(*typed("Road trip"), "enter")
        await wait_until(
            pilot,
            lambda: any("Road trip has 2" in str(n.message) for n in app._notifications),
            "added",
        )
        await pilot.press("6")
        await wait_until(pilot, lambda: isinstance(app.screen, PlaylistsScreen), "the playlists")
        lists = app.screen.query_one("#playlists", DataTable)
        tracks = app.screen.query_one("#playlist-tracks", DataTable)
        await wait_until(pilot, lambda: lists.row_count == 2, "the lists")
        assert [str(c) for c in lists.get_row_at(0)] == ["♥ Favourite tracks", "0"]
        assert [str(c) for c in lists.get_row_at(1)] == ["Road trip", "2"]
        lists.focus()
        await pilot.press("down")
        await wait_until(pilot, lambda: tracks.row_count == 2, "its tracks")
        tracks.focus()
        await pilot.press("J")  # the first down one
        await wait_until(
            pilot,
            lambda: (
                [e.item.title for e in app.screen.entries if e.item]
                == ["Catfish John", "Down a River"]
            ),  # type: ignore[attr-defined]
            "moved",
        )
        await pilot.press("x")
        await wait_until(pilot, lambda: tracks.row_count == 1, "removed")
        assert [p.tracks for p in await app.engine.playlists()] == [1]
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, Ask), "a new one's name")
        app.screen.query_one(Input).value = "Sunday"
        await pilot.press("enter")
        await wait_until(pilot, lambda: lists.row_count == 3, "two lists and the favourites")
        assert sorted(p.name for p in await app.engine.playlists()) == ["Road trip", "Sunday"]


@pytest.mark.parametrize("format", ["xspf", "jspf"])
async def test_xspf_and_jspf_round_trip(quiet: Settings, tmp_path: Path, format: str) -> None:
    async with Engine(quiet, backoff_base=0.01) as engine:
        await engine.create_playlist("Out")
        await engine.playlist_add("Out", SCI, [1, 4])
        await engine.playlist_add("Out", GD77, [2])
        text = await engine.playlist_export("Out", format)
        assert "https://archive.org/details/" in text
        path = tmp_path / f"back.{format}"
        path.write_text(text, encoding="utf-8")
        result = await engine.playlist_import(str(path))
        assert (result.name, result.added, result.unmatched) == ("back", 3, ())
        before = [(e.identifier, e.file_name) for e in await engine.playlist("Out")]
        after = [(e.identifier, e.file_name) for e in await engine.playlist("back")]
        assert after == before


async def test_an_m3u_of_local_files_and_unknown_entries(quiet: Settings, tmp_path: Path) -> None:
    async with Engine(quiet, backoff_base=0.01) as engine:
        await engine.run_downloads()
        queued = await engine.download(SCI, tracks=[1, 2])
        await engine.wait_downloads(ids=[d.id for d in queued])
        files = sorted(quiet.music_dir.rglob("*.flac"))
        assert len(files) == 2
        m3u = tmp_path / "mine.m3u"
        m3u.write_text(
            "#EXTM3U\n"
            f"{files[1]}\n"
            "/nowhere/at/all.flac\n"
            "http://example.invalid/stream.mp3\n"
            f"{quiet.archive_url}/download/{GD77}/not-a-track.flac\n"
            f"{files[0]}\n",
            encoding="utf-8",
        )
        result = await engine.playlist_import(str(m3u), "From disk")
        assert result.added == 2
        assert len(result.unmatched) == 3  # listed, never dropped
        assert any("nowhere" in u for u in result.unmatched)
        entries = await engine.playlist("From disk")
        assert [e.on_disk for e in entries] == [True, True]
        assert [e.item.uri for e in entries if e.item] == [str(files[1]), str(files[0])]


async def test_download_what_is_missing_one_download_per_recording(quiet: Settings) -> None:
    async with Engine(quiet, backoff_base=0.01) as engine:
        await engine.run_downloads()
        first = await engine.download(SCI, tracks=[1])
        await engine.wait_downloads(ids=[d.id for d in first])
        await engine.create_playlist("Mix")
        await engine.playlist_add("Mix", SCI, [1, 3])
        await engine.playlist_add("Mix", GD77, [2])
        await engine.playlist_add("Mix", SCI, [5])
        queued = await engine.playlist_download("Mix")
        tracks = {(d.identifier, d.track_number) for d in queued}
        assert tracks == {(SCI, 3), (SCI, 5), (GD77, 2)}  # track 1 is on disk already
        await engine.wait_downloads(ids=[d.id for d in queued])
        assert all(e.on_disk for e in await engine.playlist("Mix"))
        assert await engine.playlist_download("Mix") == ()


async def test_favourite_tracks_are_a_list_of_the_playlists_screen(quiet: Settings) -> None:
    from textual.widgets import DataTable

    from tests.test_tui import make_app, settle, wait_until
    from tui.screens.playlists import PlaylistsScreen

    app = make_app(quiet, restore_playback=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.engine.set_track_favourite(SCI, 2)
        await app.engine.set_track_favourite(SCI, 4)
        await pilot.press("6")
        await wait_until(pilot, lambda: isinstance(app.screen, PlaylistsScreen), "the lists")
        tracks = app.screen.query_one("#playlist-tracks", DataTable)
        await wait_until(pilot, lambda: tracks.row_count == 2, "the favourites shown first")
        await pilot.press("a")  # to the queue
        await wait_until(pilot, lambda: len(app.queue_snapshot()[0]) == 2, "queued")
        titles = [i.title for i in app.queue_snapshot()[0]]
        assert titles == ["Until The Music's Over", "Catfish John"]  # newest first
        tracks.focus()
        await pilot.press("x")  # no longer a favourite
        await wait_until(pilot, lambda: tracks.row_count == 1, "taken out")
        assert len(await app.engine.favourite_tracks()) == 1


async def test_a_playlist_keeps_its_items_when_the_folder_is_renamed(quiet: Settings) -> None:
    """A recording's folder renamed (as the repair renames one to the current layout) and
    the library scanned: the items find the files where they are now."""
    async with Engine(quiet, backoff_base=0.01) as engine:
        await engine.run_downloads()
        queued = await engine.download(SCI, tracks=[1, 2])
        await engine.wait_downloads(ids=[d.id for d in queued])
        await engine.create_playlist("Kept")
        await engine.playlist_add("Kept", SCI, [2, 1])
        (folder,) = {p.parent for p in quiet.music_dir.rglob("*.flac")}
        moved = folder.with_name(folder.name + " renamed")
        folder.rename(moved)
        await engine.scan_library()
        entries = await engine.playlist("Kept")
        assert [e.on_disk for e in entries] == [True, True]
        assert all(e.item is not None and e.item.uri.startswith(str(moved)) for e in entries)
        assert [e.item.title for e in entries if e.item] == ["Catfish John", "Down a River"]


async def test_a_playlist_of_a_file_on_disk_and_a_stream_plays_through(quiet: Settings) -> None:
    async with Engine(quiet, backoff_base=0.01) as engine:
        await engine.run_downloads()
        queued = await engine.download(SCI, tracks=[1])
        await engine.wait_downloads(ids=[d.id for d in queued])
        await engine.create_playlist("Both")
        await engine.playlist_add("Both", SCI, [1, 2])  # on disk, then streamed
        items = await engine.queue_playlist("Both", play=True)
        assert not items[0].uri.startswith("http") and items[1].uri.startswith("http")
        await asyncio.wait_for(engine.wait_until_idle(), 60)
        for _ in range(250):  # the plays are written as they end
            if len(history := await engine.history()) == 2:
                break
            await asyncio.sleep(0.02)
        assert [p.path for p in reversed(history)] == [items[0].uri, items[1].uri]
        assert all(p.completed for p in history)
