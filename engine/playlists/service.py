"""The playlists service: lists of tracks from any shows, each item resolved when it is read
(to the file on disk when there is one, else to the archive's URL in the preferred format), so
a list survives a re-download in another format and a folder renamed by the repair."""

from __future__ import annotations

import asyncio
import random
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import ConfigError, NotFoundError
from engine.library.scanner import layout_tags
from engine.library.tags import TagError, read_tags
from engine.models import PlaylistEntry, PlaylistImport, PlaylistSummary
from engine.playlists import formats, store
from engine.playlists.store import MAX_NAME

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Sequence

    from engine.library.tags import FileTags
    from engine.models import QueueItem, Recording, Track
    from engine.storage.database import Database


def track_name(track: Track) -> str:
    """The archive's name for a track: its original file's (the same whatever format is
    downloaded or streamed), else its first file's."""
    original = next((f for f in track.files if f.source == "original"), None)
    return (original or track.files[0]).name if track.files else f"track {track.number}"


def _file_tags(path: str) -> FileTags | None:
    """A local file's tags, filled from the folder layout downloads use; None if unreadable."""
    try:
        tags = read_tags(Path(path))
    except (TagError, OSError):
        return None
    return layout_tags(path, str(Path(path).parent.parent.parent), tags)


def _checked(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME or not name.isprintable():
        raise ConfigError("playlist name", name, f"1 to {MAX_NAME} printable characters")
    return name


class Playlists:
    def __init__(
        self,
        database: Database,
        recording: Callable[[str], Awaitable[Recording]],
        items_of: Callable[[Recording], Awaitable[list[tuple[int, QueueItem]]]],
    ) -> None:
        self._database = database
        self._recording = recording
        self._items_of = items_of

    async def names(self) -> tuple[PlaylistSummary, ...]:
        found = await self._database.run(store.names)
        return tuple(PlaylistSummary(name, n) for name, n in found)

    async def create(self, name: str) -> str:
        name = _checked(name)
        await self._database.run(lambda s: store.create(s, name))
        return name

    async def rename(self, name: str, new: str) -> str:
        new = _checked(new)
        await self._database.run(lambda s: store.rename(s, name, new))
        return new

    async def delete(self, name: str) -> None:
        await self._database.run(lambda s: store.delete(s, name))

    async def add(self, name: str, identifier: str, tracks: Iterable[int] | None = None) -> int:
        """Append tracks of a recording (numbered through the show; all without ``tracks``);
        how many items the list then has."""
        recording = await self._recording(identifier)
        by_number = {t.number: t for t in recording.tracks}
        wanted = list(tracks) if tracks is not None else sorted(by_number)
        missing = [n for n in wanted if n not in by_number]
        if missing:
            raise NotFoundError(
                f"{identifier} has tracks 1 to {len(by_number)}: no track "
                + ", ".join(str(n) for n in missing)
            )
        entries = [(recording.identifier, track_name(by_number[n])) for n in wanted]
        return await self._database.run(lambda s: store.add(s, name, entries))

    async def remove(self, name: str, positions: Sequence[int]) -> int:
        """Take out items by their 1-based positions; how many went."""
        zero = [p - 1 for p in positions]
        return await self._database.run(lambda s: store.remove(s, name, zero))

    async def move(self, name: str, source: int, target: int) -> None:
        await self._database.run(
            partial(store.move, name=name, source=source - 1, target=target - 1)
        )

    async def entries(self, name: str) -> tuple[PlaylistEntry, ...]:
        """The items as they stand now, each resolved (one lookup a recording)."""
        return await self.resolve(await self._database.run(lambda s: store.items(s, name)))

    async def track_target(self, identifier: str, number: int) -> str:
        """The feedback target of a recording's track: ``identifier/archive name``."""
        recording = await self._recording(identifier)
        track = next((t for t in recording.tracks if t.number == number), None)
        if track is None:
            raise NotFoundError(
                f"{identifier} has tracks 1 to {len(recording.tracks)}: no track {number}"
            )
        return f"{recording.identifier}/{track_name(track)}"

    async def resolve(self, rows: Sequence[tuple[str, str]]) -> tuple[PlaylistEntry, ...]:
        """Items given as (identifier, archive name of the track), as they stand now."""
        resolved: dict[str, dict[str, QueueItem]] = {}
        out = []
        for n, (identifier, file_name) in enumerate(rows, 1):
            if identifier not in resolved:
                resolved[identifier] = await self._tracks_of(identifier)
            item = resolved[identifier].get(file_name)
            on_disk = item is not None and not item.uri.startswith(("http://", "https://"))
            out.append(PlaylistEntry(n, identifier, file_name, item, on_disk))
        return tuple(out)

    async def queue_items(self, name: str, *, shuffle: bool = False) -> tuple[QueueItem, ...]:
        """What the list plays, in order (or shuffled); items not found are left out."""
        items = [e.item for e in await self.entries(name) if e.item is not None]
        if shuffle:
            random.shuffle(items)
        return tuple(items)

    async def missing(self, name: str) -> dict[str, list[int]]:
        """What of the list is not on disk: track numbers by recording, in the list's order."""
        wanted: dict[str, list[int]] = {}
        numbers: dict[str, dict[str, int]] = {}
        for entry in await self.entries(name):
            if entry.on_disk or entry.item is None:
                continue
            if entry.identifier not in numbers:
                recording = await self._recording(entry.identifier)
                numbers[entry.identifier] = {
                    f.name: t.number for t in recording.tracks for f in t.files
                } | {track_name(t): t.number for t in recording.tracks}
            number = numbers[entry.identifier].get(entry.file_name)
            if number is not None and number not in wanted.setdefault(entry.identifier, []):
                wanted[entry.identifier].append(number)
        return {i: n for i, n in wanted.items() if n}

    async def import_file(self, path: Path, name: str | None = None) -> PlaylistImport:
        """Read an M3U/M3U8, XSPF or JSPF file into a playlist (made if need be, named after
        the file unless ``name``): tracks of the archive by their address, local files by the
        recording and track their tags name; the rest listed as not matched."""
        kind = path.suffix.lower().lstrip(".")
        try:
            text = await asyncio.to_thread(path.read_text, encoding="utf-8-sig", errors="replace")
        except OSError as error:
            raise NotFoundError(f"cannot read {path}: {error.strerror or error}") from error
        named = formats.read(text, kind)
        target = _checked(name or path.stem)
        rows: list[tuple[str, str]] = []
        unmatched: list[str] = []
        for what, value in named:
            found = await self._match(what, value, path.parent)
            if found is None:
                unmatched.append(value.replace("\0", "/"))
            else:
                rows.append(found)
        existing = {p.name for p in await self.names()}
        if target not in existing:
            await self.create(target)
        if rows:
            await self._database.run(lambda s: store.add(s, target, rows))
        return PlaylistImport(target, len(rows), tuple(unmatched))

    async def _match(self, what: str, value: str, folder: Path) -> tuple[str, str] | None:
        if what == "archive":
            identifier, file_name = value.split("\0", 1)
            return (
                (identifier, file_name) if file_name in await self._tracks_of(identifier) else None
            )
        if what == "unknown" and value and "://" not in value:
            what, value = "path", str(folder / value)  # an M3U's path, relative to the file
        if what != "path":
            return None
        tags = await asyncio.to_thread(_file_tags, value)
        if tags is None or not tags.identifier or tags.track_number is None:
            return None
        try:
            target = await self.track_target(tags.identifier, tags.track_number)
        except NotFoundError:
            return None
        identifier, _, file_name = target.partition("/")
        return identifier, file_name

    async def _tracks_of(self, identifier: str) -> dict[str, QueueItem]:
        """A recording's playable items by the archive's name of each track (any of its
        files' names finds it)."""
        try:
            recording = await self._recording(identifier)
        except NotFoundError:
            return {}
        by_number = {number: item for number, item in await self._items_of(recording)}
        found: dict[str, QueueItem] = {}
        for track in recording.tracks:
            item = by_number.get(track.number - 1)
            if item is None:
                continue
            for name in {track_name(track), *(f.name for f in track.files)}:
                found[name] = item
        return found
