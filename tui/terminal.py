"""Keeping the terminal for liveset alone.

Libraries below Python (libmpv, ALSA, JACK, PipeWire) write their complaints straight to file
descriptor 2: on a server without a sound card, ``ALSA lib pcm.c: Unknown PCM default`` lands
across the app's screen. While liveset runs, descriptor 2 points at its log file instead, and
Python's own ``sys.stderr`` (and so Textual, which draws through it, and the command line's
messages) keeps a descriptor of the terminal. On the way out descriptor 2 is given back.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@contextlib.contextmanager
def native_stderr_to(log_file: Path) -> Iterator[None]:
    """Send what C libraries write to descriptor 2 into ``log_file`` for the duration; Python's
    ``sys.stderr`` and ``sys.__stderr__`` go on writing to the terminal."""
    try:
        sys.stderr.flush()
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except (OSError, ValueError):
        yield  # no log to write to: leave descriptor 2 as it is rather than lose the terminal
        return
    terminal_fd = os.dup(2)
    original = sys.__stderr__
    encoding = getattr(original, "encoding", None) or "utf-8"
    terminal = open(  # noqa: SIM115 - closed in the finally below
        terminal_fd, "w", encoding=encoding, errors="backslashreplace", buffering=1, closefd=False
    )
    saved = (sys.stderr, sys.__stderr__)
    sys.stderr = terminal
    setattr(sys, "__stderr__", terminal)  # noqa: B010 - a final name to the type checker
    os.dup2(log_fd, 2)
    os.close(log_fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            terminal.flush()
        os.dup2(terminal_fd, 2)
        os.close(terminal_fd)
        sys.stderr = saved[0]
        setattr(sys, "__stderr__", saved[1])  # noqa: B010
        terminal.close()
