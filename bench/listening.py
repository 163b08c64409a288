"""The listening features at scale, against references run in the same script.

    .venv/bin/python -m bench.listening [--plays 100000] [--tracks 5000] [--runs 20]

1. Stats over ``--plays`` plays in an SQLite database: ``Engine.listening_stats`` in process,
   and ``liveset stats --json`` as a whole process, each ``--runs`` times; target under 200 ms.
   The reference is ``python -c pass`` (a bare interpreter) for the command.
2. A playlist of ``--tracks`` items (the tracks of a recording on disk, over and over) queued
   and played to the first sound (``ao=null``): from ``queue_playlist(play=True)`` to the
   first position mpv reports past zero, against a bare mpv ``loadfile`` of the same files
   through python-mpv; target under 300 ms more than the bare mpv.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def _row(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(values):9.1f} | {p95:9.1f}"


async def plays_into(engine, count: int) -> None:  # type: ignore[no-untyped-def]
    from engine.storage.schema import PlayRow

    rng = random.Random(7)
    artists = [f"Band {n}" for n in range(300)]
    songs = [f"Song {n}" for n in range(2_000)]
    start = time.time() - 400 * 86_400

    def write(session) -> None:  # type: ignore[no-untyped-def]
        session.bulk_save_objects(
            [
                PlayRow(
                    owner=engine.settings.profile,
                    identifier=f"rec{n % 5_000}",
                    file_name="t.flac",
                    path="",
                    started_at=start + rng.random() * 400 * 86_400,
                    seconds_played=rng.random() * 600,
                    position=0.0,
                    completed=rng.random() < 0.7,
                    skipped=rng.random() < 0.2,
                    title=rng.choice(songs),
                    artist=rng.choice(artists),
                    album=f"{1965 + n % 50}-0{1 + n % 9}-1{n % 9} Venue {n % 400}, City",
                    duration=600.0,
                )
                for n in range(count)
            ]
        )

    await engine._database.run(write)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plays", type=int, default=100_000)
    parser.add_argument("--tracks", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    from engine import Engine, PositionChanged
    from tests.conftest import make_settings
    from tests.fake_archive import FakeArchive

    root = Path(tempfile.mkdtemp(prefix="liveset-listening-"))
    archive = FakeArchive(seconds=2.0).start()
    settings = dataclasses.replace(make_settings(root, archive.url), mpv_options=(("ao", "null"),))
    results: list[tuple[str, str, str]] = []

    async def stats_in_process() -> list[float]:
        async with Engine(settings) as engine:
            await plays_into(engine, args.plays)
            samples = []
            for _ in range(args.runs + 2):
                started = time.perf_counter()
                found = await engine.listening_stats()
                samples.append((time.perf_counter() - started) * 1000)
            assert found.artists
            return samples[2:]

    in_process = asyncio.run(stats_in_process())
    env = {
        **os.environ,
        "HOME": str(root / "home"),
        "LIVESET_DATA_DIR": str(settings.data_dir),
        "LIVESET_MUSIC_DIR": str(settings.music_dir),
        "LIVESET_ARCHIVE_URL": archive.url,
        "LIVESET_RUNTIME_DIR": str(root / "run"),
    }
    (root / "run").mkdir(mode=0o700)

    def whole(argv: list[str]) -> list[float]:
        samples = []
        for _ in range(args.runs):
            started = time.perf_counter()
            done = subprocess.run(argv, env=env, capture_output=True, check=False)
            samples.append((time.perf_counter() - started) * 1000)
            if done.returncode != 0:
                raise SystemExit(done.stderr.decode(errors="replace"))
        return samples

    bare = whole([sys.executable, "-c", "pass"])
    command = whole([sys.executable, "-m", "tui", "stats", "--json"])
    results += [
        ("python -c pass", _row(bare), "1.00x"),
        (f"stats over {args.plays:,} plays, in process", _row(in_process), "-"),
        (
            f"liveset stats --json over {args.plays:,} plays",
            _row(command),
            f"{statistics.median(command) / statistics.median(bare):.2f}x",
        ),
    ]

    async def first_sound() -> tuple[list[float], list[str]]:
        async with Engine(settings, backoff_base=0.01) as engine:
            await engine.run_downloads()
            queued = await engine.download("sci2007-07-28.Schoeps", tracks=[1, 2])
            await engine.wait_downloads(ids=[d.id for d in queued])
            await engine.create_playlist("Long")
            for _ in range(args.tracks // 2):
                await engine.playlist_add("Long", "sci2007-07-28.Schoeps", [1, 2])
            files = [e.item.uri for e in await engine.playlist("Long") if e.item]
            samples = []
            for _ in range(max(3, args.runs // 4)):
                await engine.queue_clear()
                events = engine.events()

                async def sounded(events=events) -> float:  # type: ignore[no-untyped-def]
                    async for event in events:
                        if isinstance(event, PositionChanged) and (event.position or 0) > 0:
                            return time.perf_counter()
                    return time.perf_counter()

                # Heard as it is published, while the rest of the list is still being added.
                listening = asyncio.create_task(sounded())
                started = time.perf_counter()
                await engine.queue_playlist("Long", play=True)
                heard_at = await listening
                samples.append((heard_at - started) * 1000)
                await engine.stop()
            return samples, files

    played, files = asyncio.run(first_sound())

    import mpv

    bare_mpv = []
    for _ in range(len(played)):
        player = mpv.MPV(ao="null", vo="null", ytdl=False)
        heard = threading.Event()

        @player.property_observer("time-pos")
        def moved(_name, value, heard=heard) -> None:  # type: ignore[no-untyped-def]
            if value and value > 0:
                heard.set()

        started = time.perf_counter()
        for n, path in enumerate(files):
            player.loadfile(path, "replace" if n == 0 else "append")
        heard.wait(30)
        bare_mpv.append((time.perf_counter() - started) * 1000)
        player.terminate()
    results += [
        (f"bare mpv loadfile of {len(files):,} files, to first sound", _row(bare_mpv), "-"),
        (
            f"queue_playlist of {len(files):,} tracks, to first sound",
            _row(played),
            f"+{statistics.median(played) - statistics.median(bare_mpv):.0f} ms",
        ),
    ]
    archive.stop()
    print("| what | median ms | p95 ms | against the reference |")
    print("| --- | ---: | ---: | --- |")
    for what, numbers, ratio in results:
        median, p95 = (n.strip() for n in numbers.split("|"))
        print(f"| {what} | {median} | {p95} | {ratio} |")
    print(json.dumps({"plays": args.plays, "tracks": len(files)}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
