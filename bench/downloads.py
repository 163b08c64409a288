"""Download throughput: liveset against curl and the ``internetarchive`` package (what
``ia download`` runs), on the same files from the fake archive.org on 127.0.0.1.

    .venv/bin/python -m bench.downloads [--runs 3] [--large-mb 256] [--show-mb 8]

The fake server runs in its own process and closes each connection after its response (with
keep-alive, ``internetarchive`` now and then reused a connection the server had closed, and its
retries are mounted for archive.org only). liveset is timed in this process from the call that
queues the recording to the moment every file has landed (md5 checked, renamed into place);
curl and ``internetarchive`` run as their own processes. Each figure is the median of the runs; the tools take turns within each round.
Scenarios: one large file; a 20-file show; the same show with 50 ms added to every request
(liveset runs 3 files at once, ``internetarchive`` one at a time), with 8 MB and with 1 MB
tracks.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import DownloadState, Engine, load_settings

if TYPE_CHECKING:
    from collections.abc import Callable

ROOT = Path(__file__).resolve().parents[1]

IA_SCRIPT = """
import sys, time
from internetarchive import get_session
session = get_session(config={"general": {"secure": False}})
session.host = sys.argv[1]
item = session.get_item(sys.argv[2])
started = time.perf_counter()
item.download(destdir=sys.argv[3], glob_pattern="*.wav", retries=3)
print(time.perf_counter() - started)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, latency: float, large_mb: int, show_mb: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.fake_archive",
                "--port",
                str(self.port),
                "--bench",
                "--no-keep-alive",
                "--latency",
                str(latency),
                "--large-mb",
                str(large_mb),
                "--show-mb",
                str(show_mb),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.process.stdout.readline()  # "fake archive.org at ..." once it listens

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()


async def liveset_run(url: str, identifier: str, concurrency: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            {
                "data_dir": f"{tmp}/data",
                "music_dir": f"{tmp}/music",
                "archive_url": url,
                "download_concurrency": concurrency,
            },
            config_file=f"{tmp}/none.toml",
        )
        async with Engine(settings) as engine:
            await engine.run_downloads()
            started = time.perf_counter()
            await engine.download(identifier)
            done = await engine.wait_downloads(identifier)
            elapsed = time.perf_counter() - started
        if {d.state for d in done} != {DownloadState.DONE}:
            raise SystemExit(f"liveset failed: {[d.error for d in done if d.error]}")
        return elapsed


def curl_run(urls: list[str], parallel: int, verify: bool = False) -> float:
    """curl fetching ``urls``; with ``verify`` also md5sum over the files afterwards, the same
    check liveset makes before a file lands."""
    with tempfile.TemporaryDirectory() as tmp:
        command = ["curl", "-sS", "--no-progress-meter", "-L", "--fail"]
        if parallel > 1:
            command += ["-Z", "--parallel-max", str(parallel)]
        for n, url in enumerate(urls):
            command += ["-o", f"{tmp}/{n}.wav", url]
        started = time.perf_counter()
        subprocess.run(command, check=True)
        if verify:
            subprocess.run(
                ["md5sum", *(f"{tmp}/{n}.wav" for n in range(len(urls)))],
                check=True,
                capture_output=True,
            )
        return time.perf_counter() - started


IA_FAILURES: list[str] = []


def ia_run(url: str, identifier: str) -> float:
    """One ``internetarchive`` download; a run that dies on a dropped keep-alive connection
    (its retries are mounted for archive.org only) is counted and run again."""
    for _ in range(3):
        try:
            return _ia_once(url, identifier)
        except RuntimeError as error:
            IA_FAILURES.append(str(error).strip().splitlines()[-1])
    raise SystemExit("internetarchive failed three times: " + IA_FAILURES[-1])


def _ia_once(url: str, identifier: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        host = url.removeprefix("http://")
        result = subprocess.run(
            [sys.executable, "-c", IA_SCRIPT, host, identifier, tmp],
            capture_output=True,
            text=True,
            env={"IA_CONFIG_FILE": f"{tmp}/ia.ini", "HOME": tmp, "PATH": "/usr/bin:/bin"},
        )
        if result.returncode:
            raise RuntimeError(result.stderr)
        return float(result.stdout.strip().splitlines()[-1])


def _once(fn: Callable[..., Any], args: tuple[Any, ...]) -> float:
    value = fn(*args)
    return float(asyncio.run(value) if asyncio.iscoroutine(value) else value)


def scenario(
    runs: int, tools: dict[str, tuple[Callable[..., Any], tuple[Any, ...]]]
) -> dict[str, float]:
    """The median time of each tool; rounds take every tool in turn, so that the machine's
    ups and downs fall on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in tools}
    for _ in range(runs):
        for name, (fn, args) in tools.items():
            times[name].append(_once(fn, args))
    return {name: statistics.median(values) for name, values in times.items()}


def row(name: str, tool: str, megabytes: float, seconds: float, reference: float) -> str:
    return (
        f"| {name} | {tool} | {seconds:.2f} | {megabytes / seconds:.0f} | "
        f"{reference / seconds:.2f}x |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--large-mb", type=int, default=256)
    parser.add_argument("--show-mb", type=int, default=8)
    args = parser.parse_args()
    if not shutil.which("curl"):
        raise SystemExit("curl is needed for the reference runs")
    show_mb = 20 * args.show_mb
    lines = [
        "| scenario | tool | seconds (median) | MB/s | speed vs reference |",
        "|---|---|---|---|---|",
    ]
    server = Server(0.0, args.large_mb, args.show_mb)
    try:
        large = [f"{server.url}/download/bench-large/large.wav"]
        show = [f"{server.url}/download/bench-show/bench-show-t{n:02d}.wav" for n in range(1, 21)]
        name = "1 large file"
        found = scenario(
            args.runs,
            {
                "curl (reference)": (curl_run, (large, 1)),
                "curl, then md5sum": (curl_run, (large, 1, True)),
                "liveset": (liveset_run, (server.url, "bench-large", 3)),
                "internetarchive": (ia_run, (server.url, "bench-large")),
            },
        )
        reference = found["curl (reference)"]
        lines += [row(name, tool, args.large_mb, t, reference) for tool, t in found.items()]
        name = "20-file show"
        found = scenario(
            args.runs,
            {
                "curl, 3 at once (reference)": (curl_run, (show, 3)),
                "curl, one at a time": (curl_run, (show, 1)),
                "liveset, 3 at once": (liveset_run, (server.url, "bench-show", 3)),
                "internetarchive": (ia_run, (server.url, "bench-show")),
            },
        )
        reference = found["curl, 3 at once (reference)"]
        lines += [row(name, tool, show_mb, t, reference) for tool, t in found.items()]
    finally:
        server.stop()

    # 8 MB tracks are VBR MP3 sized; at 1 MB the per-request latency is most of the time.
    for track_mb in dict.fromkeys((args.show_mb, 1)):
        server = Server(0.05, 1, track_mb)
        try:
            name = f"20 x {track_mb} MB, 50 ms/request"
            found = scenario(
                args.runs,
                {
                    "internetarchive (reference)": (ia_run, (server.url, "bench-show")),
                    "liveset, 3 at once": (liveset_run, (server.url, "bench-show", 3)),
                },
            )
            reference = found["internetarchive (reference)"]
            lines += [row(name, tool, 20 * track_mb, t, reference) for tool, t in found.items()]
        finally:
            server.stop()
    print("\n".join(lines))
    if IA_FAILURES:
        print(f"\ninternetarchive runs that failed and were repeated: {len(IA_FAILURES)}")


if __name__ == "__main__":
    main()
