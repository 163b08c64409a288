"""The commands that steer or ask a running daemon, on one synchronous connection: ``status``,
``pause``, ``toggle``, ``next``, ``prev``, ``seek``, ``volume``, ``queue``, ``play`` and
``quit-daemon``. They load the wire client and nothing of the engine's storage, archive or
downloads, so a status bar can ask every second; with no daemon, ``run`` says so with None
and the command runs on an engine of its own (``control``, ``playback``)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import engine as engine_package
from tui.cli import control, parser, playback
from tui.formatting import plural

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    from engine import DaemonLine

    Steer = Callable[[DaemonLine, argparse.Namespace], int]

#: The commands this module runs when a daemon answers.
COMMANDS = frozenset(
    {"status", "pause", "toggle", "next", "prev", "seek", "volume", "queue", "play", "quit-daemon"}
)


#: What ``run`` returns when no daemon answers.
NO_DAEMON = -1

#: The global options that take a value (``--data-dir DIR``): the word after one is not the
#: command.
_VALUED = frozenset({"--config", "--data-dir", "--music-dir", "--db-url", "--archive-url"})


def command_in(words: list[str]) -> str | None:
    """The command named in ``words`` (the arguments of ``liveset``), if any."""
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word in _VALUED:
            skip = True
        elif not word.startswith("-"):
            return word
    return None


def build_parser() -> argparse.ArgumentParser:
    """A parser of the commands here alone (with their groups' others), as the whole command
    line parses them."""
    return parser.build((control, playback))


def run(args: argparse.Namespace) -> int:
    """Run ``args.command`` on the daemon; ``NO_DAEMON`` when no daemon answers."""
    line = engine_package.DaemonLine.open(engine_package.socket_path(profile=_profile(args)))
    if line is None:
        return NO_DAEMON
    with line:
        return _STEER[args.command](line, args)


def _profile(args: argparse.Namespace) -> str:
    """Whose daemon to steer: the profile as the settings resolve it (``--profile``,
    ``LIVESET_PROFILE``, the config file, the login name), the rest of them unread."""
    return engine_package.profile_of(
        getattr(args, "profile", None), getattr(args, "config", None), os.environ
    )


def status(line: DaemonLine, args: argparse.Namespace) -> int:
    try:
        queue: dict[str, Any] | None = line.call("play_queue")
    except engine_package.PlaybackUnavailable:
        queue = None
    player = queue["player"] if queue else None
    index = player["index"] if player else None
    items = queue["items"] if queue else []
    data = {
        "daemon": True,
        "profile": line.call("household")["profile"],  # whose daemon this is
        "state": player["state"] if player else "stopped",
        "index": index,
        "position": player["position"] if player else None,
        "duration": player["duration"] if player else None,
        "volume": player["volume"] if player else None,
        "muted": player["muted"] if player else False,
        "repeat": player["repeat"] if player else "off",
        "queue_length": len(items),
        "track": control.track(items[index] if index is not None else None),
    }
    downloads = line.call("downloads", states=["running", "queued"])
    data["downloads"] = {
        "running": sum(d["state"] == "running" for d in downloads),
        "queued": sum(d["state"] == "queued" for d in downloads),
        "held": line.call("downloads_held"),
    }
    return control.print_status(data, json_out=args.json)


def queue(line: DaemonLine, args: argparse.Namespace) -> int:
    live = line.call("play_queue")
    player = live["player"]
    current = None if player["state"] == "stopped" else player["index"]
    return playback.print_queue(live["items"], current, player["position"] or 0.0, args.json)


def play(line: DaemonLine, args: argparse.Namespace) -> int:
    if args.target is None:
        line.call("play")
        return 0
    added = line.call("queue_add", args.target, after_current=args.next, play=not args.next)
    print(f"queued {plural(len(added), 'track')} in the daemon", file=sys.stderr)
    return 0


def toggle(line: DaemonLine, args: argparse.Namespace) -> int:
    if line.call("player_state")["state"] == "stopped":
        line.call("play")
    else:
        line.call("toggle_pause")
    return 0


def seek(line: DaemonLine, args: argparse.Namespace) -> int:
    seconds, relative = args.position
    line.call("seek", seconds, relative=relative)
    return 0


def volume(line: DaemonLine, args: argparse.Namespace) -> int:
    level, relative = args.level
    if relative:
        level += line.call("player_state")["volume"]
    line.call("set_volume", max(0.0, min(130.0, level)))
    return 0


def quit_daemon(line: DaemonLine, args: argparse.Namespace) -> int:
    line.call("quit_daemon")
    print("liveset daemon stopped", file=sys.stderr)
    return 0


def _just(call: str) -> Steer:
    def steer(line: DaemonLine, args: argparse.Namespace) -> int:
        line.call(call)
        return 0

    return steer


_STEER: dict[str, Steer] = {
    "status": status,
    "queue": queue,
    "play": play,
    "pause": _just("pause"),
    "toggle": toggle,
    "next": _just("next_track"),
    "prev": _just("previous_track"),
    "seek": seek,
    "volume": volume,
    "quit-daemon": quit_daemon,
}
