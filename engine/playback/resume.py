"""The play queue and the resume point in the database."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from engine.saved import QUEUE_COLUMNS, queue_item, saved_point
from engine.storage.schema import PlayerResumeRow, QueueEntryRow

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.orm import Session

    from engine.models import QueueItem


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
    row = session.scalars(select(PlayerResumeRow)).first()  # the person's own
    if row is None:
        row = PlayerResumeRow(updated_at=time.time())
        session.add(row)
    row.queue_index, row.seconds, row.volume, row.updated_at = index, seconds, volume, time.time()


def load(session: Session) -> tuple[list[QueueItem], int | None, float, float]:
    """The saved queue, the entry that was playing, the seconds into it, and the volume."""
    rows = session.scalars(select(QueueEntryRow).order_by(QueueEntryRow.position))
    items = [queue_item({name: getattr(r, name) for name in QUEUE_COLUMNS}) for r in rows]
    point = session.scalars(select(PlayerResumeRow)).first()
    if point is None:
        return items, None, 0.0, 100.0
    index, seconds = saved_point(items, point.queue_index, point.seconds)
    return items, index, seconds, point.volume
