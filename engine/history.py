"""The listening history: every play of the person, newest first, with its filters (an artist,
a span of dates, skipped only). Plays are personal rows, so they are the person's alone."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from engine.errors import ConfigError
from engine.models import Play
from engine.storage.schema import PlayRow

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.orm import Session

HEARD = 1.0  # seconds: a play shorter than this was neither heard nor skipped (a queue restored
# paused and replaced, say), and counts for nothing


def heard() -> ColumnElement[bool]:
    """The plays that count: finished, or heard for ``HEARD`` seconds at least (the history,
    the stats and the recommender's taste all read plays through this)."""
    return PlayRow.completed | (PlayRow.seconds_played >= HEARD)


def day_start(text: str, key: str) -> float:
    """``2026-12-01``: the start of that day, local time, as a timestamp."""
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(key, text, "a date as YYYY-MM-DD") from None
    return datetime.datetime.combine(day, datetime.time()).timestamp()


def plays(
    session: Session,
    *,
    since: float | None = None,
    until: float | None = None,
    artist: str = "",
    skipped_only: bool = False,
    limit: int = 200,
) -> list[Play]:
    query = (
        select(PlayRow)
        .where(heard())
        .order_by(PlayRow.started_at.desc(), PlayRow.id.desc())
        .limit(limit)
    )
    if since is not None:
        query = query.where(PlayRow.started_at >= since)
    if until is not None:
        query = query.where(PlayRow.started_at < until)
    if artist:
        query = query.where(func.lower(PlayRow.artist).contains(artist.casefold()))
    if skipped_only:
        query = query.where(PlayRow.skipped)
    return [
        Play(
            started_at=r.started_at,
            title=r.title or r.file_name or r.path.rsplit("/", 1)[-1],
            artist=r.artist,
            album=r.album,
            identifier=r.identifier,
            file_name=r.file_name,
            path=r.path,
            seconds=r.seconds_played,
            duration=r.duration,
            completed=r.completed,
            skipped=r.skipped,
        )
        for r in session.scalars(query)
    ]
