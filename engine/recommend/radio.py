"""Radio: when the play queue runs out, the best recommended concert not in it plays next, and
the listener is told which and why (or why radio cannot go on)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from engine.errors import EngineError, NotFoundError
from engine.events import Notice, NoticeTopic

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from engine.events import Event
    from engine.models import Pick, QueueItem
    from engine.recommend.service import Recommender

#: Picks radio tries before it says it cannot go on (a pick may be gone from the archive).
RADIO_TRIES = 5


class Radio:
    def __init__(
        self,
        recommender: Callable[[], Recommender],
        queued: Callable[[], tuple[QueueItem, ...]],
        play: Callable[[str], Awaitable[object]],
        publish: Callable[[Event], None],
    ) -> None:
        """``queued`` is the play queue now; ``play`` queues a recording and plays it."""
        self._recommender = recommender
        self._queued = queued
        self._play = play
        self._publish = publish
        self._task: asyncio.Task[None] | None = None

    def ran_out(self) -> None:
        """The queue played to its end (the player calls this on the loop)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._next())

    def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def _next(self) -> None:
        avoid = {item.identifier for item in self._queued() if item.identifier}
        error: Exception | None = None
        for _ in range(RADIO_TRIES):
            try:
                pick = await self._recommender().next_for_radio(avoid)
            except EngineError as failed:
                error = failed
                break
            if pick is None:
                break
            try:
                await self._play(pick.recording.identifier)
            except NotFoundError as missing:
                error = missing
                avoid.add(pick.recording.identifier)
                continue
            except (EngineError, OSError) as failed:
                error = failed
                break
            self._publish(Notice(NoticeTopic.RADIO, _playing(pick)))
            return
        if error is not None:
            self._publish(Notice(NoticeTopic.RADIO, f"radio could not go on: {error}"))
        else:
            self._publish(
                Notice(NoticeTopic.RADIO, "radio has nothing to play: sync the catalog (U) first")
            )


def _playing(pick: Pick) -> str:
    recording = pick.recording
    why = f" ({pick.reasons[0]})" if pick.reasons else ""
    return f"radio: {recording.artist} {recording.date or ''}{why}"
