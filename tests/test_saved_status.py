"""``liveset status`` with no daemon: the saved queue and the download counts, read quickly
from an SQLite file with the standard library, and through the engine's storage otherwise; both
ways say the same."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from typing import TYPE_CHECKING

from engine import Engine, NowPlayingChanged
from engine.saved import read_quickly, read_through_storage, saved_status
from engine.storage.schema import DownloadRow
from tests.conftest import cli_env, make_settings
from tests.signals import RATE, cut, sweep

if TYPE_CHECKING:
    from pathlib import Path

    from tests.fake_archive import FakeArchive


async def a_saved_queue(tmp_path: Path, archive_url: str, db_url: str | None = None) -> Engine:
    """An engine that queued three tracks, stood at the second (paused) and left downloads."""
    settings = make_settings(tmp_path, archive_url, db_url)
    settings = dataclasses.replace(settings, mpv_options=(("ao", "null"),))
    (tmp_path / "show").mkdir()
    cut(sweep(6.0), tmp_path / "show", "FLAC", ".flac", [2 * RATE, 4 * RATE])
    engine = Engine(settings)
    async with engine:
        await engine.queue_add(str(tmp_path / "show"))
        events = engine.events()
        await engine.play(1)
        async for event in events:  # the player at the second track before it is paused
            if isinstance(event, NowPlayingChanged) and event.index == 1:
                break
        await engine.pause()

        def downloads(session) -> None:  # type: ignore[no-untyped-def]
            for n, state in enumerate(("queued", "queued", "running", "done")):
                session.add(
                    DownloadRow(
                        identifier="x",
                        file_name=f"{n}.flac",
                        format="Flac",
                        dest_path=f"x/{n}.flac",
                        state=state,
                        created_at=1.0,
                        updated_at=1.0,
                    )
                )
            session.add(
                DownloadRow(
                    identifier="y",
                    file_name="h.flac",
                    format="Flac",
                    dest_path="y/h.flac",
                    state="queued",
                    hidden=True,
                    created_at=1.0,
                    updated_at=1.0,
                )
            )

        await engine._database.run(downloads)
    return engine


async def test_the_quick_read_says_what_the_storage_says(
    tmp_path: Path, fake_archive: FakeArchive, db_url: str
) -> None:
    engine = await a_saved_queue(tmp_path, fake_archive.url, db_url)
    status = await saved_status(engine.settings)
    assert [i.title for i in status.items] == ["01", "02", "03"]
    assert status.index == 1 and 0.0 <= status.seconds < 2.0
    assert (status.running, status.queued) == (1, 2)  # the hidden one is not counted
    quick = read_quickly(engine.settings)
    if engine.settings.database_path is None:
        assert quick is None  # PostgreSQL: read through the storage
    else:
        assert quick == status == await read_through_storage(engine.settings)


async def test_an_older_or_damaged_database_goes_the_long_way(
    tmp_path: Path, fake_archive: FakeArchive
) -> None:
    import sqlite3

    engine = await a_saved_queue(tmp_path, fake_archive.url)
    path = engine.settings.database_path
    assert path is not None and read_quickly(engine.settings) is not None
    with sqlite3.connect(path) as db:
        db.execute("UPDATE alembic_version SET version_num = '0008'")
    assert read_quickly(engine.settings) is None  # its tables may differ: not trusted
    path.write_bytes(b"not a database at all" * 100)
    assert read_quickly(engine.settings) is None


def test_status_without_a_daemon_loads_no_storage_library(
    tmp_path: Path, fake_archive: FakeArchive
) -> None:
    import asyncio

    asyncio.run(a_saved_queue(tmp_path, fake_archive.url))
    env = cli_env(tmp_path, tmp_path / "home", fake_archive.url)
    env["LIVESET_RUNTIME_DIR"] = str(tmp_path / "run")
    (tmp_path / "run").mkdir(mode=0o700)
    probe = (
        "import sys, runpy; sys.argv = ['liveset', 'status', '--json']\n"
        "from tui.cli import main\n"
        "code = main()\n"
        "heavy = sorted(m for m in ('sqlalchemy', 'httpx', 'numpy', 'mpv', 'alembic') "
        "if m in sys.modules)\n"
        "print(heavy, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "[]"
    status = json.loads(done.stdout)
    assert status["daemon"] is False and status["queue_length"] == 3 and status["index"] == 1
    assert status["downloads"] == {"running": 1, "queued": 2, "held": None}


async def test_the_quick_read_is_the_persons_own_as_the_storage_is(
    tmp_path: Path, fake_archive: FakeArchive
) -> None:
    """Two profiles of one SQLite file: each one's status is their own queue, both ways."""
    engine = await a_saved_queue(tmp_path, fake_archive.url)  # the login name's queue
    other = dataclasses.replace(engine.settings, profile="someone-else")
    quick = read_quickly(other)
    assert quick is not None and quick.items == () and quick.index is None
    assert quick == await read_through_storage(other)
    mine = read_quickly(engine.settings)
    assert mine is not None and len(mine.items) == 3
    assert (mine.running, mine.queued) == (quick.running, quick.queued)  # the queue is shared


def test_another_profile_of_one_account_has_a_daemon_of_its_own() -> None:
    from engine import login_name, socket_path

    mine = socket_path(profile=login_name())
    assert mine.name == "liveset.sock" and socket_path() == mine
    theirs = socket_path(profile="bob" if login_name() != "bob" else "alice")
    assert theirs != mine and theirs.parent == mine.parent


def test_the_thin_client_finds_the_profile_as_the_settings_do(tmp_path: Path) -> None:
    import pytest

    from engine import ConfigError, load_settings
    from engine.profile import login_name, profile_of

    config = tmp_path / "config.toml"
    config.write_text('profile = "carol"\n')
    env = {"LIVESET_CONFIG": str(config)}
    assert profile_of(None, None, env) == "carol" == load_settings({}, env=env).profile
    assert profile_of("dave", None, env) == "dave"
    assert profile_of(None, None, {**env, "LIVESET_PROFILE": "erin"}) == "erin"
    assert profile_of(None, None, {"LIVESET_CONFIG": str(tmp_path / "none.toml")}) == login_name()
    with pytest.raises(ConfigError):
        profile_of("bob smith", None, {})
