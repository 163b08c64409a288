"""A server with no usable audio device, as over SSH: real libmpv with an output that cannot
open, the command line, and the app on a pseudo-terminal."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, text

from engine import Engine, PlaybackError, Settings
from engine.events import (
    Event,
    NowPlayingChanged,
    PlaybackFailed,
    PlayerStateChanged,
    PositionChanged,
)
from tests.pty_terminal import Terminal
from tests.signals import RATE, cut, sweep

if TYPE_CHECKING:
    from collections.abc import Iterator

#: An output that cannot open on any machine: a PCM file in a folder that does not exist.
BROKEN_OUTPUT = (("ao", "pcm"), ("ao-pcm-file", "/nonexistent-liveset-dir/out.wav"))
#: ALSA itself complains on descriptor 2 about a device that does not exist.
ALSA_NO_DEVICE = 'ao = "alsa"\naudio-device = "alsa/liveset-no-such-device"\n'


@pytest.fixture
def tracks(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "show"
    folder.mkdir()
    return cut(sweep(3.0), folder, "FLAC", ".flac", [RATE, 2 * RATE])


def plays(settings: Settings) -> int:
    database = create_engine(settings.db_url)
    with database.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM plays")).scalar_one()
    database.dispose()
    return int(count)


async def test_no_audio_output_stops_at_the_first_entry_says_why_and_records_nothing(
    settings: Settings, tracks: list[Path]
) -> None:
    settings = replace(settings, mpv_options=BROKEN_OUTPUT)
    seen: list[Event] = []
    async with Engine(settings) as engine:
        events = engine.events()

        async def collect() -> None:
            async for event in events:
                seen.append(event)

        collector = asyncio.create_task(collect())
        await engine.queue_add(str(tracks[0].parent))
        await engine.set_repeat("all")  # with repeat on, it used to fail for ever
        await engine.play(0)
        await asyncio.wait_for(engine.wait_until_idle(), 20)
        await asyncio.sleep(2.0)  # a window, not a wait: several more failures would fall in it
        state = engine.player_state()
        collector.cancel()
        with pytest.raises(PlaybackError, match="nothing is playing to seek in"):
            await engine.seek(-10)
    failures = [e for e in seen if isinstance(e, PlaybackFailed)]
    assert len(failures) == 1 and failures[0].stopped and failures[0].index == 0
    assert "no audio output could be opened (tried pcm)" in failures[0].message
    assert "[player.mpv]" in failures[0].message and "liveset devices" in failures[0].message
    assert (state.state, state.index) == ("stopped", 0)
    assert plays(settings) == 0


async def test_transport_at_the_edges_of_the_queue_says_words(
    settings: Settings, tracks: list[Path]
) -> None:
    settings = replace(settings, mpv_options=(("ao", "null"),))
    async with Engine(settings) as engine:
        with pytest.raises(PlaybackError, match="the queue is empty"):
            await engine.previous_track()
        events = engine.events()
        await engine.queue_add(str(tracks[0]), play=True)
        async for event in events:
            if isinstance(event, NowPlayingChanged):
                break
        moved = engine.events()
        await engine.seek(-30)  # back past the start: the start, not -0:30
        async for event in moved:  # where it stands after the seek, as mpv tells it
            if isinstance(event, PositionChanged) and event.position is not None:
                assert event.position >= 0.0
                break
        await engine.previous_track()  # the first track starts again, no mpv error
        await asyncio.wait_for(engine.wait_until_idle(), 20)
        fresh = engine.events()
        await engine.previous_track()  # after the end: the last track again

        async def playing_again() -> None:
            async for event in fresh:
                if isinstance(event, PlayerStateChanged) and event.state.state == "playing":
                    return

        await asyncio.wait_for(playing_again(), 20)
        assert engine.player_state().state == "playing"


@pytest.fixture
def liveset_env(tmp_path: Path, settings: Settings) -> Iterator[dict[str, str]]:
    config = tmp_path / "config.toml"
    config.write_text("[player.mpv]\n" + ALSA_NO_DEVICE, encoding="utf-8")
    yield {
        **os.environ,
        "HOME": os.environ["HOME"],
        "LIVESET_DATA_DIR": str(settings.data_dir),
        "LIVESET_ARCHIVE_URL": settings.archive_url,
        "LIVESET_CONFIG": str(config),
    }


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_play_without_a_sound_card_is_one_clear_line(
    liveset_env: dict[str, str], tracks: list[Path]
) -> None:
    result = run(liveset_env, "play", str(tracks[0]))
    assert result.returncode == 1
    assert "no audio output could be opened" in result.stderr
    # ALSA's own complaints went to the log, not to the terminal; no traceback either.
    assert "ALSA lib" not in result.stderr and "Traceback" not in result.stderr
    log = (Path(liveset_env["LIVESET_DATA_DIR"]) / "liveset.log").read_text(errors="replace")
    assert "liveset-no-such-device" in log


def test_play_refuses_what_is_not_audio_and_what_is_not_there(
    liveset_env: dict[str, str], tmp_path: Path
) -> None:
    garbage = tmp_path / "notes.flac"
    garbage.write_bytes(b"this is not audio\n" * 100)
    for target, said in (
        ("/etc/passwd", "cannot play /etc/passwd: not a recognised audio file"),
        (str(garbage), "is not a valid FLAC file"),
        ("./missing-show/01.flac", "no such file or folder: ./missing-show/01.flac"),
    ):
        result = run(liveset_env, "play", target)
        assert result.returncode == 1, target
        assert said in result.stderr and "queued" not in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_devices_lists_mpv_outputs(liveset_env: dict[str, str]) -> None:
    result = run(liveset_env, "devices", "--json")
    assert result.returncode == 0, result.stderr
    import json

    names = [d["name"] for d in json.loads(result.stdout)]
    assert "auto" in names and any(n.startswith("alsa") for n in names)
    assert "ALSA lib" not in result.stderr


async def test_the_app_keeps_the_terminal_to_itself(
    liveset_env: dict[str, str], settings: Settings, tracks: list[Path]
) -> None:
    # A queue saved by an earlier run: the app brings it back (and opens the output) at start.
    async with Engine(replace(settings, mpv_options=(("ao", "null"),))) as engine:
        await engine.queue_add(str(tracks[0].parent))
    terminal = Terminal([sys.executable, "-m", "tui"], liveset_env)
    try:
        terminal.wait_for(b"Quit", 60)
        terminal.idle(3.0)
        terminal.send(b" ")  # play: the output cannot open
        terminal.wait_for(b"No sound", 30)
        terminal.idle(1.0)
    finally:
        terminal.close()
    shown = terminal.output.decode(errors="replace")
    assert "ALSA lib" not in shown and "Unknown PCM" not in shown, shown[-2000:]
    assert "set [player.mpv] ao" in shown
    log = (settings.data_dir / "liveset.log").read_text(errors="replace")
    assert "liveset-no-such-device" in log  # ALSA's words are kept, in the log
    assert plays(settings) == 0
    # The terminal's descriptor 2 is given back on the way out: the shell sees no log text.
    assert terminal.process.returncode == 0


def test_no_color_draws_a_readable_monochrome_app(liveset_env: dict[str, str]) -> None:
    import re

    terminal = Terminal([sys.executable, "-m", "tui"], {**liveset_env, "NO_COLOR": "1"})
    try:
        terminal.wait_for(b"Quit", 60)
        terminal.idle(2.0)
        terminal.send(b"\t")  # to the concerts: the cursor row must still stand out
        terminal.idle(1.0)
    finally:
        terminal.close()
    shown = terminal.output.decode(errors="replace")
    # No colour at all (it used to draw black on black): only the terminal's own default
    # colours, with bold and reverse for emphasis.
    colours = re.findall(r"\x1b\[([0-9;]*)m", shown)
    set_colours = [c for c in colours if re.search(r"(^|;)(3[0-7]|4[0-7]|38|48|9[0-7])(;|$)", c)]
    assert not set_colours, set_colours[:5]
    assert any(re.search(r"(^|;)7(;|$)", c) for c in colours)  # reverse
    assert any(re.search(r"(^|;)1(;|$)", c) for c in colours)  # bold
    assert "Browse" in shown and "Downloads" in shown
