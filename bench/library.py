"""Library scan and search: liveset against ``beet import -A -q`` on the same real files.

    .venv/bin/python -m bench.library [--tracks 100000] [--beets-tracks 10000] [--dir DIR]

Builds a library of small real Flac files with synthetic tags (kept in ``--dir`` between runs),
in folders of 10,000 tracks. Reports: liveset's full scan and unchanged rescan of the first
folder against beets importing the same folder (as-is, quiet, into a new database); the full
scan and rescan of the whole library; text-search latency over it (median and p95 of 200
queries). Install beets for the comparison: ``.venv/bin/pip install beets``.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
from mutagen.flac import FLAC

from engine import Engine, load_settings

WORDS = [
    "dark",
    "star",
    "fire",
    "mountain",
    "scarlet",
    "begonias",
    "eyes",
    "world",
    "ripple",
    "morning",
    "dew",
    "sugar",
    "magnolia",
    "terrapin",
    "station",
    "china",
    "cat",
    "sunflower",
    "rider",
    "bertha",
    "jack",
    "straw",
    "wharf",
    "rat",
    "stella",
    "blue",
    "tweezer",
    "reba",
    "harpua",
    "bathtub",
    "gin",
    "stash",
    "divided",
    "sky",
    "fluffhead",
    "slave",
    "weekapaug",
    "groove",
]
CITIES = ["Ithaca, NY", "Denver, CO", "Atlanta, GA", "Portland, OR", "Austin, TX", "Boston, MA"]
VENUES = ["Barton Hall", "Red Rocks", "The Omni", "Fillmore", "Civic Center", "Greek Theatre"]
PER_FOLDER = 10_000


def template() -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, np.zeros((2205, 2), dtype=np.int16), 44100, format="FLAC")
    return buffer.getvalue()


def build(root: Path, tracks: int) -> None:
    """``root/part-NN/Artist/YYYY-MM-DD Venue, City/NN Title.flac``, tagged."""
    marker = root / f".built-{tracks}"
    if marker.exists():
        return
    shutil.rmtree(root, ignore_errors=True)
    base = template()
    rng = random.Random(7)
    started = time.perf_counter()
    for n in range(tracks):
        folder, rest = divmod(n, PER_FOLDER)
        concert, number = divmod(rest, 10)
        artist = f"Band {folder:02d}-{concert // 50:03d}"
        date = f"{1965 + concert % 40}-{1 + concert % 12:02d}-{1 + concert % 28:02d}"
        venue, city = rng.choice(VENUES), rng.choice(CITIES)
        title = " ".join(rng.sample(WORDS, 2)).title()
        album = f"{date} {venue}, {city}"
        path = root / f"part-{folder:02d}" / artist / album / f"{number + 1:02d} {title}.flac"
        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO(base)
        audio = FLAC(buffer)
        audio.update(
            {
                "ARTIST": artist,
                "ALBUM": album,
                "DATE": date,
                "TITLE": title,
                "TRACKNUMBER": str(number + 1),
            }
        )
        buffer.seek(0)
        audio.save(buffer)
        path.write_bytes(buffer.getvalue())
        if n and n % 20_000 == 0:
            print(f"built {n} files ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    marker.touch()


async def scan_twice(folders: list[Path], db_dir: Path) -> tuple[float, float, int]:
    settings = load_settings(
        {"data_dir": str(db_dir), "music_dir": str(folders[0])},
        config_file=db_dir / "none.toml",
    )
    async with Engine(settings) as engine:
        first = await engine.scan_library(folders)
        second = await engine.scan_library(folders)
    assert second.unchanged == first.files and second.added == 0
    return first.seconds, second.seconds, first.files


async def search_latency(folders: list[Path], db_dir: Path, queries: int) -> list[float]:
    settings = load_settings(
        {"data_dir": str(db_dir), "music_dir": str(folders[0])},
        config_file=db_dir / "none.toml",
    )
    rng = random.Random(11)
    terms = [
        rng.choice(
            [
                rng.choice(WORDS),
                rng.choice(WORDS)[:3],
                f"{rng.choice(WORDS)} {rng.choice(CITIES).split(',')[0].lower()}",
                str(1965 + rng.randrange(40)),
                f"band {rng.randrange(10):02d}",
            ]
        )
        for _ in range(queries)
    ]
    times = []
    async with Engine(settings) as engine:
        for term in terms:
            started = time.perf_counter()
            await engine.library_search(term, limit=200)
            times.append(time.perf_counter() - started)
    return times


def beets_import(folder: Path) -> float | None:
    beet = shutil.which("beet") or str(Path(sys.executable).with_name("beet"))
    if not Path(beet).exists():
        return None
    with tempfile.TemporaryDirectory() as home:
        config = Path(home) / "config.yaml"
        config.write_text(
            f"directory: {home}/lib\nlibrary: {home}/library.db\nplugins: []\n"
            "import:\n  write: no\n  copy: no\n  log: null\n"
        )
        started = time.perf_counter()
        subprocess.run(
            [beet, "-c", str(config), "import", "-A", "-q", str(folder)],
            check=True,
            capture_output=True,
            env={"BEETSDIR": home, "HOME": home, "PATH": "/usr/bin:/bin"},
        )
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "liveset-bench")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    root = args.dir / "library"
    build(root, args.tracks)
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    lines = ["| measure | files | liveset | reference | ratio |", "|---|---|---|---|---|"]

    with tempfile.TemporaryDirectory() as db:
        full, rescan, files = asyncio.run(scan_twice(folders[:1], Path(db)))
    beets = beets_import(folders[0])
    if beets is None:
        lines.append(f"| full scan | {files} | {full:.2f} s | beets not installed | - |")
    else:
        lines.append(
            f"| full scan vs `beet import -A -q` | {files} | {full:.2f} s | {beets:.2f} s | "
            f"{beets / full:.1f}x faster |"
        )
    lines.append(f"| unchanged rescan | {files} | {rescan:.2f} s | target < 2 s | - |")

    with tempfile.TemporaryDirectory() as db:
        full, rescan, files = asyncio.run(scan_twice(folders, Path(db)))
        lines.append(f"| full scan | {files} | {full:.2f} s | - | - |")
        lines.append(f"| unchanged rescan | {files} | {rescan:.2f} s | target < 2 s | - |")
        times = asyncio.run(search_latency(folders, Path(db), args.queries))
    times.sort()
    median = statistics.median(times) * 1000
    p95 = times[int(len(times) * 0.95) - 1] * 1000
    lines.append(f"| text search, median | {files} | {median:.1f} ms | - | - |")
    lines.append(f"| text search, p95 | {files} | {p95:.1f} ms | - | - |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
