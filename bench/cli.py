"""The commands that steer a running daemon, each a whole process, against a bare interpreter.

    .venv/bin/python -m bench.cli [--runs 20]

A ``liveset daemon`` runs as its own process (ao=null) with a queue of three tones; each command
is started ``--runs`` times as a status bar starts it (the ``liveset`` script of this
environment), and so is ``python -c pass`` in the same run, as the reference. Then the daemon
stops and ``status`` runs again, reading the queue the daemon left from the database.
Targets: ``status`` to a running daemon under 60 ms median, without a daemon under 250 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engine import daemon_running

COMMANDS: tuple[tuple[str, ...], ...] = (
    ("status",),
    ("status", "--json"),
    ("queue",),
    ("seek", "+1"),  # while a track plays (with the queue run out, a seek waits for a file)
    ("volume", "+0"),
    ("pause",),
    ("toggle",),
    ("play",),
    ("next",),
    ("prev",),
)


def tones(folder: Path) -> Path:
    import soundfile

    from tests.signals import RATE, sweep

    folder.mkdir(parents=True, exist_ok=True)
    for n in (1, 2, 3):
        soundfile.write(folder / f"0{n} Tone {n}.flac", sweep(600.0), RATE)
    return folder


def timed(argv: list[str], env: dict[str, str], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, check=False)
        samples.append((time.perf_counter() - started) * 1000)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode(errors='replace')}")
    return samples


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def measure(root: Path, runs: int) -> list[tuple[str, ...]]:
    liveset = str(Path(sys.executable).parent / "liveset")
    env = {
        **os.environ,
        "HOME": str(root / "home"),
        "LIVESET_DATA_DIR": str(root / "data"),
        "LIVESET_MUSIC_DIR": str(root / "music"),
        "LIVESET_ARCHIVE_URL": "http://127.0.0.1:9",  # nothing here asks the archive
        "LIVESET_RUNTIME_DIR": str(root / "run"),
        "LIVESET_MPV_OPTIONS": "ao=null",
    }
    daemon = subprocess.Popen(
        [liveset, "daemon"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    socket = root / "run" / "liveset.sock"
    deadline = time.monotonic() + 60
    while not daemon_running(socket):  # another process: nothing to wait on but its socket
        if daemon.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the daemon did not start")
        time.sleep(0.05)
    rows: list[tuple[str, ...]] = []
    bare = summary(timed([sys.executable, "-c", "pass"], env, runs))
    rows.append(_row("python -c pass", bare, bare))
    try:
        subprocess.run([liveset, "play", str(tones(root / "tones"))], env=env, check=True)
        for command in COMMANDS:
            rows.append(
                _row(" ".join(command), summary(timed([liveset, *command], env, runs)), bare)
            )
    finally:
        daemon.terminate()
        daemon.wait(30)
    rows.append(_row("status (no daemon)", summary(timed([liveset, "status"], env, runs)), bare))
    return rows


def _row(name: str, found: tuple[float, float], bare: tuple[float, float]) -> tuple[str, ...]:
    return (name, f"{found[0]:.1f} ms", f"{found[1]:.1f} ms", f"{found[0] / bare[0]:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        rows = measure(Path(folder), args.runs)
    print(
        f"\nEach command as a whole process, {args.runs} runs (a daemon runs, but for the last)\n"
    )
    header = ("command", "median", "p95", "against python -c pass")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
