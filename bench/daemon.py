"""The daemon's socket against the same calls in-process.

    .venv/bin/python -m bench.daemon [--runs 300]

A ``liveset daemon`` runs as its own process (ao=null) with a queue of 1,000 entries; this
process talks to it through ``RemoteEngine`` and, as the reference, runs an ``Engine`` of its own
with the same queue, both against the fake archive.org on 127.0.0.1 (searches are answered from
the cache after the first). Measured: a status (the player's state), the whole queue of 1,000
entries, a search, and an event's latency (from a volume change asked on one connection to the
event reaching a subscriber on another; in-process, from the call to the subscriber).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from engine import Engine, PlayerStateChanged, RemoteEngine, daemon_running, load_settings
from tests.fake_archive import FakeArchive

QUEUE = 1000


def settings_for(root: Path, archive: FakeArchive) -> Any:
    return load_settings(
        {
            "data_dir": str(root / "data"),
            "music_dir": str(root / "music"),
            "archive_url": archive.url,
        },
        config_file=root / "no-config.toml",
        env={"LIVESET_MPV_OPTIONS": "ao=null"},
    )


def tone(folder: Path) -> Path:
    import soundfile

    from tests.signals import RATE, sweep

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tone.flac"
    soundfile.write(path, sweep(600.0), RATE)
    return path


async def timed(call: Any, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def event_latency(engine: Any, steer: Any, runs: int) -> list[float]:
    """From asking a volume change (through ``steer``) to ``engine``'s subscriber hearing it."""
    arrived: asyncio.Queue[float] = asyncio.Queue()

    async def listen() -> None:
        async for event in engine.events():
            if isinstance(event, PlayerStateChanged):
                arrived.put_nowait(time.perf_counter())

    listener = asyncio.create_task(listen())
    await asyncio.sleep(0.1)
    samples = []
    for run in range(runs):
        while not arrived.empty():
            arrived.get_nowait()
        started = time.perf_counter()
        await steer.set_volume(50.0 + run % 40)
        heard = await asyncio.wait_for(arrived.get(), 5)
        samples.append((heard - started) * 1000)
        await asyncio.sleep(0.01)
    listener.cancel()
    return samples


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


async def measure(root: Path, archive: FakeArchive, runs: int) -> list[tuple[str, ...]]:
    from engine import QueueItem

    path = tone(root / "tones")
    items = [QueueItem(uri=str(path), title=f"Tone {n}") for n in range(QUEUE)]
    env = {
        **os.environ,
        "HOME": str(root / "home"),
        "LIVESET_DATA_DIR": str(root / "daemon-data"),
        "LIVESET_MUSIC_DIR": str(root / "music"),
        "LIVESET_ARCHIVE_URL": archive.url,
        "LIVESET_RUNTIME_DIR": str(root / "run"),
        "LIVESET_MPV_OPTIONS": "ao=null",
    }
    daemon = subprocess.Popen(  # noqa: ASYNC220 - started once, before anything is timed
        [sys.executable, "-m", "tui", "daemon"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    socket = root / "run" / "liveset.sock"
    while not daemon_running(socket):  # noqa: ASYNC110 - another process, no event to wait on
        await asyncio.sleep(0.05)
    rows: list[tuple[str, ...]] = []
    try:
        local = Engine(settings_for(root, archive))
        await local.start()
        remote = RemoteEngine(settings_for(root, archive), socket)
        await remote.start()
        other = RemoteEngine(settings_for(root, archive), socket)
        await other.start()
        for engine in (local, remote):
            await engine.queue_insert(items)
            await engine.play(0, paused=True)
            await engine.search_concerts("washington")  # the cache holds it from here
        # Each call through the socket (a round trip, not the client's copy) and in-process.
        cases = [
            (
                "status (the player's state)",
                runs,
                lambda: remote._call("player_state", (), {}),
                lambda: _sync(local.player_state),
            ),
            (
                f"the queue of {QUEUE:,} entries",
                runs // 5,
                lambda: remote._call("play_queue", (), {}),
                lambda: _sync(local.play_queue),
            ),
            (
                "search (cached answer)",
                runs // 5,
                lambda: remote.search_concerts("washington"),
                lambda: local.search_concerts("washington"),
            ),
        ]
        for name, count, remote_call, local_call in cases:
            there = summary(await timed(remote_call, count))
            here = summary(await timed(local_call, count))
            rows.append(_row(name, there, here))
        there = summary(await event_latency(remote, other, runs // 5))
        here = summary(await event_latency(local, local, runs // 5))
        rows.append(_row("an event reaching a client", there, here))
        await remote.close()
        await other.close()
        await local.close()
    finally:
        daemon.terminate()
        daemon.wait(20)
    return rows


async def _sync(call: Any) -> Any:
    return call()


def _row(name: str, there: tuple[float, float], here: tuple[float, float]) -> tuple[str, ...]:
    return (
        name,
        f"{there[0]:.2f} ms",
        f"{there[1]:.2f} ms",
        f"{here[0]:.3f} ms",
        f"{there[0] - here[0]:+.2f} ms",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    archive = FakeArchive(seconds=1.0).start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            rows = asyncio.run(measure(Path(folder), archive, args.runs))
    finally:
        archive.stop()
    print("\nThe daemon's socket against the same call in-process (medians; p95 of the socket)\n")
    header = ("call", "socket median", "socket p95", "in-process median", "socket adds")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
