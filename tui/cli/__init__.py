"""The ``liveset`` command: no arguments opens the app; subcommands serve scripts, a module
per group of commands (browse, downloads, playback, library, control, ...).

A command that steers or asks a running daemon (``steer``) loads only its own parser and the
wire client: a status bar may run ``liveset status`` every second. Every other command loads
the whole command line (``commands``); Textual only when the app opens.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["COMMANDS", "build_parser", "configure_logging", "main", "table"]


def main(argv: Sequence[str] | None = None) -> int:
    from tui.cli import parser, steer

    words = list(argv if argv is not None else sys.argv[1:])
    if steer.command_in(words) in steer.COMMANDS:
        args = steer.build_parser().parse_args(words)
        code = parser.guarded(lambda: steer.run(args))
        if code != steer.NO_DAEMON:
            return code  # else the command runs here, on an engine of its own
    from tui.cli import commands

    args = commands.build_parser().parse_args(words)
    return parser.guarded(lambda: commands.run(args, argv))


def __getattr__(name: str) -> Any:
    """The rest of the command line's names, loaded on first use."""
    if name == "table":
        from tui.cli.output import table

        return table
    if name in ("COMMANDS", "build_parser", "configure_logging"):
        from tui.cli import commands

        return getattr(commands, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
