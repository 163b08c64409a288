"""``RemoteEngine``: the facade of an engine that runs in ``liveset daemon``, over its socket.

It has every public method of ``Engine`` with the same arguments and the same (rebuilt) values,
and the same event stream, so a screen or a command cannot tell it from the engine itself. The
few members that answer at once in the engine (``player_state``, ``play_queue``,
``downloads_held``, ``archive_online``, ...) answer from a copy that follows the daemon's
events and is read again after each playback command.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from engine.api import Copy, EngineAPI, api_calls, refreshed_by
from engine.errors import EngineError, PlaybackUnavailable
from engine.events import (
    ArchiveStatusChanged,
    DownloadsHeld,
    EventBus,
    Notice,
    NoticeTopic,
    NowPlayingChanged,
    PlayerStateChanged,
    QueueChanged,
)
from engine.lifecycle import StartClose
from engine.remote import PROTOCOL, socket_path
from engine.remote.codec import decode, decode_error, encode, hints
from engine.remote.server import LIMIT

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable
    from pathlib import Path

    from engine.config import Settings
    from engine.events import Event
    from engine.models import PlayerState, PlayQueue

log = logging.getLogger(__name__)


class DaemonGone(EngineError):
    """The daemon closed the connection (it stopped, or was killed)."""


class RemoteEngine(StartClose):
    """The engine of a running daemon. ``async with RemoteEngine(settings):`` connects.

    It implements ``EngineAPI`` through ``__getattr__``: every call of the protocol goes over
    the socket; it holds none of the engine's parts."""

    def __init__(self, settings: Settings, path: Path | None = None) -> None:
        self.settings = settings
        self.path = path or socket_path(profile=settings.profile)
        self.daemon_pid: int | None = None
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._bus = EventBus()
        self._listener: asyncio.Task[None] | None = None
        self._refresh: asyncio.Task[None] | None = None
        self._copy: PlayQueue | None = None
        self._queue_error: EngineError | None = None
        self._held: str | None = None
        self._online: bool | None = None
        self._properties: dict[str, Any] = {}
        self._calls = api_calls()

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        try:
            self._reader, self._writer = await asyncio.open_unix_connection(
                str(self.path), limit=LIMIT
            )
        except OSError as error:
            raise DaemonGone(f"no liveset daemon answers on {self.path}: {error}") from error
        hello = json.loads(await self._reader.readline() or b"{}")
        if hello.get("protocol") != PROTOCOL:
            await self.close()
            raise EngineError(
                f"the daemon on {self.path} speaks protocol {hello.get('protocol')}, this "
                f"liveset {PROTOCOL}: restart it (liveset quit-daemon, then liveset daemon)"
            )
        self.daemon_pid = hello.get("pid")
        self._listener = asyncio.create_task(self._listen(), name="remote-engine")
        await self._request("events", [], {})
        for name, kind in self._calls.items():
            if kind == "property":
                self._properties[name] = await self._call(name, (), {})
        self._online = self._properties.get("archive_online")
        self._held = await self._call("downloads_held", (), {})
        await self._read_queue()

    async def close(self) -> None:
        for task in (self._listener, self._refresh):
            if task is not None:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        self._listener = self._refresh = None
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(Exception):
                await self._writer.wait_closed()
            self._writer = None
        self._fail_waiting(DaemonGone("the connection to the daemon was closed"))
        self._bus.close()

    def events(self) -> AsyncIterator[Event]:
        """Every event of the daemon's engine from now on, until the connection closes."""
        return self._bus.subscribe()

    async def quit_daemon(self) -> None:
        """Stop the daemon: playback stops, downloads stay queued for its next start."""
        await self._request("quit_daemon", [], {})

    # --- the facade ----------------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        kind = self.__dict__.get("_calls", {}).get(name)
        if kind is None:
            raise AttributeError(f"the engine has no {name!r}")
        if kind == "property":
            return self._properties.get(name) if name != "archive_online" else self._online
        return self._method(name)

    def _method(self, name: str) -> Callable[..., Any]:
        copy = refreshed_by(name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            result = await self._call(name, args, kwargs)
            if copy is Copy.QUEUE:
                await self._read_queue()
            elif copy is Copy.PLAYER:
                await self._read_state()
            return result

        return call

    def player_state(self) -> PlayerState:
        return self.play_queue().player

    def play_queue(self) -> PlayQueue:
        if self._copy is None:
            raise self._queue_error or PlaybackUnavailable("the daemon's player is not known yet")
        return self._copy

    def downloads_held(self) -> str | None:
        return self._held

    # --- the wire ------------------------------------------------------------------------

    async def _call(self, name: str, args: Any, kwargs: dict[str, Any]) -> Any:
        data = await self._request(
            name, [encode(a) for a in args], {k: encode(v) for k, v in kwargs.items()}
        )
        member = getattr(EngineAPI, name)
        function = member.fget if isinstance(member, property) else member
        return decode(hints(function).get("return", Any), data)

    async def _request(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if self._writer is None:
            raise DaemonGone("not connected to the daemon")
        ident = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[ident] = future
        line = {"id": ident, "call": name, "args": args, "kwargs": kwargs}
        try:
            self._writer.write((json.dumps(line, ensure_ascii=False) + "\n").encode())
            await self._writer.drain()
        except OSError as error:
            self._waiting.pop(ident, None)
            raise DaemonGone(f"the daemon went away: {error}") from error
        return await future

    async def _listen(self) -> None:
        assert self._reader is not None
        try:
            while line := await self._reader.readline():
                message = json.loads(line)
                if "event" in message:
                    self._on_event(message["event"], message.get("data") or {})
                    continue
                future = self._waiting.pop(message.get("id"), None)
                if future is None or future.done():
                    continue
                if "error" in message:
                    future.set_exception(decode_error(message["error"]))
                else:
                    future.set_result(message.get("result"))
        except (OSError, ValueError) as error:
            log.info("daemon connection: %s", error)
        self._fail_waiting(DaemonGone("the daemon closed the connection"))
        if self._writer is not None:  # not closed by us: the daemon stopped or was killed
            self._bus.publish(
                Notice(
                    NoticeTopic.DAEMON, "the liveset daemon stopped: nothing plays or downloads now"
                )
            )
        self._bus.close()

    def _fail_waiting(self, error: Exception) -> None:
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(error)
        self._waiting.clear()

    def _on_event(self, name: str, data: dict[str, Any]) -> None:
        import engine.events

        kind = getattr(engine.events, name, None)
        if not (isinstance(kind, type) and issubclass(kind, engine.events.Event)):
            return  # an event of a newer daemon
        try:
            event = decode(kind, data)
        except (TypeError, ValueError, KeyError) as error:
            log.warning("daemon event %s: %s", name, error)
            return
        if isinstance(event, ArchiveStatusChanged):
            self._online = event.online
        elif isinstance(event, DownloadsHeld):
            self._held = event.reason or None
        elif isinstance(event, PlayerStateChanged) and self._copy is not None:
            self._copy = replace(self._copy, player=event.state)  # the event carries it
        elif isinstance(event, NowPlayingChanged) and self._copy is not None:
            self._copy = replace(self._copy, player=replace(self._copy.player, index=event.index))
        elif isinstance(event, QueueChanged):
            self._queue_later()  # only the length comes with it: read the queue again
        self._bus.publish(event)

    def _queue_later(self) -> None:
        if self._refresh is None or self._refresh.done():
            self._refresh = asyncio.get_running_loop().create_task(self._read_queue())

    async def _read_state(self) -> None:
        if self._copy is None:
            await self._read_queue()
            return
        with contextlib.suppress(DaemonGone, PlaybackUnavailable):
            self._copy = replace(self._copy, player=await self._call("player_state", (), {}))

    async def _read_queue(self) -> None:
        try:
            self._copy = await self._call("play_queue", (), {})
            self._queue_error = None
        except PlaybackUnavailable as error:
            self._copy, self._queue_error = None, error
        except DaemonGone:
            pass


def daemon_running(path: Path | None = None) -> bool:
    """Whether a daemon answers on the socket (quickly: no connection is kept)."""
    from engine.remote.server import socket_answers

    return socket_answers(path or socket_path())
