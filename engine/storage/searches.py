"""The search boxes' memory: what a person searched for in each box, newest first, the oldest
let go past a cap (personal rows, held to their person like the rest)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from engine.errors import ConfigError
from engine.storage.schema import SearchRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

SCOPES = ("browse", "library")
KEPT = 100  # searches kept a box
LONGEST = 500


def _checked(scope: str, text: str) -> str:
    if scope not in SCOPES:
        raise ConfigError("search box", scope, "one of " + ", ".join(SCOPES))
    return " ".join(text.split())[:LONGEST]


def recent(session: Session, scope: str, limit: int = KEPT) -> list[str]:
    _checked(scope, "")
    query = (
        select(SearchRow.text)
        .where(SearchRow.scope == scope)
        .order_by(SearchRow.used_at.desc(), SearchRow.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def remember(session: Session, scope: str, text: str) -> None:
    text = _checked(scope, text)
    if not text:
        return
    row = session.scalars(
        select(SearchRow).where(SearchRow.scope == scope, SearchRow.text == text)
    ).first()
    if row is None:
        session.add(SearchRow(scope=scope, text=text, used_at=time.time()))
    else:
        row.used_at = time.time()
    session.flush()
    old = recent(session, scope, limit=KEPT + 50)[KEPT:]
    if old:
        session.execute(delete(SearchRow).where(SearchRow.scope == scope, SearchRow.text.in_(old)))


def forget(session: Session, scope: str, text: str) -> None:
    text = _checked(scope, text)
    session.execute(delete(SearchRow).where(SearchRow.scope == scope, SearchRow.text == text))
