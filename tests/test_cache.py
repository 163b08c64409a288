"""The cache of archive.org's answers as a user sees it: what it holds by kind, how often it
had the answer, and clearing it by kind and by age."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

from engine import ConfigError, Engine
from engine.storage.schema import ResponseCacheRow
from tests.conftest import cli_env

if TYPE_CHECKING:
    from pathlib import Path

    from engine import Settings
    from tests.fake_archive import FakeArchive

SCI = "sci2007-07-28.Schoeps"


async def test_cache_stats_and_clear(settings: Settings) -> None:
    async with Engine(settings, backoff_base=0.01) as engine:
        await engine.recording(SCI)
        await engine.search_concerts("Schoeps")
        found = await engine.cache_stats()
        kinds = {k.kind: k for k in found.kinds}
        assert {"metadata", "search"} <= set(kinds)
        assert kinds["metadata"].entries == 1 and kinds["metadata"].bytes > 1000
        assert found.lookups >= 2 and found.found <= found.lookups

        def age(session) -> None:  # type: ignore[no-untyped-def]
            for row in session.query(ResponseCacheRow).filter_by(kind="search"):
                row.fetched_at = time.time() - 40 * 86_400  # 40 days old

        await engine._database.run(age)
        assert await engine.clear_cache(older_than_days=30) == kinds["search"].entries
        assert {k.kind for k in (await engine.cache_stats()).kinds} == set(kinds) - {"search"}
        assert await engine.clear_cache(kind="metadata") == 1
        with pytest.raises(ConfigError):
            await engine.clear_cache(older_than_days=-1)
        before = (await engine.cache_stats()).lookups
        await engine.recording(SCI)  # asked again: not in the cache now, fetched
        after = await engine.cache_stats()
        assert after.lookups > before and any(k.kind == "metadata" for k in after.kinds)


def test_the_cache_commands(tmp_path: Path, fake_archive: FakeArchive) -> None:
    env = cli_env(tmp_path, tmp_path / "home", fake_archive.url)

    def liveset(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tui", *args], env=env, capture_output=True, text=True
        )

    assert liveset("recording", SCI).returncode == 0
    shown = liveset("cache", "stats")
    assert shown.returncode == 0 and "metadata" in shown.stdout
    assert liveset("cache", "clear", "--older-than", "soon").returncode == 2
    cleared = liveset("cache", "clear", "--kind", "metadata")
    assert cleared.stdout.strip() == "forgot 1 cached answer(s)"
    assert "metadata" not in liveset("cache", "stats").stdout


async def test_the_palette_shows_and_clears_the_cache(settings: Settings) -> None:
    from tests.test_tui import make_app, run_command, settle, wait_until
    from tui.commands import LivesetCommands

    app = make_app(settings, restore_playback=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.engine.recording(SCI)
        provider = LivesetCommands(app.screen)
        (shown,) = [h async for h in provider.search("Cache: what it holds")][:1]
        await run_command(shown.command)
        await wait_until(
            pilot, lambda: any("metadata 1" in str(n.message) for n in app._notifications), "told"
        )
        (clear,) = [h async for h in provider.search("Cache: clear it")][:1]
        await run_command(clear.command)
        await wait_until(
            pilot, lambda: any("Forgot" in str(n.message) for n in app._notifications), "cleared"
        )
        assert (await app.engine.cache_stats()).kinds == ()
