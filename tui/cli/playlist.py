"""Commands of playlists: ``playlist list|show|create|rename|delete|add|remove|move|play|
export``, each list a person's own, of tracks from any shows."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import engine as engine_package
from tui.cli.output import positive, print_json, table, track_numbers
from tui.formatting import clock, plural

if TYPE_CHECKING:
    import argparse

    from engine import EngineAPI


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    playlist = sub.add_parser("playlist", parents=[common], help="lists of tracks from any shows")
    actions = playlist.add_subparsers(dest="playlist_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", parents=[common], help="your playlists")
    listing.add_argument("--json", action="store_true")
    show = actions.add_parser("show", parents=[common], help="a playlist's tracks")
    show.add_argument("name")
    show.add_argument("--json", action="store_true")
    create = actions.add_parser("create", parents=[common], help="a new, empty playlist")
    create.add_argument("name")
    create.add_argument("--json", action="store_true")
    rename = actions.add_parser("rename", parents=[common], help="give a playlist a new name")
    rename.add_argument("name")
    rename.add_argument("new")
    delete = actions.add_parser("delete", parents=[common], help="delete a playlist")
    delete.add_argument("name")
    add = actions.add_parser("add", parents=[common], help="add a recording's tracks")
    add.add_argument("name")
    add.add_argument("identifier")
    add.add_argument(
        "--track", type=track_numbers, help="track numbers, e.g. 1,3-5 (default: the whole show)"
    )
    add.add_argument("--json", action="store_true")
    remove = actions.add_parser("remove", parents=[common], help="take tracks out")
    remove.add_argument("name")
    remove.add_argument("positions", type=track_numbers, help="positions in the list, e.g. 2,4-5")
    move = actions.add_parser("move", parents=[common], help="move a track within the list")
    move.add_argument("name")
    move.add_argument("source", type=positive)
    move.add_argument("target", type=positive)
    play = actions.add_parser("play", parents=[common], help="queue the playlist and play it")
    play.add_argument("name")
    play.add_argument("--shuffle", action="store_true")
    play.add_argument(
        "--queue", action="store_true", help="add it to the end of the queue, without playing"
    )
    export = actions.add_parser("export", parents=[common], help="as a file other players read")
    export.add_argument("name")
    export.add_argument("--format", choices=["m3u8", "xspf", "jspf"], default="m3u8")
    export.add_argument("-o", "--output", metavar="FILE", help="write FILE (default: stdout)")
    fetch = actions.add_parser(
        "download", parents=[common], help="download what of it is not on disk"
    )
    fetch.add_argument("name")
    imported = actions.add_parser(
        "import", parents=[common], help="an M3U/M3U8, XSPF or JSPF file as a playlist"
    )
    imported.add_argument("file")
    imported.add_argument("--name", help="the playlist (default: the file's name)")
    imported.add_argument("--json", action="store_true")


async def cmd_playlist(engine: EngineAPI, args: argparse.Namespace) -> int:
    action = args.playlist_command
    if action == "list":
        found = await engine.playlists()
        if args.json:
            print_json({"playlists": [engine_package.to_data(p) for p in found]})
        elif not found:
            print("no playlists yet (liveset playlist create NAME)")
        else:
            print(table(["name", "tracks"], [[p.name, str(p.tracks)] for p in found], keep=(1,)))
        return 0
    if action == "show":
        return await _show(engine, args)
    if action == "create":
        name = await engine.create_playlist(args.name)
        print_json({"name": name}) if args.json else print(f"made the playlist {name!r}")
        return 0
    if action == "rename":
        print(f"renamed to {await engine.rename_playlist(args.name, args.new)!r}")
        return 0
    if action == "delete":
        await engine.delete_playlist(args.name)
        print(f"deleted the playlist {args.name!r}")
        return 0
    if action == "add":
        count = await engine.playlist_add(args.name, args.identifier, args.track)
        if args.json:
            print_json({"name": args.name, "tracks": count})
        else:
            print(f"{args.name!r} has {plural(count, 'track')}")
        return 0
    if action == "remove":
        gone = await engine.playlist_remove(args.name, args.positions)
        print(f"took {plural(gone, 'track')} out of {args.name!r}")
        return 0
    if action == "move":
        await engine.playlist_move(args.name, args.source, args.target)
        print(f"moved {args.source} to {args.target} in {args.name!r}")
        return 0
    if action == "play":
        items = await engine.queue_playlist(args.name, play=not args.queue, shuffle=args.shuffle)
        print(f"queued {plural(len(items), 'track')} of {args.name!r}", file=sys.stderr)
        return 0
    if action == "download":
        queued = await engine.playlist_download(args.name)
        shows = len({d.identifier for d in queued})
        print(
            f"queued {plural(len(queued), 'file')} of {plural(shows, 'recording')}"
            if queued
            else f"all of {args.name!r} is on disk"
        )
        return 0
    if action == "import":
        result = await engine.playlist_import(args.file, args.name)
        if args.json:
            print_json(engine_package.to_data(result))
        else:
            print(f"{result.name!r}: {plural(result.added, 'track')} added")
            for entry in result.unmatched:
                print(f"  not matched: {entry}")
        return 0
    text = await engine.playlist_export(args.name, args.format)
    if args.output:
        await asyncio.to_thread(_write, args.output, text)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


async def _show(engine: EngineAPI, args: argparse.Namespace) -> int:
    entries = await engine.playlist(args.name)
    if args.json:
        print_json({"name": args.name, "tracks": [engine_package.to_data(e) for e in entries]})
        return 0
    rows = []
    for entry in entries:
        item = entry.item
        if item is None:
            rows.append([str(entry.position), "(not found)", entry.identifier, "", ""])
            continue
        where = "disk" if entry.on_disk else "stream"
        rows.append(
            [
                str(entry.position),
                item.title,
                f"{item.artist} {item.album}",
                clock(item.duration),
                where,
            ]
        )
    print(table(["#", "title", "show", "length", "from"], rows, keep=(0, 3, 4)))
    return 0


def _write(name: str, text: str) -> None:
    Path(name).expanduser().write_text(text, encoding="utf-8")


COMMANDS = {"playlist": cmd_playlist}
