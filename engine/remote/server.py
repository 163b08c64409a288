"""The daemon's side of the socket: the ``Engine`` facade served as it is, over JSON lines.

See ``engine/remote/__init__.py`` for the protocol. One Unix domain socket in the user's runtime
dir, mode 0600 (the runtime dir itself 0700): only its owner can connect. A second daemon
refuses to start while the first answers; a socket left by a daemon that died is removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import os
import socket
import stat
from typing import TYPE_CHECKING, Any

from engine import __version__
from engine.api import EngineAPI, api_calls
from engine.errors import EngineError
from engine.remote import PROTOCOL
from engine.remote.codec import decode, encode, encode_error, hints

if TYPE_CHECKING:
    from pathlib import Path


log = logging.getLogger(__name__)

#: A line longer than this is refused (a request is a few hundred bytes; a queue insert of a
#: whole show a few hundred kilobytes).
LIMIT = 16 << 20


class DaemonRunning(EngineError):
    """Another liveset daemon answers on the socket."""


def socket_answers(path: Path) -> bool:
    """Whether a daemon listens on ``path`` (a socket left by a dead one does not answer)."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(1.0)
    try:
        probe.connect(str(path))
    except OSError:
        return False
    finally:
        probe.close()
    return True


def _own_folder(folder: Path) -> None:
    """Make the socket's folder (0700), or check that the one there is this user's alone: in
    a shared temp dir another user could have made it first, to listen in or to sit between."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    found = os.lstat(folder)
    if stat.S_ISLNK(found.st_mode) or not stat.S_ISDIR(found.st_mode):
        raise EngineError(f"{folder} is not a folder: the daemon will not put its socket there")
    if found.st_uid != os.getuid() or found.st_mode & 0o077:
        raise EngineError(
            f"{folder} belongs to another user or others may enter it (mode "
            f"{stat.S_IMODE(found.st_mode):o}): the daemon's socket needs a folder of yours "
            "alone (set LIVESET_RUNTIME_DIR, or remove it)"
        )


class Server:
    """Serves ``engine`` on ``path`` until ``stop`` (or a client's ``quit_daemon``)."""

    def __init__(self, engine: EngineAPI, path: Path) -> None:
        self.engine = engine
        self.path = path
        self.stopped = asyncio.Event()
        self._server: asyncio.AbstractServer | None = None
        self._clients: set[asyncio.Task[None]] = set()
        self._calls = api_calls()

    async def start(self) -> None:
        _own_folder(self.path.parent)
        if self.path.exists() or self.path.is_symlink():
            if await asyncio.to_thread(socket_answers, self.path):
                raise DaemonRunning(f"a liveset daemon is already running on {self.path}")
            log.info("daemon: removing the stale socket %s", self.path)
            self.path.unlink()
        previous = os.umask(0o177)  # the socket is made 0600: nobody else may connect
        try:
            self._server = await asyncio.start_unix_server(
                self._serve, path=str(self.path), limit=LIMIT
            )
        finally:
            os.umask(previous)
        os.chmod(self.path, 0o600)
        log.info("daemon: serving on %s", self.path)

    def stop(self) -> None:
        self.stopped.set()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for task in list(self._clients):
            task.cancel()
        await asyncio.gather(*self._clients, return_exceptions=True)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._clients.add(task)
        connection = _Connection(self, reader, writer)
        try:
            await connection.run()
        finally:
            self._clients.discard(task)


class _Connection:
    def __init__(
        self, server: Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server, self.reader, self.writer = server, reader, writer
        self.tasks: set[asyncio.Task[None]] = set()
        self.lock = asyncio.Lock()

    async def send(self, message: dict[str, Any]) -> None:
        line = json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n"
        async with self.lock:
            self.writer.write(line.encode())
            await self.writer.drain()

    async def run(self) -> None:
        try:
            await self.send({"liveset": __version__, "protocol": PROTOCOL, "pid": os.getpid()})
            while line := await self.reader.readline():
                try:
                    request = json.loads(line)
                    if not isinstance(request, dict):
                        raise ValueError("a request is a JSON object")
                except ValueError as error:
                    await self.send({"id": None, "error": _bad(f"not a request: {error}")})
                    continue
                task = asyncio.create_task(self.answer(request))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass  # the client went away (or sent a line over the limit)
        finally:
            for task in list(self.tasks):
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()

    async def answer(self, request: dict[str, Any]) -> None:
        ident = request.get("id")
        call = str(request.get("call", ""))
        try:
            if call == "events":
                await self.send({"id": ident, "result": None})
                await self.stream_events()
                return
            if call == "quit_daemon":
                await self.send({"id": ident, "result": None})
                self.server.stop()
                return
            result = await self.call(call, request.get("args") or [], request.get("kwargs") or {})
            await self.send({"id": ident, "result": encode(result)})
        except (ConnectionError, asyncio.CancelledError):
            raise
        except Exception as error:  # every failure is an answer, never a dead connection
            if not isinstance(error, EngineError):
                log.exception("daemon: %s failed", call)
            with contextlib.suppress(ConnectionError):
                await self.send({"id": ident, "error": encode_error(error)})

    async def call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        kind = self.server._calls.get(name)
        if kind is None:
            raise EngineError(f"the daemon has no call {name!r}")
        engine = self.server.engine
        if kind == "property":
            return getattr(engine, name)
        method = getattr(engine, name)
        signature = inspect.signature(method)
        types = hints(getattr(EngineAPI, name))
        bound = signature.bind(*args, **kwargs)
        for key, value in bound.arguments.items():
            bound.arguments[key] = decode(types.get(key, Any), value)
        result = method(*bound.args, **bound.kwargs)
        return await result if inspect.isawaitable(result) else result

    async def stream_events(self) -> None:
        async for event in self.server.engine.events():
            await self.send({"event": type(event).__name__, "data": encode(event)})


def _bad(message: str) -> dict[str, Any]:
    return {"type": "EngineError", "message": message, "attributes": {}}
