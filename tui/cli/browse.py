"""Commands that read the archive: ``search``, ``concert``, ``recording``, ``artists``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import engine as engine_package
from tui.cli.output import identifier, positive, print_json, stale_note, table
from tui.formatting import clock, size_text, stars

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

    from engine import Concert as ConcertModel, EngineAPI, Recording


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    search = sub.add_parser("search", parents=[common], help="find concerts")
    search.add_argument("query", nargs="*", help="free text or field terms (venue:, coverage: ...)")
    search.add_argument("--artist", help="the band, as the archive names it")
    search.add_argument("--year", type=int)
    search.add_argument("--sbd", action="store_true", help="soundboard recordings only")
    search.add_argument(
        "--limit", type=positive, default=200, help="recordings to look at (default 200)"
    )
    search.add_argument("--json", action="store_true")

    concert = sub.add_parser("concert", parents=[common], help="one concert, all recordings ranked")
    concert.add_argument("artist")
    concert.add_argument(
        "date", help="YYYY-MM-DD; a year or a month (YYYY, YYYY-MM) lists the concerts in it"
    )
    concert.add_argument("--json", action="store_true")

    recording = sub.add_parser("recording", parents=[common], help="one recording with its tracks")
    recording.add_argument("identifier", type=identifier)
    recording.add_argument("--json", action="store_true")

    artists = sub.add_parser("artists", parents=[common], help="the etree artist collections")
    artists.add_argument("--limit", type=positive)
    artists.add_argument("--json", action="store_true")


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


def _recording_rows(recordings: Sequence[Recording]) -> list[list[str]]:
    return [
        [
            str(i),
            r.source_kind.value,
            stars(r.avg_rating),
            str(r.num_reviews),
            str(r.downloads or "-"),
            ",".join(r.formats) or "-",
            size_text(r.total_size),
            clock(r.duration),
            r.identifier,
        ]
        for i, r in enumerate(recordings, 1)
    ]


async def cmd_search(engine: EngineAPI, args: argparse.Namespace) -> int:
    text = " ".join(args.query)
    found = await engine.search_concerts(
        text, artist=args.artist, year=args.year, sbd_only=args.sbd, limit=args.limit
    )
    stale_note(found.stale)
    if args.json:
        print_json(
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
        table(["date", "artist", "venue", "city", "recs", "best", "stars"], rows, keep=(0, 4, 5, 6))
    )
    return 0


async def cmd_concert(engine: EngineAPI, args: argparse.Namespace) -> int:
    if len(args.date) < len("YYYY-MM-DD"):
        found = await engine.concerts_in(args.artist, args.date)
        stale_note(found.stale)
        if len(found.concerts) != 1:
            return _print_concert_choice(args, found.concerts)
        args.date = str(found.concerts[0].date)
    concert = await engine.concert(args.artist, args.date)
    stale_note(concert.stale)
    if args.json:
        data = engine_package.to_data(concert)
        data["rating"] = concert.rating
        data["best_source_kind"] = concert.best_source_kind.value
        print_json(data)
        return 0
    print(f"{concert.artist} — {concert.date} — {concert.venue}, {concert.city}")
    print(f"{len(concert.recordings)} recording(s), best first\n")
    headers = [
        "#",
        "source",
        "stars",
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


def _print_concert_choice(args: argparse.Namespace, concerts: Sequence[ConcertModel]) -> int:
    """The concerts of a year or month, to choose one from; none is an error."""
    if args.json:
        print_json({"span": args.date, "concerts": [concert_summary(c) for c in concerts]})
        return 0 if concerts else 1
    if not concerts:
        print(f"liveset: no concerts of {args.artist} in {args.date}", file=sys.stderr)
        return 1
    print(f"{len(concerts)} concerts of {concerts[0].artist} in {args.date}; name one by its date:")
    rows = [
        [str(c.date), c.venue, c.city, str(len(c.recordings)), c.best_source_kind.value]
        for c in concerts
    ]
    print(table(["date", "venue", "city", "recs", "best"], rows, keep=(0, 3, 4)))
    return 0


def _print_tracks(recording: Recording) -> None:
    rows = []
    for track in recording.tracks:
        formats = ", ".join(f.format + (" (stream only)" if f.private else "") for f in track.files)
        rows.append(
            [str(track.number), track.set_name, track.display_title, clock(track.duration), formats]
        )
    print(table(["#", "set", "title", "length", "files"], rows, keep=(0, 1, 3)))


async def cmd_recording(engine: EngineAPI, args: argparse.Namespace) -> int:
    recording = await engine.recording(args.identifier)
    stale_note(recording.stale)
    if args.json:
        print_json(engine_package.to_data(recording))
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
        ("stars", f"{stars(r.avg_rating)} from {r.num_reviews} review(s)"),
        ("formats", ", ".join(r.formats)),
        ("size", size_text(r.total_size)),
        ("length", clock(r.duration)),
    ):
        if value:
            print(f"  {label:<12} {value}")
    print()
    _print_tracks(r)
    return 0


async def cmd_artists(engine: EngineAPI, args: argparse.Namespace) -> int:
    found = await engine.artists(limit=args.limit)
    stale_note(found.stale)
    if args.json:
        print_json(
            {"stale": found.stale, "artists": [engine_package.to_data(a) for a in found.artists]}
        )
        return 0
    rows = [
        [a.name, a.identifier, str(a.item_count or "-"), str(a.downloads or "-")]
        for a in found.artists
    ]
    print(table(["artist", "identifier", "items", "downloads"], rows, keep=(2, 3)))
    return 0


COMMANDS = {
    "search": cmd_search,
    "concert": cmd_concert,
    "recording": cmd_recording,
    "artists": cmd_artists,
}
