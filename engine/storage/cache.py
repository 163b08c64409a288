"""The archive client's response cache, kept in the database (the ``cache`` table)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.storage import repository as repo

if TYPE_CHECKING:
    from engine.storage.database import Database


class DatabaseCache:
    """Raw response bodies by key, with when they were fetched (see ``ArchiveClient``)."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def get(self, key: str) -> tuple[bytes, float] | None:
        return await self._database.run(lambda s: repo.cache_get(s, key))

    async def put(self, key: str, kind: str, url: str, body: bytes) -> None:
        await self._database.run(lambda s: repo.cache_put(s, key, kind, url, body))
