"""``liveset daemon``: the engine headless (player, downloads, library), served on the socket
until SIGTERM, SIGINT or a client's ``quit_daemon``. The end of an SSH session (SIGHUP) does
not stop it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING

from engine.errors import EngineError, PlaybackError, PlaybackUnavailable
from engine.facade import Engine
from engine.remote.server import Server, socket_answers

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from engine.config import Settings

log = logging.getLogger(__name__)


async def run_daemon(
    settings: Settings, path: Path, *, ready: Callable[[Server], None] | None = None
) -> int:
    """Serve an engine on ``path`` until told to stop; 0 when it stopped as asked."""
    async with Engine(settings) as engine:
        server = Server(engine, path)
        await server.start()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, server.stop)
        with contextlib.suppress(ValueError, OSError):
            signal.signal(signal.SIGHUP, signal.SIG_IGN)  # a closed terminal is no reason
        try:
            await engine.run_downloads()
            try:
                await engine.restore_playback()
            except (PlaybackUnavailable, PlaybackError) as error:
                # No libmpv, or the last queue could not be brought back (no audio output
                # to seek in): the daemon serves on without it.
                log.warning("daemon: %s", error)
            if ready is not None:
                ready(server)
            refreshing = asyncio.create_task(refresh_catalog(engine))
            await server.stopped.wait()
            refreshing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await refreshing
            log.info("daemon: stopping")
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
            await server.close()
    return 0


CATALOG_CHECK_EVERY = 3600.0


async def refresh_catalog(engine: Engine, every: float = CATALOG_CHECK_EVERY) -> None:
    """Keep the local catalog fresh with no app attached: a sync when one is due
    (``catalog.refresh_hours``, never before a first sync, which is the user's to start)."""
    while True:
        try:
            if await engine.catalog_due():
                result = await engine.sync_catalog()
                log.info(
                    "daemon: catalog %s: %d added, %d updated, %d removed",
                    result.kind,
                    result.added,
                    result.updated,
                    result.removed,
                )
        except EngineError as error:
            log.warning("daemon: catalog sync stopped: %s", error)
        await asyncio.sleep(every)


def start_detached(
    command: Sequence[str], path: Path, log_file: Path, *, timeout: float = 15.0
) -> int:
    """Start ``command`` (a ``liveset daemon``) in a session of its own, its output to
    ``log_file``, and wait until it answers on ``path``; its pid."""
    if socket_answers(path):
        raise EngineError(f"a liveset daemon is already running on {path}")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as output:
        process = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=output,
            start_new_session=True,  # not in the terminal's session: a hang-up does not reach it
            close_fds=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if socket_answers(path):
            return process.pid
        if process.poll() is not None:
            raise EngineError(
                f"the daemon stopped at once (exit {process.returncode}); see {log_file}"
            )
        time.sleep(0.05)
    raise EngineError(f"the daemon did not answer on {path} within {timeout:.0f} s; see {log_file}")


def daemon_command(argv: Sequence[str]) -> list[str]:
    """The command line of a daemon with the same options as this process."""
    return [sys.executable, "-m", "tui", *argv]
