"""The app: launch time, first key, resident memory, idle CPU, and event-loop lag under load.

    .venv/bin/python -m bench.app [--runs 7] [--dir DIR]

Launch: liveset and a bare Textual app showing one DataTable (the floor, ``bench/bare_app.py``)
take turns, each started in a pseudo-terminal of 80x24 as a person would start it; the clock runs
from the spawn to the first screen drawn (a word of its footer seen on the terminal), then a key
is sent (``?``) and the clock runs to its answer drawn. liveset opens on a library of 100,000
real tagged files (built and scanned once into ``DIR``) and the fake archive.org on 127.0.0.1.
Then, with the library screen open, the resident memory of both, and their CPU use over 5 idle
seconds.

Lag: the app runs in this process (headless, 160x48, downloads screen shown) with a probe that
asks the event loop to wake it every 5 ms and records how late it wakes: first idle, then while
3 downloads (20 tracks of 16 MB, 50 ms per request) and a scan of 10,000 files run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.downloads import Server
from bench.library import build
from engine import Engine, load_settings
from tests.pty_terminal import Terminal

ROOT = Path(__file__).resolve().parents[1]
LIVESET = Path(sys.executable).parent / "liveset"
PROBE = 0.005


@dataclass
class Launch:
    drawn: float
    key: float
    rss_mb: float
    idle_cpu: float  # percent of one core over the idle window


def settings_for(data: Path, music: Path, url: str, folders: list[Path]) -> dict[str, str]:
    return {
        "LIVESET_DATA_DIR": str(data),
        "LIVESET_MUSIC_DIR": str(music),
        "LIVESET_ARCHIVE_URL": url,
        "LIVESET_CONFIG": str(data / "none.toml"),
        "LIVESET_LIBRARY_FOLDERS": os.pathsep.join(str(f) for f in folders),
        "LIVESET_MPV_OPTIONS": "ao=null",
    }


async def scan_into(env: dict[str, str]) -> int:
    settings = load_settings(env={**os.environ, **env})
    async with Engine(settings) as engine:
        result = await engine.scan_library()
        return result.files


def prepare(root: Path, url: str) -> dict[str, str]:
    """A data dir whose library holds 100,000 scanned files (kept between runs)."""
    build(root / "library", 100_000)
    data = root / "app-data"
    env = settings_for(data, root / "app-music", url, [root / "library"])
    marker = data / ".scanned-100000"
    if not marker.exists():
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        Path(env["LIVESET_CONFIG"]).touch()  # an empty config: the defaults
        print("scanning 100,000 files once…", file=sys.stderr)
        files = asyncio.run(scan_into(env))
        assert files == 100_000, files
        marker.touch()
    return env


def launch(kind: str, env: dict[str, str]) -> Launch:
    if kind == "liveset":
        argv, ready, answer = [str(LIVESET)], b"Surprise", b"remap them"
    else:
        argv, ready, answer = [sys.executable, "-m", "bench.bare_app"], b"Answer", b"key handled"
    term = Terminal(argv, env if kind == "liveset" else {})
    try:
        drawn = term.wait_for(ready)
        sent = time.perf_counter() - term.started
        term.send(b"?")
        key = term.wait_for(answer) - sent
        if kind == "liveset":
            term.send(b"\x1b")  # close the help, open the library screen
            term.idle(0.3)
            term.send(b"3")
            term.wait_for(b"100000 files")
        term.idle(1.0)
        rss = term.rss_mb()
        before = term.cpu_seconds()
        term.idle(5.0)
        idle_cpu = (term.cpu_seconds() - before) / 5.0 * 100
        return Launch(drawn, key, rss, idle_cpu)
    finally:
        term.close()


def library_launch(env: dict[str, str], *, first_ever: bool = False) -> float:
    """Seconds from the spawn to the library screen showing the 100,000-track library (its
    first artist and its totals), with ``3`` pressed as soon as the first screen is up.
    ``first_ever``: without the overview kept from the last run (read from the database)."""
    if first_ever:
        (Path(env["LIVESET_DATA_DIR"]) / "library-overview.json").unlink(missing_ok=True)
    term = Terminal([str(LIVESET)], env)
    try:
        term.wait_for(b"Surprise")
        term.send(b"3")
        term.wait_for(b"Band 00-0")
        if b"100000 files" not in term.output:
            term.wait_for(b"100000 files")
        return time.perf_counter() - term.started
    finally:
        term.close()


async def lag(url: str, folder: Path) -> tuple[list[float], list[float], float]:
    """How late the loop wakes a 5 ms sleeper: idle, then under load; and the load's length."""
    from tui.app import LivesetApp

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            {
                "data_dir": f"{tmp}/data",
                "music_dir": f"{tmp}/music",
                "archive_url": url,
                "download_concurrency": 3,
                "library_folders": [str(folder)],
            },
            config_file=f"{tmp}/none.toml",
        )
        app = LivesetApp(settings, restore_playback=False)
        samples: list[float] = []
        running = True

        async def probe() -> None:
            while running:
                started = time.perf_counter()
                await asyncio.sleep(PROBE)
                samples.append(time.perf_counter() - started - PROBE)

        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause(1.0)
            await pilot.press("2")
            await pilot.pause(0.5)
            task = asyncio.create_task(probe())
            await asyncio.sleep(3.0)
            idle = list(samples)
            samples.clear()
            started = time.perf_counter()
            await app.engine.download("bench-show")
            scan = asyncio.create_task(app.engine.scan_library([folder]))
            done = await app.engine.wait_downloads()
            result = await scan
            seconds = time.perf_counter() - started
            running = False
            await task
            assert all(d.state.value == "done" for d in done), [d.error for d in done]
            assert result.files == 10_000, result.files
        return idle, samples, seconds


def library_only(args: argparse.Namespace) -> None:
    server = Server(latency=0.05, large_mb=1, show_mb=1)
    try:
        env = prepare(args.dir, server.url)
        library_launch(env)
        times, first = [], []
        for _ in range(args.runs):
            times.append(library_launch(env))
            first.append(library_launch(env, first_ever=True))
    finally:
        server.stop()
    print("| measure | liveset (100,000-track library) | target |")
    print("|---|---|---|")
    print(f"| launch to the library screen | {ms(statistics.median(times))} | < 600 ms |")
    print(
        f"| the same, the first time ever (no kept overview) | {ms(statistics.median(first))} | - |"
    )


def ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "liveset-bench")
    parser.add_argument(
        "--library-only", action="store_true", help="only launch to the library screen"
    )
    args = parser.parse_args()
    if args.library_only:
        library_only(args)
        return

    server = Server(latency=0.05, large_mb=1, show_mb=16)
    try:
        env = prepare(args.dir, server.url)
        runs: dict[str, list[Launch]] = {"liveset": [], "bare": []}
        to_library: list[float] = []
        first_library: list[float] = []
        launch("liveset", env)  # warm the file cache once for both, untimed
        launch("bare", env)
        library_launch(env)
        for _ in range(args.runs):
            for kind in runs:
                runs[kind].append(launch(kind, env))
            to_library.append(library_launch(env))
            first_library.append(library_launch(env, first_ever=True))
        idle, loaded, seconds = asyncio.run(lag(server.url, args.dir / "library" / "part-00"))
    finally:
        server.stop()

    def median(kind: str, field: str) -> float:
        return statistics.median(getattr(r, field) for r in runs[kind])

    print(f"\nlaunch and first key: median of {args.runs} runs each, taking turns, 80x24")
    print("| measure | liveset (100,000-track library) | floor: bare DataTable app | ratio |")
    print("|---|---|---|---|")
    for label, field in (
        ("launch to first screen drawn", "drawn"),
        ("first key to its answer drawn", "key"),
    ):
        mine, floor = median("liveset", field), median("bare", field)
        print(f"| {label} | {ms(mine)} | {ms(floor)} | {mine / floor:.2f}x |")
    total = [r.drawn + r.key for r in runs["liveset"]]
    floor_total = [r.drawn + r.key for r in runs["bare"]]
    print(
        f"| launch to first key handled | {ms(statistics.median(total))} | "
        f"{ms(statistics.median(floor_total))} | "
        f"{statistics.median(total) / statistics.median(floor_total):.2f}x |"
    )
    print(
        f"| launch to the library screen showing 100,000 tracks | "
        f"{ms(statistics.median(to_library))} | - | target < 600 ms |"
    )
    print(
        f"| the same, the first time ever (no kept overview) | "
        f"{ms(statistics.median(first_library))} | - | - |"
    )
    print(
        f"| resident memory (library screen open) | {median('liveset', 'rss_mb'):.0f} MB | "
        f"{median('bare', 'rss_mb'):.0f} MB | target < 150 MB |"
    )
    print(
        f"| CPU while idle, 5 s | {median('liveset', 'idle_cpu'):.1f}% | "
        f"{median('bare', 'idle_cpu'):.1f}% | - |"
    )
    print(f"\nevent-loop lag: a 5 ms sleeper woken late by (load ran {seconds:.1f} s)")
    print("| state | samples | p50 | p99 | max |")
    print("|---|---|---|---|---|")
    for label, values in (
        ("idle, downloads screen shown", idle),
        ("3 downloads + scan of 10,000 files", loaded),
    ):
        print(
            f"| {label} | {len(values)} | {ms(percentile(values, 0.5))} | "
            f"{ms(percentile(values, 0.99))} | {ms(max(values))} |"
        )


if __name__ == "__main__":
    main()
