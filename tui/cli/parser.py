"""The ``liveset`` parser (the global options and each group's commands) and the one place a
command's failure becomes an exit code and a line on stderr."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from engine import ConfigError, EngineError, StorageError, __version__

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable


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
        "--profile",
        metavar="NAME",
        default=default,
        help="whose listening this is: plays, likes, the queue (LIVESET_PROFILE; your login name)",
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


def build(groups: Iterable[Any]) -> argparse.ArgumentParser:
    """The parser of the commands of ``groups`` (modules with an ``add_commands``)."""
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

    for group in groups:
        group.add_commands(sub, common)
    return parser


def guarded(command: Callable[[], int]) -> int:
    """Run ``command``; what liveset or the user's setup got wrong becomes words on stderr
    and an exit code, never a traceback."""
    try:
        code = command()
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
