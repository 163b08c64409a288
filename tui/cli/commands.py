"""The command line as a whole: every group's commands, run on an engine of this process or
on the daemon's through ``RemoteEngine``; with no command, the app."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import TYPE_CHECKING, Any

import engine as engine_package
from tui.cli import (
    browse,
    cache,
    catalog,
    control,
    downloads,
    household,
    library,
    listening,
    parser,
    playback,
    playlist,
    recommend,
    steer,
)

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Coroutine, Sequence
    from pathlib import Path

    from engine import EngineAPI, Settings

__all__ = ["COMMANDS", "build_parser", "configure_logging", "run"]


def settings_from_args(args: argparse.Namespace) -> Settings:
    return engine_package.load_settings(
        {
            "data_dir": getattr(args, "data_dir", None),
            "music_dir": getattr(args, "music_dir", None),
            "db_url": getattr(args, "db_url", None),
            "archive_url": getattr(args, "archive_url", None),
            "profile": getattr(args, "profile", None),
        },
        config_file=getattr(args, "config", None),
        named_config=bool(getattr(args, "config", None)),
    )


async def _run(settings: Settings, command: str, args: argparse.Namespace) -> int:
    """Run a command on the daemon's engine when a daemon runs (one process owns the player
    and the download queue), else on an engine of its own."""
    from engine import RemoteEngine, daemon_running, socket_path

    # A command ``steer`` runs found no daemon a moment ago: it runs here.
    here = command == "devices" or command in steer.COMMANDS
    path = socket_path(profile=settings.profile)  # this person's daemon
    remote = not here and await asyncio.to_thread(daemon_running, path)
    if command in control.DAEMON_ONLY:  # steer found no daemon to steer
        return control.no_daemon(command)
    if command in control.WITHOUT_ENGINE and not remote:
        return await control.WITHOUT_ENGINE[command](settings, args)
    engine: EngineAPI
    if remote:
        engine = RemoteEngine(settings, path)  # the protocol client alone: no storage, no HTTP
    else:
        from engine import Engine

        engine = Engine(settings)
    async with engine:
        notices = asyncio.create_task(_say_notices(engine))
        try:
            return await COMMANDS[command](engine, args)
        finally:
            notices.cancel()


async def _say_notices(engine: EngineAPI) -> None:
    """Say on stderr what the engine is waiting for (archive.org tried again, a busy
    database), so a slow command is never silent."""
    async for event in engine.events():
        if isinstance(event, engine_package.Notice) and event.text:
            print(f"liveset: {event.text}", file=sys.stderr, flush=True)


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


def run(args: argparse.Namespace, argv: Sequence[str] | None) -> int:
    """Run a command (or open the app) on an engine of this process, or the daemon's."""
    level = logging.WARNING - 10 * min(2, getattr(args, "verbose", 0) or 0)
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
    return asyncio.run(_run(settings, args.command, args))


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command."""
    return parser.build(GROUPS)


GROUPS = (
    browse,
    downloads,
    playback,
    playlist,
    listening,
    control,
    library,
    catalog,
    recommend,
    household,
    cache,
)
COMMANDS: dict[str, Callable[[EngineAPI, argparse.Namespace], Coroutine[Any, Any, int]]] = {
    name: command for group in GROUPS for name, command in group.COMMANDS.items()
}
