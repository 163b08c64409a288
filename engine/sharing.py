"""What a household shares, as the engine serves it: the database's music dir (recorded by the
first liveset to use the database, used by every member), who is listening, and the roles and
row-level security of a PostgreSQL household."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import ConfigError
from engine.models import Household
from engine.profile import login_name
from engine.storage import household, row_security

if TYPE_CHECKING:
    from collections.abc import Sequence

    from engine.storage.database import Database

log = logging.getLogger(__name__)


class Sharing:
    def __init__(self, database: Database, profile: str) -> None:
        self._database = database
        self._profile = profile
        self.configured_music_dir: Path | None = None
        """This person's music dir, when it disagrees with the database's."""

    async def music_dir(self, configured: Path) -> Path:
        """The music dir to use: the database's; the first liveset to use the database records
        its own, and a member configured otherwise is told (every file shown is there)."""
        stored = await self._database.run(household.music_dir)
        if stored is None:
            await self._database.run(lambda s: household.set_music_dir(s, configured))
            return configured
        if Path(stored) != configured:
            self.configured_music_dir = configured
            log.warning(
                "this database keeps the music in %s, not in %s (your music_dir): using %s. "
                "Set music_dir to it to quiet this, or `liveset household music-dir DIR` to "
                "change it for everyone.",
                stored,
                configured,
                stored,
            )
        return Path(stored)

    def household(self, music_dir: Path) -> Household:
        return Household(
            profile=self._profile,
            login=login_name(),
            database=self._database.safe_url,
            music_dir=music_dir,
            configured_music_dir=self.configured_music_dir,
        )

    async def setup(self, members: Sequence[str], *, apply: bool) -> tuple[str, ...]:
        database = self._database
        if database.dialect != "postgresql":
            raise ConfigError(
                "db_url",
                database.safe_url,
                "a PostgreSQL database (on SQLite, one file of one person, the profiles are "
                "kept apart by liveset alone)",
            )
        sql = row_security.statements(members, database.engine.url.database or "")
        if apply:
            await database.run(lambda s: row_security.apply(s, sql), everyone=True)
        return tuple(sql)

    async def set_music_dir(self, folder: str) -> Path:
        path = await asyncio.to_thread(lambda: Path(folder).expanduser().resolve())
        await self._database.run(lambda s: household.set_music_dir(s, path))
        return path
