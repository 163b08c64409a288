"""The library scanner: walks folders, reads tags of new and changed files, drops removed ones.

Incremental by path, size and modification time, so a rescan of an unchanged library only walks
the folders and compares. An unreadable file is stored with the reason and listed, never fatal.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.downloads.paths import TRACK_NAME, RecordingFolder
from engine.events import LibraryChanged, ScanProgress
from engine.library import files
from engine.library.tags import AUDIO_EXTENSIONS, FileTags, TagError, read_tags
from engine.models import LibraryProblem, ScanResult

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from engine.events import Event
    from engine.storage.database import Database

_BATCH = 200


def is_library_file(name: str) -> bool:
    if name.startswith(".") or name.endswith(".part"):
        return False
    return os.path.splitext(name)[1].lower() in AUDIO_EXTENSIONS


def walk(root: str) -> list[tuple[str, int, int]]:
    """Every audio file under ``root``: (path, size, mtime_ns). Hidden folders are skipped."""
    found: list[tuple[str, int, int]] = []
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not entry.name.startswith("."):
                        stack.append(entry.path)
                elif is_library_file(entry.name) and entry.is_file():
                    stat = entry.stat()
                    found.append((entry.path, stat.st_size, stat.st_mtime_ns))
            except OSError:
                continue
    return found


def layout_tags(path: str, root: str, tags: FileTags) -> FileTags:
    """Fill what the tags lack from the folder layout downloads use:
    ``Artist/YYYY-MM-DD Venue, City [SBD] (identifier)/NN Title.ext``."""
    relative = Path(path).relative_to(root).parts
    stem = Path(path).stem
    updates: dict[str, Any] = {}
    if not tags.title:
        match = TRACK_NAME.match(stem)
        updates["title"] = match.group("title") if match else stem
        if match and tags.track_number is None:
            updates["track_number"] = int(match.group("number"))
    if len(relative) >= 3:
        if not tags.artist:
            updates["artist"] = relative[-3]
        folder = RecordingFolder.read(relative[-2])
        if folder:
            if not tags.album:
                updates["album"] = folder.album
            if not tags.date:
                updates["date"] = folder.date
            if not (tags.venue or tags.city):
                venue, _, city = folder.place.partition(", ")
                updates["venue"], updates["city"] = venue, city
            if not tags.identifier and folder.identifier:
                updates["identifier"] = folder.identifier
        elif not tags.album:
            updates["album"] = relative[-2]
    return replace(tags, **updates) if updates else tags


def read_file(path: str, root: str, size: int, mtime_ns: int) -> dict[str, Any]:
    """The row values for one file, with the reason when its tags cannot be read."""
    try:
        tags = read_tags(Path(path))
    except TagError as error:
        return files.file_values(path, root, size, mtime_ns, None, str(error) or "unreadable")
    except OSError as error:
        return files.file_values(path, root, size, mtime_ns, None, error.strerror or str(error))
    return files.file_values(path, root, size, mtime_ns, layout_tags(path, root, tags))


def _read_batch(batch: Sequence[tuple[str, int, int]], root: str) -> list[dict[str, Any]]:
    return [read_file(path, root, size, mtime) for path, size, mtime in batch]


async def scan(
    database: Database,
    folders: Sequence[Path],
    publish: Callable[[Event], None],
    *,
    progress_interval: float = 0.25,
) -> ScanResult:
    """Scan ``folders``; publishes ``ScanProgress`` a few times a second and ``LibraryChanged``."""
    started = time.perf_counter()
    roots = list(
        dict.fromkeys(await asyncio.to_thread(lambda: [os.path.realpath(f) for f in folders]))
    )
    totals = {"files": 0, "added": 0, "updated": 0, "removed": 0, "unchanged": 0, "untagged": 0}
    problems: list[LibraryProblem] = []
    done = 0
    work = 0
    last_sent = 0.0
    for root in roots:
        if not await asyncio.to_thread(os.path.isdir, root):
            problems.append(LibraryProblem(root, "folder not found"))
            continue
        known = await database.run(partial(files.index, root=root))
        found = await asyncio.to_thread(walk, root)
        totals["files"] += len(found)
        seen = {path for path, _, _ in found}
        changed = [f for f in found if known.get(f[0], (0, -1, -1))[1:] != (f[1], f[2])]
        totals["unchanged"] += len(found) - len(changed)
        gone = [known[path][0] for path in known.keys() - seen]
        work += len(changed)
        for start in range(0, len(changed), _BATCH):
            batch = changed[start : start + _BATCH]
            values = await asyncio.to_thread(_read_batch, batch, root)
            await database.run(partial(files.store, values=values))
            for value in values:
                totals["updated" if value["path"] in known else "added"] += 1
            done += len(batch)
            now = time.monotonic()
            if now - last_sent >= progress_interval:
                publish(ScanProgress(done, work))
                last_sent = now
        if gone:
            totals["removed"] += await database.run(partial(files.remove_ids, ids=gone))
    all_problems = await database.run(files.problems)
    wanted = tuple(roots)
    problems += [p for p in all_problems if p.path.startswith(wanted)]
    totals["untagged"] = await database.run(partial(files.count_untagged, roots=roots))
    publish(ScanProgress(done, work, finished=True))
    if totals["added"] or totals["updated"] or totals["removed"]:
        publish(LibraryChanged(added=totals["added"], removed=totals["removed"]))
    return ScanResult(
        folders=tuple(roots),
        files=totals["files"],
        added=totals["added"],
        updated=totals["updated"],
        removed=totals["removed"],
        unchanged=totals["unchanged"],
        problems=tuple(problems),
        untagged=totals["untagged"],
        seconds=time.perf_counter() - started,
    )
