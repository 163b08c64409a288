"""Who runs the download queue of a database: one liveset at a time, whoever's it is. The queue
is shared by everyone of the database, so the lock is the database's: on PostgreSQL an advisory
lock held by a connection of its own, on SQLite a file lock beside the database file."""

from __future__ import annotations

import asyncio
import contextlib
from typing import IO, TYPE_CHECKING

from sqlalchemy import text

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.engine import Connection

    from engine.storage.database import Database

ADVISORY_KEY = 0x6C69766573657401  # "liveset", 1: the download queue
"""The advisory lock's key on PostgreSQL, the same for every member's liveset."""


class QueueLock:
    """Held while this liveset runs the queue; ``release`` (or the process ending) lets go."""

    def __init__(self, handle: IO[bytes] | None, connection: Connection | None) -> None:
        self._handle = handle
        self._connection = connection

    @classmethod
    async def take(cls, database: Database, beside: Path) -> QueueLock | None:
        """The lock, or None when another liveset of this database holds it. ``beside``: the
        file an SQLite database's lock is kept in (next to the database)."""
        if database.dialect == "postgresql":
            return await asyncio.to_thread(cls._advisory, database)
        handle = await asyncio.to_thread(_take_file_lock, beside)
        return None if handle is None else cls(handle, None)

    @classmethod
    def _advisory(cls, database: Database) -> QueueLock | None:
        connection = database.engine.connect()
        try:
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}
            ).scalar()
            connection.commit()
        except Exception:
            connection.close()
            raise
        if not taken:
            connection.close()
            return None
        return cls(None, connection)

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file lets go of the lock
            self._handle = None
        if self._connection is not None:
            with contextlib.suppress(Exception):  # a lost connection has let go already
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY}
                )
                self._connection.commit()
            self._connection.close()
            self._connection = None


def _take_file_lock(path: Path) -> IO[bytes] | None:
    """An exclusive lock on ``path`` held while the file stays open; None when taken."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "ab")  # noqa: SIM115 - held open for as long as the queue runs
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle
