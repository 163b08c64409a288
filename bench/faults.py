"""Faults, run as a user meets them, with a table of what each ended in.

    .venv/bin/python -m bench.faults [--kills 10] [--lock-seconds 12]

Every scenario runs `liveset` as its own process against the fake archive.org on 127.0.0.1:
- SIGKILL mid-file on a slow link, ``--kills`` times in a row, then a run to the end: for each
  kill, the bytes on disk when it came and where the next run asked the archive to resume.
- The fault kinds: a 503 storm, dropped connections, truncated and corrupted bodies, a stall
  killed, a database another program locks for ``--lock-seconds``, a disk that fills (a small
  tmpfs; needs root), a cancel from another liveset while files run.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.fake_archive import FakeArchive

SCI = "sci2007-07-28.Schoeps"


def environment(root: Path, archive: FakeArchive, **extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("LIVESET_")},
        "HOME": str(root / "home"),
        "LIVESET_DATA_DIR": str(root / "data"),
        "LIVESET_MUSIC_DIR": str(root / "music"),
        "LIVESET_ARCHIVE_URL": archive.url,
        "LIVESET_KEEP_FREE": "0",
        **extra,
    }


def liveset(*args: str) -> list[str]:
    return [sys.executable, "-m", "tui", *args]


def parts(root: Path) -> list[Path]:
    return list((root / "music").rglob("*.part"))


def outcome(result: subprocess.CompletedProcess[str]) -> str:
    traceback = "Traceback" in result.stderr or "never retrieved" in result.stderr
    return f"exit {result.returncode}" + (", TRACEBACK" if traceback else "")


def kills(count: int) -> list[tuple[str, ...]]:
    """SIGKILL on a slow link ``count`` times, then a run to the end."""
    archive = FakeArchive(seconds=40.0).start()
    archive.pace = 40_000  # bytes a second: the 1.4 MB track would take 35 s
    archive.item(SCI)  # its audio is made before the first run, not during it
    rows: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        env = environment(root, archive)
        command = liveset("download", SCI, "--tracks", "1", "--wait")
        lost_total = 0
        for kill in range(1, count + 1):
            before = len(archive.requests)
            running = subprocess.Popen(
                command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            # Killed once bytes flow in this run, at a moment the kills spread over the file.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                asked = [r for r in archive.requests[before:] if r.path.startswith("/serve/")]
                if asked:
                    break
                time.sleep(0.02)
            time.sleep(0.3 + 0.1 * (kill % 5))
            found = parts(root)
            running.send_signal(signal.SIGKILL)
            running.wait()
            size = found[0].stat().st_size if found else 0  # what the kill left on disk
            asked = [r for r in archive.requests[before:] if r.path.startswith("/serve/")]
            started = asked[-1].headers.get("Range", "bytes=0-") if asked else "-"
            rows.append((f"kill {kill}", started, str(size)))
        final = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        resumed = [r.headers.get("Range", "") for r in archive.requests if "/serve/" in r.path]
        offsets = [int(r[6:-1]) for r in resumed if r.startswith("bytes=")]
        sizes = [int(r[2]) for r in rows]
        # Each run asked to resume exactly where the kill before it left the part.
        for previous, asked in zip(sizes, offsets, strict=False):
            lost_total += max(0, previous - asked)
        landed = list((root / "music").rglob("*.flac"))
        item = archive.item(SCI)
        assert item is not None
        whole = landed and len(landed[0].read_bytes()) >= len(item.files[f"{SCI}_d1t01.flac"])
        rows.append(("final run", outcome(final), f"landed {'whole' if whole else 'NOT'}"))
        rows.append(("bytes lost across kills", "", str(lost_total)))
    archive.stop()
    return rows


def run_fault(archive: FakeArchive, root: Path, kind: str, **options: Any) -> str:
    archive.reset()
    archive.add_fault(kind, "/serve/", **options)
    env = environment(root, archive)
    result = subprocess.run(
        liveset("download", SCI, "--tracks", "1-3", "--wait"),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return outcome(result) + f", {said(result)}"


def said(result: subprocess.CompletedProcess[str]) -> str:
    """The command's last words, without the folder it names."""
    text = result.stdout.strip() or result.stderr.strip()
    return text.split(" in /")[0][-100:]


def fault_kinds(lock_seconds: float) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    archive = FakeArchive(seconds=2.0).start()
    kinds: list[tuple[str, str, dict[str, Any]]] = [
        ("503 storm with Retry-After", "503", {"times": 6, "retry_after": "1"}),
        ("dropped connections", "drop", {"times": 4}),
        ("truncated bodies", "truncate", {"times": 4, "after_bytes": 5000}),
        ("corrupted bodies (checksum)", "corrupt", {"times": 2}),
    ]
    for name, kind, options in kinds:
        with tempfile.TemporaryDirectory() as folder:
            started = time.monotonic()
            said = run_fault(archive, Path(folder), kind, **options)
            rows.append((name, said, f"{time.monotonic() - started:.1f} s"))
    with tempfile.TemporaryDirectory() as folder:
        rows.append(("archive not answering (503 always)", *dead_archive(archive, Path(folder))))
    with tempfile.TemporaryDirectory() as folder:
        rows.append(
            (f"database locked {lock_seconds:.0f} s", *locked(archive, Path(folder), lock_seconds))
        )
    with tempfile.TemporaryDirectory() as folder:
        rows.append(("disk fills mid-download", *disk_full(archive, Path(folder))))
    archive.stop()
    return rows


def dead_archive(archive: FakeArchive, root: Path) -> tuple[str, str]:
    archive.reset()
    archive.add_fault("503", "/advancedsearch.php", times=1000, retry_after="1")
    started = time.monotonic()
    result = subprocess.run(
        liveset("search", "washington"),
        env=environment(root, archive),
        capture_output=True,
        text=True,
        timeout=300,
    )
    retries = sum("trying again" in line for line in result.stderr.splitlines())
    return f"{outcome(result)}, said {retries} retries", f"{time.monotonic() - started:.1f} s"


def locked(archive: FakeArchive, root: Path, seconds: float) -> tuple[str, str]:
    archive.reset()
    archive.pace = 100_000
    env = environment(root, archive)
    running = subprocess.Popen(
        liveset("download", SCI, "--tracks", "1-8", "--wait"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    database = root / "data" / "liveset.db"
    while not list((root / "music").rglob("*.flac")):
        time.sleep(0.05)
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    time.sleep(seconds)
    holder.execute("ROLLBACK")
    holder.close()
    out, err = running.communicate(timeout=300)
    archive.pace = 0
    result = subprocess.CompletedProcess(running.args, running.returncode, out, err)
    busy = sum("database is busy" in line for line in err.splitlines())
    return f"{outcome(result)}, {said(result)}, busy said {busy}x", ""


def disk_full(archive: FakeArchive, root: Path) -> tuple[str, str]:
    disk = root / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m", "liveset-bench", str(disk)])
    if mounted.returncode != 0:
        return "skipped (mount needs root)", ""
    try:
        archive.reset()
        archive.pace = 150_000
        env = environment(disk, archive)
        command = liveset("download", SCI, "--tracks", "1-12", "--wait")
        running = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        while not list(disk.rglob("*.flac.part")):
            time.sleep(0.05)
        ballast = disk / "ballast"
        with open(ballast, "wb") as handle:
            try:
                while True:
                    handle.write(b"\0" * 65536)
                    handle.flush()
            except OSError:
                pass
        out, err = running.communicate(timeout=120)
        first = subprocess.CompletedProcess(command, running.returncode, out, err)
        ballast.unlink()
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        archive.pace = 0
        full = sum("waiting for disk space" in line for line in err.splitlines())
        return (
            f"full: {outcome(first)}, said {full}x; room again: {outcome(second)}, {said(second)}",
            "",
        )
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def table(title: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    print(f"\n{title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--lock-seconds", type=float, default=12.0)
    args = parser.parse_args()
    table(
        f"SIGKILL x{args.kills} on a slow link (40 KB/s), one 1.4 MB track",
        ("run", "it asked the archive for", "bytes on disk when it was killed"),
        kills(args.kills),
    )
    table("Fault kinds", ("scenario", "outcome", "took"), fault_kinds(args.lock_seconds))


if __name__ == "__main__":
    main()
