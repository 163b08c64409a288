"""Opening the database: SQLite (WAL) by default, PostgreSQL by URL, migrated to the newest schema.

All database work runs on one dedicated thread, so the event loop never waits on a query and
SQLite never sees two writers from this process.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import functools
import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import DiskFullError, StorageError
from engine.storage.personal import scope
from engine.storage.revision import HEAD

if TYPE_CHECKING:
    from collections.abc import Callable

    from alembic.config import Config

T = TypeVar("T")
log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


#: How long one statement waits inside SQLite for another program's lock, in seconds ...
BUSY_TIMEOUT = 5.0
#: ... and how long a transaction is tried again, in all, before the database is called stuck.
BUSY_WAIT = 60.0


def _sqlite_pragmas(busy_timeout: float) -> Callable[[Any, Any], None]:
    def pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return pragmas


def _is_busy(error: OperationalError) -> bool:
    """SQLite's "database is locked": another program holds the database for now."""
    return "locked" in str(error.orig) or "busy" in str(error.orig)


def _is_full(error: OperationalError) -> bool:
    return "disk is full" in str(error.orig) or "No space left" in str(error.orig)


def alembic_config(connection: Any) -> Config:
    from alembic.config import Config  # alembic is loaded only when there is work for it

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def current_revision(engine: Engine) -> str | None:
    """The schema's revision as alembic recorded it; ``None`` for a new database."""
    with engine.connect() as connection:
        try:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except SQLAlchemyError:
            return None


def migrate(engine: Engine, revision: str = "head", *, owner: str = "") -> None:
    """Bring the schema to ``revision`` (the newest by default). A database already at the
    newest is left alone without loading alembic, which keeps start-up quick."""
    current = current_revision(engine)
    if revision == "head" and current == HEAD:
        return
    if current is not None and current.isdigit() and int(current) > int(HEAD):
        raise StorageError(
            f"the database was made by a newer liveset (schema {current}; this one knows up "
            f"to {HEAD}): update liveset, or point --db-url elsewhere"
        )
    from alembic import command

    with engine.begin() as connection:
        config = alembic_config(connection)
        config.attributes["owner"] = owner  # the person existing personal rows go to
        command.upgrade(config, revision)


class Database:
    """The SQLAlchemy engine, its sessions and the thread they run on."""

    def __init__(
        self,
        url: str,
        *,
        person: str = "",
        busy_timeout: float | None = None,
        busy_wait: float | None = None,
        on_busy: Callable[[str], None] | None = None,
    ) -> None:
        """``person``: the profile whose personal rows the sessions see and write (see
        ``personal``); "" for a database used for shared data alone (the catalog's fit)."""
        self.url = url
        self.person = person
        self.busy_timeout = BUSY_TIMEOUT if busy_timeout is None else busy_timeout
        self.busy_wait = BUSY_WAIT if busy_wait is None else busy_wait
        #: Told (on the event loop) when the database turns busy, and with "" when it is free.
        self.on_busy = on_busy
        self._busy_since: float | None = None
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
        self._everyone: sessionmaker[Session] | None = None
        self._executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="liveset-db")

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise StorageError("the database is not open")
        return self._engine

    def _open(self) -> None:
        if self.url.startswith("sqlite:///") and ":memory:" not in self.url:
            Path(self.url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(self.url, future=True)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas(self.busy_timeout))
        migrate(engine, owner=self.person)
        self._engine = engine
        self._everyone = sessionmaker(engine, expire_on_commit=False)
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        scope(self._sessions, self.person)

    async def open(self) -> None:
        try:
            await self.run_raw(self._open)
        except SQLAlchemyError as error:
            reason = str(getattr(error, "orig", None) or error)
            raise StorageError(
                f"cannot open database {self._safe_url}: {reason}{self._folder_note()}"
            ) from error
        except OSError as error:
            raise StorageError(f"cannot open database {self._safe_url}: {error}") from error

    def _folder_note(self) -> str:
        """Why SQLite could not open its file, when it is its folder: SQLite only says
        "unable to open database file"."""
        if not self.url.startswith("sqlite:///") or ":memory:" in self.url:
            return ""
        folder = Path(self.url[len("sqlite:///") :]).parent
        if folder.is_dir() and not os.access(folder, os.W_OK):
            return f" ({folder} is read-only: liveset writes its database and journal there)"
        return ""

    @property
    def safe_url(self) -> str:
        """The URL without its password."""
        return self._safe_url

    @property
    def _safe_url(self) -> str:
        # Never show a password in a message.
        head, sep, tail = self.url.rpartition("@")
        if not sep:
            return self.url
        scheme, _, credentials = head.partition("://")
        user, has_password, _password = credentials.partition(":")
        return f"{scheme}://{user}{':***' if has_password else ''}@{tail}"

    def size(self) -> int | None:
        """Bytes on disk of an SQLite database with its write-ahead log; None otherwise."""
        if not self.url.startswith("sqlite:///") or ":memory:" in self.url:
            return None
        path = Path(self.url[len("sqlite:///") :])
        total = 0
        for name in (path, path.with_name(path.name + "-wal")):
            with contextlib.suppress(OSError):
                total += name.stat().st_size
        return total

    async def close(self) -> None:
        if self._engine is not None:
            await self.run_raw(self._engine.dispose)
            self._engine = None
        self._executor.shutdown(wait=True)

    async def run_raw(self, fn: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        return await loop.run_in_executor(self._executor, functools.partial(context.run, fn))

    async def run(self, fn: Callable[[Session], T], *, everyone: bool = False) -> T:
        """Run ``fn(session)`` on the database thread in one transaction, seeing the person's
        own personal rows (``everyone``: every person's, for upkeep that concerns them all,
        such as a folder renamed under everyone's queues). A database another program holds
        locked is waited for, said once, up to ``busy_wait`` seconds in all."""
        sessions = self._everyone if everyone else self._sessions
        if sessions is None:
            raise StorageError("the database is not open")

        def work() -> T:
            with sessions.begin() as session:
                return fn(session)

        while True:
            try:
                result = await self.run_raw(work)
            except OperationalError as error:
                if _is_full(error):
                    raise DiskFullError(
                        f"the disk holding the database is full ({self._safe_url})"
                    ) from error
                if not _is_busy(error):
                    raise StorageError(f"database error: {error}") from error
                await self._wait_busy(error)
                continue
            except SQLAlchemyError as error:
                raise StorageError(f"database error: {error}") from error
            if self._busy_since is not None:
                log.info("database: free again after %.1f s", time.monotonic() - self._busy_since)
                self._busy_since = None
                if self.on_busy is not None:
                    self.on_busy("")
            return result

    async def _wait_busy(self, error: OperationalError) -> None:
        now = time.monotonic()
        if self._busy_since is None:
            self._busy_since = now
            message = (
                "the database is busy (another program holds a lock on it); "
                f"waiting up to {self.busy_wait:.0f} s"
            )
            log.info("%s", message)  # said through on_busy
            if self.on_busy is not None:
                self.on_busy(message)
        elif now - self._busy_since >= self.busy_wait:
            waited = now - self._busy_since
            self._busy_since = None
            if self.on_busy is not None:
                self.on_busy("")
            raise StorageError(
                f"the database stayed locked for {waited:.0f} s: another program holds "
                f"{self._safe_url}; close it and try again"
            ) from error
        await asyncio.sleep(min(0.2, self.busy_timeout))
