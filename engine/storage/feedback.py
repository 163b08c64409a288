"""Favourites, likes and dislikes, and "not interested" on tracks, recordings and artists."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.storage.schema import FeedbackRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

KINDS = ("track", "recording", "artist")


def check_kind(kind: str) -> None:
    """Refuse, in words, a kind of target feedback has none of."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")


def _row(session: Session, kind: str, target: str) -> FeedbackRow:
    row = session.scalar(
        select(FeedbackRow).where(FeedbackRow.target_kind == kind, FeedbackRow.target == target)
    )
    if row is None:
        row = FeedbackRow(target_kind=kind, target=target, rating=0, not_interested=False)
        session.add(row)
    row.updated_at = time.time()
    return row


def set_favourite(session: Session, kind: str, target: str, favourite: bool) -> None:
    _row(session, kind, target).favourite = favourite


def set_rating(session: Session, kind: str, target: str, rating: int) -> None:
    """1 like, -1 dislike, 0 neither."""
    _row(session, kind, target).rating = max(-1, min(1, rating))


def set_not_interested(session: Session, kind: str, target: str, value: bool) -> None:
    _row(session, kind, target).not_interested = value


def favourites(session: Session, kind: str | None = None) -> list[tuple[str, str]]:
    query = select(FeedbackRow.target_kind, FeedbackRow.target).where(FeedbackRow.favourite)
    if kind is not None:
        query = query.where(FeedbackRow.target_kind == kind)
    return [(k, t) for k, t in session.execute(query.order_by(FeedbackRow.updated_at))]
