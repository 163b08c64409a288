"""Commands of the music on disk: ``library scan``, ``stats``, ``search``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import engine as engine_package
from tui.cli.output import positive, print_json, table
from tui.formatting import clock, size_text

if TYPE_CHECKING:
    from engine import EngineAPI


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    library = sub.add_parser("library", parents=[common], help="the music on disk")
    library_sub = library.add_subparsers(dest="library_command", metavar="ACTION", required=True)
    scan = library_sub.add_parser("scan", parents=[common], help="read new and changed files")
    scan.add_argument(
        "paths", nargs="*", type=_folder, help="folders (default: music dir and library.folders)"
    )
    scan.add_argument("--json", action="store_true")
    stats = library_sub.add_parser("stats", parents=[common], help="what the library holds")
    stats.add_argument("--json", action="store_true")
    find = library_sub.add_parser("search", parents=[common], help="tracks on disk")
    find.add_argument("query", nargs="+")
    find.add_argument("--limit", type=positive, default=200)
    find.add_argument("--json", action="store_true")


def _folder(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"no such folder: {text}")
    return path


async def cmd_library(engine: EngineAPI, args: argparse.Namespace) -> int:
    if args.library_command == "scan":
        folders = list(args.paths) or None
        result = await engine.scan_library(folders)
        if args.json:
            print_json(engine_package.to_data(result))
            return 1 if result.problems else 0
        print(
            f"{result.files} audio files in {', '.join(result.folders)}: {result.added} added, "
            f"{result.updated} updated, {result.removed} removed, {result.unchanged} unchanged "
            f"({result.seconds:.1f} s)"
        )
        if result.untagged:
            print(f"{result.untagged} files in a format without tags (named from their folders)")
        for problem in result.problems:
            print(f"unreadable: {problem.path}: {problem.reason}", file=sys.stderr)
        return 0
    if args.library_command == "stats":
        stats = await engine.library_stats()
        if args.json:
            print_json(engine_package.to_data(stats))
            return 0
        print(f"files      {stats.files}")
        print(f"artists    {stats.artists}")
        print(f"concerts   {stats.concerts}")
        print(f"size       {size_text(stats.size)}")
        print(f"duration   {clock(stats.duration)}")
        print(f"unreadable {stats.problems}")
        print("formats    " + ", ".join(f"{fmt} {count}" for fmt, count in stats.formats))
        return 0
    text = " ".join(args.query)
    tracks = await engine.library_search(text, limit=args.limit)
    if args.json:
        print_json({"query": text, "tracks": [engine_package.to_data(t) for t in tracks]})
        return 0
    rows = [
        [t.artist, t.date, t.display_title, t.venue, clock(t.duration), t.path.rsplit("/", 1)[-1]]
        for t in tracks
    ]
    print(table(["artist", "date", "title", "venue", "length", "file"], rows, keep=(1, 4)))
    return 0


COMMANDS = {
    "library": cmd_library,
}
