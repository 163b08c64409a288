"""Commands of one's own listening: ``history`` (every play, newest first, with filters)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import engine as engine_package
from tui.cli.output import positive, print_json, table
from tui.formatting import bar, clock, size_text, sparkline

if TYPE_CHECKING:
    import argparse

    from engine import EngineAPI


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    history = sub.add_parser("history", parents=[common], help="what you played, newest first")
    history.add_argument("--since", metavar="YYYY-MM-DD", help="from this day on")
    history.add_argument("--until", metavar="YYYY-MM-DD", help="before this day")
    history.add_argument("--artist", default="", help="plays of artists whose name holds this")
    history.add_argument("--skipped", action="store_true", help="skipped plays only")
    history.add_argument("--limit", type=positive, default=200, metavar="N")
    history.add_argument("--json", action="store_true")
    stats = sub.add_parser("stats", parents=[common], help="your listening in numbers")
    stats.add_argument("--json", action="store_true")


async def cmd_history(engine: EngineAPI, args: argparse.Namespace) -> int:
    plays = await engine.history(
        since=args.since,
        until=args.until,
        artist=args.artist,
        skipped_only=args.skipped,
        limit=args.limit,
    )
    if args.json:
        print_json({"plays": [engine_package.to_data(p) for p in plays]})
        return 0
    if not plays:
        print(
            "nothing played" + (" that fits" if args.since or args.artist or args.skipped else "")
        )
        return 0
    rows = [
        [
            time.strftime("%Y-%m-%d %H:%M", time.localtime(p.started_at)),
            p.artist,
            p.title,
            clock(p.seconds),
            "finished" if p.completed else "skipped" if p.skipped else "partly",
        ]
        for p in plays
    ]
    print(table(["when", "artist", "title", "heard", "how"], rows, keep=(0, 3, 4)))
    return 0


async def cmd_stats(engine: EngineAPI, args: argparse.Namespace) -> int:
    found = await engine.listening_stats()
    if args.json:
        print_json(engine_package.to_data(found))
        return 0
    most = max(found.weeks, default=0.0)
    print(f"hours a week, last 52 weeks: {sparkline(found.weeks)}")
    print(
        f"  this week {found.weeks[-1]:.1f} h, the most {most:.1f} h, in all {sum(found.weeks):.1f} h"
    )
    total = found.finished + found.skipped + found.partly
    print(
        f"finished {found.finished}, skipped {found.skipped}, partly {found.partly} of {total} plays"
    )
    for title, tallies in (
        ("top artists", found.artists),
        ("top shows", found.shows),
        ("top songs", found.songs),
        ("venues", found.venues),
        ("years of the shows", found.years),
    ):
        if not tallies:
            continue
        print(f"\n{title}")
        longest = max(t.seconds for t in tallies) or 1.0
        rows = [
            [t.name, bar(t.seconds / longest, 12), f"{t.seconds / 3600:.1f} h", str(t.plays)]
            for t in tallies
        ]
        print(table(["", "", "hours", "plays"], rows, keep=(1, 2, 3)))
    if found.downloads:
        print("\ndownloads by month")
        rows = [[m, str(n), size_text(b)] for m, n, b in found.downloads]
        print(table(["month", "files", "size"], rows, keep=(0, 1, 2)))
    return 0


COMMANDS = {"history": cmd_history, "stats": cmd_stats}
