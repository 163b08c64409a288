"""What a target queues: a file, a folder (its audio in name order) or an archive recording
(its downloaded tracks from disk, the others streamed in the preferred format)."""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from engine.downloads.plan import album_name, choose_file
from engine.errors import NotFoundError, PlaybackError
from engine.library.scanner import layout_tags, walk
from engine.library.tags import AUDIO_EXTENSIONS, TagError, read_tags
from engine.models import QueueItem

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from engine.models import LibraryTrack, Recording
    from engine.playback.player import Player


class QueueItems:
    def __init__(
        self,
        recording: Callable[[str], Awaitable[Recording]],
        on_disk: Callable[[str], Awaitable[tuple[LibraryTrack, ...]]],
        preferred_formats: Callable[[], Sequence[str]],
    ) -> None:
        self._recording = recording
        self._on_disk = on_disk
        self._preferred = preferred_formats

    async def add(
        self, player: Player, target: str, *, after_current: bool, play: bool, start: int
    ) -> tuple[QueueItem, ...]:
        """Queue ``target`` in ``player`` (see ``EngineAPI.queue_add``)."""
        sourced = await self.of(target)
        items = tuple(item for _, item in sourced)
        offset = next((i for i, (at, _) in enumerate(sourced) if at >= start), 0)
        if play and not after_current and (found := run_of(player.queue, items)) is not None:
            # Already queued as a whole (Enter again on the same show): play it there.
            await player.play(found + offset)
            return items
        first = await player.add(items, after_current=after_current)
        if play and items:
            await player.play(first + offset)
        return items

    async def of(self, target: str) -> list[tuple[int, QueueItem]]:
        """What ``target`` queues, each item with its place in the recording or folder."""
        path = await asyncio.to_thread(lambda: Path(target).expanduser())
        if await asyncio.to_thread(path.is_dir):
            found = await asyncio.to_thread(walk, str(path.resolve()))
            return list(
                enumerate(
                    await asyncio.to_thread(lambda: [file_item(p) for p, _, _ in sorted(found)])
                )
            )
        if await asyncio.to_thread(path.is_file):
            item = await asyncio.to_thread(partial(file_item, str(path.resolve()), asked=True))
            return [(0, item)]
        if "/" in target or target.startswith((".", "~")):
            raise NotFoundError(f"no such file or folder: {target}")
        try:
            recording = await self._recording(target)
        except NotFoundError:
            # A bare name may be either: archive identifiers end in ".flac" as often as files.
            if path.suffix.lower() in AUDIO_EXTENSIONS:
                raise NotFoundError(
                    f"no such file or folder: {target} (and no archive item of that name)"
                ) from None
            raise
        items = await self.of_recording(recording)
        if not items:
            raise NotFoundError(f"nothing of {target} can be played")
        return items

    async def of_recording(self, recording: Recording) -> list[tuple[int, QueueItem]]:
        """A recording's tracks as queue items (from disk where downloaded), each with its
        place in the show (0-based)."""
        on_disk = {
            t.track_number: t
            for t in await self._on_disk(recording.identifier)
            if t.track_number is not None
        }
        album = album_name(recording)
        items: list[tuple[int, QueueItem]] = []
        for track in recording.tracks:
            local = on_disk.get(track.number)
            if local is not None:
                uri, name = local.path, ""
            else:
                file, _note = choose_file(track, self._preferred())
                if file is None:
                    continue  # stream-only with no derivative: nothing to play
                uri, name = file.url, file.name
            item = QueueItem(
                uri=uri,
                title=track.display_title,
                artist=recording.artist,
                album=album,
                identifier=recording.identifier,
                file_name=name,
                duration=track.duration,
            )
            items.append((track.number - 1, item))
        return items


def run_of(queue: tuple[QueueItem, ...], items: tuple[QueueItem, ...]) -> int | None:
    """Where ``items`` stand in ``queue`` one after another (by what they play), if they do."""
    wanted = [i.uri for i in items]
    uris = [q.uri for q in queue]
    for at in range(len(uris) - len(wanted) + 1):
        if wanted and uris[at : at + len(wanted)] == wanted:
            return at
    return None


def file_item(path: str, *, asked: bool = False) -> QueueItem:
    """The queue entry of a file; one ``asked`` for by name is refused, in words, when it is
    not audio liveset can play (a file found in a folder plays under its name)."""
    try:
        tags = read_tags(Path(path))
    except TagError as error:
        if asked:
            raise PlaybackError(f"cannot play {path}: {error}") from error
        return QueueItem(uri=path, title=Path(path).stem)
    except OSError as error:
        if asked:
            raise PlaybackError(f"cannot play {path}: {error.strerror or error}") from error
        raise
    tags = layout_tags(path, str(Path(path).parent), tags)  # "01 Title.flac" without tags
    return QueueItem(
        uri=path,
        title=tags.title or Path(path).stem,
        artist=tags.artist,
        album=tags.album,
        identifier=tags.identifier,
        duration=tags.duration,
    )
