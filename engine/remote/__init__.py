"""The engine over a Unix domain socket: ``liveset daemon`` serves the facade, and the TUI and
the CLI talk to it through ``RemoteEngine``, which has the facade's methods.

Protocol 1: UTF-8 JSON, one object a line, both ways.

- On connecting, the daemon says who it is: ``{"liveset": "0.1.0", "protocol": 1, "pid": 4242}``.
- A request names a method or property of ``EngineAPI`` and its arguments as data:
  ``{"id": 7, "call": "seek", "args": [30], "kwargs": {"relative": false}}``.
- Its answer carries the same id: ``{"id": 7, "result": ...}`` (the value as
  ``engine.to_data`` gives it), or ``{"id": 7, "error": {"type": "NotFoundError", "message":
  "...", "attributes": {...}}}`` (an ``EngineError`` class by name). Requests are answered as
  they finish, not in order: a long ``wait_downloads`` holds up nothing.
- ``{"id": 8, "call": "events"}`` subscribes: after its answer, every engine event comes as
  ``{"event": "NowPlayingChanged", "data": {...}}`` until the connection closes.
- ``{"id": 9, "call": "quit_daemon"}`` stops the daemon (playback stops, downloads stay
  queued).

A client of another protocol number is refused by the client itself (it checks the greeting).
"""

from __future__ import annotations

import os
from pathlib import Path

PROTOCOL = 1
SOCKET_NAME = "liveset.sock"


def socket_path(runtime_dir: Path | None = None, *, profile: str | None = None) -> Path:
    """Where the daemon of ``profile`` listens: ``$LIVESET_RUNTIME_DIR``, else the user's
    runtime dir (``$XDG_RUNTIME_DIR/liveset``), else a folder of the user's under the temp dir.
    The login name's daemon is ``liveset.sock``; another profile's has its own name, so two
    people of one account each have their own daemon and queue."""
    if runtime_dir is None:
        named = os.environ.get("LIVESET_RUNTIME_DIR")
        if named:
            runtime_dir = Path(named)
        elif os.environ.get("XDG_RUNTIME_DIR"):
            runtime_dir = Path(os.environ["XDG_RUNTIME_DIR"]) / "liveset"
        else:
            import tempfile

            runtime_dir = Path(tempfile.gettempdir()) / f"liveset-{os.getuid()}"
    if profile:
        from engine.profile import login_name

        if profile != login_name():
            return runtime_dir / f"liveset-{profile}.sock"
    return runtime_dir / SOCKET_NAME
