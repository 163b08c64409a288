"""Playback through real libmpv: gapless joins checked on the samples mpv writes (ao=pcm)."""

from __future__ import annotations

import asyncio
import itertools
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
import soundfile as sf

from engine import ConfigError, Engine, PlaybackUnavailable, Settings
from engine.events import Event, NowPlayingChanged
from engine.models import QueueItem
from engine.playback.backend import MpvBackend
from engine.playback.player import Player
from engine.storage.database import Database
from tests.signals import RATE, cut, sweep

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tests.fake_archive import FakeArchive

PCM_OPTIONS = {"audio-format": "s16", "audio-samplerate": str(RATE), "audio-channels": "stereo"}


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'liveset.db'}")
    await db.open()
    yield db
    await db.close()


async def play_to_pcm(
    database: Database, paths: list[Path], out: Path, events: list[Event] | None = None
) -> np.ndarray:
    seen = events if events is not None else []
    player = Player(
        database, seen.append, MpvBackend, {"ao": "pcm", "ao-pcm-file": str(out), **PCM_OPTIONS}
    )
    try:
        await player.add([QueueItem(str(p), p.stem) for p in paths])
        await player.play(0)
        await asyncio.wait_for(player.wait_until_idle(), 60)
    finally:
        await player.close()
    samples, rate = sf.read(out, dtype="int16")
    assert rate == RATE
    return np.asarray(samples)


async def test_flac_tracks_join_sample_for_sample(database: Database, tmp_path: Path) -> None:
    signal = sweep(4.0)
    # Cuts at odd places, not on any block or frame boundary.
    paths = cut(signal, tmp_path, "FLAC", ".flac", [RATE + 1234, 2 * RATE + 77, 3 * RATE + 4001])
    events: list[Event] = []
    played = await play_to_pcm(database, paths, tmp_path / "out.wav", events)
    assert played.shape == signal.shape
    assert np.array_equal(played, signal)
    assert [e.index for e in events if isinstance(e, NowPlayingChanged)] == [0, 1, 2, 3]


def silent_runs(samples: np.ndarray, threshold: int = 64, length: int = 64) -> int:
    """How many runs of ``length`` near-silent samples there are."""
    quiet = np.abs(samples.astype(np.int32)).max(axis=1) < threshold
    run = np.convolve(quiet.astype(np.int32), np.ones(length, dtype=np.int32), mode="valid")
    return int((run == length).sum())


async def test_vbr_mp3_tracks_join_without_a_gap(database: Database, tmp_path: Path) -> None:
    signal = sweep(4.0)
    paths = cut(signal, tmp_path, "MP3", ".mp3", [RATE + 1234, 2 * RATE + 77, 3 * RATE + 4001])
    played = await play_to_pcm(database, paths, tmp_path / "out.wav")
    frame = 1152
    assert abs(len(played) - len(signal)) <= frame, (len(played), len(signal))
    # The sweep is never silent, so any silent stretch is a gap at a join.
    assert silent_runs(signal) == 0
    assert silent_runs(played[frame:-frame]) == 0


# --- the engine's player: queue, history, streaming ---------------------------------------


@pytest.fixture
async def player_engine(settings: Settings) -> AsyncIterator[Engine]:
    """An engine whose mpv writes samples to a file as fast as it decodes (no sound card)."""
    pcm = settings.data_dir / "out.wav"
    options = (("ao", "pcm"), ("ao-pcm-file", str(pcm)), *PCM_OPTIONS.items())
    async with Engine(replace(settings, mpv_options=options), backoff_base=0.01) as engine:
        yield engine


async def until(check, what: str, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def until_played(engine: Engine, count: int) -> list[tuple[str, bool, bool]]:
    """The plays recorded, once there are ``count`` of them (they are written as they end)."""
    deadline = time.monotonic() + 10
    while len(history := await plays(engine)) < count:
        assert time.monotonic() < deadline, f"{count} plays recorded"
        await asyncio.sleep(0.02)
    return history


async def plays(engine: Engine) -> list[tuple[str, bool, bool]]:
    from sqlalchemy import select

    from engine.storage.schema import PlayRow

    rows = await engine._database.run(
        lambda s: [
            (r.path, r.completed, r.skipped)
            for r in s.scalars(select(PlayRow).order_by(PlayRow.id))
        ]
    )
    return list(rows)


async def test_queue_operations_keep_mpv_in_step(settings: Settings, tmp_path: Path) -> None:
    paths = cut(sweep(12.0), tmp_path, "FLAC", ".flac", [3 * RATE, 6 * RATE, 9 * RATE])
    options = (("ao", "null"), *PCM_OPTIONS.items())
    async with Engine(replace(settings, mpv_options=options)) as engine:
        player = engine._play  # the player itself: its mpv playlist is checked too
        for path in paths[:3]:
            await engine.queue_add(str(path))
        await engine.queue_add(str(paths[3]), after_current=True)  # nothing plays: at the end
        assert [Path(i.uri).name for i in player.queue] == [
            "01.flac",
            "02.flac",
            "03.flac",
            "04.flac",
        ]
        await player.move(3, 0)
        await player.remove(2)
        names = [Path(i.uri).name for i in player.queue]
        assert names == ["04.flac", "01.flac", "03.flac"]
        mpv_names = [Path(e["filename"]).name for e in player._mpv().get("playlist")]
        assert mpv_names == names  # the same entries in the same order in mpv
        await player.play(1)
        for _ in range(100):
            if player.state().state == "playing" and (player.state().position or 0) > 0.2:
                break
            await asyncio.sleep(0.02)
        assert player.state().index == 1
        await engine.queue_add(str(paths[1]), after_current=True)  # plays next
        names = [Path(i.uri).name for i in player.queue]
        assert names == ["04.flac", "01.flac", "02.flac", "03.flac"]
        await player.pause()  # paused, the position is where the seeks put it, not further on
        await player.seek(0.5, relative=False)
        await until(lambda: abs((player.state().position or 0) - 0.5) < 0.05, "at 0:00.5")
        await player.toggle_pause()
        await player.seek(-0.3)  # relative: back from 0:00.5, where it cannot have come by playing
        await until(lambda: (player.state().position or 0) < 0.45, "back before 0:00.45")
        assert (player.state().position or 0) >= 0.1
        await player.next()  # skipped: ended by the user early
        for _ in range(100):
            if player.state().index == 2:
                break
            await asyncio.sleep(0.02)
        assert player.state().index == 2
        await player.clear()
        assert player.queue == ()
        history = await until_played(engine, 1)
    assert history[0] == (str(paths[0]), False, True)


async def test_a_played_show_is_recorded_as_completed(
    player_engine: Engine, tmp_path: Path
) -> None:
    paths = cut(sweep(3.0), tmp_path, "FLAC", ".flac", [RATE, 2 * RATE])
    added = await player_engine.queue_add(str(tmp_path), play=True)
    assert [i.title for i in added] == ["01", "02", "03"]
    await asyncio.wait_for(player_engine.wait_until_idle(), 30)
    history = await until_played(player_engine, len(paths))
    assert history == [(str(p), True, False) for p in paths]


async def test_a_recording_streams_from_the_archive(
    player_engine: Engine, settings: Settings, fake_archive: FakeArchive
) -> None:
    items = await player_engine.queue_add("sci2007-07-28.Schoeps")
    assert len(items) == 24 and items[0].uri.startswith(fake_archive.url)
    player = player_engine._play  # the player itself: its mpv playlist is checked too
    for _ in range(len(items) - 2):
        await player.remove(2)  # keep two tracks
    await player.play(0)
    await asyncio.wait_for(player.wait_until_idle(), 30)
    await player_engine.close()
    samples, _ = sf.read(settings.data_dir / "out.wav", dtype="int16")
    assert len(samples) == pytest.approx(2 * RATE, abs=RATE // 10)  # two 1-second tracks
    served = [r.path for r in fake_archive.requests if r.path.startswith("/serve/")]
    assert any(p.endswith("d1t01.flac") for p in served)


async def test_without_libmpv_playback_says_what_to_install(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "mpv", None)  # as if libmpv were not installed
    async with Engine(settings) as engine:
        with pytest.raises(PlaybackUnavailable, match="libmpv2"):
            await engine.queue_add("sci2007-07-28.Schoeps")
        assert (await engine.search_concerts("Schoeps")).concerts  # the rest still works


async def test_a_bad_mpv_option_is_named(settings: Settings, tmp_path: Path) -> None:
    path = cut(sweep(1.0), tmp_path, "FLAC", ".flac", [])[0]
    options = (("ao", "null"), ("no-such-option", "1"))
    async with Engine(replace(settings, mpv_options=options)) as engine:
        with pytest.raises(ConfigError, match=r"player\.mpv\.no-such-option"):
            await engine.queue_add(str(path))


async def test_the_queue_and_position_come_back_paused_after_a_restart(
    settings: Settings, tmp_path: Path
) -> None:
    cut(sweep(9.0), tmp_path, "FLAC", ".flac", [3 * RATE, 6 * RATE])
    options = (("ao", "null"), *PCM_OPTIONS.items())
    configured = replace(settings, mpv_options=options)
    async with Engine(configured) as engine:
        await engine.queue_add(str(tmp_path))
        await engine.play(1, start=1.5)
        await engine.pause()
        for _ in range(100):
            if engine.player_state().state == "paused":
                break
            await asyncio.sleep(0.02)
    async with Engine(configured) as engine:
        assert await engine.restore_playback()
        player = engine._play  # the player itself: its mpv playlist is checked too
        assert [Path(i.uri).name for i in player.queue] == ["01.flac", "02.flac", "03.flac"]
        for _ in range(200):
            if player.state().position is not None and player.state().state == "paused":
                break
            await asyncio.sleep(0.02)
        state = player.state()
        assert (state.state, state.index) == ("paused", 1)
        assert state.position == pytest.approx(1.5, abs=0.25)


@pytest.mark.parametrize(("mode", "scale"), [("off", 1.0), ("track", 0.5), ("album", 0.25)])
async def test_replaygain_from_the_tags(
    settings: Settings, tmp_path: Path, mode: str, scale: float
) -> None:
    from engine.library.tags import write_tags

    (path,) = cut(sweep(1.0), tmp_path, "FLAC", ".flac", [])
    gains = {
        "replaygain_track_gain": "-6.02 dB",
        "replaygain_track_peak": "0.4",
        "replaygain_album_gain": "-12.04 dB",
        "replaygain_album_peak": "0.4",
    }
    write_tags(path, gains)  # mpv reads a gain only together with its peak
    pcm = tmp_path / "out.wav"
    options = (("ao", "pcm"), ("ao-pcm-file", str(pcm)), *PCM_OPTIONS.items())
    async with Engine(replace(settings, mpv_options=options, replaygain=mode)) as engine:
        await engine.queue_add(str(path), play=True)
        await asyncio.wait_for(engine.wait_until_idle(), 30)
    played, _ = sf.read(pcm, dtype="int16")
    peak = np.abs(played).max() / np.abs(sweep(1.0)).max()
    assert peak == pytest.approx(scale, rel=0.05)


async def test_repeat_all_goes_round_and_shuffle_keeps_sets_together(
    settings: Settings, tmp_path: Path
) -> None:
    from engine.library.tags import write_tags

    for album in ("A", "B", "C"):
        folder = tmp_path / album
        folder.mkdir()
        for path in cut(sweep(1.5), folder, "FLAC", ".flac", [RATE // 2, RATE]):
            write_tags(path, {"album": album, "title": f"{album}{path.stem}"})
    pcm = tmp_path / "out.wav"
    options = (("ao", "pcm"), ("ao-pcm-file", str(pcm)), *PCM_OPTIONS.items())
    async with Engine(replace(settings, mpv_options=options)) as engine:
        player = engine._play  # the player itself: its mpv playlist is checked too
        for album in ("A", "B", "C"):
            await engine.queue_add(str(tmp_path / album))
        await player.shuffle(keep_sets=True, seed=3)
        titles = [i.title for i in player.queue]
        assert sorted(titles) == sorted(f"{a}0{n}" for a in "ABC" for n in (1, 2, 3))
        assert titles != [f"{a}0{n}" for a in "ABC" for n in (1, 2, 3)]  # seed 3 moves sets
        for start in range(0, 9, 3):  # each set together and in order
            album = titles[start][0]
            assert titles[start : start + 3] == [f"{album}01", f"{album}02", f"{album}03"]
        mpv_files = [Path(e["filename"]) for e in player._mpv().get("playlist")]
        assert [f"{p.parent.name}{p.stem}" for p in mpv_files] == titles

        events = engine.events()
        await player.set_repeat("all")
        await player.play(7)
        seen: list[int] = []
        async for event in events:
            if isinstance(event, NowPlayingChanged):
                seen.append(event.index)
                if len(seen) == 4:
                    break
        await player.set_repeat("off")
        assert seen == [7, 8, 0, 1]  # past the end and round again


async def test_volume_mute_and_position_events_a_few_times_a_second(
    settings: Settings, tmp_path: Path
) -> None:
    from engine.events import PositionChanged

    (path,) = cut(sweep(3.0), tmp_path, "FLAC", ".flac", [])
    async with Engine(replace(settings, mpv_options=(("ao", "null"),))) as engine:
        player = engine._play  # the player itself: its mpv playlist is checked too
        events = engine.events()
        await engine.queue_add(str(path), play=True)
        await player.set_volume(40)
        await player.set_muted(True)
        positions: list[float] = []
        loop = asyncio.get_running_loop()
        started = loop.time()
        async for event in events:
            if isinstance(event, PositionChanged):
                positions.append(loop.time())
            if loop.time() - started > 1.5:
                break
        state = player.state()
        assert (state.volume, state.muted) == (40.0, True)
        # mpv reports the position many times a second; the engine passes on 4 at most.
        assert 2 <= len(positions) <= 1.5 / 0.25 + 2
        assert all(b - a >= 0.2 for a, b in itertools.pairwise(positions))


async def test_an_identifier_ending_like_a_file_is_queued_as_a_recording(
    settings: Settings, fake_archive
) -> None:  # type: ignore[no-untyped-def]
    """Etree identifiers often end in ".flac" (oar2008-08-30....km184.flac): a bare name that
    is no file here is asked of the archive; only when that fails too is it a missing file."""
    from engine import NotFoundError
    from tests.fake_archive.audio import synthesise

    flac = synthesise({"name": "t01.flac", "format": "Flac"}, 0.5)
    fake_archive.add_item(
        "band2001-01-01.km184.flac", {"creator": "Band", "date": "2001-01-01"}, {"t01.flac": flac}
    )
    quiet = replace(settings, mpv_options=(("ao", "null"),))
    async with Engine(quiet, backoff_base=0.01) as engine:
        queued = await engine.queue_add("band2001-01-01.km184.flac")
        assert [i.identifier for i in queued] == ["band2001-01-01.km184.flac"]
        with pytest.raises(NotFoundError, match=r"no such file or folder: gone\.flac"):
            await engine.queue_add("gone.flac")
