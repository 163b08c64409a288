"""Commands that run or steer the daemon: ``daemon``, ``quit-daemon``, ``status``, ``pause``,
``toggle``, ``next``, ``prev``, ``seek``, ``volume``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

import engine as engine_package

if TYPE_CHECKING:
    from engine import Engine, Settings

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

    path = engine_package.socket_path()
    log_file = settings.data_dir / "liveset.log"
    if args.detach:
        wanted = [a for a in argv if a != "--detach"]
        pid = engine_package.start_detached(engine_package.daemon_command(wanted), path, log_file)
        print(f"liveset daemon running (pid {pid}) on {path}")
        return 0
    print(f"liveset daemon on {path} (Ctrl-C stops it)", file=sys.stderr, flush=True)
    return asyncio.run(engine_package.run_daemon(settings, path))


async def cmd_quit_daemon(engine: Engine, args: argparse.Namespace) -> int:
    if isinstance(engine, engine_package.RemoteEngine):  # always: see DAEMON_ONLY
        await engine.quit_daemon()
    print("liveset daemon stopped", file=sys.stderr)
    return 0


async def cmd_pause(engine: Engine, args: argparse.Namespace) -> int:
    await engine.pause()
    return 0


async def cmd_toggle(engine: Engine, args: argparse.Namespace) -> int:
    state = engine.player_state()
    if state.state == "stopped":
        await engine.play()
    else:
        await engine.toggle_pause()
    return 0


async def cmd_next(engine: Engine, args: argparse.Namespace) -> int:
    await engine.next_track()
    return 0


async def cmd_prev(engine: Engine, args: argparse.Namespace) -> int:
    await engine.previous_track()
    return 0


async def cmd_seek(engine: Engine, args: argparse.Namespace) -> int:
    seconds, relative = args.position
    await engine.seek(seconds, relative=relative)
    return 0


async def cmd_volume(engine: Engine, args: argparse.Namespace) -> int:
    level, relative = args.level
    if relative:
        level += engine.player_state().volume
    await engine.set_volume(max(0.0, min(130.0, level)))
    return 0


def _daemon_status(engine: Engine) -> dict[str, Any]:
    """The daemon's status as stable keys (documented in the README; ``_saved_status`` gives
    the same keys without a daemon)."""
    try:
        queue = engine.play_queue()
    except engine_package.PlaybackUnavailable:
        queue = None
    state = queue.player if queue else None
    current = queue.items[state.index] if queue and state and state.index is not None else None
    return {
        "daemon": True,
        "state": str(state.state) if state else "stopped",
        "index": state.index if state else None,
        "position": state.position if state else None,
        "duration": state.duration if state else None,
        "volume": state.volume if state else None,
        "muted": state.muted if state else False,
        "repeat": str(state.repeat) if state else "off",
        "queue_length": len(queue.items) if queue else 0,
        "track": _track(current),
    }


async def cmd_status(engine: Engine, args: argparse.Namespace) -> int:
    remote = isinstance(engine, engine_package.RemoteEngine)
    data = _daemon_status(engine) if remote else await _saved_status(engine)
    states = engine_package.DownloadState
    downloads = await engine.downloads(states=(states.RUNNING, states.QUEUED))
    data["downloads"] = {
        "running": sum(d.state is states.RUNNING for d in downloads),
        "queued": sum(d.state is states.QUEUED for d in downloads),
        "held": engine.downloads_held() if remote else None,
    }
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
        return 0
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


async def _saved_status(engine: Engine) -> dict[str, Any]:
    items, index, seconds = await engine.saved_queue()
    current = items[index] if index is not None and index < len(items) else None
    return {
        "daemon": False,
        "state": "stopped",
        "index": index,
        "position": seconds if current else None,
        "duration": current.duration if current else None,
        "volume": None,
        "muted": False,
        "repeat": "off",
        "queue_length": len(items),
        "track": _track(current),
    }


def _track(item: Any) -> dict[str, str] | None:
    if item is None:
        return None
    return {
        "artist": item.artist,
        "title": item.title,
        "album": item.album,
        "identifier": item.identifier,
        "uri": item.uri,
    }


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


COMMANDS = {
    "quit-daemon": cmd_quit_daemon,
    "status": cmd_status,
    "pause": cmd_pause,
    "toggle": cmd_toggle,
    "next": cmd_next,
    "prev": cmd_prev,
    "seek": cmd_seek,
    "volume": cmd_volume,
}
