"""Commands of playback: ``play``, ``devices``, ``queue``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import engine as engine_package
from tui.cli.output import print_json, table
from tui.formatting import clock, plural
from tui.terminal import native_stderr_to

if TYPE_CHECKING:
    import argparse

    from engine import EngineAPI


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    play = sub.add_parser(
        "play",
        parents=[common],
        help="play a recording, a folder or a file (in the foreground until Ctrl-C)",
    )
    play.add_argument(
        "target",
        nargs="?",
        help="an archive identifier, a folder or an audio file (none: go on with the queue)",
    )
    play.add_argument("--next", action="store_true", help="after the playing track, not at the end")
    play.add_argument(
        "--json", action="store_true", help="at the end, what played and what failed, as JSON"
    )

    devices = sub.add_parser(
        "devices", parents=[common], help="the audio outputs and devices mpv can use here"
    )
    devices.add_argument("--json", action="store_true")

    queue = sub.add_parser(
        "queue", parents=[common], help="the play queue (the daemon's, else as last left)"
    )
    queue.add_argument("--json", action="store_true")


async def cmd_play(engine: EngineAPI, args: argparse.Namespace) -> int:
    """Play in the foreground until the queue ends or Ctrl-C; exit 1 when nothing could play.
    Libraries' own complaints (ALSA, JACK) go to the log, liveset's to the terminal. With a
    daemon running, ``steer`` has the daemon play it."""
    with native_stderr_to(engine.settings.data_dir / "liveset.log"):
        return await _play_here(engine, args)


async def _play_here(engine: EngineAPI, args: argparse.Namespace) -> int:
    import asyncio

    if args.target is None:
        print("liveset: name what to play (with no daemon running, play plays in the foreground)")
        return 2
    events = engine.events()
    await engine.restore_playback()
    added = await engine.queue_add(args.target, after_current=args.next, play=not args.next)
    print(f"queued {plural(len(added), 'track')}", file=sys.stderr)
    if args.next and engine.player_state().state is not engine_package.PlaybackStatus.PLAYING:
        await engine.play()
    played: list[dict[str, Any]] = []
    failed: list[str] = []
    stopped = False

    async def follow() -> None:
        nonlocal stopped
        async for event in events:
            if isinstance(event, engine_package.NowPlayingChanged):
                item = event.item
                played.append({"index": event.index, **engine_package.to_data(item)})
                if not args.json:
                    print(
                        f"{event.index + 1}. {item.artist} - {item.title} ({clock(item.duration)})"
                    )
            elif isinstance(event, engine_package.PlaybackFailed):
                failed.append(event.message)
                stopped = stopped or event.stopped
                print(f"liveset: {event.message}", file=sys.stderr)

    follower = asyncio.create_task(follow())
    try:
        await engine.wait_until_idle()
        await asyncio.sleep(0.1)  # the last events of the queue reach the follower
    finally:
        follower.cancel()
    if args.json:
        print_json({"queued": len(added), "played": played, "failed": failed})
    return 1 if stopped or (failed and len(failed) >= len(played)) else 0


async def cmd_devices(engine: EngineAPI, args: argparse.Namespace) -> int:
    with native_stderr_to(engine.settings.data_dir / "liveset.log"):
        devices = await engine.audio_devices()
    if args.json:
        print_json([{"name": n, "description": d} for n, d in devices])
        return 0
    print("audio devices mpv can use here; put one in the config as")
    print('[player.mpv]\nao = "OUTPUT"            # the part before "/"\naudio-device = "NAME"\n')
    print(table(["name", "description"], [[n, d] for n, d in devices], keep=(0,)))
    return 0


async def cmd_queue(engine: EngineAPI, args: argparse.Namespace) -> int:
    """The queue as the last run left it (``steer`` shows a running daemon's)."""
    items, current, seconds = await engine.saved_queue()
    return print_queue([engine_package.to_data(i) for i in items], current, seconds, args.json)


def print_queue(
    items: list[dict[str, Any]], current: int | None, seconds: float, json_out: bool
) -> int:
    """Print a play queue (its entries as data) as a table, or as JSON."""
    if json_out:
        print_json({"current": current, "seconds": seconds, "queue": items})
        return 0
    if not items:
        print("the queue is empty")
        return 0
    rows = [
        [
            ">" if n == current else "",
            str(n + 1),
            i["artist"],
            i["title"],
            clock(i["duration"]),
            "stream" if i["uri"].startswith(("http://", "https://")) else "disk",
        ]
        for n, i in enumerate(items)
    ]
    print(table(["", "#", "artist", "title", "length", "from"], rows, keep=(0, 1, 4, 5)))
    return 0


COMMANDS = {
    "play": cmd_play,
    "devices": cmd_devices,
    "queue": cmd_queue,
}
