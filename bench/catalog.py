"""The local catalog at the Live Music Archive's scale, against the live path.

    .venv/bin/python -m bench.catalog [--items 250000] [--new 1000] [--latency 0.15]

The fake archive.org runs in this process with a synthetic etree of ``--items`` recordings over
2,000 artists (and the real fixtures among them). ``liveset catalog sync`` runs as its own
process, so its wall time and peak resident memory (from ``wait4``) are its own; then
``--new`` recordings are added and the update sync is timed the same way. Then the questions the
app asks, answered by an engine on the synced catalog and by an engine without one through the
same fake with ``--latency`` seconds added to every request (each live answer with an empty
cache: a fresh data dir each round). The fake's live search reads only the fixtures, so the
live figures are its floor: the archive's own search time comes on top.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from engine import Engine, load_settings
from tests.fake_archive import FakeArchive
from tests.fake_archive.etree import SyntheticEtree

ROOT = Path(__file__).resolve().parents[1]


def run_sync(env: dict[str, str], *args: str) -> tuple[float, float, dict[str, Any]]:
    """Wall seconds, peak resident MB and the ``--json`` result of one ``catalog sync``."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "tui", "catalog", "sync", "--json", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = process.communicate()
    elapsed = time.perf_counter() - started
    # communicate() reaped it: its peak memory is in the children's usage, which only grows,
    # so every sync runs before any other child of this process.
    import resource

    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if process.returncode:
        raise SystemExit(f"catalog sync failed: {err.strip()}")
    return elapsed, peak_mb, json.loads(out)


def typed(phrase: str) -> list[str]:
    """What a search box holds after each key of ``phrase``."""
    return [phrase[:n] for n in range(1, len(phrase) + 1) if not phrase[:n].endswith(" ")]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def timed(call: Any) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


def settings(root: Path, url: str) -> Any:
    return load_settings(
        {"data_dir": str(root / "data"), "music_dir": str(root / "music"), "archive_url": url},
        config_file=root / "none.toml",
    )


async def questions(
    archive: FakeArchive, root: Path, etree: SyntheticEtree, latency: float, runs: int
) -> list[str]:
    big = max(range(len(etree.counts)), key=etree.counts.__getitem__)
    band = etree.artists[big][1]
    venue_word = "fillmore"
    phrases = [f"{band} 1977", "grateful dead 1977-05-08", f"{venue_word} ithaca"]
    keys = [q for phrase in phrases for q in typed(phrase)]
    asks: list[tuple[str, Any]] = [
        ("artists list", lambda e: e.artists()),
        ("years of an artist", lambda e: e.artist_years("Grateful Dead")),
        ("on this day", lambda e: e.concerts_on_day(5, 8)),
        ("a year's concerts", lambda e: e.concerts_in("Grateful Dead", "1977")),
    ]
    rows = []
    async with Engine(settings(root, archive.url)) as local:
        assert (await local.catalog_status()).ready
        archive.latency = 0.0
        local_keys = [await timed(lambda q=q: local.search_concerts(q)) for q in keys * runs]
        local_times = {
            name: [await timed(lambda a=ask: a(local)) for _ in range(runs)] for name, ask in asks
        }
    archive.latency = latency
    live_keys: list[float] = []
    live_times: dict[str, list[float]] = {name: [] for name, _ in asks}
    for round_ in range(runs):
        with tempfile.TemporaryDirectory() as fresh:
            async with Engine(settings(Path(fresh), archive.url)) as live:
                if round_ == 0:
                    live_keys = [await timed(lambda q=q: live.search_concerts(q)) for q in keys]
                for name, ask in asks:
                    live_times[name].append(await timed(lambda a=ask: a(live)))
    archive.latency = 0.0

    def row(name: str, ours: list[float], theirs: list[float]) -> str:
        a, b = statistics.median(ours), statistics.median(theirs)
        return (
            f"| {name} | {a:.1f} | {p95(ours):.1f} | {b:.0f} | {p95(theirs):.0f} | "
            f"{b / a:,.0f}x faster |"
        )

    rows.append(row(f"search as you type ({len(keys)} keys)", local_keys, live_keys))
    for name, _ in asks:
        rows.append(row(name, local_times[name], live_times[name]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=250_000)
    parser.add_argument("--new", type=int, default=1_000)
    parser.add_argument("--latency", type=float, default=0.15)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    archive = FakeArchive(seconds=1.0).start()
    etree = SyntheticEtree(count=args.items, artists=min(2_000, args.items))
    archive.serve_etree(etree)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = {
            **os.environ,
            "HOME": str(root),
            "LIVESET_DATA_DIR": str(root / "data"),
            "LIVESET_MUSIC_DIR": str(root / "music"),
            "LIVESET_ARCHIVE_URL": archive.url,
            "LIVESET_RUNTIME_DIR": str(root / "run"),
        }
        full_s, full_mb, full = run_sync(env)
        size = (root / "data" / "liveset.db").stat().st_size
        etree.add(args.new, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        update_s, _, update = run_sync(env)
        print(f"{len(etree):,} synthetic recordings + {full['items'] - len(etree):,} real ones")
        print()
        print("| sync | wall s (process) | s in the engine | peak RSS MB | recordings | database |")
        print("|---|---|---|---|---|---|")
        print(
            f"| full | {full_s:.1f} | {full['seconds']:.1f} | {full_mb:.0f} | "
            f"{full['added']:,} added | {size / 2**20:.0f} MB ({size / full['items']:.0f} B each) |"
        )
        print(
            f"| update after {args.new:,} new | {update_s:.1f} | {update['seconds']:.2f} | - | "
            f"{update['added']:,} added, {update['updated']:,} updated | |"
        )
        print()
        print(
            f"| question | local median ms | local p95 ms | live median ms "
            f"({args.latency * 1000:.0f} ms a request) | live p95 ms | ratio |"
        )
        print("|---|---|---|---|---|---|")
        rows = asyncio.run(questions(archive, root, etree, args.latency, args.runs))
        print("\n".join(rows))
    archive.stop()


if __name__ == "__main__":
    main()
