"""The ``liveset`` command: no arguments opens the app; subcommands serve scripts.

Textual is imported only when the app opens, so script commands start fast.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import shutil
import sys
from typing import TYPE_CHECKING, Any

from engine import Concert as ConcertModel
from engine import (
    ConfigError,
    Engine,
    EngineError,
    Recording,
    Settings,
    __version__,
    load_settings,
    to_data,
)
from tui.formatting import clock, stars

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Sequence


def _common_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--config", metavar="FILE", default=default, help="config file (LIVESET_CONFIG)"
    )
    parser.add_argument(
        "--data-dir", metavar="DIR", default=default, help="data dir (LIVESET_DATA_DIR)"
    )
    parser.add_argument(
        "--music-dir", metavar="DIR", default=default, help="music dir (LIVESET_MUSIC_DIR)"
    )
    parser.add_argument(
        "--db-url", metavar="URL", default=default, help="database URL (LIVESET_DB_URL)"
    )
    parser.add_argument(
        "--archive-url",
        metavar="URL",
        default=default,
        help="archive.org base URL (LIVESET_ARCHIVE_URL)",
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=argparse.SUPPRESS if suppress else 0
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="liveset",
        description="A terminal player for the Live Music Archive. With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"liveset {__version__}")
    _common_options(parser, suppress=False)
    common = argparse.ArgumentParser(add_help=False)
    _common_options(common, suppress=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    search = sub.add_parser("search", parents=[common], help="find concerts")
    search.add_argument("query", nargs="*", help="free text or field terms (venue:, coverage: ...)")
    search.add_argument("--artist", help="the band, as the archive names it")
    search.add_argument("--year", type=int)
    search.add_argument("--sbd", action="store_true", help="soundboard recordings only")
    search.add_argument(
        "--limit", type=int, default=200, help="recordings to look at (default 200)"
    )
    search.add_argument("--json", action="store_true")

    concert = sub.add_parser("concert", parents=[common], help="one concert, all recordings ranked")
    concert.add_argument("artist")
    concert.add_argument("date", help="YYYY-MM-DD")
    concert.add_argument("--json", action="store_true")

    recording = sub.add_parser("recording", parents=[common], help="one recording with its tracks")
    recording.add_argument("identifier")
    recording.add_argument("--json", action="store_true")

    artists = sub.add_parser("artists", parents=[common], help="the etree artist collections")
    artists.add_argument("--limit", type=int)
    artists.add_argument("--json", action="store_true")
    return parser


# --- formatting ---------------------------------------------------------------------------


def _size(size: int | None) -> str:
    if not size:
        return "-"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return "-"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], keep: Sequence[int] = ()) -> str:
    """Columns padded to fit the terminal: the widest columns give way first.

    Columns in ``keep`` (short codes, numbers) are never cut.
    """
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    budget = shutil.get_terminal_size((100, 24)).columns - 2 * (len(widths) - 1)
    floors = [w if i in keep else max(len(headers[i]), 6) for i, w in enumerate(widths)]
    while sum(widths) > budget:
        shrinkable = [i for i, w in enumerate(widths) if w > floors[i]]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda i: widths[i])
        widths[widest] -= 1

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            if len(cell) > widths[i]:
                cell = cell[: max(0, widths[i] - 1)] + "…"
            out.append(cell.ljust(widths[i]))
        return "  ".join(out).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def concert_summary(concert: ConcertModel) -> dict[str, Any]:
    return {
        "artist": concert.artist,
        "date": str(concert.date),
        "venue": concert.venue,
        "city": concert.city,
        "recordings": len(concert.recordings),
        "best_source_kind": concert.best_source_kind.value,
        "rating": concert.rating,
        "identifiers": [r.identifier for r in concert.recordings],
    }


def _stale_note(stale: bool) -> None:
    if stale:
        print("liveset: archive.org is unreachable; showing cached results", file=sys.stderr)


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _recording_rows(recordings: Sequence[Recording]) -> list[list[str]]:
    return [
        [
            str(i),
            r.source_kind.value,
            stars(r.weighted_rating),
            str(r.num_reviews),
            str(r.downloads or "-"),
            ",".join(r.formats) or "-",
            _size(r.total_size),
            clock(r.duration),
            r.identifier,
        ]
        for i, r in enumerate(recordings, 1)
    ]


# --- commands -----------------------------------------------------------------------------


async def cmd_search(engine: Engine, args: argparse.Namespace) -> int:
    text = " ".join(args.query)
    found = await engine.search_concerts(
        text, artist=args.artist, year=args.year, sbd_only=args.sbd, limit=args.limit
    )
    _stale_note(found.stale)
    if args.json:
        _print_json(
            {
                "query": text,
                "total_items": found.total_items,
                "stale": found.stale,
                "concerts": [concert_summary(c) for c in found.concerts],
            }
        )
        return 0
    if not found.concerts:
        print("no concerts found", file=sys.stderr)
        return 0
    rows = [
        [
            str(c.date),
            c.artist,
            c.venue,
            c.city,
            str(len(c.recordings)),
            c.best_source_kind.value,
            stars(c.rating),
        ]
        for c in found.concerts
    ]
    print(
        table(
            ["date", "artist", "venue", "city", "recs", "best", "rating"], rows, keep=(0, 4, 5, 6)
        )
    )
    return 0


async def cmd_concert(engine: Engine, args: argparse.Namespace) -> int:
    concert = await engine.concert(args.artist, args.date)
    _stale_note(concert.stale)
    if args.json:
        data = to_data(concert)
        data["rating"] = concert.rating
        data["best_source_kind"] = concert.best_source_kind.value
        _print_json(data)
        return 0
    print(f"{concert.artist} — {concert.date} — {concert.venue}, {concert.city}")
    print(f"{len(concert.recordings)} recording(s), best first\n")
    headers = [
        "#",
        "source",
        "rating",
        "reviews",
        "downloads",
        "formats",
        "size",
        "length",
        "identifier",
    ]
    print(table(headers, _recording_rows(concert.recordings), keep=(0, 1, 2, 3, 4, 6, 7)))
    best = concert.best
    if best and best.tracks:
        print(f"\nsetlist of {best.identifier}:")
        _print_tracks(best)
    return 0


def _print_tracks(recording: Recording) -> None:
    rows = []
    last_disc = None
    for track in recording.tracks:
        if last_disc is not None and track.disc != last_disc:
            rows.append(["", "", f"— set/disc {track.disc} —", "", ""])
        last_disc = track.disc
        formats = ", ".join(f.format + (" (stream only)" if f.private else "") for f in track.files)
        rows.append(
            [track.position, str(track.number), track.title, clock(track.duration), formats]
        )
    print(table(["pos", "no", "title", "length", "files"], rows, keep=(0, 1, 3)))


async def cmd_recording(engine: Engine, args: argparse.Namespace) -> int:
    recording = await engine.recording(args.identifier)
    _stale_note(recording.stale)
    if args.json:
        _print_json(to_data(recording))
        return 0
    r = recording
    print(r.title or r.identifier)
    for label, value in (
        ("identifier", r.identifier),
        ("artist", r.artist),
        ("date", str(r.date) if r.date else "-"),
        ("venue", f"{r.venue}, {r.city}".strip(", ")),
        ("source kind", r.source_kind.value),
        ("source", r.source),
        ("taper", r.taper),
        ("transferer", r.transferer),
        ("lineage", r.lineage),
        ("rating", f"{stars(r.avg_rating)} from {r.num_reviews} review(s)"),
        ("formats", ", ".join(r.formats)),
        ("size", _size(r.total_size)),
        ("length", clock(r.duration)),
    ):
        if value:
            print(f"  {label:<12} {value}")
    print()
    _print_tracks(r)
    return 0


async def cmd_artists(engine: Engine, args: argparse.Namespace) -> int:
    found = await engine.artists(limit=args.limit)
    _stale_note(found.stale)
    if args.json:
        _print_json({"stale": found.stale, "artists": [to_data(a) for a in found.artists]})
        return 0
    rows = [
        [a.name, a.identifier, str(a.item_count or "-"), str(a.downloads or "-")]
        for a in found.artists
    ]
    print(table(["artist", "identifier", "items", "downloads"], rows, keep=(2, 3)))
    return 0


COMMANDS: dict[str, Callable[[Engine, argparse.Namespace], Coroutine[Any, Any, int]]] = {
    "search": cmd_search,
    "concert": cmd_concert,
    "recording": cmd_recording,
    "artists": cmd_artists,
}


def settings_from_args(args: argparse.Namespace) -> Settings:
    return load_settings(
        {
            "data_dir": getattr(args, "data_dir", None),
            "music_dir": getattr(args, "music_dir", None),
            "db_url": getattr(args, "db_url", None),
            "archive_url": getattr(args, "archive_url", None),
        },
        config_file=getattr(args, "config", None),
    )


async def _run(settings: Settings, command: str, args: argparse.Namespace) -> int:
    async with Engine(settings) as engine:
        return await COMMANDS[command](engine, args)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(2, getattr(args, "verbose", 0) or 0)
    logging.basicConfig(level=level, format="liveset: %(message)s", stream=sys.stderr)
    try:
        settings = settings_from_args(args)
        if args.command is None:
            from tui.app import run_app

            return run_app(settings)
        return asyncio.run(_run(settings, args.command, args))
    except ConfigError as error:
        print(f"liveset: {error}", file=sys.stderr)
        return 2
    except EngineError as error:
        print(f"liveset: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
