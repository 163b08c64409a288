"""The play queue over one mpv instance, and the play history.

The queue here and mpv's playlist hold the same entries in the same order, so mpv can prefetch
the next track and play across the join without a gap. Every play is recorded when its track
ends: how far it got, and whether it completed or was skipped (ended by the user before 90%).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from engine.errors import PlaybackError
from engine.events import (
    NowPlayingChanged,
    PlaybackFailed,
    PlayerStateChanged,
    PositionChanged,
    QueueChanged,
)
from engine.models import PlaybackStatus, PlayerState, QueueItem, RepeatMode
from engine.playback import resume
from engine.storage.schema import PlayRow

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Mapping, Sequence

    from engine.events import Event
    from engine.playback.backend import MpvBackend
    from engine.storage.database import Database

log = logging.getLogger(__name__)

#: A track ended by the user before this share of it counts as skipped.
SKIP_BEFORE = 0.9
#: Seconds between saves of the resume point while playing.
SAVE_EVERY = 5.0
#: A play shorter than this was not heard (a file that failed to open): it is not recorded.
HEARD_AFTER = 1.0

NO_AUDIO_OUTPUT = (
    "no audio output could be opened{tried}: set ao (and audio-device) under [player.mpv] in "
    'the config (liveset devices lists them), or ao = "null" to play without sound'
)


@dataclass
class _Current:
    entry: int
    item: QueueItem
    started_at: float
    position: float = 0.0


class Player:
    def __init__(
        self,
        database: Database,
        publish: Callable[[Event], None],
        backend_factory: Callable[..., MpvBackend],
        options: Mapping[str, str],
        *,
        position_interval: float = 0.25,
    ) -> None:
        self._database = database
        self._publish = publish
        self._backend_factory = backend_factory
        self._options = dict(options)
        self._position_interval = position_interval
        self._backend: MpvBackend | None = None
        self._queue: list[QueueItem] = []
        self._entries: list[int] = []  # mpv's playlist entry id of each queue entry
        self._wanted: int | None = None  # the entry play() asked for, until it starts
        self._repeat = RepeatMode.OFF
        self._index: int | None = None
        self._paused = False
        self._idle = True
        self._position: float | None = None
        self._duration: float | None = None
        self._volume = 100.0
        self._muted = False
        self._current: _Current | None = None
        self._last_position_sent = 0.0
        self._last_saved = 0.0
        self._idle_event = asyncio.Event()
        self._idle_event.set()
        self._pending: set[asyncio.Task[None]] = set()
        self._audio_failed = False  # stopped because no audio output opens, until play()
        self._telling = False  # saying why playback stopped: the end waits for it
        self.radio = False
        #: Called when the queue ran out by playing to its end (not stopped, not failed).
        self.on_ran_out: Callable[[], None] | None = None
        self._last_end = ""  # why the last file ended (mpv's reason)

    # --- lifecycle -----------------------------------------------------------------------

    def _mpv(self) -> MpvBackend:
        if self._backend is None:
            self._backend = self._backend_factory(
                asyncio.get_running_loop(),
                self._options,
                on_property=self._on_property,
                on_event=self._on_event,
            )
        return self._backend

    async def close(self) -> None:
        """Save where playback stands, then stop mpv."""
        if self._backend is not None:
            if self._queue:
                self._save_point()
            backend, self._backend = self._backend, None
            await backend.terminate()
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    # --- the queue -----------------------------------------------------------------------

    @property
    def queue(self) -> tuple[QueueItem, ...]:
        return tuple(self._queue)

    def state(self) -> PlayerState:
        if self._idle or self._index is None:
            name = PlaybackStatus.STOPPED
        else:
            name = PlaybackStatus.PAUSED if self._paused else PlaybackStatus.PLAYING
        return PlayerState(
            state=name,
            repeat=self._repeat,
            index=self._index,
            position=self._position,
            duration=self._duration,
            volume=self._volume,
            muted=self._muted,
            radio=self.radio,
        )

    async def add(self, items: Sequence[QueueItem], *, after_current: bool = False) -> int:
        """Add to the end, or (``after_current``) right after the playing or paused track, in
        order; when nothing is playing, at the end. Returns the index of the first one."""
        mpv = self._mpv()
        playing = not self._idle and self._index is not None
        insert_at = (self._index or 0) + 1 if after_current and playing else None
        first = insert_at if insert_at is not None else len(self._queue)
        for offset, item in enumerate(items):
            reply = mpv.command("loadfile", item.uri, "append")
            entry = int(reply["playlist_entry_id"]) if isinstance(reply, dict) else -1
            if insert_at is None:
                self._queue.append(item)
                self._entries.append(entry)
                if offset % 250 == 249:
                    await asyncio.sleep(0)  # a long list: let the loop (and mpv's news) go on
            else:
                position = insert_at + offset
                mpv.command("playlist-move", len(self._queue), position)
                self._queue.insert(position, item)
                self._entries.insert(position, entry)
        self._queue_changed()
        return first

    async def remove(self, index: int) -> None:
        self._check(index)
        self._mpv().command("playlist-remove", index)
        del self._queue[index]
        del self._entries[index]
        if self._index is not None and index < self._index:
            self._index -= 1
        self._queue_changed()

    async def move(self, source: int, target: int) -> None:
        """Move the entry at ``source`` so that it ends up at index ``target``."""
        self._check(source)
        self._check(target)
        if source == target:
            return
        # mpv's playlist-move puts the entry before the one at the second index.
        self._mpv().command("playlist-move", source, target + 1 if target > source else target)
        item = self._queue.pop(source)
        self._queue.insert(target, item)
        self._entries.insert(target, self._entries.pop(source))
        if self._index is not None:
            if self._index == source:
                self._index = target
            elif source < self._index <= target:
                self._index -= 1
            elif target <= self._index < source:
                self._index += 1
        self._queue_changed()

    async def set_repeat(self, mode: RepeatMode | str) -> None:
        """``off``, ``one`` (the track again and again) or ``all`` (the queue over again)."""
        try:
            mode = RepeatMode(mode)
        except ValueError:
            raise PlaybackError(f"repeat is off, one or all, not {mode!r}") from None
        mpv = self._mpv()
        mpv.set("loop-file", "inf" if mode is RepeatMode.ONE else "no")
        mpv.set("loop-playlist", "inf" if mode is RepeatMode.ALL else "no")
        self._repeat = mode
        self._publish(PlayerStateChanged(self.state()))

    async def shuffle(self, *, keep_sets: bool = True, seed: int | None = None) -> None:
        """Shuffle what comes after the playing entry. With ``keep_sets`` the tracks of one set
        of one recording stay together and in order, so a show's segues survive."""
        start = (self._index + 1) if self._index is not None and not self._idle else 0
        rest = list(range(start, len(self._queue)))
        groups: dict[tuple[str, str], list[int]] = {}
        for position in rest:
            item = self._queue[position]
            key = (item.identifier or item.album, item.album) if keep_sets else (str(position), "")
            groups.setdefault(key, []).append(position)
        order = list(groups.values())
        random.Random(seed).shuffle(order)
        wanted = [self._entries[p] for group in order for p in group]
        for target, entry in enumerate(wanted, start):
            source = self._entries.index(entry)
            if source != target:
                await self.move(source, target)

    async def clear(self) -> None:
        self._mpv().command("stop")
        self._queue.clear()
        self._entries.clear()
        self._index = None
        self._queue_changed()

    def _queue_changed(self) -> None:
        self._publish(QueueChanged(len(self._queue)))
        items = list(self._queue)
        self._background(self._database.run(partial(resume.save_queue, items=items)))

    def _save_point(self) -> None:
        self._last_saved = time.monotonic()
        index, seconds, volume = self._index, self._position or 0.0, self._volume
        self._background(
            self._database.run(
                partial(resume.save_point, index=index, seconds=seconds, volume=volume)
            )
        )

    def _background(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def restore(self) -> bool:
        """Load the saved queue, paused where it stopped; False when nothing was saved."""
        items, index, seconds, volume = await self._database.run(resume.load)
        if not items:
            return False
        await self.add(items)
        await self.set_volume(volume)
        if index is not None:
            await self.play(index, start=seconds, paused=True)
        return True

    def _check(self, index: int) -> None:
        if not 0 <= index < len(self._queue):
            raise IndexError(f"the queue has {len(self._queue)} entries; no entry {index + 1}")

    # --- transport -----------------------------------------------------------------------

    async def play(
        self, index: int | None = None, *, start: float | None = None, paused: bool = False
    ) -> None:
        """Play the entry at ``index`` (from ``start`` seconds), or go on where it stopped;
        ``paused`` loads it and waits there."""
        mpv = self._mpv()
        if index is None and not self._idle:
            mpv.set("pause", paused)
            return
        index = index if index is not None else (self._index or 0)
        self._check(index)
        self._audio_failed = False
        mpv.outputs_failed.clear()
        self._idle_event.clear()
        mpv.set("pause", paused)
        # A fresh idle mpv (0.35) may start the first entry by itself just after this: the
        # start-file handler puts it back on the entry asked for.
        self._wanted = self._entries[index]
        mpv.set("playlist-pos", index)
        if start:
            await self._wait_loaded()
            mpv.command("seek", start, "absolute+exact")
            self._position = start

    async def _wait_loaded(self) -> None:
        for _ in range(500):
            if self._duration is not None and not self._idle:
                return
            await asyncio.sleep(0.01)

    async def pause(self) -> None:
        self._mpv().set("pause", True)

    async def resume(self) -> None:
        self._mpv().set("pause", False)

    async def toggle_pause(self) -> None:
        self._mpv().set("pause", not self._paused)

    async def stop(self) -> None:
        self._mpv().command("stop", "keep-playlist")

    async def next(self) -> None:
        if not self._queue:
            raise PlaybackError("the queue is empty")
        if self._idle:  # the queue ran out or was stopped: go on from where it was
            await self.play(min((self._index or 0) + 1, len(self._queue) - 1))
            return
        self._mpv().command("playlist-next", "force")

    async def previous(self) -> None:
        """Back to the start of the track after a few seconds of it, else the track before
        (the first track starts again)."""
        if not self._queue:
            raise PlaybackError("the queue is empty")
        if self._idle:
            await self.play(min(self._index or 0, len(self._queue) - 1))
        elif (self._position is not None and self._position > 3) or not self._index:
            self._mpv().command("seek", 0, "absolute")
        else:
            self._mpv().command("playlist-prev", "weak")

    async def seek(self, seconds: float, *, relative: bool = True) -> None:
        """Seek by ``seconds`` (or to them); never before the start of the track."""
        if self._current is None:  # no file loaded
            raise PlaybackError("nothing is playing to seek in")
        if self._duration is None:  # still opening: mpv cannot seek in it yet
            await self._wait_loaded()
        if relative and (self._position or 0.0) + seconds <= 0:
            seconds, relative = 0.0, False
        self._mpv().command(
            "seek",
            max(0.0, seconds) if not relative else seconds,
            "relative" if relative else "absolute",
        )

    async def set_volume(self, volume: float) -> None:
        self._mpv().set("volume", max(0.0, min(130.0, volume)))

    async def set_muted(self, muted: bool) -> None:
        self._mpv().set("mute", muted)

    def audio_devices(self) -> list[tuple[str, str]]:
        return self._mpv().audio_devices()

    async def wait_until_idle(self) -> None:
        """Until the queue has played to its end (or was stopped)."""
        await self._idle_event.wait()

    # --- from mpv (on the loop) ----------------------------------------------------------

    def _on_property(self, name: str, value: Any) -> None:
        if name == "time-pos":
            # mpv reports a little below zero right after a seek back to the start.
            self._position = max(0.0, float(value)) if value is not None else None
            if self._current is not None and self._position is not None:
                self._current.position = max(self._current.position, self._position)
            now = time.monotonic()
            if now - self._last_position_sent >= self._position_interval:
                self._last_position_sent = now
                self._publish(PositionChanged(self._position, self._duration))
            if now - self._last_saved >= SAVE_EVERY:
                self._save_point()
        elif name == "duration":
            self._duration = float(value) if value is not None else None
        elif name == "pause":
            self._paused = bool(value)
            self._publish(PlayerStateChanged(self.state()))
            if self._paused and self._queue:
                self._save_point()
        elif name == "playlist-pos":
            index = int(value) if value is not None and int(value) >= 0 else None
            if self._audio_failed:
                return  # stopped at the entry that could not play: it stays the current one
            if index != self._index:
                self._index = index
                self._publish(PlayerStateChanged(self.state()))
        elif name == "idle-active":
            was_idle, self._idle = self._idle, bool(value)
            if self._idle and not was_idle:  # the queue ran out or was stopped
                self._went_idle()
            self._publish(PlayerStateChanged(self.state()))
        elif name == "volume" and value is not None and float(value) != self._volume:
            self._volume = float(value)
            self._publish(PlayerStateChanged(self.state()))
        elif name == "mute" and value is not None and bool(value) != self._muted:
            self._muted = bool(value)
            self._publish(PlayerStateChanged(self.state()))

    def _on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        entry = event.get("playlist_entry_id")
        if kind == "start-file" and entry in self._entries:
            if self._wanted is not None and entry != self._wanted:
                if self._wanted in self._entries and self._backend is not None:
                    self._backend.set("playlist-pos", self._entries.index(self._wanted))
                return
            self._wanted = None
            index = self._entries.index(entry)
            item = self._queue[index]
            self._current = _Current(entry, item, time.time())
            self._position = 0.0
            self._publish(NowPlayingChanged(item, index))
        elif kind == "end-file":
            # mpv may fold a quick False-True flip of idle-active into no change at all (a
            # short file through ao=pcm): ask it shortly after each file ends.
            asyncio.get_running_loop().call_later(0.05, self._check_idle)
            reason = str(event.get("reason", ""))
            self._last_end = reason
            current = self._current
            if current is not None and current.entry == entry:
                self._current = None
                heard = reason != "error" or current.position >= HEARD_AFTER
                if heard and not self._audio_failed:
                    self._record_play(current, reason)
            self._duration = None
            if reason == "error":
                self._file_failed(entry, str(event.get("file_error") or ""))

    def _file_failed(self, entry: Any, error: str) -> None:
        """An entry could not be played. Without an audio output every entry fails the same
        way (and with repeat on, forever): stop at the first, keep it current, say so once."""
        index = self._entries.index(entry) if entry in self._entries else None
        if "audio output" in error:
            if self._audio_failed:
                return
            self._audio_failed = True
            if self._backend is not None:
                with contextlib.suppress(PlaybackError):
                    self._backend.command("stop", "keep-playlist")
            if index is not None:
                self._index = index
            # mpv's log lines (which outputs failed) come on another of its threads: give them
            # a moment to arrive before the message names them.
            self._telling = True
            asyncio.get_running_loop().call_later(0.2, self._say_no_output, index)
            return
        title = self._queue[index].title if index is not None else "a file"
        self._publish(
            PlaybackFailed(f"cannot play {title}: {error or 'mpv cannot read it'}", index)
        )

    def _say_no_output(self, index: int | None) -> None:
        failed = self._backend.outputs_failed if self._backend is not None else []
        tried = f" (tried {', '.join(failed)})" if failed else ""
        self._publish(PlaybackFailed(NO_AUDIO_OUTPUT.format(tried=tried), index, stopped=True))
        self._publish(PlayerStateChanged(self.state()))
        self._telling = False
        if self._idle:
            self._idle_event.set()

    def _check_idle(self) -> None:
        if self._backend is not None and self._backend.get("idle-active"):
            self._idle = True
            self._went_idle()

    def _went_idle(self) -> None:
        # Those waiting for the end (``liveset play``) hear why it stopped before it ends.
        if not self._telling:
            self._idle_event.set()
        ran_out = self._last_end == "eof" and not self._audio_failed
        self._last_end = ""  # told once, whichever of the two idle signals comes first
        if ran_out and self.radio and self.on_ran_out is not None:
            self.on_ran_out()

    def _record_play(self, current: _Current, reason: str) -> None:
        duration = current.item.duration or self._duration
        completed = reason == "eof"
        skipped = (
            not completed
            and reason in ("stop", "quit")
            and (duration is None or current.position < SKIP_BEFORE * duration)
        )
        row = {
            "identifier": current.item.identifier,
            "file_name": current.item.file_name,
            "path": current.item.uri,
            "started_at": current.started_at,
            "seconds_played": current.position if not completed else (duration or current.position),
            "position": current.position,
            "completed": completed,
            "skipped": skipped,
            "title": current.item.title,
            "artist": current.item.artist,
            "album": current.item.album,
            "duration": duration,
        }
        self._background(self._database.run(lambda s: s.add(PlayRow(**row))))
