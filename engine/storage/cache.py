"""The archive client's response cache, kept in the database (the ``cache`` table): what it
holds by kind, how often it had what was asked, and clearing it by kind or age."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select

from engine.models import CacheKind
from engine.storage import repository as repo
from engine.storage.schema import ResponseCacheRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from engine.storage.database import Database


class DatabaseCache:
    """Raw response bodies by key, with when they were fetched (see ``ArchiveClient``)."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self.lookups = 0
        self.found = 0

    async def get(self, key: str) -> tuple[bytes, float] | None:
        self.lookups += 1
        answer = await self._database.run(lambda s: repo.cache_get(s, key))
        self.found += answer is not None
        return answer

    async def put(self, key: str, kind: str, url: str, body: bytes) -> None:
        await self._database.run(lambda s: repo.cache_put(s, key, kind, url, body))


def kinds(session: Session) -> list[CacheKind]:
    """Entries, bytes, oldest and newest of each kind of cached answer."""
    row = ResponseCacheRow
    query = (
        select(
            row.kind,
            func.count(row.key),
            func.coalesce(func.sum(func.length(row.body)), 0),
            func.min(row.fetched_at),
            func.max(row.fetched_at),
        )
        .group_by(row.kind)
        .order_by(row.kind)
    )
    return [
        CacheKind(k, int(n), int(b), oldest, newest)
        for k, n, b, oldest, newest in session.execute(query)
    ]


def clear(session: Session, *, kind: str | None = None, before: float | None = None) -> int:
    """Forget cached answers (of ``kind``, fetched before ``before``); how many went."""
    query = delete(ResponseCacheRow)
    if kind is not None:
        query = query.where(ResponseCacheRow.kind == kind)
    if before is not None:
        query = query.where(ResponseCacheRow.fetched_at < before)
    return int(getattr(session.execute(query), "rowcount", 0) or 0)
