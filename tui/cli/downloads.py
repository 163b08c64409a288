"""Commands of the download queue: ``download`` and ``downloads``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any

import engine as engine_package
from engine import KNOWN_FORMATS
from tui.cli.output import identifier, print_json, table, track_numbers
from tui.formatting import clock, plural, progress_bar, size_text

if TYPE_CHECKING:
    from collections.abc import Sequence

    from engine import Download, EngineAPI


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    download = sub.add_parser(
        "download",
        parents=[common],
        help="queue a recording for offline play",
        description="Queue a recording (or some of its tracks). The queue runs while liveset is "
        "open; --wait runs it here and returns when the recording is done.",
    )
    download.add_argument("identifier", type=identifier)
    download.add_argument(
        "--format",
        type=_format,
        help="flac, mp3, ogg, ... (any case; default: downloads.preferred_formats)",
    )
    download.add_argument("--tracks", type=track_numbers, help="track numbers, e.g. 1,2,5 or 3-7")
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


def _format(text: str) -> str:
    name = engine_package.format_name(text)
    if name is None:
        raise argparse.ArgumentTypeError(
            f"unknown format {text!r}; one of: flac, flac24, mp3, ogg, shn, or an archive "
            f"name ({', '.join(KNOWN_FORMATS)})"
        )
    return name


def _download_state(text: str) -> Any:
    """A download state by name (the models load only when the option is given)."""
    states = engine_package.DownloadState
    try:
        return states(text)
    except ValueError:
        names = ", ".join(s.value for s in states)
        raise argparse.ArgumentTypeError(f"{text!r} is not one of: {names}") from None


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


async def cmd_download(engine: EngineAPI, args: argparse.Namespace) -> int:
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
            print_json(
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
            print(f"nothing to do: {plural(len(landed), 'track')} downloaded already, in {folder}")
        else:
            print(
                f"queued {plural(len(pending), 'track')} of {args.identifier} "
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
            f"liveset: {held.split(';')[0]}; {plural(len(left), 'file')} stay queued and "
            "go on with the next `liveset download --wait` or in the app",
            file=sys.stderr,
        )
    if args.json:
        print_json(
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


async def cmd_downloads(engine: EngineAPI, args: argparse.Namespace) -> int:
    states = args.state or None
    found = await engine.downloads(states=states)
    if args.json:
        print_json({"downloads": [engine_package.to_data(d) for d in found]})
        return 0
    if not found:
        print("the download queue is empty")
        return 0
    headers = ["id", "state", "done", "size", "format", "recording", "file", "note"]
    print(table(headers, _download_rows(found), keep=(0, 1, 2, 3)))
    return 0


COMMANDS = {
    "download": cmd_download,
    "downloads": cmd_downloads,
}
