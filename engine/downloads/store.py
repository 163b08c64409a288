"""The download queue in the database."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, update

from engine.models import Download, DownloadState
from engine.storage.schema import DownloadRow

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from sqlalchemy.orm import Session


def to_download(row: DownloadRow, speed: float = 0.0, bytes_done: int | None = None) -> Download:
    return Download(
        id=row.id,
        identifier=row.identifier,
        file_name=row.file_name,
        format=row.format,
        kind=row.kind,
        title=row.title,
        track_number=row.track_number,
        path=row.dest_path,
        state=DownloadState(row.state),
        bytes_done=row.bytes_done if bytes_done is None else bytes_done,
        size=row.size,
        speed=speed,
        error=row.error,
        note=row.note,
        attempts=row.attempts,
        artist=(row.tags or {}).get("artist", ""),
        album=(row.tags or {}).get("album", ""),
    )


def existing(session: Session, identifier: str) -> dict[str, DownloadRow]:
    rows = session.scalars(select(DownloadRow).where(DownloadRow.identifier == identifier))
    return {row.file_name: row for row in rows}


def add(session: Session, values: Sequence[dict[str, Any]]) -> None:
    """Queue new files, or queue again ones that failed, were cancelled or went missing."""
    now = time.time()
    known: dict[str, dict[str, DownloadRow]] = {}
    for value in values:
        identifier = value["identifier"]
        if identifier not in known:
            known[identifier] = existing(session, identifier)
        row = known[identifier].get(value["file_name"])
        if row is None:
            session.add(DownloadRow(**value, created_at=now, updated_at=now))
            continue
        for key, item in value.items():
            setattr(row, key, item)
        row.state, row.error, row.attempts = DownloadState.QUEUED.value, "", 0
        row.hidden = False
        row.bytes_done, row.finished_at, row.updated_at = 0, None, now


def listing(
    session: Session,
    *,
    states: Iterable[DownloadState] | None = None,
    identifier: str | None = None,
    ids: Iterable[int] | None = None,
    visible_only: bool = False,
) -> list[DownloadRow]:
    query = select(DownloadRow).order_by(DownloadRow.created_at, DownloadRow.id)
    if visible_only:
        query = query.where(DownloadRow.hidden.is_(False))
    if states is not None:
        query = query.where(DownloadRow.state.in_([s.value for s in states]))
    if identifier is not None:
        query = query.where(DownloadRow.identifier == identifier)
    if ids is not None:
        query = query.where(DownloadRow.id.in_(list(ids)))
    return list(session.scalars(query))


def next_queued(
    session: Session, *, limit: int, exclude: Iterable[int], only: Iterable[int] | None = None
) -> list[DownloadRow]:
    """The oldest queued files (of ``only``, when given), marked running, a try counted."""
    query = (
        select(DownloadRow)
        .where(DownloadRow.state == DownloadState.QUEUED.value)
        .order_by(DownloadRow.created_at, DownloadRow.id)
        .limit(limit)
    )
    excluded = list(exclude)
    if excluded:
        query = query.where(DownloadRow.id.not_in(excluded))
    if only is not None:
        query = query.where(DownloadRow.id.in_(list(only)))
    rows = list(session.scalars(query))
    for row in rows:
        # Its first try counts from here: a try cut short by a crash still counts.
        row.state, row.updated_at = DownloadState.RUNNING.value, time.time()
        row.attempts += 1
    return rows


def set_state(
    session: Session,
    *,
    download_id: int,
    state: DownloadState,
    running_only: bool = False,
    **values: Any,
) -> bool:
    """Record a file's state; with ``running_only`` only while it is still marked running (the
    runner's own writes: a file another command paused or cancelled meanwhile stays so).
    Whether the row was written."""
    values = {"state": state.value, "updated_at": time.time(), **values}
    if state is DownloadState.DONE:
        values.setdefault("finished_at", time.time())
    query = update(DownloadRow).where(DownloadRow.id == download_id)
    if running_only:
        query = query.where(DownloadRow.state == DownloadState.RUNNING.value)
    return bool(getattr(session.execute(query.values(**values)), "rowcount", 0))


def set_progress(
    session: Session, download_id: int, bytes_done: int, *, running_only: bool = False
) -> None:
    query = update(DownloadRow).where(DownloadRow.id == download_id)
    if running_only:
        query = query.where(DownloadRow.state == DownloadState.RUNNING.value)
    session.execute(query.values(bytes_done=bytes_done, updated_at=time.time()))


def states(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """The recorded state of each of the files ``ids``."""
    rows = session.execute(
        select(DownloadRow.id, DownloadRow.state).where(DownloadRow.id.in_(list(ids)))
    )
    return {row_id: state for row_id, state in rows}


def requeue_interrupted(session: Session) -> int:
    """Files left running by a liveset that stopped (or was killed) go back in the queue."""
    result = session.execute(
        update(DownloadRow)
        .where(DownloadRow.state == DownloadState.RUNNING.value)
        .values(state=DownloadState.QUEUED.value, updated_at=time.time())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def remaining_bytes(session: Session) -> int:
    """Bytes still to come for queued, running and paused files."""
    active = [DownloadState.QUEUED.value, DownloadState.RUNNING.value, DownloadState.PAUSED.value]
    total = session.scalar(
        select(func.sum(func.coalesce(DownloadRow.size, 0) - DownloadRow.bytes_done)).where(
            DownloadRow.state.in_(active)
        )
    )
    return max(0, int(total or 0))


def clear_finished(session: Session) -> list[str]:
    """Take finished and cancelled files off the list (their rows stay, hidden, so a file that
    landed is not fetched again); the recordings they were of."""
    finished = [DownloadState.DONE.value, DownloadState.CANCELLED.value]
    rows = session.scalars(
        select(DownloadRow).where(DownloadRow.state.in_(finished), DownloadRow.hidden.is_(False))
    )
    identifiers = sorted({row.identifier for row in rows})
    session.execute(update(DownloadRow).where(DownloadRow.state.in_(finished)).values(hidden=True))
    return identifiers


def remove(session: Session, identifier: str) -> list[DownloadRow]:
    rows = listing(session, identifier=identifier)
    session.execute(delete(DownloadRow).where(DownloadRow.identifier == identifier))
    return rows
