"""Syncing the local catalog with the archive's scrape endpoint.

A pass asks for pages of up to 9,999 recordings following the cursor, and writes each page,
with the cursor that follows it, in one transaction: a sync killed halfway goes on from its last
written page. The next page is already on its way while one is written. A full pass marks every
recording it sees and, at its end, drops the ones it did not (darkened, moved); an update pass
asks only for recordings added or changed since the newest change the catalog holds. Nothing is
held but the page in hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from engine.archive.parse import as_int, as_str
from engine.archive.query import ARTISTS_QUERY
from engine.catalog import store
from engine.errors import ArchiveResponseError
from engine.events import CatalogProgress, CatalogSynced
from engine.models import CatalogStatus

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from engine.archive.client import ArchiveClient
    from engine.events import Event
    from engine.storage.database import Database

log = logging.getLogger(__name__)

#: The recordings of the Live Music Archive (its artist collections are ``mediatype:collection``).
ITEMS_QUERY = "collection:etree AND mediatype:etree"
PAGE = 9_999  # the most the scrape endpoint gives in one page
FULL_EVERY = 7 * 86_400.0  # an update becomes a full pass when the last one is this old
PROGRESS_EVERY = 0.25
READY_AGAIN = 30.0  # seconds between looks for a catalog another liveset synced
#: Rows written in one transaction: the database answers the app's own questions between
#: two, so a page of 9,999 never holds them back for long.
WRITE_CHUNK = 1_000
#: A recording's row, full-text entry and index entries in SQLite: measured by bench/catalog.
BYTES_EACH = 1_150


@dataclass(frozen=True, slots=True)
class _Pass:
    kind: str
    number: int
    query: str
    cursor: str
    done: int
    last_identifier: str


def update_query(since: str) -> str:
    return f"{ITEMS_QUERY} AND oai_updatedate:[{since} TO *]"


class Catalog:
    """The catalog's sync and its status; the questions go to ``store`` through ``run``."""

    def __init__(
        self,
        database: Database,
        client: Callable[[], ArchiveClient],
        publish: Callable[[Event], None],
        *,
        refresh_hours: float = 24.0,
        page: int = PAGE,
    ) -> None:
        self._database = database
        self._client = client
        self._publish = publish
        self.refresh_hours = refresh_hours
        self.page = page
        self._lock = asyncio.Lock()
        self._ready: bool | None = None
        self._ready_asked = 0.0

    # --- status ---------------------------------------------------------------------------

    async def ready(self) -> bool:
        """A full pass has finished once: the catalog can answer for the archive."""
        # Once ready, ready for good; not yet, asked again now and then: another liveset (a
        # script, while the app runs) may sync it.
        now = time.monotonic()
        if self._ready is None or (not self._ready and now - self._ready_asked >= READY_AGAIN):
            self._ready = await self._database.run(store.ready)
            self._ready_asked = now
        return self._ready

    async def status(self) -> CatalogStatus:
        def read(session: Session) -> CatalogStatus:
            row = store.state(session)
            items, artists = store.counts(session)
            return CatalogStatus(
                items=items,
                artists=artists,
                last_sync=row.last_sync,
                last_full=row.last_full,
                syncing=row.pass_kind,
                done=row.done,
                total=row.total,
                size=self._database.size(),
                refresh_hours=self.refresh_hours,
            )

        return await self._database.run(read)

    def running(self) -> bool:
        return self._lock.locked()

    async def due(self, now: float | None = None) -> bool:
        """An automatic refresh is due: on, a catalog exists, and the last sync is older than
        ``refresh_hours`` (or one was left unfinished). Reads the sync's state alone."""
        if self.refresh_hours <= 0 or self.running():
            return False
        row = await self._database.run(store.state)
        if row.pass_kind:
            return True
        if row.last_full is None:
            return False  # the first sync is the user's to start: it is offered
        age = (
            None if row.last_sync is None else (time.time() if now is None else now) - row.last_sync
        )
        return age is None or age >= self.refresh_hours * 3600

    async def estimate(self) -> tuple[int, int]:
        """The recordings a full pass would fetch (one ``total_only`` request), and about the
        bytes they take in the database."""
        body = await self._client().scrape_page(ITEMS_QUERY, ("identifier",), total_only=True)
        count = as_int(body.get("total")) or 0
        return count, count * BYTES_EACH

    # --- sync -----------------------------------------------------------------------------

    async def sync(self, *, full: bool = False) -> CatalogSynced:
        """One pass (or the rest of an unfinished one, then the pass asked for when that was
        an update and ``full`` is set). Errors are raised after a ``CatalogSynced`` with the
        error has been published; what was written stays."""
        async with self._lock:
            started = time.monotonic()
            kind = "full"  # until the pass under way is known
            try:
                work = await self._begin(full)
                kind = work.kind
                result = await self._run(work, started)
                if full and work.kind != "full":
                    kind = "full"
                    result = await self._run(await self._begin(True), started)
            except Exception as error:
                items, _ = await self._database.run(store.counts)
                message = str(error) or type(error).__name__
                self._publish(
                    CatalogSynced(
                        kind,
                        0,
                        0,
                        0,
                        items,
                        time.monotonic() - started,
                        error=message,
                    )
                )
                raise
            self._ready = None
            self._publish(result)
            return result

    async def _begin(self, full: bool) -> _Pass:
        """The unfinished pass, or a new one: full when asked, when there has been none, or
        when the last is ``FULL_EVERY`` old; else an update from the newest change held."""

        def begin(session: Session) -> _Pass:
            row = store.state(session)
            if row.pass_kind:
                return _Pass(
                    row.pass_kind,
                    row.pass_number,
                    row.query,
                    row.cursor,
                    row.done,
                    row.last_identifier,
                )
            now = time.time()
            old = row.last_full is None or now - row.last_full >= FULL_EVERY
            kind = "full" if full or old or not row.high_water else "update"
            row.pass_kind = kind
            if kind == "full":
                row.pass_number += 1
            row.query = ITEMS_QUERY if kind == "full" else update_query(row.high_water)
            row.since = "" if kind == "full" else row.high_water
            row.cursor, row.done, row.total, row.last_identifier = "", 0, None, ""
            row.pass_started = now
            return _Pass(kind, row.pass_number, row.query, "", 0, "")

        return await self._database.run(begin)

    async def _run(self, work: _Pass, started: float) -> CatalogSynced:
        client = self._client()
        if work.kind == "full" and not work.cursor:
            await self._sync_artists(client, work.number)
        known = await self._database.run(store.artist_collections)
        total_body = await client.scrape_page(work.query, ("identifier",), total_only=True)
        whole = as_int(total_body.get("total"))  # of the whole query, resumed or not

        def set_total(session: Session) -> None:
            store.state(session).total = whole

        await self._database.run(set_total)
        done, added, changed = work.done, 0, 0
        cursor, last_identifier = work.cursor, work.last_identifier
        seen_cursors: set[str] = {cursor} if cursor else set()
        previous: set[str] = set()
        run_started, run_done, said = time.monotonic(), 0, 0.0
        fetch = asyncio.ensure_future(self._page(client, work.query, cursor))
        try:
            while True:
                body = await fetch
                items_raw = [i for i in body["items"] if isinstance(i, dict)]
                names = [as_str(i.get("identifier")) for i in items_raw]
                if (previous and previous.intersection(names)) or (
                    last_identifier and last_identifier in names and cursor
                ):
                    raise ArchiveResponseError(
                        "the archive sent a page it had already sent (its cursor was ignored); "
                        f"the catalog keeps the {done:,} recordings written, and the next sync "
                        "goes on from there",
                        url="/services/search/v1/scrape",
                    )
                following = as_str(body.get("cursor"))
                if following and (following in seen_cursors or following == cursor):
                    raise ArchiveResponseError(
                        "the archive sent the same cursor twice; the catalog keeps the "
                        f"{done:,} recordings written, and the next sync goes on from there",
                        url="/services/search/v1/scrape",
                    )
                if following:
                    seen_cursors.add(following)
                    fetch = asyncio.ensure_future(self._page(client, work.query, following))
                items = [r for raw in items_raw if (r := store.item_from_doc(raw, known))]
                last = names[-1] if names else last_identifier
                count = len(items_raw)

                new = 0
                for start in range(0, max(1, len(items)), WRITE_CHUNK):
                    new += await self._database.run(
                        partial(
                            self._write,
                            work=work,
                            items=items[start : start + WRITE_CHUNK],
                            end=(following, last, count)
                            if start + WRITE_CHUNK >= len(items)
                            else None,
                        )
                    )
                added += new
                changed += len(items) - new
                done += count
                run_done += count
                previous = set(names)
                cursor, last_identifier = following, last
                now = time.monotonic()
                if not following or now - said >= PROGRESS_EVERY:
                    said = now
                    rate = run_done / max(now - run_started, 1e-6)
                    left = None if whole is None else max(0, whole - done)
                    self._publish(
                        CatalogProgress(
                            work.kind,
                            done,
                            whole,
                            rate,
                            None if left is None or rate <= 0 else left / rate,
                        )
                    )
                if not following:
                    break
        finally:
            if not fetch.done():
                fetch.cancel()
                with contextlib.suppress(BaseException):
                    await fetch
        removed = await self._database.run(lambda s: self._finish(s, work))
        items_now, _ = await self._database.run(store.counts)
        return CatalogSynced(
            work.kind, added, changed, removed, items_now, time.monotonic() - started
        )

    @staticmethod
    def _write(
        session: Session,
        *,
        work: _Pass,
        items: list[dict[str, Any]],
        end: tuple[str, str, int] | None,
    ) -> int:
        """Write part of a page; with ``end`` (the cursor after the page, its last identifier
        and its size), the page's last part, which moves the pass on. A sync killed between
        two parts asks for the page again: its items are written again, not twice."""
        row = store.state(session)
        new, row.next_number = store.write_items(session, items, work.number, row.next_number)
        newest = max((i["updated"] for i in items), default="")
        if work.kind == "full":
            row.since = max(row.since, newest)  # the pass's newest change, kept to its end
        if end is not None:
            row.cursor, row.last_identifier = end[0], end[1]
            row.done += end[2]
        if newest > row.high_water and work.kind == "update":
            row.high_water = newest
        return new

    def _finish(self, session: Session, work: _Pass) -> int:
        row = store.state(session)
        removed = 0
        now = time.time()
        if work.kind == "full":
            removed = store.drop_unseen(session, work.number)
            store.compact(session)
            row.last_full = now
            row.high_water = max(row.high_water, row.since)
        row.pass_kind, row.cursor, row.last_identifier, row.since = "", "", "", ""
        row.last_sync = now
        return removed

    async def _page(self, client: ArchiveClient, query: str, cursor: str) -> dict[str, Any]:
        return await client.scrape_page(query, store.ITEM_FIELDS, cursor=cursor, count=self.page)

    async def _sync_artists(self, client: ArchiveClient, number: int) -> None:
        """The artist collections: a few thousand, in a page or two; those gone are dropped."""
        cursor, seen = "", set()
        while True:
            body = await client.scrape_page(
                ARTISTS_QUERY, store.ARTIST_FIELDS, cursor=cursor, count=self.page
            )
            artists = [
                a for i in body["items"] if isinstance(i, dict) and (a := store.artist_from_doc(i))
            ]
            await self._database.run(partial(store.write_artists, artists=artists, seen=number))
            cursor = as_str(body.get("cursor"))
            if not cursor or cursor in seen or not artists:
                break
            seen.add(cursor)
        await self._database.run(lambda s: store.drop_unseen_artists(s, number))
