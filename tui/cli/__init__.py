"""The ``liveset`` command: no arguments opens the app; subcommands serve scripts, a module
per group of commands (browse, downloads, playback, library, control).

Textual is imported only when the app opens, so script commands start fast.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from typing import TYPE_CHECKING, Any

import engine as engine_package
from engine import ConfigError, EngineError, StorageError, __version__, load_settings
from tui.cli import browse, catalog, control, downloads, library, playback, recommend
from tui.cli.output import table

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Sequence
    from pathlib import Path

    from engine import Engine, Settings

__all__ = ["COMMANDS", "build_parser", "configure_logging", "main", "table"]


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

    for group in GROUPS:
        group.add_commands(sub, common)
    return parser


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
        notices = asyncio.create_task(_say_notices(engine))
        try:
            return await COMMANDS[command](engine, args)
        finally:
            notices.cancel()


async def _say_notices(engine: Engine) -> None:
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


GROUPS = (browse, downloads, playback, control, library, catalog, recommend)
COMMANDS: dict[str, Callable[[Engine, argparse.Namespace], Coroutine[Any, Any, int]]] = {
    name: command for group in GROUPS for name, command in group.COMMANDS.items()
}


if __name__ == "__main__":
    sys.exit(main())
