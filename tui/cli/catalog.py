"""Commands of the local catalog: ``catalog sync [--full]``, ``catalog status``."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import TYPE_CHECKING, Any

import engine as engine_package
from tui.cli.output import print_json
from tui.formatting import age_text, eta_text, progress_bar, size_text

if TYPE_CHECKING:
    import argparse

    from engine import CatalogStatus, EngineAPI


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    catalog = sub.add_parser(
        "catalog", parents=[common], help="the local catalog of the whole Live Music Archive"
    )
    actions = catalog.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
    sync = actions.add_parser(
        "sync",
        parents=[common],
        help="fetch the catalog (the first time), or what changed since the last sync",
    )
    sync.add_argument(
        "--full", action="store_true", help="every recording again; drops those that are gone"
    )
    sync.add_argument("--json", action="store_true")
    status = actions.add_parser("status", parents=[common], help="what the catalog holds")
    status.add_argument("--json", action="store_true")


def progress_line(event: engine_package.CatalogProgress) -> str:
    fraction = event.done / event.total if event.total else 0.0
    of = f" of {event.total:,}" if event.total is not None else ""
    return (
        f"{progress_bar(fraction, 24)} {fraction * 100:3.0f}%  {event.done:,}{of} recordings  "
        f"{event.rate:,.0f}/s  ETA {eta_text(event.eta)}"
    )


def status_lines(status: CatalogStatus, now: float) -> list[str]:
    if not status.ready and not status.syncing:
        return [
            "no local catalog yet: `liveset catalog sync` fetches the whole Live Music Archive's "
            "index, and browsing and search then need no network"
        ]
    lines = [
        f"recordings {status.items:,}",
        f"artists    {status.artists:,}",
        f"synced     {age_text(status.age(now))}",
        f"full pass  {age_text(None if status.last_full is None else now - status.last_full)}",
    ]
    if status.size is not None:
        lines.append(f"size       {size_text(status.size)}")
    refresh = (
        f"every {status.refresh_hours:g} h (by the app or the daemon)"
        if status.refresh_hours
        else "off"
    )
    lines.append(f"refresh    {refresh}")
    if status.syncing:
        of = f" of {status.total:,}" if status.total is not None else ""
        lines.append(
            f"unfinished {status.syncing} pass at {status.done:,}{of}: "
            "the next sync goes on from there"
        )
    return lines


async def cmd_catalog(engine: EngineAPI, args: argparse.Namespace) -> int:
    if args.catalog_command == "status":
        status = await engine.catalog_status()
        if args.json:
            print_json({**engine_package.to_data(status), "ready": status.ready})
            return 0
        print("\n".join(status_lines(status, time.time())))
        return 0
    live = sys.stderr.isatty()
    events = engine.events()
    sync = asyncio.ensure_future(engine.sync_catalog(full=args.full))
    shown = False

    async def show() -> None:
        nonlocal shown
        async for event in events:
            if isinstance(event, engine_package.CatalogProgress) and live:
                print("\r" + progress_line(event), end="", file=sys.stderr, flush=True)
                shown = True

    watching = asyncio.ensure_future(show())
    try:
        result = await sync
    except engine_package.EngineError as error:
        if shown:
            print(file=sys.stderr)
        print(f"liveset: catalog sync stopped: {error}", file=sys.stderr)
        return 1
    except asyncio.CancelledError:  # Ctrl-C
        status = await asyncio.shield(engine.catalog_status())
        print(
            ("\n" if shown else "")
            + f"liveset: catalog sync stopped at {status.done:,} recordings; "
            "`liveset catalog sync` goes on from there",
            file=sys.stderr,
        )
        raise
    finally:
        watching.cancel()
    if shown:
        print(file=sys.stderr)
    if args.json:
        print_json(engine_package.to_data(result))
        return 0
    what = "full pass" if result.kind == "full" else "update"
    print(
        f"catalog {what}: {result.added:,} added, {result.updated:,} updated, "
        f"{result.removed:,} removed; {result.items:,} recordings ({result.seconds:.1f} s)"
    )
    return 0


COMMANDS = {
    "catalog": cmd_catalog,
}
