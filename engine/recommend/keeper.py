"""The fitted index kept for the recommender: in memory, saved beside the database, and
refitted in a process of its own (so the app's loop and its screen never wait on the fit) when
the catalog has changed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine

from engine.recommend import index_path, queries
from engine.recommend.index import Index, build_index
from engine.recommend.scoring import Scorer

if TYPE_CHECKING:
    from engine.storage.database import Database

log = logging.getLogger(__name__)


def fit_to_file(db_url: str, path: str, threads: int) -> str:
    """Read the catalog, fit, save (in a process of its own, so the app's loop and its
    screen never wait on the fit). Returns the fingerprint fitted."""
    engine = create_engine(db_url)
    try:
        from sqlalchemy.orm import Session as SyncSession

        with SyncSession(engine) as session:
            found = queries.fingerprint(session)
            rows = queries.catalog_rows(session)
            reviewed = queries.well_reviewed(session)
            texts = queries.cached_texts(session)
    finally:
        engine.dispose()
    index = build_index(rows, fingerprint=found, threads=threads, reviewed=reviewed, texts=texts)
    index.save(Path(path))
    return found


class IndexKeeper:
    """The newest index and its scorer; one fit at a time."""

    def __init__(
        self, database: Database, data_dir: Path, *, threads: int = 2, in_process: bool = False
    ) -> None:
        """``in_process``: fit on a thread of this process instead of a process of its own
        (for tests and benchmarks that measure the fit itself)."""
        self._database = database
        self.path = index_path(data_dir)
        self._threads = threads
        # A database in memory is this process's alone: the fit cannot read it from another.
        self._in_process = in_process or ":memory:" in database.url
        self._scorer: Scorer | None = None
        self._fitting: asyncio.Task[Scorer | None] | None = None
        self.refits = 0

    async def scorer(self, *, wait: bool = True) -> Scorer | None:
        """The scorer over the newest index: the one in memory, else the saved one, else a
        fit now (``wait``) or None while one runs. A saved index of an older catalog is used
        while a refit runs in the background."""
        current = await self._database.run(queries.fingerprint)
        if not current:
            return None
        if self._scorer is None:
            index = await asyncio.to_thread(Index.load, self.path)
            if index is not None:
                self._scorer = Scorer(index)
        if self._scorer is not None and self._scorer.index.fingerprint == current:
            return self._scorer
        task = self.refit()
        if self._scorer is not None or not wait:
            return self._scorer
        return await task

    def refit(self) -> asyncio.Task[Scorer | None]:
        """Fit again in the background (one fit at a time); the task gives the new scorer."""
        if self._fitting is None or self._fitting.done():
            self._fitting = asyncio.get_running_loop().create_task(self._fit())
        return self._fitting

    async def _fit(self) -> Scorer | None:
        started = time.perf_counter()
        try:
            if self._in_process:
                await asyncio.to_thread(
                    fit_to_file, self._database.url, str(self.path), self._threads
                )
            else:
                await self._fit_in_child()
        except Exception:
            log.exception("the recommender's fit failed")
            return self._scorer
        index = await asyncio.to_thread(Index.load, self.path)
        if index is not None:
            self._scorer = Scorer(index)
            self.refits += 1
            log.info(
                "recommender fitted on %d recordings, %d favourite lists, in %.1f s",
                len(index),
                index.favourite_lists,
                time.perf_counter() - started,
            )
        return self._scorer

    async def _fit_in_child(self) -> None:
        """``python -m engine.recommend.fit`` with the database and the file on its stdin
        (a PostgreSQL password stays out of the process list); killed if this is cancelled."""
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "engine.recommend.fit",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        order = {"db_url": self._database.url, "path": str(self.path), "threads": self._threads}
        try:
            _, error = await child.communicate(json.dumps(order).encode())
        except asyncio.CancelledError:
            with contextlib.suppress(ProcessLookupError):
                child.kill()
            await child.wait()
            raise
        if child.returncode != 0:
            raise RuntimeError(error.decode(errors="replace").strip()[-2000:])

    async def close(self) -> None:
        if self._fitting is not None and not self._fitting.done():
            self._fitting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._fitting
