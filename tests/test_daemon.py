"""The daemon: the engine served on a Unix socket, steered by commands and attached to by
clients that come and go (SIGKILL included) while playback and downloads go on."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from engine import (
    DownloadState,
    NotFoundError,
    NowPlayingChanged,
    PlaybackStatus,
    RemoteEngine,
    daemon_running,
    socket_path,
)
from engine.archive.concerts import recording_from_metadata
from engine.models import (
    Description,
    Discover,
    DiscoverRow,
    Pick,
    PlayQueue,
    Recording,
    to_data,
)
from engine.remote.codec import decode, decode_error, encode_error
from tests.conftest import cli_env
from tests.fake_archive.corpus import fixtures_dir, load_body
from tests.test_tui import tones

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.fake_archive import FakeArchive

SCI = "sci2007-07-28.Schoeps"


class Daemon:
    """``liveset daemon`` as its own process, in a runtime dir of the test's."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.path = Path(env["LIVESET_RUNTIME_DIR"]) / "liveset.sock"
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> Daemon:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui", "daemon"],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while not daemon_running(self.path):
            assert self.process.poll() is None, self.process.communicate()
            assert time.monotonic() < deadline, "the daemon did not answer"
            time.sleep(0.05)
        return self

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tui", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def daemon_env(tmp_path: Path, fake_archive: FakeArchive, isolated_home: Path) -> dict[str, str]:
    return cli_env(
        tmp_path,
        isolated_home,
        fake_archive.url,
        LIVESET_RUNTIME_DIR=str(tmp_path / "run"),
        LIVESET_MPV_OPTIONS="ao=null",
        LIVESET_KEEP_FREE="0",
    )


@pytest.fixture
def daemon(daemon_env: dict[str, str]) -> Iterator[Daemon]:
    running = Daemon(daemon_env).start()
    yield running
    running.stop()


def test_the_socket_is_the_users_alone_and_a_second_daemon_refuses(daemon: Daemon) -> None:
    mode = stat.S_IMODE(daemon.path.stat().st_mode)
    assert mode == 0o600
    assert stat.S_IMODE(daemon.path.parent.stat().st_mode) == 0o700
    second = daemon.run("daemon")
    assert second.returncode != 0 and "already running" in second.stderr
    assert daemon_running(daemon.path)  # the first still answers


def test_a_stale_socket_is_cleaned_up(daemon_env: dict[str, str]) -> None:
    first = Daemon(daemon_env).start()
    assert first.process is not None
    first.process.kill()  # SIGKILL: no clean-up, the socket file stays
    first.process.wait()
    assert first.path.exists() and not daemon_running(first.path)
    second = Daemon(daemon_env).start()
    try:
        assert daemon_running(second.path)
        assert second.run("status").returncode == 0
    finally:
        second.stop()


def test_commands_steer_the_daemon_and_it_plays_on_after_they_end(
    daemon: Daemon, tmp_path: Path
) -> None:
    folder = tones(tmp_path, 6.0)
    played = daemon.run("play", str(folder))
    assert played.returncode == 0, played.stderr
    assert "in the daemon" in played.stderr
    deadline = time.monotonic() + 30
    while (data := json.loads(daemon.run("status", "--json").stdout))["state"] != "playing":
        assert time.monotonic() < deadline, data  # a wait on what it means, bounded
    assert data["daemon"] is True and data["state"] == "playing"
    assert data["track"]["title"] == "Tone 1" and data["queue_length"] == 3
    assert daemon.run("next").returncode == 0
    assert daemon.run("seek", "2").returncode == 0
    assert daemon.run("volume", "-20").returncode == 0
    data = json.loads(daemon.run("status", "--json").stdout)
    assert data["index"] == 1 and data["position"] >= 2.0 and data["volume"] == 80.0
    assert daemon.run("pause").returncode == 0
    assert json.loads(daemon.run("status", "--json").stdout)["state"] == "paused"
    assert daemon.run("toggle").returncode == 0
    assert json.loads(daemon.run("status", "--json").stdout)["state"] == "playing"
    listed = daemon.run("queue")
    assert "Tone 3" in listed.stdout and ">" in listed.stdout


#: What a command that steers the daemon must not load: storage, HTTP, numbers, an event loop.
HEAVY = ("sqlalchemy", "httpx", "numpy", "asyncio", "mutagen", "alembic", "engine.facade")


def test_commands_that_steer_the_daemon_load_neither_storage_nor_http(
    daemon: Daemon, tmp_path: Path
) -> None:
    """A status bar runs ``liveset status`` every second: the commands that steer or ask the
    daemon load its wire client, not the engine (and still do what they say)."""
    script = (
        "import sys\n"
        "from tui.cli import main\n"
        "code = main(sys.argv[1:])\n"
        f"heavy = {HEAVY!r}\n"
        "print('loaded:', sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    folder = tones(tmp_path, 6.0)

    def steer(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-c", script, *args],
            env=daemon.env,
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, (args, done.stderr)
        assert "loaded: []" in done.stderr, (args, done.stderr)
        return done

    assert "queued 3 tracks in the daemon" in steer("play", str(folder)).stderr
    for args in (("pause",), ("toggle",), ("seek", "+1"), ("next",), ("prev",), ("volume", "-5")):
        steer(*args)
    status = json.loads(steer("status", "--json").stdout)
    assert status["daemon"] and status["volume"] == 95.0 and status["queue_length"] == 3
    assert status["state"] == "playing" and status["track"]["title"] == "Tone 1"
    assert "Tone 3" in steer("queue").stdout
    assert "volume 95%" in steer("status").stdout
    steer("quit-daemon")
    assert daemon.process is not None and daemon.process.wait(30) == 0


def test_without_a_daemon_steering_commands_say_so(liveset) -> None:  # type: ignore[no-untyped-def]
    result = liveset("pause")
    assert result.returncode == 2 and "liveset daemon --detach" in result.stderr
    status = liveset("status", "--json")
    assert status.returncode == 0 and '"daemon": false' in status.stdout


def test_a_client_killed_mid_download_leaves_playback_and_the_download_running(
    daemon: Daemon, tmp_path: Path, fake_archive: FakeArchive
) -> None:
    folder = tones(tmp_path, 30.0)
    assert daemon.run("play", str(folder)).returncode == 0
    fake_archive.pace = 60_000  # slow enough to be killed mid-way
    waiting = subprocess.Popen(
        [sys.executable, "-m", "tui", "download", SCI, "--tracks", "1-4", "--wait"],
        env=daemon.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not list((tmp_path / "music").rglob("*.part")):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    waiting.kill()  # the client, not the daemon
    waiting.wait()

    async def check() -> None:
        async with RemoteEngine(_settings(daemon.env), daemon.path) as engine:
            state = engine.player_state()
            assert state.state is PlaybackStatus.PLAYING  # attached again: as it is
            assert engine.play_queue().items[0].title == "Tone 1"
            ids = [d.id for d in await engine.downloads(identifier=SCI)]
            done = await asyncio.wait_for(engine.wait_downloads(ids=ids), 60)
            assert {d.state for d in done} == {DownloadState.DONE}
            assert engine.player_state().state is PlaybackStatus.PLAYING

    asyncio.run(check())


def test_two_clients_see_the_same_events_and_errors_cross_as_themselves(
    daemon: Daemon, tmp_path: Path
) -> None:
    folder = tones(tmp_path, 10.0)
    settings = _settings(daemon.env)

    async def check() -> None:
        async with (
            RemoteEngine(settings, daemon.path) as first,
            RemoteEngine(settings, daemon.path) as second,
        ):
            heard: list[list[NowPlayingChanged]] = [[], []]

            async def listen(engine: RemoteEngine, into: list[NowPlayingChanged]) -> None:
                async for event in engine.events():
                    if isinstance(event, NowPlayingChanged):
                        into.append(event)

            listeners = [
                asyncio.create_task(listen(first, heard[0])),
                asyncio.create_task(listen(second, heard[1])),
            ]
            await asyncio.sleep(0.1)

            async def both_heard(count: int) -> None:
                for _ in range(200):
                    if len(heard[0]) >= count and len(heard[1]) >= count:
                        return
                    await asyncio.sleep(0.05)

            await first.queue_add(str(folder), play=True)
            await both_heard(1)  # the first track started ...
            await first.next_track()
            await both_heard(2)  # ... and the next
            for task in listeners:
                task.cancel()
            assert [e.index for e in heard[0]][:2] == [0, 1]
            assert heard[0][:2] == heard[1][:2]  # the same events, rebuilt as themselves
            assert isinstance(second.play_queue(), PlayQueue)
            assert second.player_state().index == 1
            with pytest.raises(NotFoundError):
                await second.recording("no-such-item-anywhere")

    asyncio.run(check())


def test_values_cross_the_socket_unchanged() -> None:
    body = load_body(fixtures_dir() / "metadata" / f"{SCI}.json")
    recording = recording_from_metadata(body, "http://archive.test")
    assert recording is not None
    assert decode(Recording, to_data(recording)) == recording
    # Recommendations cross too: the discover screen of an app attached to a daemon.
    pick = Pick(recording, 1.25, ("because you played Grateful Dead 1977-05-08",))
    found = Discover((DiscoverRow("for-you", "For you", "scored", (pick,)),), note="n")
    assert decode(Discover, to_data(found)) == found
    described = Description("sbd 1972", (("years", ("1972",)),), (pick,))
    assert decode(Description, to_data(described)) == described
    error = decode_error(encode_error(NotFoundError("no such thing")))
    assert isinstance(error, NotFoundError) and str(error) == "no such thing"


def test_the_socket_path_follows_the_runtime_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIVESET_RUNTIME_DIR")
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/run/user/1000")
    assert socket_path() == Path("/run/user/1000/liveset/liveset.sock")


def _settings(env: dict[str, str]):  # type: ignore[no-untyped-def]
    from engine import load_settings

    return load_settings(
        {
            "data_dir": env["LIVESET_DATA_DIR"],
            "music_dir": env["LIVESET_MUSIC_DIR"],
            "archive_url": env["LIVESET_ARCHIVE_URL"],
        },
        config_file=Path(env["LIVESET_DATA_DIR"]) / "no-config.toml",
    )


async def test_the_app_attaches_shows_what_plays_and_leaves_it_playing(
    daemon: Daemon, tmp_path: Path
) -> None:
    from tests.test_tui import settle, wait_until
    from tui.app import LivesetApp
    from tui.widgets import NowPlayingBar

    folder = tones(tmp_path, 20.0)
    assert daemon.run("play", str(folder)).returncode == 0
    settings = _settings(daemon.env)
    app = LivesetApp(settings, attach=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: app.now_item is not None, "what plays")
        assert app.now_item is not None and app.now_item.title == "Tone 1"
        bar = app.screen.query_one(NowPlayingBar)
        assert "Tone 1" in str(bar.render())
        await pilot.press("n")  # steers the daemon
        await wait_until(pilot, lambda: app.now_item.title == "Tone 2", "the next track")
        await pilot.press("q")  # attached: quits at once, nothing stops
    status = daemon.run("status", "--json")
    assert '"state": "playing"' in status.stdout and "Tone 2" in status.stdout

    app = LivesetApp(settings, attach=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("Q")  # quit the daemon, after a yes
        await settle(pilot)
        await pilot.press("y")
        for _ in range(100):
            if not daemon_running(daemon.path):
                break
            await asyncio.sleep(0.05)
    assert not daemon_running(daemon.path)
    assert app.daemon_stopped


async def test_an_attached_app_offers_syncs_and_dates_the_daemons_catalog(
    daemon: Daemon,
) -> None:
    from tests.test_tui import wait_until
    from tui.app import LivesetApp

    app = LivesetApp(_settings(daemon.env), attach=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(
            pilot, lambda: any("Press U" in str(n.message) for n in app._notifications), "offer"
        )
        await pilot.press("U")
        await wait_until(pilot, lambda: app.catalog_note == "catalog now", "the daemon's sync")
        await pilot.press("q")
    status = json.loads(daemon.run("catalog", "status", "--json").stdout)
    assert status["ready"] and status["items"] > 0  # the daemon's own database holds it


def test_detach_starts_a_daemon_in_its_own_session_and_quit_daemon_stops_it(
    daemon_env: dict[str, str],
) -> None:
    runner = Daemon(daemon_env)
    started = runner.run("daemon", "--detach")
    assert started.returncode == 0 and "running (pid" in started.stdout, started.stderr
    pid = int(started.stdout.split("pid ")[1].split(")")[0])
    try:
        assert daemon_running(runner.path)
        assert os.getsid(pid) == pid  # a session of its own: a closed terminal does not reach it
        os.kill(pid, signal.SIGHUP)  # what the end of an SSH session sends
        # It answers after the signal: one not ignored would have ended it on delivery.
        assert runner.run("status").returncode == 0
        assert daemon_running(runner.path)
        stopped = runner.run("quit-daemon")
        assert stopped.returncode == 0
        for _ in range(100):
            if not runner.path.exists():
                break
            time.sleep(0.05)
        assert not runner.path.exists() and not daemon_running(runner.path)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


async def test_the_app_says_so_when_its_daemon_dies(daemon: Daemon, tmp_path: Path) -> None:
    from tests.test_tui import settle, wait_until
    from tui.app import LivesetApp

    folder = tones(tmp_path, 20.0)
    assert daemon.run("play", str(folder)).returncode == 0
    app = LivesetApp(_settings(daemon.env), attach=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: app.now_item is not None, "what plays")
        assert daemon.process is not None
        daemon.process.kill()  # SIGKILL: no goodbye on the socket
        await wait_until(
            pilot, lambda: any(n.title == "Daemon" for n in app._notifications), "the word"
        )
        assert app.now_item is None and "daemon stopped" in app.playback_note
        assert app.daemon_stopped  # so quitting will not claim it plays on


def test_a_runtime_dir_others_can_enter_is_refused(daemon_env: dict[str, str]) -> None:
    shared = Path(daemon_env["LIVESET_RUNTIME_DIR"])
    shared.mkdir(parents=True)
    shared.chmod(0o777)  # as a folder someone else made first in a shared temp dir might be
    runner = Daemon(daemon_env)
    result = runner.run("daemon")
    assert result.returncode == 1 and "others may enter it" in result.stderr
    assert not runner.path.exists()


def test_garbage_on_the_socket_is_answered_and_the_daemon_goes_on(daemon: Daemon) -> None:
    import json
    import socket as sockets

    with sockets.socket(sockets.AF_UNIX) as raw:
        raw.connect(str(daemon.path))
        stream = raw.makefile("rwb")
        json.loads(stream.readline())  # the greeting
        for line in (b"not json\n", b"[1, 2]\n", b'{"id": 3, "call": "no_such_call"}\n'):
            stream.write(line)
            stream.flush()
            answer = json.loads(stream.readline())
            assert "error" in answer and answer["error"]["message"], answer
        stream.write(b'{"id": 4, "call": "player_state"}\n')
        stream.flush()
        assert json.loads(stream.readline())["result"]["state"] == "stopped"
    assert daemon.run("status").returncode == 0


def test_a_daemon_whose_last_queue_cannot_be_brought_back_serves_on(
    daemon_env: dict[str, str],
) -> None:
    """No audio output opens (this machine has no sound card; an output that is missing
    fails the same way): the last queue's place cannot be sought, and the daemon says so in
    its log and serves on, rather than ending with the app attached to nothing."""
    import sqlite3

    env = {**daemon_env, "LIVESET_MPV_OPTIONS": "ao=no-such-output"}
    first = Daemon(env).start()
    try:
        assert first.run("play", SCI).returncode == 0
    finally:
        first.stop()
    database = Path(env["LIVESET_DATA_DIR"]) / "liveset.db"
    with sqlite3.connect(database) as db:  # stopped 30 s into the third track
        db.execute("UPDATE player_resume SET queue_index = 2, seconds = 30.0")
    log = Path(env["LIVESET_DATA_DIR"]) / "liveset.log"
    seen = log.stat().st_size if log.exists() else 0
    again = Daemon(env).start()
    try:
        # The restore waits up to 5 s for the track to load, then cannot seek and says so in
        # the log; or, on a slow machine, the track loads, its place is sought and the output
        # fails after. Either way the restore is over, and the daemon must serve on.
        deadline = time.monotonic() + 60

        def restored() -> bool:
            said = log.read_text()[seen:]
            if "WARNING engine.remote.daemon: daemon: " in said or "no sound" in said:
                return True  # the restore gave up, or the output failed as the file loaded
            status = again.run("status", "--json")
            data = json.loads(status.stdout) if status.returncode == 0 else {}
            return data.get("index") == 2 and (data.get("position") or 0) >= 29

        while not restored():
            assert time.monotonic() < deadline, log.read_text()[seen:][-3000:]
            time.sleep(0.05)
        assert again.process is not None and again.process.poll() is None
        status = again.run("status", "--json")
        assert status.returncode == 0, status.stderr
        assert json.loads(status.stdout)["queue_length"] > 0
    finally:
        again.stop()
