"""Commands of the cache of archive.org's answers: ``cache stats``, ``cache clear``."""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING, Any

import engine as engine_package
from tui.cli.output import print_json, table
from tui.formatting import size_text

if TYPE_CHECKING:
    from engine import EngineAPI

KINDS = ("search", "metadata", "artists")


def _days(text: str) -> float:
    """``30d``, ``12h`` or a number of days."""
    number, unit = (text[:-1], text[-1]) if text[-1:] in ("d", "h") else (text, "d")
    try:
        value = float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an age: {text!r} (e.g. 30d or 12h)") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"not an age: {text!r} (e.g. 30d or 12h)")
    return value / 24 if unit == "h" else value


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    cache = sub.add_parser("cache", parents=[common], help="the cache of archive.org's answers")
    actions = cache.add_subparsers(dest="cache_command", metavar="ACTION", required=True)
    stats = actions.add_parser("stats", parents=[common], help="what it holds, by kind")
    stats.add_argument("--json", action="store_true")
    clear = actions.add_parser("clear", parents=[common], help="forget cached answers")
    clear.add_argument("--kind", choices=KINDS, help="only these (default: all)")
    clear.add_argument("--older-than", type=_days, metavar="AGE", help="e.g. 30d or 12h")


async def cmd_cache(engine: EngineAPI, args: argparse.Namespace) -> int:
    if args.cache_command == "clear":
        gone = await engine.clear_cache(kind=args.kind, older_than_days=args.older_than)
        print(f"forgot {gone} cached answer(s)")
        return 0
    found = await engine.cache_stats()
    if args.json:
        print_json(engine_package.to_data(found))
        return 0
    if not found.kinds:
        print("the cache is empty")
        return 0

    def when(at: float | None) -> str:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(at)) if at else "-"

    rows = [
        [k.kind, str(k.entries), size_text(k.bytes), when(k.oldest), when(k.newest)]
        for k in found.kinds
    ]
    print(table(["kind", "entries", "size", "oldest", "newest"], rows, keep=(0, 1, 2)))
    if found.lookups:
        print(f"found in the cache {found.found} of {found.lookups} times this run")
    return 0


COMMANDS = {"cache": cmd_cache}
