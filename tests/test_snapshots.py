"""SVG snapshots of every screen at 80x24 and 160x48 (``pytest --snapshot-update`` to accept).

Each screen is shown as a user reaches it, against the fake archive and a real SQLite file;
only the free disk space, which differs from machine to machine, is pinned.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from engine import Engine
from tests.test_history import write_known
from tests.test_tui import settle
from tui.app import LivesetApp

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from engine import Settings

SIZES = {"80x24": (80, 24), "160x48": (160, 48)}
SCREENS = (
    "browse",
    "artists",
    "concert",
    "downloads",
    "library",
    "queue",
    "discover",
    "playlists",
    "stats",
    "help",
)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS)
def test_screen(snap_compare, settings: Settings, screen: str, size: str) -> None:  # type: ignore[no-untyped-def]
    # No offer of the first catalog sync: it would come at its own time, over any screen.
    settings = dataclasses.replace(settings, mpv_options=(("ao", "null"),), catalog_refresh_hours=0)
    # Picks are made on a pinned day (this day's concerts, what is new): 8 May 2026, noon UTC.
    engine = Engine(settings, backoff_base=0.01, clock=lambda: 1_778_241_600.0)
    app = LivesetApp(settings, engine, restore_playback=False)

    async def free_space() -> int:
        return 100 * 1024**3

    app.engine.free_space = free_space  # type: ignore[method-assign]

    async def reach(pilot: Pilot[None]) -> None:
        await settle(pilot)
        # Two tracks of a show downloaded first, as a user would have done.
        await app.engine.download("sci2007-07-28.Schoeps", tracks=[1, 2])
        await app.engine.wait_downloads()
        if screen == "artists":
            await pilot.press("a")
            await settle(pilot)
            await pilot.press("down", "down", "enter")
        elif screen == "concert":
            app.open_concert("Grateful Dead", "1990-04-03")  # two sets from its notes
        elif screen == "downloads":
            await pilot.press("2")
        elif screen == "library":
            await pilot.press("3")
        elif screen == "queue":
            folder = next(settings.music_dir.rglob("*.flac")).parent
            await app.engine.queue_add(str(folder))
            for _ in range(200):  # mpv has started and told its state (volume)
                if app.player_state is not None:
                    break
                await pilot.pause(0.05)
            await pilot.press("4")
        elif screen == "discover":  # picks scored on the catalog, the show on disk as played
            await app.engine.sync_catalog()
            await pilot.press("5")
        elif screen == "playlists":  # a list mixing the tracks on disk and one streamed
            await app.engine.create_playlist("Road trip")
            await app.engine.playlist_add("Road trip", "sci2007-07-28.Schoeps", [1, 2, 5])
            await pilot.press("6")
            await settle(pilot)
            await pilot.press("down")  # from the favourite tracks to the list
        elif screen == "stats":  # a known set of plays, the day pinned
            await write_known(app.engine)  # type: ignore[arg-type]
            await pilot.press("6")
            await settle(pilot)
            await pilot.press("S")
        elif screen == "help":
            await pilot.press("question_mark")
        await settle(pilot)
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZES[size], run_before=reach)


def test_readme_screenshots_are_the_current_snapshots() -> None:
    """The README's screenshots are copies of snapshots; updating one means copying it again."""
    root = Path(__file__).resolve().parents[1]
    shots = sorted((root / "docs" / "screenshots").glob("*.svg"))
    assert shots
    for shot in shots:
        snapshot = (
            root / "tests" / "__snapshots__" / "test_snapshots" / f"test_screen[{shot.stem}].svg"
        )
        assert shot.read_bytes() == snapshot.read_bytes(), f"copy {snapshot} to {shot}"
        assert f"docs/screenshots/{shot.name}" in (root / "README.md").read_text()


def test_readme_lists_every_key_binding() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for _scope, bindings in LivesetApp.binding_scopes():
        for binding in bindings:
            assert f"`{binding.id}`" in readme, binding.id
