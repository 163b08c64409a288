"""Favourites (and later likes) on tracks, recordings and artists."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.storage.schema import FeedbackRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

KINDS = ("track", "recording", "artist")


def set_favourite(session: Session, kind: str, target: str, favourite: bool) -> None:
    row = session.scalar(
        select(FeedbackRow).where(FeedbackRow.target_kind == kind, FeedbackRow.target == target)
    )
    if row is None:
        row = FeedbackRow(target_kind=kind, target=target, rating=0)
        session.add(row)
    row.favourite = favourite
    row.updated_at = time.time()


def favourites(session: Session, kind: str | None = None) -> list[tuple[str, str]]:
    query = select(FeedbackRow.target_kind, FeedbackRow.target).where(FeedbackRow.favourite)
    if kind is not None:
        query = query.where(FeedbackRow.target_kind == kind)
    return [(k, t) for k, t in session.execute(query.order_by(FeedbackRow.updated_at))]
