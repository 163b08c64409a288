"""One-shot calls to a running daemon without asyncio: the thin client of a status bar.

A command that only steers or asks the daemon (``liveset status`` once a second from tmux or
polybar) opens one connection, makes its calls and prints their answers as the wire gives them:
plain JSON data, with no model classes, storage, HTTP or event loop loaded. ``RemoteEngine`` is
the client that keeps a connection, follows events and rebuilds values.
"""

from __future__ import annotations

import itertools
import json
import socket
from typing import TYPE_CHECKING, Any, Self

from engine.errors import EngineError
from engine.remote import PROTOCOL, socket_path

if TYPE_CHECKING:
    from pathlib import Path
    from types import TracebackType

#: How long a call may wait for its answer (a seek or a queue of a show is milliseconds; a
#: daemon that hangs longer than this is said to, not waited on for ever).
ANSWER_WITHIN = 30.0


class DaemonLine:
    """A connection to the daemon for a few calls. ``DaemonLine.open()`` is None when no
    daemon answers; ``call`` returns an answer as data, or raises the daemon's error."""

    def __init__(self, sock: socket.socket, pid: int | None) -> None:
        self._socket = sock
        self._reader = sock.makefile("rb")
        self._ids = itertools.count(1)
        self.daemon_pid = pid

    @classmethod
    def open(cls, path: Path | None = None) -> DaemonLine | None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(ANSWER_WITHIN)
        try:
            sock.connect(str(path or socket_path()))
            line = cls(sock, None)
            hello = json.loads(line._reader.readline() or b"{}")
        except (OSError, ValueError):
            sock.close()
            return None
        if not isinstance(hello, dict) or hello.get("protocol") != PROTOCOL:
            line.close()
            raise EngineError(
                f"the daemon speaks protocol {hello.get('protocol') if isinstance(hello, dict) else '?'}"
                f", this liveset {PROTOCOL}: restart it (liveset quit-daemon, then liveset daemon)"
            )
        line.daemon_pid = hello.get("pid")
        return line

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``name`` of the daemon's engine with plain arguments (enums as their values);
        its answer as data."""
        ident = next(self._ids)
        request = {"id": ident, "call": name, "args": list(args), "kwargs": kwargs}
        try:
            self._socket.sendall((json.dumps(request, ensure_ascii=False) + "\n").encode())
            while raw := self._reader.readline():
                message = json.loads(raw)
                if message.get("id") != ident:
                    continue  # not ours (no events come: this line never subscribes)
                if "error" in message:
                    from engine.remote.codec import decode_error

                    raise decode_error(message["error"])
                return message.get("result")
        except TimeoutError:
            raise EngineError(
                f"the daemon did not answer {name} within {ANSWER_WITHIN:.0f} s"
            ) from None
        except (OSError, ValueError) as error:
            raise EngineError(f"the daemon went away: {error}") from error
        raise EngineError("the daemon closed the connection")

    def close(self) -> None:
        self._reader.close()
        self._socket.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
