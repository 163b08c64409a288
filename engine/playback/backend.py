"""libmpv through python-mpv: the only code in liveset that imports ``mpv``.

mpv calls back on its own event thread. Every callback here does one thing: hand the value to
the event loop with ``call_soon_threadsafe``. ``terminate()`` runs on a worker thread, never on
mpv's. mpv's log goes into the engine's logging, never onto the terminal.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from engine.errors import ConfigError, PlaybackError, PlaybackUnavailable

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

log = logging.getLogger("engine.playback.mpv")

#: What liveset asks of mpv: audio only, gapless between tracks, the next track prefetched.
DEFAULT_OPTIONS: dict[str, str] = {
    "video": "no",
    "gapless-audio": "yes",
    "prefetch-playlist": "yes",
    "idle": "yes",
    "ytdl": "no",
    "input-default-bindings": "no",
    "input-terminal": "no",
    "terminal": "no",
    "audio-display": "no",
}

#: Properties the player follows.
OBSERVED = ("time-pos", "duration", "pause", "playlist-pos", "idle-active", "volume", "mute")

_LOG_LEVELS = {
    "fatal": logging.CRITICAL,
    "error": logging.ERROR,
    "warn": logging.WARNING,
    "info": logging.INFO,
    "v": logging.DEBUG,
    "debug": logging.DEBUG,
    "trace": logging.DEBUG,
}

INSTALL_HINT = (
    "playback needs libmpv: install libmpv2 (Debian/Ubuntu: apt-get install libmpv2; Fedora: "
    "mpv-libs; Arch: mpv; macOS: brew install mpv)"
)


def _load_mpv() -> Any:
    try:
        import mpv
    except (ImportError, OSError) as error:  # OSError: the library itself is missing
        raise PlaybackUnavailable(f"{INSTALL_HINT} ({error})") from error
    return mpv


class MpvBackend:
    """One libmpv instance. ``on_property(name, value)`` and ``on_event(event_dict)`` are
    called on the event loop."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        options: Mapping[str, str],
        *,
        on_property: Callable[[str, Any], None],
        on_event: Callable[[dict[str, Any]], None],
    ) -> None:
        mpv = _load_mpv()
        self._loop = loop
        self.on_property = on_property
        self.on_event = on_event
        self._mpv_module = mpv
        self.outputs_failed: list[str] = []
        """Audio outputs mpv said it could not open (from its log), for messages."""
        merged = {**DEFAULT_OPTIONS, **options}
        try:
            self._mpv = mpv.MPV(
                log_handler=self._log,
                loglevel="warn",
                **{key.replace("-", "_"): value for key, value in merged.items()},
            )
        except (AttributeError, TypeError, ValueError) as error:
            bad = _bad_option(str(error), merged)
            raise ConfigError(
                f"player.mpv.{bad}" if bad else "player.mpv",
                merged.get(bad or "", ""),
                "an mpv option with a valid value",
            ) from error
        except OSError as error:
            raise PlaybackUnavailable(f"{INSTALL_HINT} ({error})") from error
        self.version = str(self._mpv.mpv_version)
        for name in OBSERVED:
            self._mpv.observe_property(name, self._property)
        self._mpv.register_event_callback(self._event)

    # --- on mpv's thread: hop to the loop and nothing else -------------------------------

    def _log(self, level: str, prefix: str, text: str) -> None:
        self._loop.call_soon_threadsafe(self._deliver_log, level, prefix, text.rstrip())

    def _property(self, name: str, value: Any) -> None:
        self._loop.call_soon_threadsafe(self._deliver_property, name, value)

    def _event(self, event: Any) -> None:
        self._loop.call_soon_threadsafe(
            self._deliver_event, event.as_dict(self._mpv_module.lazy_decoder)
        )

    # --- on the loop -------------------------------------------------------------------

    def _deliver_log(self, level: str, prefix: str, text: str) -> None:
        log.log(_LOG_LEVELS.get(level, logging.INFO), "%s: %s", prefix, text)
        output = prefix.removeprefix("ao/")
        if output != prefix and level in ("error", "fatal") and output not in self.outputs_failed:
            self.outputs_failed.append(output)

    def _deliver_property(self, name: str, value: Any) -> None:
        self.on_property(name, value)

    def _deliver_event(self, event: dict[str, Any]) -> None:
        self.on_event(event)

    def command(self, name: str, *args: Any) -> Any:
        """Run an mpv command; mpv's refusal (python-mpv raises ``SystemError`` with a code)
        becomes a ``PlaybackError``."""
        try:
            return self._mpv.command(name, *args)
        except (SystemError, RuntimeError, TypeError, ValueError) as error:
            raise PlaybackError(f"mpv could not {name}: {_reason(error)}") from error

    def get(self, name: str) -> Any:
        return getattr(self._mpv, name.replace("-", "_"))

    def set(self, name: str, value: Any) -> None:
        try:
            setattr(self._mpv, name.replace("-", "_"), value)
        except (SystemError, RuntimeError, TypeError, ValueError) as error:
            raise PlaybackError(f"mpv could not set {name}: {_reason(error)}") from error

    def audio_devices(self) -> list[tuple[str, str]]:
        """mpv's audio outputs and devices: ``(name for audio-device, description)``."""
        found = self.get("audio-device-list") or []
        return [(str(d.get("name", "")), str(d.get("description", ""))) for d in found]

    async def terminate(self) -> None:
        await asyncio.to_thread(self._mpv.terminate)


# libmpv's error codes (client.h), as words.
_MPV_ERRORS = {
    -1: "the event queue is full",
    -2: "out of memory",
    -3: "mpv is not initialised",
    -4: "invalid parameter",
    -5: "no such option",
    -6: "wrong option type",
    -7: "invalid option value",
    -8: "no such property",
    -9: "wrong property type",
    -10: "the property is unavailable now",
    -11: "the property cannot be set",
    -12: "the command failed (nothing loaded, or out of range)",
    -13: "the file could not be loaded",
    -14: "no audio output could be opened",
    -15: "no video output could be opened",
    -16: "nothing to play",
    -17: "unknown file format",
    -18: "unsupported",
    -19: "not implemented",
    -20: "generic error",
}


def _reason(error: BaseException) -> str:
    if len(error.args) > 1 and isinstance(error.args[1], int) and error.args[1] in _MPV_ERRORS:
        return _MPV_ERRORS[error.args[1]]
    return str(error.args[0] if error.args else error)


def _bad_option(message: str, options: Mapping[str, str]) -> str | None:
    for key in options:
        if key in message or key.replace("-", "_") in message:
            return key
    return None
