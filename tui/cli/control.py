"""Commands that run or steer the daemon: ``daemon``, ``quit-daemon``, ``status``, ``pause``,
``toggle``, ``next``, ``prev``, ``seek``, ``volume``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

import engine as engine_package

if TYPE_CHECKING:
    from engine import Settings

#: Commands that only steer a running daemon.
DAEMON_ONLY = frozenset({"pause", "toggle", "next", "prev", "seek", "volume", "quit-daemon"})


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    daemon = sub.add_parser(
        "daemon",
        parents=[common],
        help="run the engine headless (playback, downloads) for the app and commands to use",
    )
    daemon.add_argument(
        "--detach", action="store_true", help="in the background; return once it answers"
    )
    sub.add_parser("quit-daemon", parents=[common], help="stop the running daemon")
    status = sub.add_parser("status", parents=[common], help="what plays, where, what downloads")
    status.add_argument("--json", action="store_true", help="stable keys, for status bars")
    sub.add_parser("pause", parents=[common], help="pause the daemon's playback")
    sub.add_parser("toggle", parents=[common], help="pause or play")
    sub.add_parser("next", parents=[common], help="the next track")
    sub.add_parser("prev", parents=[common], help="the start of the track, or the one before")
    seek = sub.add_parser("seek", parents=[common], help="seek: 90, 1:30, +10 or -10 (seconds)")
    seek.add_argument("position", type=_position, help="to a time, or +/- seconds from here")
    volume = sub.add_parser("volume", parents=[common], help="volume: 60, +5 or -5 (percent)")
    volume.add_argument("level", type=_level, help="a level from 0 to 130, or +/- a step")


def _position(text: str) -> tuple[float, bool]:
    """``(seconds, relative)`` from ``90``, ``1:30``, ``+10`` or ``-10``."""
    relative = text[:1] in "+-"
    body = text[1:] if relative else text
    try:
        seconds = 0.0
        for part in body.split(":"):
            seconds = seconds * 60 + float(part)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time (90, 1:30, +10, -10)") from None
    return (-seconds if text.startswith("-") else seconds), relative


def _level(text: str) -> tuple[float, bool]:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a volume (60, +5, -5)") from None
    return value, text[:1] in "+-"


def no_daemon(command: str) -> int:
    print(
        f"liveset: {command} steers a running daemon, and none is running "
        "(start one: liveset daemon --detach)",
        file=sys.stderr,
    )
    return 2


def run_daemon_command(settings: Settings, args: argparse.Namespace, argv: list[str]) -> int:
    import asyncio

    path = engine_package.socket_path(profile=settings.profile)
    log_file = settings.data_dir / "liveset.log"
    if args.detach:
        wanted = [a for a in argv if a != "--detach"]
        pid = engine_package.start_detached(engine_package.daemon_command(wanted), path, log_file)
        print(f"liveset daemon running (pid {pid}) on {path}")
        return 0
    print(f"liveset daemon on {path} (Ctrl-C stops it)", file=sys.stderr, flush=True)
    return asyncio.run(engine_package.run_daemon(settings, path))


async def status_without_daemon(settings: Settings, args: argparse.Namespace) -> int:
    """The status with no daemon running: the queue as the last run left it, read from the
    database alone (``steer`` asks a running daemon)."""
    saved = await engine_package.saved_status(settings)
    items, index = saved.items, saved.index
    current = items[index] if index is not None and index < len(items) else None
    data = {
        "daemon": False,
        "profile": settings.profile,
        "state": "stopped",
        "index": index,
        "position": saved.seconds if current else None,
        "duration": current.duration if current else None,
        "volume": None,
        "muted": False,
        "repeat": "off",
        "queue_length": len(items),
        "track": track(engine_package.to_data(current) if current else None),
        "downloads": {"running": saved.running, "queued": saved.queued, "held": None},
    }
    return print_status(data, json_out=args.json)


def print_status(data: dict[str, Any], *, json_out: bool) -> int:
    """Print a status as stable keys (documented in the README) or in words."""
    if json_out:
        print(json.dumps(data, ensure_ascii=False))
        return 0
    remote = data["daemon"]
    track = data["track"]
    where = ""
    if data["position"] is not None:
        where = f" {_clock(data['position'])}"
        if data["duration"]:
            where += f" / {_clock(data['duration'])}"
    head = data["state"] + ("" if remote else " (no daemon: the queue as last left)")
    if track:
        print(f"{head}: {track['artist']} - {track['title']}{where}")
        if track["album"]:
            print(f"  {track['album']}  (track {data['index'] + 1} of {data['queue_length']})")
    else:
        print(f"{head}; {data['queue_length']} in the queue")
    if remote:
        extras = [f"volume {data['volume']:.0f}%"] + (["muted"] if data["muted"] else [])
        if data["repeat"] != "off":
            extras.append(f"repeat {data['repeat']}")
        print("  " + ", ".join(extras))
    d = data["downloads"]
    if d["running"] or d["queued"]:
        print(f"downloads: {d['running']} running, {d['queued']} queued")
    if d["held"]:
        print(f"downloads: {d['held']}")
    return 0


def track(item: dict[str, Any] | None) -> dict[str, str] | None:
    """The status's ``track``: a queue entry (as data) in its stable keys."""
    if item is None:
        return None
    return {key: item[key] for key in ("artist", "title", "album", "identifier", "uri")}


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


#: The commands of ``DAEMON_ONLY`` have none here: with a daemon, ``steer`` runs them; without,
#: the command line says so before it starts an engine.
COMMANDS: dict[str, Any] = {}
WITHOUT_ENGINE = {"status": status_without_daemon}
"""Commands that read the database alone when no daemon runs: no engine is started."""
