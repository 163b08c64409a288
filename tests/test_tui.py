"""The app driven by a pilot against the fake archive and a real SQLite file."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from engine import Engine, Settings
from tui.app import BrowseScreen, ConcertScreen, LivesetApp, _split_artist


def typed(text: str) -> list[str]:
    """Key names for typing ``text``."""
    names = {" ": "space", '"': "quotation_mark", ":": "colon"}
    return [names.get(c, c) for c in text]


async def settle(pilot: Pilot[None]) -> None:
    """Wait for every worker but the engine-event listener, which runs for the app's life."""
    app = pilot.app
    for _ in range(3):
        await pilot.pause()
        busy = [w for w in app.workers if w.group != "engine-events"]
        if busy:  # an empty list would mean "every worker", the endless one included
            await app.workers.wait_for_complete(busy)
    await pilot.pause()


async def test_search_open_concert_and_see_the_setlist(settings: Settings) -> None:
    app = LivesetApp(settings, Engine(settings, backoff_base=0.01))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, BrowseScreen)
        await pilot.press("slash")
        search = app.screen.query_one("#search", Input)
        assert search.has_focus
        await pilot.press(*typed('artist:"Grateful Dead" washington'))
        assert search.value == 'artist:"Grateful Dead" washington'
        await settle(pilot)
        table = app.screen.query_one("#concerts", DataTable)
        dates = [table.get_row_at(i)[0] for i in range(table.row_count)]
        assert "1973-06-10" in dates and "2007-07-28" not in dates
        await pilot.press("enter")  # from the search box to the results
        assert table.has_focus
        table.move_cursor(row=dates.index("1973-06-10"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConcertScreen)
        recordings = app.screen.query_one("#recordings", DataTable)
        assert recordings.get_row_at(0)[0] == "SBD"
        tracks = app.screen.query_one("#tracks", DataTable)
        assert tracks.row_count == 31 and tracks.get_row_at(0)[1] == "Morning Dew"
        await pilot.press("escape")
        assert isinstance(app.screen, BrowseScreen)


async def test_errors_become_notifications_not_crashes(settings: Settings, fake_archive) -> None:  # type: ignore[no-untyped-def]
    fake_archive.add_fault("malformed", "/advancedsearch.php", times=5)
    app = LivesetApp(settings, Engine(settings, backoff_base=0.01))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, BrowseScreen)
        assert any("malformed JSON" in str(n.message) for n in app._notifications)


def test_artist_terms_are_split_from_free_text() -> None:
    assert _split_artist('artist:"Grateful Dead" dark star') == ("dark star", "Grateful Dead")
    assert _split_artist("artist:Phish 1997") == ("1997", "Phish")
    assert _split_artist("venue:fillmore") == ("venue:fillmore", None)


async def test_the_open_app_runs_the_download_queue(settings: Settings) -> None:
    """A recording queued from the command line downloads while the app is open."""
    async with Engine(settings) as engine:
        await engine.download("sci2007-07-28.Schoeps", tracks=[1, 2])
    app = LivesetApp(settings, Engine(settings, backoff_base=0.01))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        done = await app.engine.wait_downloads()
        assert [d.state.value for d in done] == ["done", "done"]
    assert len(list(settings.music_dir.rglob("*.flac"))) == 2
