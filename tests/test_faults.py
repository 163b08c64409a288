"""Faults while downloading: a disk that fills, a database another program locks, a link that
stalls before a kill, a cancel from another liveset. Nothing hangs, nothing is lost, one message."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from engine import DownloadsHeld, DownloadState, Engine, Notice, Settings, StorageError
from engine.storage import database
from tests.conftest import cli_env, make_settings
from tests.fake_archive import FakeArchive

if TYPE_CHECKING:
    from collections.abc import Iterator

    from engine import Event

SCI = "sci2007-07-28.Schoeps"


class Heard:
    """Every event an engine sends while a test runs."""

    def __init__(self, engine: Engine) -> None:
        self.events: list[Event] = []
        self._task = asyncio.create_task(self._listen(engine))

    async def _listen(self, engine: Engine) -> None:
        async for event in engine.events():
            self.events.append(event)

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]

    async def close(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


async def until(predicate, timeout: float = 30.0, every: float = 0.05) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(every)


async def until_async(predicate, timeout: float = 30.0, every: float = 0.05) -> None:  # type: ignore[no-untyped-def]
    """``until`` for a check that is itself a coroutine (one that asks the engine)."""
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(every)


def flac_frames(data: bytes) -> bytes:
    """A FLAC file's audio frames: what follows its metadata blocks (tags change those)."""
    assert data[:4] == b"fLaC"
    at, last = 4, False
    while not last:
        last = bool(data[at] & 0x80)
        at += 4 + int.from_bytes(data[at + 1 : at + 4], "big")
    return data[at:]


def same_audio(archive: FakeArchive, identifier: str, file_name: str, landed: Path) -> bool:
    item = archive.item(identifier)
    assert item is not None
    served = flac_frames(item.files[file_name])
    return hashlib.md5(flac_frames(landed.read_bytes())).digest() == hashlib.md5(served).digest()


def fill(where: Path) -> Path:
    """Write a file until the disk says it is full, as another program might."""
    ballast = where / "ballast"
    block = b"\0" * (1 << 16)
    # Unbuffered: a buffered file keeps what did not fit and fails again when it is closed.
    with open(ballast, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(block)
        except OSError:
            pass
    return ballast


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A filesystem of 12 MB of its own (a tmpfs), for data and music: the default layout,
    where one disk filling stops both the database and the files."""
    where = tmp_path / "disk"
    where.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=12m", "liveset-test", str(where)],
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        pytest.skip(f"a small filesystem needs mount (root): {made.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def disk_settings(where: Path, archive: FakeArchive) -> Settings:
    return replace(make_settings(where, archive.url), keep_free=0)


async def test_a_disk_that_fills_holds_the_queue_and_it_goes_on_when_there_is_room(
    small_disk: Path, fake_archive: FakeArchive, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    settings = disk_settings(small_disk, fake_archive)
    fake_archive.pace = 150_000  # bytes a second per file: the disk fills mid-transfer
    async with Engine(settings, backoff_base=0.01) as engine:
        heard = Heard(engine)
        await engine.run_downloads()
        queued = await engine.download(SCI, tracks=range(1, 13))
        await until(lambda: any(small_disk.rglob("*.flac.part")))
        ballast = await asyncio.to_thread(fill, small_disk)
        await until(lambda: bool(heard.of(DownloadsHeld)))
        reason = engine.downloads_held()
        assert reason is not None and "disk" in reason and "goes on by itself" in reason

        # Running files meet the full disk too, and are held.
        async def none_running() -> bool:
            listed = await engine.downloads(identifier=SCI)
            return not [d for d in listed if d.state is DownloadState.RUNNING]

        await until_async(none_running)
        listed = await engine.downloads(identifier=SCI)
        assert not [d for d in listed if d.state is DownloadState.FAILED], [d.error for d in listed]
        assert not [d for d in listed if d.state is DownloadState.RUNNING]
        kept = {p.name: p.stat().st_size for p in small_disk.rglob("*.part") if p.stat().st_size}
        ballast.unlink()  # room again
        done = await asyncio.wait_for(engine.wait_downloads(ids=[d.id for d in queued]), 60)
        held = heard.of(DownloadsHeld)
        await heard.close()
    assert {d.state for d in done} == {DownloadState.DONE}
    assert [e.reason for e in held][-1] == ""  # it said it went on
    assert len([e for e in held if e.reason]) == 1  # and said the disk was full once
    for d in done:
        assert same_audio(fake_archive, SCI, d.file_name, settings.music_dir / d.path)
    assert not list(small_disk.rglob("*.part"))
    # A part held with bytes in it was resumed where it stopped, not fetched again.
    names = {Path(d.path).name + ".part": d.file_name for d in done}
    ranges = {r.path.rsplit("/", 1)[-1]: r.headers.get("Range") for r in fake_archive.requests}
    for part, size in kept.items():
        assert ranges[names[part]] == f"bytes={size}-", (part, size)
    tracebacks = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not tracebacks, [r.getMessage() for r in tracebacks]


def test_download_wait_on_a_full_disk_says_so_once_and_exits(
    small_disk: Path, fake_archive: FakeArchive, isolated_home: Path
) -> None:
    fake_archive.pace = 150_000
    env = cli_env(small_disk, isolated_home, fake_archive.url, LIVESET_KEEP_FREE="0")
    command = [sys.executable, "-m", "tui", "download", SCI, "--tracks", "1-12", "--wait"]
    running = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while not list(small_disk.rglob("*.flac.part")):
        assert time.monotonic() < deadline and running.poll() is None
        time.sleep(0.05)
    ballast = fill(small_disk)
    _, err = running.communicate(timeout=60)
    assert running.returncode == 1, err
    assert "Traceback" not in err and "never retrieved" not in err
    said = [line for line in err.splitlines() if "waiting for disk space" in line]
    assert len(said) == 1 and "stay queued" in said[0], err
    ballast.unlink()
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "12 of 12 files" in again.stdout
    assert not list(small_disk.rglob("*.part"))


async def test_a_database_locked_for_a_while_is_waited_for_and_said(
    settings: Settings, fake_archive: FakeArchive, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "BUSY_TIMEOUT", 0.1)  # each statement gives up quickly ...
    fake_archive.pace = 300_000
    async with Engine(settings, backoff_base=0.01) as engine:
        heard = Heard(engine)
        await engine.run_downloads()
        queued = await engine.download(SCI, tracks=range(1, 9))
        await until(lambda: any(settings.music_dir.rglob("*.flac")))
        other = sqlite3.connect(settings.data_dir / "liveset.db", isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")  # ... another program holds the database a while
        await until(lambda: any(e.topic == "database" and e.text for e in heard.of(Notice)))
        other.execute("ROLLBACK")
        other.close()
        done = await asyncio.wait_for(engine.wait_downloads(ids=[d.id for d in queued]), 60)
        notices = [e.text for e in heard.of(Notice) if e.topic == "database"]
        await heard.close()
    assert {d.state for d in done} == {DownloadState.DONE}, [d.error for d in done]
    assert notices and "busy" in notices[0] and notices[-1] == ""


async def test_a_database_locked_for_too_long_is_a_clear_error(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "BUSY_TIMEOUT", 0.1)
    monkeypatch.setattr(database, "BUSY_WAIT", 1.0)
    async with Engine(settings) as engine:
        other = sqlite3.connect(settings.data_dir / "liveset.db", isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        try:
            started = time.monotonic()
            with pytest.raises(StorageError, match="stayed locked for 1 s"):
                await engine.set_favourite("artist", "Phish")
            assert time.monotonic() - started < 5
        finally:
            other.execute("ROLLBACK")
            other.close()
        await engine.set_favourite("artist", "Phish")  # free again: it works


def test_bytes_that_came_before_a_stall_are_kept_across_a_kill(
    tmp_path: Path, isolated_home: Path
) -> None:
    archive = FakeArchive(seconds=10.0).start()
    try:
        sent = 200_001  # in one burst, then nothing: no later byte would push them out
        archive.add_fault("stall", "/serve/", times=1, after_bytes=sent, delay=30)
        env = cli_env(tmp_path, isolated_home, archive.url)
        command = [sys.executable, "-m", "tui", "download", SCI, "--tracks", "1", "--wait"]
        first = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 20
        size = 0
        while time.monotonic() < deadline and size < sent:
            parts = list((tmp_path / "music").rglob("*.part"))
            size = parts[0].stat().st_size if parts else 0
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert size == sent  # written during the stall, before the kill
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 0, second.stderr
        serves = [r for r in archive.requests if r.path.startswith("/serve/")]
        assert serves[-1].headers.get("Range") == f"bytes={sent}-"
    finally:
        archive.stop()


async def test_a_cancel_from_another_liveset_stops_the_files_it_runs(
    settings: Settings, fake_archive: FakeArchive
) -> None:
    """The app cancels a recording while `download --wait` runs the queue: the runner stops
    those files and fails none because their parts vanished."""
    fake_archive.pace = 40_000  # a file takes about a second: the cancel lands mid-file
    async with Engine(settings, backoff_base=0.01) as runner:
        assert await runner.run_downloads()
        queued = await runner.download(SCI, tracks=range(1, 13))
        await until(lambda: len(list(settings.music_dir.rglob("*.flac"))) >= 2, timeout=60)
        await until(lambda: len(list(settings.music_dir.rglob("*.part"))) >= 2)
        async with Engine(settings, backoff_base=0.01) as app:
            assert not await app.run_downloads()
            await app.cancel_downloads(d.id for d in queued)
        # The runner looks at the queue every 2 s, sees the cancel and stops those files.
        await until(lambda: not runner._downloads.runner.tasks)  # type: ignore[union-attr]
        listed = await runner.downloads(identifier=SCI)
        asked = len(fake_archive.requests)
        looked = runner._downloads.runner.polls  # type: ignore[union-attr]
        await until(lambda: runner._downloads.runner.polls >= looked + 2)  # type: ignore[union-attr]
        assert len(fake_archive.requests) == asked  # it asks for none of them again
    states = {d.state for d in listed}
    assert DownloadState.FAILED not in states, [d.error for d in listed]
    assert DownloadState.RUNNING not in states
    assert DownloadState.CANCELLED in states
    assert not list(settings.music_dir.rglob("*.part"))


async def test_cancelling_a_recording_in_flight_fails_none_of_its_files(
    settings: Settings, fake_archive: FakeArchive
) -> None:
    fake_archive.pace = 60_000
    async with Engine(settings, backoff_base=0.01) as engine:
        await engine.run_downloads()
        for round_ in range(4):
            queued = await engine.download(SCI, tracks=range(1, 10))
            await until(lambda: any(settings.music_dir.rglob("*.part")))
            await asyncio.sleep(0.1 * round_)
            await engine.cancel_downloads(d.id for d in queued)

            async def stopped() -> bool:
                listed = await engine.downloads(identifier=SCI)
                running = DownloadState.RUNNING in {d.state for d in listed}
                return not running and not list(settings.music_dir.rglob("*.part"))

            await until_async(stopped)
            listed = await engine.downloads(identifier=SCI)
            assert DownloadState.FAILED not in {d.state for d in listed}, [d.error for d in listed]
            assert not list(settings.music_dir.rglob("*.part"))
            await engine.remove_download(SCI)


async def test_the_app_says_the_archive_is_retried_and_when_it_is_over(
    settings: Settings, fake_archive: FakeArchive
) -> None:
    from tests.test_tui import make_app, settle, typed, wait_until
    from tui.widgets import TopBar

    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        fake_archive.add_fault("503", "/advancedsearch.php", times=2, retry_after="1")
        await pilot.press("slash", *typed("washington"), "enter")
        bar = app.screen.query_one(TopBar)
        await wait_until(pilot, lambda: "retrying" in str(bar.render()), "the retry to be shown")
        said = [str(n.message) for n in app._notifications]
        assert any("trying again" in m and "HTTP 503" in m for m in said), said
        await wait_until(pilot, lambda: "retrying" not in str(bar.render()), "it to be over")
        await settle(pilot)
        assert app.online is None  # it answered in the end: not offline
        assert len([m for m in said if "trying again" in m]) == 1  # said once, not per try


async def test_the_app_says_the_disk_is_full_once_and_when_downloads_go_on(
    small_disk: Path, fake_archive: FakeArchive
) -> None:
    from tests.test_tui import make_app, settle, wait_until
    from tui.widgets import StatusLine, TopBar

    settings = disk_settings(small_disk, fake_archive)
    fake_archive.pace = 150_000
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.engine.download(SCI, tracks=range(1, 13))
        await pilot.press("2")
        await wait_until(pilot, lambda: any(small_disk.rglob("*.flac.part")), "a transfer")
        ballast = await asyncio.to_thread(fill, small_disk)
        bar = app.screen.query_one(TopBar)
        await wait_until(pilot, lambda: "disk full" in str(bar.render()), "the full disk", 30)
        totals = app.screen.query_one("#totals", StatusLine)
        await wait_until(pilot, lambda: "waiting for disk space" in totals.message, "totals")
        errors = [n for n in app._notifications if n.title == "Disk full"]
        assert len(errors) == 1 and "goes on by itself" in str(errors[0].message)
        ballast.unlink()
        # The guard looks for room at the queue's next look and the database's next write: on a
        # machine busy with the suite's other workers that has taken longer than 30 s once.
        await wait_until(pilot, lambda: "disk full" not in str(bar.render()), "room again", 90)
        said = [str(n.message) for n in app._notifications]
        assert any("room again" in m for m in said), said
        await wait_until(
            pilot, lambda: len(list(small_disk.rglob("*.flac"))) == 12, "every file", 60
        )


def test_a_command_says_it_is_trying_the_archive_again(liveset, fake_archive: FakeArchive) -> None:  # type: ignore[no-untyped-def]
    fake_archive.add_fault("503", "/advancedsearch.php", times=2, retry_after="1")
    result = liveset("search", "washington")
    assert result.returncode == 0, result.stderr
    said = [line for line in result.stderr.splitlines() if "trying again" in line]
    assert len(said) == 2 and "(2 of" in said[0] and "(3 of" in said[1], result.stderr
    assert "giving up after" in said[0]
    assert "Washington" in result.stdout or "washington" in result.stdout.lower()


def test_a_command_against_a_dead_archive_ends_within_its_bound(liveset, fake_archive) -> None:  # type: ignore[no-untyped-def]
    fake_archive.add_fault("503", "/advancedsearch.php", times=100, retry_after="1")
    started = time.monotonic()
    result = liveset("search", "washington", LIVESET_ARCHIVE_TIMEOUT="2")
    took = time.monotonic() - started
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "trying again" in result.stderr and "HTTP 503" in result.stderr
    assert took < 2 * 10 + 10  # the bound (10 s at least) and start-up, not 5 tries x 20 s


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    """A folder on a read-only filesystem (root can write anywhere else)."""
    where = tmp_path / "read-only"
    where.mkdir()
    made = subprocess.run(["mount", "--bind", str(where), str(where)], capture_output=True)
    if made.returncode != 0:
        pytest.skip("a read-only folder needs mount (root)")
    subprocess.run(["mount", "-o", "remount,bind,ro", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_read_only_music_dir_is_one_line_and_exit_2(liveset, read_only: Path) -> None:  # type: ignore[no-untyped-def]
    result = liveset("download", SCI, LIVESET_MUSIC_DIR=str(read_only / "music"))
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "music_dir" in result.stderr and "Read-only file system" in result.stderr


def test_a_read_only_data_dir_is_one_line_and_exit_2(  # type: ignore[no-untyped-def]
    liveset, tmp_path: Path
) -> None:
    data = tmp_path / "data-ro"
    assert liveset("downloads", LIVESET_DATA_DIR=str(data)).returncode == 0  # made, then ...
    subprocess.run(["mount", "--bind", str(data), str(data)], check=False)
    if subprocess.run(["mount", "-o", "remount,bind,ro", str(data)]).returncode != 0:
        pytest.skip("a read-only folder needs mount (root)")
    try:
        result = liveset("downloads", LIVESET_DATA_DIR=str(data))  # ... made read-only
    finally:
        subprocess.run(["umount", "-l", str(data)], check=False)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "sqlalche.me" not in result.stderr
    assert "is read-only" in result.stderr
