"""The search boxes remember, each person's own: Enter keeps a search, up and down recall,
ctrl+d forgets; capped at a hundred a box."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest

from engine import ConfigError, Engine
from tests.test_tui import make_app, settle, typed, wait_until
from tui.widgets import SearchBox

if TYPE_CHECKING:
    from engine import Settings


async def test_searches_are_kept_newest_first_capped_and_forgotten(settings: Settings) -> None:
    async with Engine(settings) as engine:
        for text in ("dead 77", "phish  1997", "dead 77"):
            await engine.remember_search("browse", text)
        await engine.remember_search("library", "scarlet")
        assert await engine.search_history("browse") == ("dead 77", "phish 1997")
        assert await engine.search_history("library") == ("scarlet",)
        await engine.forget_search("browse", "dead 77")
        assert await engine.search_history("browse") == ("phish 1997",)
        for n in range(120):
            await engine.remember_search("library", f"q{n}")
        kept = await engine.search_history("library")
        assert len(kept) == 100 and kept[0] == "q119" and "scarlet" not in kept
        with pytest.raises(ConfigError):
            await engine.remember_search("elsewhere", "x")
    async with Engine(dataclasses.replace(settings, profile="bob")) as engine:
        assert await engine.search_history("browse") == ()


async def test_the_search_box_recalls_and_forgets(settings: Settings) -> None:
    app = make_app(settings, restore_playback=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        box = app.screen.query_one("#search", SearchBox)
        for text in ("dead 77", "schoeps"):
            box.focus()
            box.value = ""
            await pilot.press(*typed(text), "enter")  # kept, and off to the list
            await settle(pilot)
        box.focus()
        box.value = ""
        await settle(pilot)
        assert await app.engine.search_history("browse") == ("schoeps", "dead 77")
        await pilot.press("up")
        assert box.value == "schoeps"
        await pilot.press("up")
        assert box.value == "dead 77"
        await pilot.press("down", "down")
        assert box.value == ""
        await pilot.press("up", "up", "ctrl+d")
        assert box.value == ""
        await wait_until(pilot, lambda: box.past == ["schoeps"], "forgotten here")
        await settle(pilot)
        assert await app.engine.search_history("browse") == ("schoeps",)
