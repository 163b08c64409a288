"""Recommendations from scripts: ``recommend [--describe TEXT]``, ``import FILE``, and
feedback: ``favourite``, ``like``, ``dislike``, ``not-interested`` (each with ``--undo``)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import engine as engine_package
from tui.cli.output import identifier, positive, print_json, table

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

    from engine import EngineAPI, Pick

FEEDBACK = {
    "favourite": "mark a favourite (a recording, or an artist with --artist)",
    "like": "like it: recommendations lean toward it",
    "dislike": "dislike it: recommendations lean away from it",
    "not-interested": "never recommend it again",
}


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    recommend = sub.add_parser(
        "recommend",
        parents=[common],
        help="concerts picked for you from the local catalog, each with why",
    )
    recommend.add_argument("--limit", type=positive, default=20, metavar="N")
    recommend.add_argument(
        "--describe",
        metavar="TEXT",
        help='concerts that fit a description: "mellow acoustic soundboard 1972 northeast"',
    )
    recommend.add_argument("--json", action="store_true")
    imported = sub.add_parser(
        "import",
        parents=[common],
        help="a listening history: a ListenBrainz export or a Last.fm scrobble CSV",
    )
    imported.add_argument("file", metavar="FILE")
    imported.add_argument("--json", action="store_true")
    for name, text in FEEDBACK.items():
        command = sub.add_parser(name, parents=[common], help=text)
        command.add_argument("target", type=identifier, metavar="IDENTIFIER")
        command.add_argument(
            "--artist", action="store_true", help="TARGET is an artist's name, not a recording"
        )
        command.add_argument("--undo", action="store_true", help="take it back")
        if name == "favourite":
            command.add_argument(
                "--track",
                type=positive,
                metavar="N",
                help="one track of the recording (numbered through the show), not the show",
            )


def pick_rows(picks: Sequence[Pick]) -> list[list[str]]:
    return [
        [
            str(p.recording.date or ""),
            p.recording.artist,
            p.recording.venue,
            "; ".join(p.reasons),
            p.recording.identifier,
        ]
        for p in picks
    ]


HEADERS = ("date", "artist", "venue", "why", "identifier")


async def cmd_recommend(engine: EngineAPI, args: argparse.Namespace) -> int:
    if args.describe is not None:
        found = await engine.describe(args.describe, args.limit)
        if args.json:
            print_json(engine_package.to_data(found))
            return 0
        read = "; ".join(f"{name}: {', '.join(values)}" for name, values in found.reading)
        print(f"read as  {read or 'nothing liveset knows'}")
        picks = found.picks
    else:
        picks = await engine.recommend(args.limit)
        if args.json:
            print_json(engine_package.to_data(picks))
            return 0
    if not picks:
        status = await engine.catalog_status()
        if not status.ready:
            print(
                "no recommendations yet: they are scored on the local catalog; "
                "`liveset catalog sync` fetches it"
            )
        else:
            print("nothing to recommend")
        return 0
    print(table(HEADERS, pick_rows(picks), keep=(0,)))
    return 0


async def cmd_import(engine: EngineAPI, args: argparse.Namespace) -> int:
    result = await engine.import_history(args.file)
    if args.json:
        print_json(engine_package.to_data(result))
        return 0
    service = "ListenBrainz" if result.source == "listenbrainz" else "Last.fm"
    print(
        f"{service}: {result.listens:,} listens of {result.artists:,} artists; "
        f"{result.matched:,} of them found in the archive"
    )
    if result.top:
        rows = [[name, archive, f"{plays:,}"] for name, archive, plays in result.top]
        print(table(("artist", "archive artist", "plays"), rows, keep=(2,)))
    if result.matched == 0:
        print(
            "no artist matched: sync the catalog (`liveset catalog sync`) and import again",
        )
    return 0


async def cmd_feedback(engine: EngineAPI, args: argparse.Namespace) -> int:
    kind = "artist" if args.artist else "recording"
    on = not args.undo
    if getattr(args, "track", None) is not None:
        await engine.set_track_favourite(args.target, args.track, on)
        print(f"{'no longer ' if args.undo else ''}favourite: {args.target} track {args.track}")
        return 0
    if kind == "recording" and on:
        try:
            await engine.recording(args.target)  # a typing slip would be kept silently
        except engine_package.NotFoundError as error:
            print(f"liveset: {error}", file=sys.stderr)
            return 1
        except engine_package.ArchiveError as error:
            print(f"liveset: kept, unchecked ({error})", file=sys.stderr)
    if args.command == "favourite":
        await engine.set_favourite(kind, args.target, on)
    elif args.command == "like":
        await engine.set_rating(kind, args.target, 1 if on else 0)
    elif args.command == "dislike":
        await engine.set_rating(kind, args.target, -1 if on else 0)
    else:
        await engine.set_not_interested(kind, args.target, on)
    done = {"favourite": "favourite", "like": "liked", "dislike": "disliked"}.get(
        args.command, "not interested"
    )
    print(f"{'no longer ' if args.undo else ''}{done}: {args.target}")
    return 0


COMMANDS = {
    "recommend": cmd_recommend,
    "import": cmd_import,
    **dict.fromkeys(FEEDBACK, cmd_feedback),
}
