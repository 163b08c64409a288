"""The app driven by a pilot against the fake archive, a real SQLite file and real libmpv."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import inspect
from typing import TYPE_CHECKING

import pytest
from textual.widgets import DataTable, Input
from textual.worker import WorkerCancelled, WorkerFailed

from engine import Engine, Settings
from tui.app import LivesetApp
from tui.formatting import plural
from tui.screens.browse import BrowseScreen
from tui.screens.concert import ConcertScreen
from tui.screens.downloads import DownloadsScreen
from tui.screens.help import HelpScreen
from tui.screens.library import LibraryScreen
from tui.screens.queue import QueueScreen
from tui.widgets import NowPlayingBar, StatusLine

if TYPE_CHECKING:
    from pathlib import Path

    from textual.pilot import Pilot


def typed(text: str) -> list[str]:
    """Key names for typing ``text``."""
    names = {" ": "space", '"': "quotation_mark", ":": "colon", ">": "greater_than_sign"}
    return [names.get(c, c) for c in text]


async def settle(pilot: Pilot[None]) -> None:
    """Wait for every worker but the engine-event listener, which runs for the app's life."""
    app = pilot.app
    for _ in range(4):
        await pilot.pause()
        busy = [w for w in app.workers if w.group != "engine-events"]
        if busy:  # an empty list would mean "every worker", the endless one included
            # Failures become notifications (see the tests); a worker cancelled by a newer one
            # of its group (a cursor that moved on) is done too.
            with contextlib.suppress(WorkerFailed, WorkerCancelled):
                await app.workers.wait_for_complete(busy)
    await pilot.pause()


async def wait_until(pilot: Pilot[None], check, what: str, seconds: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    """Let the app run until ``check()`` holds (events from the engine arrive on their own)."""
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def run_command(command) -> None:  # type: ignore[no-untyped-def]
    """Run a palette hit's callback as the palette does: awaited when it is a coroutine."""
    result = command()
    if inspect.isawaitable(result):
        await result


def rows(table: DataTable[str]) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def tones(tmp_path: Path, seconds: float) -> Path:
    """A folder of three untagged Flac tracks, ``01 Tone 1.flac`` ..., ``seconds`` long each."""
    import soundfile

    from tests.signals import RATE, sweep

    folder = tmp_path / "tones"
    folder.mkdir()
    for number in (1, 2, 3):
        soundfile.write(folder / f"0{number} Tone {number}.flac", sweep(seconds), RATE)
    return folder


def make_app(settings: Settings, **kwargs: object) -> LivesetApp:
    quiet = dataclasses.replace(settings, mpv_options=(("ao", "null"),))
    return LivesetApp(quiet, Engine(quiet, backoff_base=0.01), **kwargs)  # type: ignore[arg-type]


async def test_search_open_concert_and_see_the_setlist(settings: Settings) -> None:
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, BrowseScreen)
        await pilot.press("slash")
        search = app.screen.query_one("#search", Input)
        assert search.has_focus
        await pilot.press(*typed('artist:"Grateful Dead" washington'))
        assert search.value == 'artist:"Grateful Dead" washington'  # transport keys gave way
        await settle(pilot)
        table = app.screen.query_one("#concerts", DataTable)
        dates = [r[0] for r in rows(table)]
        assert "1973-06-10" in dates and "2007-07-28" not in dates
        await pilot.press("enter")  # from the search box to the results
        assert table.has_focus
        table.move_cursor(row=dates.index("1973-06-10"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConcertScreen)
        recordings = app.screen.query_one("#recordings", DataTable)
        assert str(recordings.get_row_at(0)[0]) == "SBD"
        tracks = rows(app.screen.query_one("#tracks", DataTable))
        titles = [r[1] for r in tracks]
        # Its notes name no sets: the discs are shown, as discs; numbers run through the show.
        assert titles[0] == "── Disc 1 ──" and "Morning Dew" in titles
        assert app.screen.recording is not None
        discs = {t.disc for t in app.screen.recording.tracks}
        breaks = [t for t in titles if t.startswith("── Disc")]
        assert len(discs) == 4 and len(breaks) == len(discs)  # a break before each disc
        assert len(tracks) - len(breaks) == 31
        numbers = [r[0] for r in tracks if r[0]]
        assert numbers == [str(n) for n in range(1, 32)]
        notes = str(app.screen.query_one("#notes").render())
        assert "Identifier: gd73-06-10.sbd.hollister.174.sbeok.shnf" in notes
        await pilot.press("escape")
        assert isinstance(app.screen, BrowseScreen)


async def test_field_terms_and_filters_narrow_the_concerts(settings: Settings) -> None:
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *typed("rating>4.5"), "enter")
        await settle(pilot)
        table = app.screen.query_one("#concerts", DataTable)
        rated = rows(table)
        assert rated and all(float(r[6]) > 4.5 for r in rated)
        await pilot.press("s")  # soundboards only
        await settle(pilot)
        assert {r[5] for r in rows(table)} == {"SBD"} and len(rows(table)) < len(rated)
        status = app.screen.query_one("#status", StatusLine)
        assert "SBD only" in status.message
        await pilot.press("d")  # and on disk only: nothing is downloaded yet
        await settle(pilot)
        assert table.row_count == 0 and "on disk" in status.message


async def test_artists_years_concerts(settings: Settings) -> None:
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        artists = app.screen.query_one("#artists", DataTable)
        names = [r[0] for r in rows(artists)]
        assert "Grateful Dead" in names and names == sorted(names, key=str.casefold)
        assert not artists.display  # at 80 columns the concerts have the width…
        await pilot.press("a")  # …until the artists are asked for
        assert artists.display and artists.has_focus
        artists.move_cursor(row=names.index("Grateful Dead"))
        await pilot.press("enter")
        await settle(pilot)
        years = app.screen.query_one("#years", DataTable)
        assert years.has_focus and [r[0] for r in rows(years)] == [
            "1965",
            "1970",
            "1973",
            "1977",
            "1990",
        ]
        concerts = app.screen.query_one("#concerts", DataTable)
        assert concerts.row_count == 5  # every year of the artist until a year is chosen
        years.move_cursor(row=3)
        await pilot.press("enter")
        await settle(pilot)
        assert [r[0] for r in rows(concerts)] == ["1977-05-08"] and concerts.has_focus
        assert not artists.display  # chosen: back to the concerts
        # Typing filters the artists by name as well.
        await pilot.press("slash", *typed("grate"))
        await settle(pilot)
        assert [r[0] for r in rows(artists)] == ["Grateful Dead"]


async def test_on_this_day_and_surprise(settings: Settings) -> None:
    app = make_app(settings)
    app.today = lambda: datetime.date(2026, 11, 1)  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        dates = [r[0] for r in rows(app.screen.query_one("#concerts", DataTable))]
        assert "1965-11-01" in dates and all(d[5:] == "11-01" for d in dates)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConcertScreen)
        recordings = app.screen.concert.recordings if app.screen.concert else ()
        assert any((r.avg_rating or 0) >= 4 for r in recordings)


async def test_errors_become_notifications_not_crashes(settings: Settings, fake_archive) -> None:  # type: ignore[no-untyped-def]
    fake_archive.add_fault("malformed", "/advancedsearch.php", times=5)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, BrowseScreen)
        assert any("malformed JSON" in str(n.message) for n in app._notifications)
        assert "search failed" in app.screen.query_one("#status", StatusLine).message


async def test_offline_indicator_and_cached_browsing(settings: Settings, fake_archive) -> None:  # type: ignore[no-untyped-def]
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_concert("Grateful Dead", "1977-05-08")
        await settle(pilot)
        assert isinstance(app.screen, ConcertScreen)
    fake_archive.add_fault("drop", "/", times=1000)  # archive.org unreachable from here on
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *typed("never searched before"))
        await settle(pilot)
        assert app.sub_title == "offline"
        assert any("archive.org" in str(n.message) for n in app._notifications)
        app.open_concert("Grateful Dead", "1977-05-08")
        await settle(pilot)
        assert isinstance(app.screen, ConcertScreen)
        assert app.screen.query_one("#recordings", DataTable).row_count == 1  # from the cache
        title = app.screen.query_one("#concert-title", StatusLine)
        assert title.online is False and "offline" in str(title.render())


async def test_download_from_concert_completes_in_downloads_screen(settings: Settings) -> None:
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_concert("String Cheese Incident", "2007-07-28")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConcertScreen)
        tracks = screen.query_one("#tracks", DataTable)
        tracks.focus()
        await pilot.press("t", "t")  # tick tracks 1 and 2
        assert screen.ticked == {1, 2}
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        downloads = app.screen
        assert isinstance(downloads, DownloadsScreen)

        def all_done() -> bool:
            shown = downloads.shown_rows()
            return len(shown) == 3 and all(r[1] == "done" for r in shown)

        await wait_until(pilot, all_done, "both files done in the downloads screen")
        assert downloads.shown_rows()[0][0].startswith(
            "String Cheese Incident 2007-07-28 Horning's"
        )
        assert "100%" in downloads.shown_rows()[0][2]
        assert "free" in downloads.query_one("#totals", StatusLine).message
        # The library screen has them, without a scan.
        await pilot.press("3")
        await settle(pilot)
        library = app.screen
        assert isinstance(library, LibraryScreen)
        assert [r[0] for r in rows(library.query_one("#lib-artists", DataTable))] == [
            "String Cheese Incident"
        ]
        assert len(rows(library.query_one("#lib-tracks", DataTable))) == 2
        # Remove from disk, after a confirmation. The dialog owns its keys and fits 80x24:
        # n is its No (not the player's Next), and both buttons are on the screen.
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("X")
        await settle(pilot)
        dialog = app.screen
        for button in dialog.query("Button"):
            assert button.region.right <= 80 and button.region.bottom <= 24, button.region
        transports = len([w for w in app.workers if w.group == "transport"])
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is not dialog and list(settings.music_dir.rglob("*.flac"))
        assert len([w for w in app.workers if w.group == "transport"]) == transports
        assert not any(n.title == "Playback" for n in app._notifications)  # no Next was tried
        await pilot.press("X")
        await pilot.press("y")
        await settle(pilot)
        await wait_until(pilot, lambda: not list(settings.music_dir.rglob("*.flac")), "removal")


async def test_pause_resume_and_cancel_in_downloads_screen(
    settings: Settings, fake_archive
) -> None:  # type: ignore[no-untyped-def]
    fake_archive.add_fault("slow", "/serve/", times=50, delay=0.1)  # about 10 s a file: caught
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.engine.download("sci2007-07-28.Schoeps", tracks=[1])
        await pilot.press("2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DownloadsScreen)

        def state() -> str:
            shown = screen.shown_rows()
            return shown[1][1] if len(shown) > 1 else ""

        await wait_until(pilot, lambda: state() == "running", "running")
        await wait_until(pilot, lambda: "%" in screen.shown_rows()[1][2], "progress")
        await pilot.press("P")  # on the recording row: pause its files
        await wait_until(pilot, lambda: state() == "paused", "paused")
        await pilot.pause(0.6)  # progress ticks that were on their way when it paused
        for row in screen.shown_rows():  # a paused file has no speed and no time left
            assert row[4:] == ["-", "-"], row
        await pilot.press("P")
        await wait_until(pilot, lambda: state() in ("running", "queued"), "resumed")
        await pilot.press("c")
        await wait_until(pilot, lambda: state() == "cancelled", "cancelled")


async def test_play_and_the_now_playing_bar_moves(settings: Settings, tmp_path: Path) -> None:
    import soundfile

    from tests.signals import RATE, sweep

    folder = tmp_path / "tones"
    folder.mkdir()
    for number in (1, 2):
        soundfile.write(folder / f"0{number} Tone {number}.flac", sweep(6), RATE)
    app = make_app(settings, restore_playback=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.engine.queue_add(str(folder), play=True)
        bar = app.screen.query_one(NowPlayingBar)
        await wait_until(pilot, lambda: (bar.position or 0) > 0.5, "the position to move")
        first = str(bar.render())
        assert "▶ Tone 1" in first and "━" in first
        await pilot.press("minus")  # volume down, shown in the bar
        await wait_until(pilot, lambda: "vol 95" in str(bar.render()), "the volume")
        await pilot.press("space")
        await wait_until(pilot, lambda: "❚❚" in str(bar.render()), "paused")
        await pilot.press("n")
        await wait_until(pilot, lambda: "Tone 2" in str(bar.render()), "the next track")
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        # The bar on the queue screen shows the same track at once.
        assert "Tone 2" in str(app.screen.query_one(NowPlayingBar).render())


async def test_queue_reorder_remove_jump(settings: Settings, tmp_path: Path) -> None:
    folder = tones(tmp_path, 4)
    app = make_app(settings, restore_playback=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.engine.queue_add(str(folder))
        await pilot.press("4")
        await settle(pilot)
        table = app.screen.query_one("#queue", DataTable)
        await wait_until(pilot, lambda: table.row_count == 3, "three entries")
        await pilot.press("J")  # Tone 1 down one place
        await wait_until(pilot, lambda: rows(table)[1][2] == "Tone 1", "the move")
        assert [r[2] for r in rows(table)] == ["Tone 2", "Tone 1", "Tone 3"]
        assert [i.title for i in app.engine.play_queue().items] == ["Tone 2", "Tone 1", "Tone 3"]
        await pilot.press("x")  # removes Tone 1, under the cursor
        await wait_until(pilot, lambda: table.row_count == 2, "the removal")
        table.move_cursor(row=1)
        await pilot.press("enter")  # jump: play Tone 3
        await wait_until(pilot, lambda: rows(table)[1][1] == "▶", "the jump")
        assert app.engine.player_state().index == 1


async def test_library_search_scan_and_problems(settings: Settings) -> None:
    music = settings.music_dir
    (music / "Somebody" / "2001-01-01 Hall").mkdir(parents=True)
    (music / "Somebody" / "2001-01-01 Hall" / "01 Broken.flac").write_bytes(b"not a flac")
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.engine.download("sci2007-07-28.Schoeps", tracks=[1, 2])
        await app.engine.wait_downloads()
        await pilot.press("3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LibraryScreen)
        await pilot.press("S")
        await settle(pilot)
        status = screen.query_one("#library-status", StatusLine)
        await wait_until(pilot, lambda: "1 unreadable" in status.message, "the scan")
        assert any("Library scanned" in str(n.title) for n in app._notifications)
        await pilot.press("u")
        await settle(pilot)
        problems = rows(screen.query_one("#lib-problems", DataTable))
        assert len(problems) == 1 and problems[0][0].endswith("01 Broken.flac")
        await pilot.press("u", "slash", *typed("catfish"))
        await settle(pilot)
        found = rows(screen.query_one("#lib-tracks", DataTable))
        assert [r[1].split(" · ")[0] for r in found] == ["Catfish John"]


async def test_help_lists_every_binding_and_keys_can_be_remapped(settings: Settings) -> None:
    remapped = dataclasses.replace(settings, keys=(("downloads", "f2"), ("help", "f1")))
    app = make_app(remapped)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, DownloadsScreen)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help", DataTable)
        listed = {r[3]: r[1] for r in rows(table)}
        every = {b.id for _, bindings in app.binding_scopes() for b in bindings}
        assert set(listed) == every and len(every) > 30
        assert listed["downloads"] == "f2" and listed["play-pause"] == "space"
        await pilot.press("escape")
        assert isinstance(app.screen, DownloadsScreen)


async def test_unknown_binding_ids_are_named(settings: Settings) -> None:
    app = make_app(dataclasses.replace(settings, keys=(("no-such-thing", "f3"),)))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        said = [str(n.message) for n in app._notifications if "no-such-thing" in str(n.message)]
        assert said and f"[keys] of {settings.config_file}" in said[0]  # where to fix it


async def test_palette_jumps_to_an_artist_and_runs_actions(settings: Settings) -> None:
    from tui.commands import LivesetCommands

    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        provider = LivesetCommands(app.screen)
        hits = [hit async for hit in provider.search("grateful")]
        assert hits and str(hits[0].text) == "Artist: Grateful Dead"
        await run_command(hits[0].command)
        await settle(pilot)
        years = app.screen.query_one("#years", DataTable)
        assert years.row_count == 5
        actions = [hit async for hit in provider.search("downloads")]
        await run_command(actions[0].command)
        await settle(pilot)
        assert isinstance(app.screen, DownloadsScreen)


async def test_the_open_app_runs_the_download_queue(settings: Settings) -> None:
    """A recording queued from the command line downloads while the app is open."""
    async with Engine(settings) as engine:
        await engine.download("sci2007-07-28.Schoeps", tracks=[1, 2])
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        done = await app.engine.wait_downloads()
        assert [d.state.value for d in done] == ["done", "done"]
    assert len(list(settings.music_dir.rglob("*.flac"))) == 2


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_no_screen_crashes_at_either_size(settings: Settings, size: tuple[int, int]) -> None:
    """Every screen opens and draws, and nothing went wrong on the way: a failed load shows
    as an error notification, which fails this as a crash would."""
    from tui.screens.discover import DiscoverScreen

    app = make_app(settings)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screens = (
            ("2", DownloadsScreen),
            ("3", LibraryScreen),
            ("4", QueueScreen),
            ("5", DiscoverScreen),
            ("1", BrowseScreen),
        )
        for key, screen in screens:
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, screen)
            errors = [(n.title, n.message) for n in app._notifications if n.severity == "error"]
            assert not errors, (key, errors)
            assert app.screen.query("*"), key  # it drew something


async def test_keys_typed_in_a_burst_land_in_the_search_box(settings: Settings) -> None:
    """A fast typist (or a paste): "/" moves the focus before the next key is handled."""
    from textual import events

    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key, character in (("slash", "/"), ("d", "d"), ("e", "e"), ("a", "a"), ("d", "d")):
            event = events.Key(key, character)
            event.set_sender(app)
            app._driver.send_message(event)  # as the terminal driver does, all at once
        await settle(pilot)
        assert app.screen.query_one("#search", Input).value == "dead"
        assert not app.screen.has_class("show-artists")  # "a" typed, not the Artists key
        await pilot.press("slash")  # in the box, "/" is just a character
        assert app.screen.query_one("#search", Input).value == "dead/"


async def test_without_libmpv_playback_keys_explain_and_the_rest_works(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "mpv", None)  # as if libmpv were not installed
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.clear_notifications()
        await pilot.press("space")
        await settle(pilot)
        assert any(n.title == "No playback" for n in app._notifications)
        assert isinstance(app.screen, BrowseScreen)
        assert app.screen.query_one("#concerts", DataTable).row_count > 0  # browsing goes on


async def test_the_concert_screen_marks_what_landed_while_it_was_hidden(settings: Settings) -> None:
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_concert("String Cheese Incident", "2007-07-28")
        await settle(pilot)
        recordings = app.screen.query_one("#recordings", DataTable)
        assert str(recordings.get_cell("sci2007-07-28.Schoeps", "disk")) == ""
        await pilot.press("2")  # the download lands while the downloads screen is shown
        await settle(pilot)
        await app.engine.download("sci2007-07-28.Schoeps", tracks=[1])
        await app.engine.wait_downloads()
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, ConcertScreen)
        assert str(recordings.get_cell("sci2007-07-28.Schoeps", "disk")) == "✓"


async def test_offline_is_fast_plain_never_stale_and_noticed_when_over(
    tmp_path: Path, fake_archive_session
) -> None:  # type: ignore[no-untyped-def]
    import time

    from tests.conftest import make_settings
    from tests.fake_archive import FakeArchive

    archive = FakeArchive(fake_archive_session.corpus, seconds=0.5)
    archive.keep_alive = False  # no connection outlives a response, so stopping cuts it off
    archive.start()
    port = int(archive.url.rsplit(":", 1)[1])
    quiet = dataclasses.replace(make_settings(tmp_path, archive.url), mpv_options=(("ao", "null"),))
    app = LivesetApp(quiet, Engine(quiet, backoff_base=0.01, probe_every=(0.2, 0.5)))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            concerts = app.screen.query_one("#concerts", DataTable)
            assert concerts.row_count > 0  # the newest concerts, from the archive
            archive.stop()
            started = time.monotonic()
            await pilot.press("slash", *typed("never searched before"))
            await settle(pilot)
            assert time.monotonic() - started < 5  # not 6-20 s of retries
            status = str(app.screen.query_one("#status", StatusLine).render())
            assert "not in the cache, and archive.org cannot be reached" in status
            assert concerts.row_count == 0  # the earlier answer is not passed off as this one
            assert app.sub_title == "offline"
            said = [str(n.message) for n in app._notifications]
            assert "archive.org cannot be reached: the connection was refused" in said
            assert not any("Error" in m for m in said), said  # words, not exception names
            # Seen in the list, never opened: its tracks were never fetched.
            app.open_concert("Grateful Dead", "1990-04-03")
            await settle(pilot)
            notes = str(app.screen.query_one("#notes").render())
            assert "not in the cache, and archive.org cannot be reached" in notes
            app.clear_notifications()
            await pilot.press("enter")  # play it: said, not a silent "Nothing playing"
            await settle(pilot)
            said = [str(n.message) for n in app._notifications]
            assert any("archive.org cannot be reached" in m for m in said), said
            await pilot.press("escape")
            archive.start(port=port)  # the network is back: noticed without a new search
            await wait_until(pilot, lambda: app.sub_title == "", "the offline mark to go", 10)
            assert app.screen.query_one("#status", StatusLine).online is not False
    finally:
        archive.stop()


async def test_escape_from_the_artists_view_comes_back_to_a_visible_list(
    settings: Settings,
) -> None:
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        artists = app.screen.query_one("#artists", DataTable)
        concerts = app.screen.query_one("#concerts", DataTable)
        assert artists.has_focus and artists.display and not concerts.display
        await pilot.press("escape")
        await settle(pilot)
        # Focus never stays on a list that cannot be seen: Enter acts on what is shown.
        assert app.focused is not None and app.focused.display
        assert app.focused is concerts and concerts.display and not artists.display


async def test_the_queue_follows_playing_undoes_a_clear_and_lists_move_like_a_player(
    settings: Settings, tmp_path: Path
) -> None:
    folder = tones(tmp_path, 1.2)
    app = make_app(settings, restore_playback=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.engine.scan_library([folder])
        await pilot.press("3")
        await settle(pilot)
        library = app.screen
        tracks = library.query_one("#lib-tracks", DataTable)
        await wait_until(pilot, lambda: tracks.row_count == 3, "the library's tracks")
        tracks.focus()
        await pilot.press("j")  # the second track
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")  # again: the show is not queued twice
        await settle(pilot)
        assert [i.title for i in app.engine.play_queue().items] == ["Tone 1", "Tone 2", "Tone 3"]
        await pilot.press("4")
        await settle(pilot)
        table = app.screen.query_one("#queue", DataTable)
        # The cursor follows the playing entry as the show goes on.
        await wait_until(pilot, lambda: rows(table)[2][1] == "▶", "the third track", 20)
        await wait_until(pilot, lambda: table.cursor_row == 2, "the cursor to follow")
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("G")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("home")
        assert table.cursor_row == 0
        await pilot.press("C")
        await wait_until(pilot, lambda: table.row_count == 0, "the clear")
        await pilot.press("u")
        await wait_until(pilot, lambda: table.row_count == 3, "the undo")
        assert [r[2] for r in rows(table)] == ["Tone 1", "Tone 2", "Tone 3"]


async def test_downloads_name_recordings_say_a_fallback_once_and_clear_finished(
    settings: Settings, fake_archive
) -> None:  # type: ignore[no-untyped-def]
    gd73 = "gd73-06-10.sbd.hollister.174.sbeok.shnf"  # Shorten originals are stream-only
    app = make_app(replace_formats(settings, ("Shorten", "VBR MP3")))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await app.engine.download(gd73, tracks=[1, 2, 3])
        await app.engine.wait_downloads(gd73)
        await pilot.press("2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DownloadsScreen)
        shown = screen.shown_rows()
        assert shown[0][0].startswith(
            "Grateful Dead 1973-06-10 Robert F. Kennedy Stadium, Washington, DC  (3/3)"
        )
        said = "Shorten is stream-only on the archive; VBR MP3 instead"
        assert said in shown[0][0]  # once, on the recording
        assert not any(said in row[0] for row in shown[1:])
        fetched = len([r for r in fake_archive.requests if "/download/" in r.path])
        await pilot.press("F")
        await settle(pilot)
        await wait_until(pilot, lambda: not screen.shown_rows(), "the list to empty")
        assert len(list(settings.music_dir.rglob("*.mp3"))) == 3  # the files stay
        again = await app.engine.download(gd73, tracks=[1, 2, 3])
        assert {d.state.value for d in again if d.kind == "track"} == {"done"}
        assert len([r for r in fake_archive.requests if "/download/" in r.path]) == fetched


def replace_formats(settings: Settings, formats: tuple[str, ...]) -> Settings:
    return dataclasses.replace(settings, preferred_formats=formats)


async def test_screens_not_shown_stay_current_without_re_reading(
    settings: Settings, tmp_path: Path
) -> None:
    folder = tones(tmp_path, 3)
    app = make_app(settings, restore_playback=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        queue_screen = app.screen
        assert isinstance(queue_screen, QueueScreen)
        await pilot.press("1")
        await settle(pilot)
        browse = app.screen
        await pilot.press("question_mark")  # a dialog over the browse screen
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await app.engine.queue_add(str(folder), play=True)
        # The queue screen (another mode) and the browse screen's bar (under the dialog)
        # follow the engine while not shown: no screen is shown, none re-reads.
        table = queue_screen.query_one("#queue", DataTable)
        await wait_until(pilot, lambda: table.row_count == 3, "the hidden queue to fill")
        bar = browse.query_one(NowPlayingBar)
        await wait_until(pilot, lambda: bar.item is not None, "the hidden bar to follow")
        assert bar.item is not None and bar.item.title == "Tone 1"
        await wait_until(pilot, lambda: (bar.position or 0) > 0, "the hidden bar's position")


async def test_the_library_shows_its_last_overview_while_the_engine_loads(
    settings: Settings, tmp_path: Path
) -> None:
    import soundfile

    from engine import read_library_snapshot
    from tests.signals import RATE, sweep

    folder = tmp_path / "loose"
    folder.mkdir()
    soundfile.write(folder / "01 Tone.flac", sweep(1), RATE)
    async with Engine(settings) as engine:
        await engine.scan_library([folder])
        totals, artists = await engine.library_overview()
    assert read_library_snapshot(settings.data_dir) == (totals, artists)

    class SlowEngine(Engine):
        """An engine whose start waits: what a large library's first seconds look like."""

        release = asyncio.Event()

        async def start(self) -> None:
            await self.release.wait()
            await super().start()

    quiet = dataclasses.replace(settings, mpv_options=(("ao", "null"),))
    app = LivesetApp(quiet, SlowEngine(quiet), restore_playback=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("3")
        await pilot.pause()
        assert not app.started.is_set()  # the engine is still loading
        table = app.screen.query_one("#lib-artists", DataTable)
        assert [r[1] for r in rows(table)] == [str(n) for _, n in artists]
        status = str(app.screen.query_one("#library-status", StatusLine).render())
        assert plural(totals.files, "file") in status
        SlowEngine.release.set()
        await settle(pilot)
        assert app.started.is_set() and table.row_count == len(artists)


async def test_quitting_with_downloads_running_says_what_stops(
    settings: Settings, fake_archive
) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import Label

    from tui.dialogs import Confirm

    fake_archive.add_fault("slow", "/serve/", times=5, delay=0.05)
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.engine.download("sci2007-07-28.Schoeps", tracks=[1])
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm), "the question")
        question = str(app.screen.query_one(Label).render())
        assert "download(s) will stop, and go on when liveset opens again" in question
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, Confirm) and app.is_running
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm), "the question again")
        await pilot.press("y")
        await pilot.pause()
    assert not app.is_running


async def test_a_second_app_says_another_runs_the_queue_and_takes_over(
    settings: Settings,
) -> None:
    first = Engine(settings, backoff_base=0.01)
    await first.start()
    assert await first.run_downloads()
    app = make_app(settings)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            said = [str(n.message) for n in app._notifications]
            assert any("Another liveset is running the download queue" in m for m in said)
            await first.close()  # the first one stops: its lock goes with it
            await wait_until(
                pilot,
                lambda: any("downloads run here now" in str(n.message) for n in app._notifications),
                "the take-over",
                15,
            )
    finally:
        await first.close()
