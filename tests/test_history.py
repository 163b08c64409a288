"""The listening history: each play as the player records it (with what was heard), newest
first, filtered by artist, span of dates and skipped; the person's own; the command line."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import json
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from engine import ConfigError, Engine
from engine.storage.schema import PlayRow
from tests.conftest import cli_env, make_settings
from tests.signals import RATE, cut, sweep

if TYPE_CHECKING:
    from pathlib import Path

    from engine import Settings
    from tests.fake_archive import FakeArchive


def at(day: str, hour: int = 12) -> float:
    return datetime.datetime.combine(
        datetime.date.fromisoformat(day), datetime.time(hour)
    ).timestamp()


KNOWN = [  # (day, artist, title, heard, completed, skipped)
    ("2026-11-01", "Grateful Dead", "Scarlet Begonias", 500.0, True, False),
    ("2026-11-02", "Grateful Dead", "Fire on the Mountain", 20.0, False, True),
    ("2026-11-15", "Phish", "Tweezer", 900.0, True, False),
    ("2026-12-01", "String Cheese Incident", "Texas Town", 0.5, False, True),  # not heard
    ("2026-12-02", "Phish", "Harry Hood", 30.0, False, True),
]


async def write_known(engine: Engine) -> None:
    def write(session) -> None:  # type: ignore[no-untyped-def]
        for day, artist, title, heard, completed, skipped in KNOWN:
            session.add(
                PlayRow(
                    identifier="x",
                    file_name=f"{title}.flac",
                    path=f"/m/{title}.flac",
                    started_at=at(day),
                    seconds_played=heard,
                    position=heard,
                    completed=completed,
                    skipped=skipped,
                    title=title,
                    artist=artist,
                    album=f"{day} Somewhere",
                    duration=600.0,
                )
            )

    await engine._database.run(write)


async def test_history_is_newest_first_and_filters(settings: Settings) -> None:
    async with Engine(settings) as engine:
        await write_known(engine)
        everything = await engine.history()
        assert [p.title for p in everything] == [
            "Harry Hood",
            "Tweezer",
            "Fire on the Mountain",
            "Scarlet Begonias",
        ]  # the half second of Texas Town was never heard
        assert [p.title for p in await engine.history(artist="phish")] == ["Harry Hood", "Tweezer"]
        skipped = await engine.history(skipped_only=True)
        assert [p.title for p in skipped] == ["Harry Hood", "Fire on the Mountain"]
        november = await engine.history(since="2026-11-02", until="2026-12-01")
        assert [p.title for p in november] == ["Tweezer", "Fire on the Mountain"]
        assert len(await engine.history(limit=1)) == 1
        with pytest.raises(ConfigError, match="YYYY-MM-DD"):
            await engine.history(since="last tuesday")
    bob = dataclasses.replace(settings, profile="bob")
    async with Engine(bob) as engine:
        assert await engine.history() == ()


async def test_a_play_records_what_was_heard(settings: Settings, tmp_path: Path) -> None:
    show = tmp_path / "show"
    show.mkdir()
    cut(sweep(2.0), show, "FLAC", ".flac", [RATE])
    quiet = dataclasses.replace(settings, mpv_options=(("ao", "null"),))
    async with Engine(quiet) as engine:
        await engine.queue_add(str(show), play=True)
        await engine.wait_until_idle()
        for _ in range(200):
            if len(found := await engine.history()) == 2:
                break
            await asyncio.sleep(0.02)
    assert [p.title for p in found] == ["02", "01"]
    assert all(p.completed and p.duration and p.path.startswith(str(show)) for p in found)


def test_the_history_command(tmp_path: Path, fake_archive: FakeArchive) -> None:

    settings = make_settings(tmp_path, fake_archive.url)

    async def prepare() -> None:
        async with Engine(settings) as engine:
            await write_known(engine)

    asyncio.run(prepare())
    env = cli_env(tmp_path, tmp_path / "home", fake_archive.url)
    done = subprocess.run(
        [sys.executable, "-m", "tui", "history", "--artist", "dead", "--json"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert [p["title"] for p in json.loads(done.stdout)["plays"]] == [
        "Fire on the Mountain",
        "Scarlet Begonias",
    ]
    text = subprocess.run(
        [sys.executable, "-m", "tui", "history", "--skipped"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert "Harry Hood" in text.stdout and "skipped" in text.stdout and "Tweezer" not in text.stdout


async def test_stats_are_counted_from_the_plays(settings: Settings) -> None:
    async with Engine(settings, clock=lambda: at("2026-12-03")) as engine:
        await write_known(engine)
        found = await engine.listening_stats()
    assert len(found.weeks) == 52
    assert abs(sum(found.weeks) - (500 + 20 + 900 + 30) / 3600) < 0.03
    assert found.weeks[-1] > 0 and found.weeks[0] == 0  # Harry Hood this week; a year ago none
    assert [(t.name, t.plays, t.seconds) for t in found.artists] == [
        ("Phish", 2, 930.0),
        ("Grateful Dead", 2, 520.0),
    ]
    assert [t.name for t in found.songs] == [
        "Tweezer",
        "Scarlet Begonias",
        "Harry Hood",
        "Fire on the Mountain",
    ]
    assert [(t.name, t.plays) for t in found.years] == [("2026", 4)]
    assert [(t.name, t.plays) for t in found.venues] == [("Somewhere", 4)]
    assert (found.finished, found.skipped, found.partly) == (2, 2, 0)
    assert found.downloads == ()


async def test_a_song_is_counted_across_its_recordings(settings: Settings) -> None:
    async with Engine(settings) as engine:

        def write(session) -> None:  # type: ignore[no-untyped-def]
            for n, title in enumerate(
                ("Scarlet Begonias →", "Scarlet Begonias", "scarlet begonias")
            ):
                session.add(
                    PlayRow(
                        identifier=f"gd{n}",
                        file_name="t.flac",
                        path="",
                        started_at=1_700_000_000.0 + n,
                        seconds_played=100.0,
                        position=100.0,
                        completed=True,
                        skipped=False,
                        title=title,
                        artist="Grateful Dead",
                        album=f"197{n}-05-08 Barton Hall, Ithaca, NY",
                    )
                )

        await engine._database.run(write)
        found = await engine.listening_stats()
    assert [(t.name, t.plays) for t in found.songs] == [("Scarlet Begonias", 3)]
    assert [t.name for t in found.years] == ["1970", "1971", "1972"]
    assert [(t.name, t.plays) for t in found.venues] == [("Barton Hall", 3)]


def test_the_stats_command(tmp_path: Path, fake_archive: FakeArchive) -> None:
    settings = make_settings(tmp_path, fake_archive.url)

    async def prepare() -> None:
        async with Engine(settings) as engine:
            await write_known(engine)

    asyncio.run(prepare())
    env = cli_env(tmp_path, tmp_path / "home", fake_archive.url, NO_COLOR="1")
    done = subprocess.run(
        [sys.executable, "-m", "tui", "stats"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "top artists" in done.stdout and "Phish" in done.stdout
    assert "finished 2, skipped 2, partly 0 of 4 plays" in done.stdout
    data = json.loads(
        subprocess.run(
            [sys.executable, "-m", "tui", "stats", "--json"],
            env=env,
            capture_output=True,
            text=True,
        ).stdout
    )
    assert data["finished"] == 2 and data["artists"][0]["name"] == "Phish"


async def test_the_history_and_stats_screens(settings: Settings) -> None:
    from textual.widgets import DataTable, Sparkline, Static

    from tests.test_tui import make_app, settle, typed, wait_until
    from tui.screens.listening import HistoryScreen, StatsScreen

    app = make_app(settings, restore_playback=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await write_known(app.engine)  # type: ignore[arg-type]
        await pilot.press("6")
        await settle(pilot)
        await pilot.press("H")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), "the history")
        table = app.screen.query_one("#history", DataTable)
        await wait_until(pilot, lambda: table.row_count == 4, "every play heard")
        assert str(table.get_row_at(0)[2]) == "Harry Hood"
        await pilot.press("s")
        await wait_until(pilot, lambda: table.row_count == 2, "skipped only")
        await pilot.press("slash", *typed("dead"))
        await wait_until(pilot, lambda: table.row_count == 1, "of the artist")
        assert str(table.get_row_at(0)[2]) == "Fire on the Mountain"
        await pilot.press("escape")  # from the box to the list
        await pilot.press("escape")  # and back
        await wait_until(pilot, lambda: not isinstance(app.screen, HistoryScreen), "back")
        await pilot.press("S")
        await wait_until(pilot, lambda: isinstance(app.screen, StatsScreen), "the stats")
        text = app.screen.query_one("#stats-text", Static)
        await wait_until(pilot, lambda: "Top artists" in str(text.render()), "the charts")
        shown = str(text.render())
        assert shown.index("Phish") < shown.index("Grateful Dead")  # by hours
        assert "━━━" in shown  # bars, in characters: they read under NO_COLOR too
        weeks = app.screen.query_one("#stats-weeks", Sparkline)
        assert len(list(weeks.data or [])) == 52
