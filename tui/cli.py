"""The ``liveset`` command: no arguments opens the app; subcommands serve scripts.

Textual is imported only when the app opens, so script commands start fast.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len

import engine as engine_package
from engine import (
    KNOWN_FORMATS,
    ConfigError,
    EngineError,
    StorageError,
    __version__,
    load_settings,
)
from tui import control
from tui.formatting import clock, fit_text, progress_bar, size_text, stars
from tui.terminal import native_stderr_to

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Sequence

    from engine import Concert as ConcertModel, Download, Engine, Recording, Settings


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
    parser.add_argument(
        "--detach",
        action="store_true",
        help="the app: start a daemon when none runs and attach to it (daemon.detach)",
    )
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
        "--limit", type=_positive, default=200, help="recordings to look at (default 200)"
    )
    search.add_argument("--json", action="store_true")

    concert = sub.add_parser("concert", parents=[common], help="one concert, all recordings ranked")
    concert.add_argument("artist")
    concert.add_argument(
        "date", help="YYYY-MM-DD; a year or a month (YYYY, YYYY-MM) lists the concerts in it"
    )
    concert.add_argument("--json", action="store_true")

    recording = sub.add_parser("recording", parents=[common], help="one recording with its tracks")
    recording.add_argument("identifier", type=_identifier)
    recording.add_argument("--json", action="store_true")

    artists = sub.add_parser("artists", parents=[common], help="the etree artist collections")
    artists.add_argument("--limit", type=_positive)
    artists.add_argument("--json", action="store_true")

    download = sub.add_parser(
        "download",
        parents=[common],
        help="queue a recording for offline play",
        description="Queue a recording (or some of its tracks). The queue runs while liveset is "
        "open; --wait runs it here and returns when the recording is done.",
    )
    download.add_argument("identifier", type=_identifier)
    download.add_argument(
        "--format",
        type=_format,
        help="flac, mp3, ogg, ... (any case; default: downloads.preferred_formats)",
    )
    download.add_argument("--tracks", type=_track_numbers, help="track numbers, e.g. 1,2,5 or 3-7")
    download.add_argument(
        "--set",
        action="append",
        dest="sets",
        metavar="SET",
        help="a set: 1, 2, e (the encore); discs where the show has no setlist",
    )
    download.add_argument(
        "--wait", action="store_true", help="download now with a progress bar; exit 1 on failure"
    )
    download.add_argument("--json", action="store_true")

    downloads = sub.add_parser("downloads", parents=[common], help="the download queue")
    downloads.add_argument(
        "--state",
        type=_download_state,
        action="append",
        help="queued, running, paused, done, failed or cancelled",
    )
    downloads.add_argument("--json", action="store_true")

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

    control.add_commands(sub, common)
    queue = sub.add_parser(
        "queue", parents=[common], help="the play queue (the daemon's, else as last left)"
    )
    queue.add_argument("--json", action="store_true")

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
    find.add_argument("--limit", type=_positive, default=200)
    find.add_argument("--json", action="store_true")
    return parser


def _format(text: str) -> str:
    name = engine_package.format_name(text)
    if name is None:
        raise argparse.ArgumentTypeError(
            f"unknown format {text!r}; one of: flac, flac24, mp3, ogg, shn, or an archive "
            f"name ({', '.join(KNOWN_FORMATS)})"
        )
    return name


def _track_numbers(text: str) -> list[int]:
    """``1,2,5`` or ``3-7``: track numbers through the show, from 1, ranges low to high."""
    example = "(e.g. 1,2,5 or 3-7, numbered from 1 as `liveset recording` shows them)"
    numbers: list[int] = []
    for part in text.split(","):
        low, dash, high = part.strip().partition("-")
        try:
            first = int(low)
            last = int(high) if dash else first
        except ValueError:
            raise argparse.ArgumentTypeError(f"not track numbers: {text!r} {example}") from None
        if first < 1 or last < first:
            raise argparse.ArgumentTypeError(
                f"not track numbers: {part.strip()!r}: tracks count from 1 and a range goes "
                f"from low to high {example}"
            )
        numbers += range(first, last + 1)
    return numbers


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return value


def _identifier(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("an archive identifier cannot be empty")
    return text.strip()


def _folder(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"no such folder: {text}")
    return path


# --- formatting ---------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], keep: Sequence[int] = ()) -> str:
    """Columns padded to fit the terminal: the widest columns give way first (never in a pipe).

    Columns in ``keep`` (short codes, numbers) are never cut.
    """
    widths = [max([cell_len(h)] + [cell_len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    # On a terminal, fit its width; in a pipe or a file, whole values (an identifier must copy).
    columns = shutil.get_terminal_size((100, 24)).columns if sys.stdout.isatty() else 1 << 20
    budget = columns - 2 * (len(widths) - 1)
    floors = [w if i in keep else max(cell_len(headers[i]), 6) for i, w in enumerate(widths)]
    while sum(widths) > budget:
        shrinkable = [i for i, w in enumerate(widths) if w > floors[i]]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda i: widths[i])
        widths[widest] -= 1

    def line(cells: Sequence[str]) -> str:
        return "  ".join(fit_text(cell, widths[i]) for i, cell in enumerate(cells)).rstrip()

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


def _count(number: int, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"


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
            size_text(r.total_size),
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
    if len(args.date) < len("YYYY-MM-DD"):
        found = await engine.concerts_in(args.artist, args.date)
        _stale_note(found.stale)
        if len(found.concerts) != 1:
            return _print_concert_choice(args, found.concerts)
        args.date = str(found.concerts[0].date)
    concert = await engine.concert(args.artist, args.date)
    _stale_note(concert.stale)
    if args.json:
        data = engine_package.to_data(concert)
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


def _print_concert_choice(args: argparse.Namespace, concerts: Sequence[ConcertModel]) -> int:
    """The concerts of a year or month, to choose one from; none is an error."""
    if args.json:
        _print_json({"span": args.date, "concerts": [concert_summary(c) for c in concerts]})
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


async def cmd_recording(engine: Engine, args: argparse.Namespace) -> int:
    recording = await engine.recording(args.identifier)
    _stale_note(recording.stale)
    if args.json:
        _print_json(engine_package.to_data(recording))
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
        ("size", size_text(r.total_size)),
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
        _print_json(
            {"stale": found.stale, "artists": [engine_package.to_data(a) for a in found.artists]}
        )
        return 0
    rows = [
        [a.name, a.identifier, str(a.item_count or "-"), str(a.downloads or "-")]
        for a in found.artists
    ]
    print(table(["artist", "identifier", "items", "downloads"], rows, keep=(2, 3)))
    return 0


def _download_rows(downloads: Sequence[Download]) -> list[list[str]]:
    rows = []
    for d in downloads:
        fraction = d.fraction
        rows.append(
            [
                str(d.id),
                d.state.value,
                f"{fraction * 100:.0f}%" if fraction is not None else "-",
                size_text(d.size),
                d.format,
                d.identifier,
                d.path.rsplit("/", 1)[-1],
                d.error or d.note,
            ]
        )
    return rows


def _progress_line(downloads: Sequence[Download]) -> str:
    tracks = [d for d in downloads if d.kind == "track"] or list(downloads)
    total = sum(d.size or 0 for d in downloads)
    done = sum(min(d.bytes_done, d.size or d.bytes_done) for d in downloads)
    speed = sum(d.speed for d in downloads)
    finished = sum(d.state is engine_package.DownloadState.DONE for d in tracks)
    eta = clock((total - done) / speed) if speed > 0 else "-"
    fraction = done / total if total else 0.0
    return (
        f"{progress_bar(fraction, 24)} {fraction * 100:3.0f}%  {size_text(done)} / "
        f"{size_text(total)}  {size_text(int(speed))}/s  ETA {eta}  "
        f"{finished}/{len(tracks)} tracks"
    )


async def cmd_download(engine: Engine, args: argparse.Namespace) -> int:
    queued = await engine.download(
        args.identifier, format=args.format, tracks=args.tracks, sets=args.sets
    )
    states = engine_package.DownloadState
    notes = sorted({d.note for d in queued if d.note})
    for note in notes:
        print(f"liveset: {note}", file=sys.stderr)
    tracks = [d for d in queued if d.kind == "track"]
    pending = [d for d in tracks if d.state in (states.QUEUED, states.RUNNING, states.PAUSED)]
    landed = [d for d in tracks if d.state is states.DONE]
    folder = engine.settings.music_dir / queued[0].path.rsplit("/", 1)[0]
    if not args.wait or not pending:
        if args.json:
            _print_json(
                {
                    "identifier": args.identifier,
                    "folder": str(folder),
                    "queued": len(pending),
                    "already_downloaded": len(landed),
                    "notes": notes,
                    "files": [engine_package.to_data(d) for d in queued],
                }
            )
        elif not pending:
            print(f"nothing to do: {_count(len(landed), 'track')} downloaded already, in {folder}")
        else:
            print(
                f"queued {_count(len(pending), 'track')} of {args.identifier} "
                f"({size_text(sum(d.size or 0 for d in pending))})"
                + (f"; {len(landed)} downloaded already" if landed else "")
                + "; they download while liveset is open, or now with --wait"
            )
        return 0
    wanted = {d.id for d in queued}
    running = await engine.run_downloads(only=wanted)
    if not running:
        print(
            "liveset: another liveset is running the download queue; waiting for it",
            file=sys.stderr,
        )
    waiting = asyncio.create_task(engine.wait_downloads(ids=wanted, until_held=True))
    live = sys.stderr.isatty()
    reported: set[int] = set()
    while True:
        done, _ = await asyncio.wait({waiting}, timeout=0.25)
        if not running and not done and (running := await engine.run_downloads(only=wanted)):
            # The other one is gone (even killed: its lock went with it): take over.
            print("liveset: the other liveset stopped; downloading here", file=sys.stderr)
        current = [d for d in await engine.downloads(identifier=args.identifier) if d.id in wanted]
        if live:
            print("\r" + _progress_line(current), end="", file=sys.stderr, flush=True)
        else:
            for d in current:
                if d.state is states.DONE and d.id not in reported:
                    reported.add(d.id)
                    print(f"done {d.path}", file=sys.stderr)
        if done:
            break
    if live:
        print(file=sys.stderr)
    final = waiting.result()
    failed = [d for d in final if d.state is states.FAILED]
    for d in failed:
        print(f"liveset: {d.file_name}: {d.error}", file=sys.stderr)
    complete = sum(d.state is states.DONE for d in final)
    held = engine.downloads_held()
    left = [d for d in final if d.state in (states.QUEUED, states.RUNNING)]
    if held and left:
        # A script is better told now than kept waiting for a disk someone has to clear.
        print(
            f"liveset: {held.split(';')[0]}; {_count(len(left), 'file')} stay queued and "
            "go on with the next `liveset download --wait` or in the app",
            file=sys.stderr,
        )
    if args.json:
        _print_json(
            {
                "identifier": args.identifier,
                "folder": str(folder),
                "done": complete,
                "failed": len(failed),
                "held": held if held and left else None,
                "files": [engine_package.to_data(d) for d in final],
            }
        )
    else:
        print(f"{complete} of {len(wanted)} files in {folder}")
    return 1 if failed or (held and left) else 0


async def cmd_downloads(engine: Engine, args: argparse.Namespace) -> int:
    states = args.state or None
    found = await engine.downloads(states=states)
    if args.json:
        _print_json({"downloads": [engine_package.to_data(d) for d in found]})
        return 0
    if not found:
        print("the download queue is empty")
        return 0
    headers = ["id", "state", "done", "size", "format", "recording", "file", "note"]
    print(table(headers, _download_rows(found), keep=(0, 1, 2, 3)))
    return 0


async def cmd_library(engine: Engine, args: argparse.Namespace) -> int:
    if args.library_command == "scan":
        folders = list(args.paths) or None
        result = await engine.scan_library(folders)
        if args.json:
            _print_json(engine_package.to_data(result))
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
            _print_json(engine_package.to_data(stats))
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
        _print_json({"query": text, "tracks": [engine_package.to_data(t) for t in tracks]})
        return 0
    rows = [
        [t.artist, t.date, t.title, t.venue, clock(t.duration), t.path.rsplit("/", 1)[-1]]
        for t in tracks
    ]
    print(table(["artist", "date", "title", "venue", "length", "file"], rows, keep=(1, 4)))
    return 0


async def cmd_play(engine: Engine, args: argparse.Namespace) -> int:
    """Play in the foreground until the queue ends or Ctrl-C; exit 1 when nothing could play.
    Libraries' own complaints (ALSA, JACK) go to the log, liveset's to the terminal. With a
    daemon running, the daemon plays it and the command returns at once."""
    if isinstance(engine, engine_package.RemoteEngine):
        if args.target is None:
            await engine.play()
            return 0
        added = await engine.queue_add(args.target, after_current=args.next, play=not args.next)
        print(f"queued {_count(len(added), 'track')} in the daemon", file=sys.stderr)
        return 0
    with native_stderr_to(engine.settings.data_dir / "liveset.log"):
        return await _play_here(engine, args)


async def _play_here(engine: Engine, args: argparse.Namespace) -> int:
    if args.target is None:
        print("liveset: name what to play (with no daemon running, play plays in the foreground)")
        return 2
    events = engine.events()
    await engine.restore_playback()
    added = await engine.queue_add(args.target, after_current=args.next, play=not args.next)
    print(f"queued {_count(len(added), 'track')}", file=sys.stderr)
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
        _print_json({"queued": len(added), "played": played, "failed": failed})
    return 1 if stopped or (failed and len(failed) >= len(played)) else 0


async def cmd_devices(engine: Engine, args: argparse.Namespace) -> int:
    with native_stderr_to(engine.settings.data_dir / "liveset.log"):
        devices = await engine.audio_devices()
    if args.json:
        _print_json([{"name": n, "description": d} for n, d in devices])
        return 0
    print("audio devices mpv can use here; put one in the config as")
    print('[player.mpv]\nao = "OUTPUT"            # the part before "/"\naudio-device = "NAME"\n')
    print(table(["name", "description"], [[n, d] for n, d in devices], keep=(0,)))
    return 0


async def cmd_queue(engine: Engine, args: argparse.Namespace) -> int:
    if isinstance(engine, engine_package.RemoteEngine):
        live = engine.play_queue()
        items, current, seconds = live.items, live.current, live.player.position or 0.0
    else:
        items, current, seconds = await engine.saved_queue()
    if args.json:
        _print_json(
            {
                "current": current,
                "seconds": seconds,
                "queue": [engine_package.to_data(i) for i in items],
            }
        )
        return 0
    if not items:
        print("the queue is empty")
        return 0
    rows = [
        [
            ">" if n == current else "",
            str(n + 1),
            i.artist,
            i.title,
            clock(i.duration),
            "stream" if i.uri.startswith(("http://", "https://")) else "disk",
        ]
        for n, i in enumerate(items)
    ]
    print(table(["", "#", "artist", "title", "length", "from"], rows, keep=(0, 1, 4, 5)))
    return 0


COMMANDS: dict[str, Callable[[Engine, argparse.Namespace], Coroutine[Any, Any, int]]] = {
    "search": cmd_search,
    "concert": cmd_concert,
    "recording": cmd_recording,
    "artists": cmd_artists,
    "download": cmd_download,
    "downloads": cmd_downloads,
    "library": cmd_library,
    "play": cmd_play,
    "queue": cmd_queue,
    "devices": cmd_devices,
    **control.COMMANDS,
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
        named_config=bool(getattr(args, "config", None)),
    )


async def _run(settings: Settings, command: str, args: argparse.Namespace) -> int:
    """Run a command on the daemon's engine when a daemon runs (one process owns the player
    and the download queue), else on an engine of its own."""
    from engine import Engine, RemoteEngine, daemon_running

    remote = command != "devices" and await asyncio.to_thread(daemon_running)
    if not remote and command in control.DAEMON_ONLY:
        return control.no_daemon(command)
    engine = RemoteEngine(settings) if remote else Engine(settings)
    async with engine:
        notices = asyncio.create_task(_say_notices(engine))  # type: ignore[arg-type]
        try:
            return await COMMANDS[command](engine, args)  # type: ignore[arg-type]
        finally:
            notices.cancel()


async def _say_notices(engine: Engine) -> None:
    """Say on stderr what the engine is waiting for (archive.org tried again, a busy
    database), so a slow command is never silent."""
    async for event in engine.events():
        if isinstance(event, engine_package.Notice) and event.text:
            print(f"liveset: {event.text}", file=sys.stderr, flush=True)


def _download_state(text: str) -> Any:
    """A download state by name (the models load only when the option is given)."""
    states = engine_package.DownloadState
    try:
        return states(text)
    except ValueError:
        names = ", ".join(s.value for s in states)
        raise argparse.ArgumentTypeError(f"{text!r} is not one of: {names}") from None


def configure_logging(level: int, *, log_file: Path | None = None) -> None:
    """Messages go to stderr for commands; for the app, which draws on the terminal, to
    ``log_file`` (a line written to the terminal under the app would garble its screen)."""
    if log_file is None:
        logging.basicConfig(level=level, format="liveset: %(message)s", stream=sys.stderr)
        return
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(2, getattr(args, "verbose", 0) or 0)
    try:
        settings = settings_from_args(args)
        if args.command is None:
            from tui.app import run_app

            configure_logging(level, log_file=settings.data_dir / "liveset.log")
            raw = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--detach"]
            return run_app(settings, detach=args.detach or settings.detach, options=raw)
        if args.command == "daemon":
            configure_logging(level, log_file=settings.data_dir / "liveset.log")
            return control.run_daemon_command(
                settings, args, list(argv if argv is not None else sys.argv[1:])
            )
        configure_logging(level)
        code = asyncio.run(_run(settings, args.command, args))
        sys.stdout.flush()  # here, where a closed pipe can still be handled
        return code
    except (ConfigError, StorageError) as error:
        # A setting or a database liveset cannot use: fixed by the user, not by a retry.
        print(f"liveset: {error}", file=sys.stderr)
        return 2
    except EngineError as error:
        print(f"liveset: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away early (`liveset queue | head`): nothing to report. Point
        # stdout at /dev/null so the interpreter's last flush cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 141  # 128 + SIGPIPE, as a program killed by the broken pipe would end


if __name__ == "__main__":
    sys.exit(main())
