"""The play queue and the resume point in the database."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from engine.models import QueueItem
from engine.storage.schema import PlayerResumeRow, QueueEntryRow

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.orm import Session


def save_queue(session: Session, *, items: Sequence[QueueItem]) -> None:
    session.execute(delete(QueueEntryRow))
    session.add_all(
        QueueEntryRow(
            position=n,
            uri=i.uri,
            title=i.title,
            artist=i.artist,
            album=i.album,
            identifier=i.identifier,
            file_name=i.file_name,
            duration=i.duration,
        )
        for n, i in enumerate(items)
    )


def save_point(session: Session, *, index: int | None, seconds: float, volume: float) -> None:
    row = session.get(PlayerResumeRow, 1)
    if row is None:
        row = PlayerResumeRow(id=1, updated_at=time.time())
        session.add(row)
    row.queue_index, row.seconds, row.volume, row.updated_at = index, seconds, volume, time.time()


def load(session: Session) -> tuple[list[QueueItem], int | None, float, float]:
    """The saved queue, the entry that was playing, the seconds into it, and the volume."""
    items = [
        QueueItem(
            uri=r.uri,
            title=r.title,
            artist=r.artist,
            album=r.album,
            identifier=r.identifier,
            file_name=r.file_name,
            duration=r.duration,
        )
        for r in session.scalars(select(QueueEntryRow).order_by(QueueEntryRow.position))
    ]
    point = session.get(PlayerResumeRow, 1)
    if point is None:
        return items, None, 0.0, 100.0
    index = (
        point.queue_index
        if point.queue_index is not None and point.queue_index < len(items)
        else None
    )
    return items, index, point.seconds, point.volume
