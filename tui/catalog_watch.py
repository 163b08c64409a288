"""The local catalog as the app shows it: its age on the first line, the first sync offered
once, a sync started when due or asked for, and each notice replacing the one before."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from textual.worker import WorkerState

from engine import EngineError, NoticeTopic
from tui.formatting import age_text, size_text
from tui.widgets import as_work

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.app import App
    from textual.timer import Timer

    from engine import CatalogStatus, EngineAPI
    from tui.notices import NoticeBoard

CHECK_EVERY = 3600.0


class CatalogWatch:
    """Looks at the catalog when the engine starts and every hour after."""

    def __init__(
        self,
        app: App[Any],
        engine: Callable[[], EngineAPI],
        board: NoticeBoard,
        show: Callable[[str], None],
    ) -> None:
        self._app = app
        self._engine = engine
        self._board = board
        self._show = show  # the first line's words
        self.offered = False
        self._timer: Timer | None = None

    @property
    def syncing(self) -> bool:
        """A sync this app started is under way (its worker has not ended)."""
        return any(
            w.group == "catalog" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
            for w in self._app.workers
        )

    def check(self) -> None:
        self._app.run_worker(as_work(self.look), group="catalog-check", exit_on_error=False)
        if self._timer is None:
            self._timer = self._app.set_interval(CHECK_EVERY, self.check)

    async def look(self) -> None:
        """Say how old the catalog is; refresh it when due (or finish a pass left unfinished);
        without one, offer the first sync with its size (once a run, when the archive
        answers)."""
        engine = self._engine()
        status = await engine.catalog_status()
        self._show(catalog_words(status, time.time()))
        if self.syncing:
            return
        if await engine.catalog_due():
            self.start()
        elif not status.ready and status.refresh_hours > 0 and not self.offered:
            try:
                count, size = await engine.catalog_estimate()
            except EngineError:
                return  # offline: offered when the app is next started with the archive
            self.offered = True
            self._board.say(
                f"Keep the archive's index here ({count:,} recordings, about "
                f"{size_text(size)}): browsing and search then answer at once, offline too. "
                "Press U to fetch it in the background.",
                topic=NoticeTopic.CATALOG,
                title="Catalog",
                timeout=30,
            )

    def sync_asked(self) -> None:
        if self.syncing:
            self._board.say(
                "The catalog is syncing already.", topic=NoticeTopic.CATALOG, title="Catalog"
            )
            return
        self.start(said=True)

    def start(self, *, said: bool = False) -> None:
        if said:  # the offer, if it is still up, is answered
            self._board.say(
                "Syncing the catalog in the background.", topic=NoticeTopic.CATALOG, title="Catalog"
            )
        else:
            self._board.withdraw(NoticeTopic.CATALOG)
        self._app.run_worker(as_work(self.sync), group="catalog", exit_on_error=False)

    async def sync(self) -> None:
        engine = self._engine()
        try:
            before = await engine.catalog_status()
            try:
                result = await engine.sync_catalog()
            except EngineError as error:
                self._board.say(
                    f"Catalog sync stopped: {error}",
                    topic=NoticeTopic.CATALOG,
                    severity="warning",
                    title="Catalog",
                )
                return
            if not before.ready:
                self._board.say(
                    f"The catalog holds {result.items:,} recordings: browsing and search "
                    "answer from it, also offline.",
                    topic=NoticeTopic.CATALOG,
                    title="Catalog",
                    timeout=10,
                )
        finally:
            self._show(catalog_words(await engine.catalog_status(), time.time()))


def catalog_words(status: CatalogStatus, now: float) -> str:
    """``catalog 3h``: the catalog's age for the first line; ``""`` without one."""
    if status.syncing and not status.ready:
        fraction = status.done / status.total if status.total else 0.0
        return f"catalog {fraction * 100:.0f}%"
    age = status.age(now)
    if not status.ready or age is None:
        return ""
    return "catalog " + age_text(age, short=True)
