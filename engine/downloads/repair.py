"""Bringing files downloaded by an older liveset in line with how the archive is read now.

Older versions named folders and files, and wrote tags, with the archive's text as it came
(``10 Scarlet Begonias -&gt;.mp3``, ``Barton Hall &amp; Co``) and numbered tracks per disc in
places. Migration 0004 cleaned the database and left the ``file-names-1`` repair for the
engine: for each downloaded recording, read it again from the metadata JSON kept beside its
audio (else from the response cache, else from the stored rows), then move the folder and the
files to their names now, write the tags again, and point the download rows, the library and
the play queue at the new paths. Every move stays inside the music dir; a file whose new name
is taken is left where it is and reported.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import update

from engine.archive.client import cache_key
from engine.archive.concerts import recording_from_metadata
from engine.archive.parse import load_json
from engine.downloads import store
from engine.downloads.paths import inside, part_of, plain_file_name, recording_dir, track_file_name
from engine.downloads.plan import track_tags
from engine.errors import ArchiveError, StorageError
from engine.library import files
from engine.library.scanner import read_file
from engine.library.tags import write_tags
from engine.models import Download, DownloadState
from engine.storage.repository import get_recording
from engine.storage.schema import DownloadRow, QueueEntryRow, RepairRow, ResponseCacheRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.models import Recording
    from engine.storage.database import Database

log = logging.getLogger(__name__)

REPAIR = "file-names-1"


@dataclass
class RepairReport:
    """What a repair did."""

    recordings: int = 0
    folders_moved: int = 0
    files_renamed: int = 0
    files_retagged: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Move:
    row: Download
    new_path: str
    """Relative to the music dir."""
    title: str
    tags: dict[str, str]


def pending(session: Session) -> bool:
    row = session.get(RepairRow, REPAIR)
    return row is not None and row.done_at is None


def _rows(session: Session) -> list[Download]:
    return [store.to_download(r) for r in store.listing(session) if r.kind == "track"]


def _cached_metadata(session: Session, identifier: str) -> bytes | None:
    row = session.get(ResponseCacheRow, cache_key(f"/metadata/{quote(identifier, safe='')}", ()))
    return bytes(row.body) if row else None


async def repair_downloads(database: Database, music_dir: Path, base_url: str) -> RepairReport:
    """Run the ``file-names-1`` repair if a migration left it pending; safe to run again."""
    report = RepairReport()
    if not await database.run(pending):
        return report
    rows = await database.run(_rows)
    by_recording: dict[str, list[Download]] = {}
    for row in rows:
        by_recording.setdefault(row.identifier, []).append(row)
    for identifier, members in by_recording.items():
        recording = await _recording(database, music_dir, base_url, identifier, members)
        if recording is None or not recording.tracks:
            report.problems.append(f"{identifier}: nothing to read it from again; left as it is")
            continue
        report.recordings += 1
        await _repair_recording(database, music_dir, recording, members, report)

    def done(session: Session) -> None:
        row = session.get(RepairRow, REPAIR)
        if row is not None:
            row.done_at = time.time()

    await database.run(done)
    for problem in report.problems:
        log.warning("repair: %s", problem)
    return report


async def _recording(
    database: Database, music_dir: Path, base_url: str, identifier: str, rows: list[Download]
) -> Recording | None:
    folder = PurePosixPath(rows[0].path).parent
    beside = music_dir / folder / f"{plain_file_name(identifier)}.json"
    body: Any = None
    try:
        body = await asyncio.to_thread(lambda: json.loads(beside.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        cached = await database.run(lambda s: _cached_metadata(s, identifier))
        if cached is not None:
            try:
                body = load_json(cached)
            except ArchiveError:
                body = None
    if isinstance(body, dict):
        recording = recording_from_metadata(body, base_url)
        if recording is not None:
            return recording
    return await database.run(lambda s: get_recording(s, identifier, base_url))


async def _repair_recording(
    database: Database,
    music_dir: Path,
    recording: Recording,
    rows: list[Download],
    report: RepairReport,
) -> None:
    width = max(2, len(str(len(recording.tracks))))
    new_folder = recording_dir(recording)
    moves: list[_Move] = []
    for row in rows:
        number = row.track_number
        if number is None or not 1 <= number <= len(recording.tracks):
            continue
        track = recording.tracks[number - 1]
        name = track_file_name(number, track, row.file_name, width)
        moves.append(
            _Move(row, (new_folder / name).as_posix(), track.title, track_tags(recording, track))
        )
    if not moves:
        return
    try:
        moved = await asyncio.to_thread(_move_files, music_dir, moves, report)
    except StorageError as error:
        report.problems.append(f"{recording.identifier}: {error}")
        return

    def record(session: Session) -> None:
        root = str(music_dir.resolve())
        old_paths = []
        landed = []
        for move in moves:
            row = move.row
            final = moved.get(row.id, row.path)
            session.execute(
                update(DownloadRow)
                .where(DownloadRow.id == row.id)
                .values(dest_path=final, title=move.title, tags=move.tags)
            )
            if final == row.path:
                continue
            old = str((music_dir / row.path).resolve())
            new = str((music_dir / final).resolve())
            old_paths.append(old)
            session.execute(update(QueueEntryRow).where(QueueEntryRow.uri == old).values(uri=new))
            if row.state is DownloadState.DONE and Path(new).is_file():
                stat = Path(new).stat()
                landed.append(read_file(new, root, stat.st_size, stat.st_mtime_ns))
        files.remove_paths(session, paths=old_paths)
        files.store(session, values=landed)

    # Every person's queue follows a renamed file, not only the one of whoever repairs.
    await database.run(record, everyone=True)


def _move_files(music_dir: Path, moves: list[_Move], report: RepairReport) -> dict[int, str]:
    """Move the recording's folder, then each file, to its new name; tag the landed ones again.
    Returns download id → new relative path for the files that moved."""
    old_folder = PurePosixPath(moves[0].row.path).parent
    new_folder = PurePosixPath(moves[0].new_path).parent
    old_dir, new_dir = inside(music_dir, old_folder), inside(music_dir, new_folder)
    if old_dir != new_dir and old_dir.is_dir():
        if new_dir.exists():
            report.problems.append(f"{new_folder} exists already; files moved one by one")
        else:
            new_dir.parent.mkdir(parents=True, exist_ok=True)
            os.rename(old_dir, new_dir)
            report.folders_moved += 1
            _remove_empty(old_dir.parent, music_dir)
    moved: dict[int, str] = {}
    for move in moves:
        row, new_path, tags = move.row, move.new_path, move.tags
        # Where the file is now: in the moved folder under its old name, or where it was.
        in_new_folder = new_folder / PurePosixPath(row.path).name
        current = next(
            (
                p
                for p in (in_new_folder.as_posix(), row.path)
                if (inside(music_dir, p).is_file() or part_of(inside(music_dir, p)).is_file())
            ),
            None,
        )
        if current is None:
            if row.state is not DownloadState.DONE:
                moved[row.id] = new_path  # not started yet: it will land under the new name
            continue
        source, target = inside(music_dir, current), inside(music_dir, new_path)
        done = row.state is DownloadState.DONE and source.is_file()
        if not done:
            source, target = part_of(source), part_of(target)
        if source != target:
            if target.exists():
                report.problems.append(f"{new_path} exists already; {current} left as it is")
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(source, target)
            report.files_renamed += 1
        moved[row.id] = new_path
        if done:
            try:
                write_tags(target, tags, ext=target.suffix)
                report.files_retagged += 1
            except Exception as error:  # a file that plays but cannot be tagged stays
                report.problems.append(f"{new_path}: cannot write tags: {error}")
    return moved


def _remove_empty(folder: Path, music_dir: Path) -> None:
    """Remove an artist folder the move left empty (never the music dir itself)."""
    root = music_dir.resolve()
    if folder.resolve() != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
