"""Download throughput: liveset against curl and the ``internetarchive`` package (what
``ia download`` runs), on the same files from the fake archive.org on 127.0.0.1.

    .venv/bin/python -m bench.downloads [--runs 3] [--large-mb 256] [--show-mb 8]

The fake server runs in its own process and closes each connection after its response (with
keep-alive, ``internetarchive`` now and then reused a connection the server had closed, and its
retries are mounted for archive.org only). liveset is timed in this process from the call that
queues the recording to the moment every file has landed (checksum checked, renamed into
place); curl and ``internetarchive`` run as their own processes. Each figure is the median of
the runs after one warm-up round that is not counted; the tools take turns within each round,
and the paced targets are also given as the median of the ratios within a round.
Scenarios: one large file; a 20-file show; the same show with 50 ms added to every request
(liveset runs 3 files at once, ``internetarchive`` one at a time), with 8 MB and with 1 MB
tracks.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
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
    def __init__(self, latency: float, large_mb: int, show_mb: int, pace_mibs: float = 0) -> None:
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
                "--pace-mibs",
                str(pace_mibs),
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


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


async def liveset_run(url: str, identifier: str, concurrency: int) -> tuple[float, float]:
    """Seconds from queuing to the last file landed (checked, tagged, renamed), and the CPU
    seconds this process spent meanwhile (the fake archive runs in its own)."""
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
            cpu = _cpu(resource.RUSAGE_SELF)
            started = time.perf_counter()
            await engine.download(identifier)
            done = await engine.wait_downloads(identifier)
            elapsed = time.perf_counter() - started
            cpu = _cpu(resource.RUSAGE_SELF) - cpu
        if {d.state for d in done} != {DownloadState.DONE}:
            raise SystemExit(f"liveset failed: {[d.error for d in done if d.error]}")
        return elapsed, cpu


def curl_run(urls: list[str], parallel: int, verify: bool = False) -> tuple[float, float]:
    """curl fetching ``urls``; with ``verify`` also md5sum over the files afterwards (a check
    such as liveset makes before a file lands). Seconds, and the CPU seconds of both."""
    with tempfile.TemporaryDirectory() as tmp:
        command = ["curl", "-sS", "--no-progress-meter", "-L", "--fail"]
        if parallel > 1:
            # --parallel-immediate: without it curl waits to multiplex on one connection and,
            # against a server that closes each connection, runs one file at a time.
            command += ["-Z", "--parallel-max", str(parallel), "--parallel-immediate"]
        for n, url in enumerate(urls):
            command += ["-o", f"{tmp}/{n}.wav", url]
        cpu = _cpu(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, check=True)
        if verify:
            subprocess.run(
                ["md5sum", *(f"{tmp}/{n}.wav" for n in range(len(urls)))],
                check=True,
                capture_output=True,
            )
        return time.perf_counter() - started, _cpu(resource.RUSAGE_CHILDREN) - cpu


IA_FAILURES: list[str] = []


def ia_run(url: str, identifier: str) -> tuple[float, float]:
    """One ``internetarchive`` download; a run that dies on a dropped keep-alive connection
    (its retries are mounted for archive.org only) is counted and run again."""
    for _ in range(3):
        try:
            return _ia_once(url, identifier), float("nan")
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


def _once(fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[float, float]:
    value = fn(*args)
    wall, cpu = asyncio.run(value) if asyncio.iscoroutine(value) else value
    return float(wall), float(cpu)


def scenario(
    runs: int, tools: dict[str, tuple[Callable[..., Any], tuple[Any, ...]]]
) -> dict[str, list[tuple[float, float]]]:
    """The wall and CPU time of each tool in every round; rounds take every tool in turn, so
    that the machine's ups and downs fall on all of them alike. A first round warms the
    process (imports, first connections) and is not counted."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in tools}
    for round_ in range(runs + 1):
        for name, (fn, args) in tools.items():
            # Each run starts with nothing left to write back: a run must not pay, in CPU
            # charged to it by the kernel's dirty-page throttling, for the one before it.
            os.sync()
            found = _once(fn, args)
            if round_:
                times[name].append(found)
    return times


def medians(rounds: list[tuple[float, float]]) -> tuple[float, float]:
    return (
        statistics.median(w for w, _ in rounds),
        statistics.median(c for _, c in rounds),
    )


def paired(
    rounds: dict[str, list[tuple[float, float]]], tool: str, reference: str, index: int
) -> str:
    """The median over rounds of ``tool``'s figure over ``reference``'s in the same round
    (time when ``index`` is 0, CPU when 1), with the lowest and highest: a drift of the
    machine moves both sides of a round together."""
    ratios = sorted(
        a[index] / b[index] for a, b in zip(rounds[tool], rounds[reference], strict=True)
    )
    return f"{statistics.median(ratios):.2f}x ({ratios[0]:.2f}-{ratios[-1]:.2f})"


def row(
    name: str, tool: str, megabytes: float, found: tuple[float, float], reference: float
) -> str:
    seconds, cpu = found
    per_gb = "-" if cpu != cpu else f"{cpu / (megabytes / 1024):.2f}"
    return (
        f"| {name} | {tool} | {seconds:.2f} | {megabytes / seconds:.0f} | "
        f"{reference / seconds:.2f}x | {per_gb} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--large-mb", type=int, default=256)
    parser.add_argument("--show-mb", type=int, default=8)
    parser.add_argument("--pace-mibs", type=float, default=20.0, help="paced link, per connection")
    parser.add_argument("--paced-large-mb", type=int, default=64)
    parser.add_argument(
        "--paced-only", action="store_true", help="only the paced scenarios (the targets)"
    )
    args = parser.parse_args()
    if args.paced_only:
        print("\n".join(_header() + paced(args)))
        return
    if not shutil.which("curl"):
        raise SystemExit("curl is needed for the reference runs")
    show_mb = 20 * args.show_mb
    lines = _header()
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
        reference = medians(found["curl (reference)"])[0]
        lines += [
            row(name, tool, args.large_mb, medians(t), reference) for tool, t in found.items()
        ]
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
        reference = medians(found["curl, 3 at once (reference)"])[0]
        lines += [row(name, tool, show_mb, medians(t), reference) for tool, t in found.items()]
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
            reference = medians(found["internetarchive (reference)"])[0]
            lines += [
                row(name, tool, 20 * track_mb, medians(t), reference) for tool, t in found.items()
            ]
        finally:
            server.stop()
    lines += paced(args)
    print("\n".join(lines))
    if IA_FAILURES:
        print(f"\ninternetarchive runs that failed and were repeated: {len(IA_FAILURES)}")


def _header() -> list[str]:
    return [
        "| scenario | tool | seconds (median) | MB/s | speed vs reference | CPU s per GB |",
        "|---|---|---|---|---|---|",
    ]


def paced(args: argparse.Namespace) -> list[str]:
    """Links of a home server's speed: every connection paced to ``--pace-mibs``, with and
    without 50 ms a request; curl really running 3 at once is the reference."""
    lines: list[str] = []
    targets = [
        "",
        "| scenario | liveset speed vs curl (paired) | liveset CPU vs curl + md5sum (paired) |",
        "|---|---|---|",
    ]
    pace = args.pace_mibs
    for latency in (0.0, 0.05):
        server = Server(latency, args.paced_large_mb, args.show_mb, pace)
        try:
            large = [f"{server.url}/download/bench-large/large.wav"]
            show = [
                f"{server.url}/download/bench-show/bench-show-t{n:02d}.wav" for n in range(1, 21)
            ]
            when = f"{pace:g} MiB/s a connection" + (", 50 ms/request" if latency else "")
            for name, urls, identifier, megabytes in (
                (f"1 large file, {when}", large, "bench-large", args.paced_large_mb),
                (f"20-file show, {when}", show, "bench-show", 20 * args.show_mb),
            ):
                found = scenario(
                    args.runs,
                    {
                        "curl, 3 at once (reference)": (curl_run, (urls, 3)),
                        "curl, then md5sum": (curl_run, (urls, 3, True)),
                        "liveset, 3 at once": (liveset_run, (server.url, identifier, 3)),
                        "httpx streams alone, 3 at once": (httpx_run, (urls, 3)),
                    },
                )
                reference = medians(found["curl, 3 at once (reference)"])[0]
                lines += [
                    row(name, tool, megabytes, medians(t), reference) for tool, t in found.items()
                ]
                live, curl = "liveset, 3 at once", "curl, 3 at once (reference)"
                speed = paired(found, curl, live, 0)  # curl's time over liveset's: speed
                cpu = paired(found, live, "curl, then md5sum", 1)
                targets.append(f"| {name} | {speed} | {cpu} |")
        finally:
            server.stop()
    return lines + targets


async def httpx_run(urls: list[str], parallel: int) -> tuple[float, float]:
    """The floor under liveset: the same HTTP client reading the bodies and dropping them
    (no file, no check), ``parallel`` at once, in this process."""
    import httpx

    import engine.archive.client  # noqa: F401 - its larger socket reads, as liveset has them

    limit = asyncio.Semaphore(parallel)
    async with httpx.AsyncClient(follow_redirects=True) as client:

        async def one(url: str) -> None:
            async with limit, client.stream("GET", url) as response:
                async for _chunk in response.aiter_raw():
                    pass

        cpu = _cpu(resource.RUSAGE_SELF)
        started = time.perf_counter()
        await asyncio.gather(*(one(u) for u in urls))
        return time.perf_counter() - started, _cpu(resource.RUSAGE_SELF) - cpu


if __name__ == "__main__":
    main()
