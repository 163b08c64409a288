"""archive.org over one long-lived httpx client.

httpx rather than the ``internetarchive`` package: it is async (no thread per request), streams
bodies, and lets us point at any base URL (a local server in tests) and own retries for every
host; ``internetarchive`` is built on ``requests`` and mounts its retries for archive.org only.
"""

from __future__ import annotations

import asyncio
import email.utils
import errno
import hashlib
import logging
import random
import socket
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar
from urllib.parse import quote

import httpx

from engine.archive.parse import as_int, as_str, load_json
from engine.errors import ArchiveResponseError, ArchiveUnavailable

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Sequence

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Seconds to wait for a connection: a reachable archive.org connects in well under this.
CONNECT_TIMEOUT = 5.0
#: While offline, how often the archive is asked again in the background (first, at most).
PROBE_EVERY = (5.0, 60.0)


def problem_words(error: httpx.TransportError) -> str:
    """What a network error means, for a person."""
    if isinstance(error, httpx.ConnectTimeout):
        return "no answer to the connection (timed out)"
    if isinstance(error, httpx.ConnectError):
        causes: list[BaseException] = []
        cause: BaseException | None = error
        while cause is not None and len(causes) < 10:
            causes.append(cause)
            cause = cause.__cause__ or cause.__context__
        if any(isinstance(c, socket.gaierror) for c in causes):
            return "its name cannot be looked up (no network?)"
        if any(isinstance(c, ConnectionRefusedError) for c in causes):
            return "the connection was refused"
        codes = {getattr(c, "errno", None) for c in causes}
        if codes & {errno.ENETUNREACH, errno.EHOSTUNREACH}:
            return "the network is unreachable"
        return "no connection"
    if isinstance(error, httpx.TimeoutException):
        return "it is too slow to answer (timed out)"
    if isinstance(error, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return "the connection broke off"
    return "a network error"


def _cannot_connect(error: httpx.TransportError) -> bool:
    return isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout))


#: How long a cached answer is fresh, per kind of request, in seconds.
CACHE_TTL: dict[str, float] = {
    "search": 3600.0,
    "scrape": 6 * 3600.0,
    "metadata": 24 * 3600.0,
    "artists": 7 * 24 * 3600.0,
}


@dataclass(frozen=True, slots=True)
class Fetched(Generic[T]):
    """A decoded answer and whether it came from a stale cache because the archive was down."""

    data: T
    stale: bool = False


class ResponseCache(Protocol):
    async def get(self, key: str) -> tuple[bytes, float] | None: ...

    async def put(self, key: str, kind: str, url: str, body: bytes) -> None: ...


def cache_key(path: str, params: Sequence[tuple[str, str]]) -> str:
    text = path + "?" + "&".join(f"{k}={v}" for k, v in params)
    return hashlib.sha256(text.encode()).hexdigest()


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def backoff_delay(attempt: int, retry_after: float | None, *, base: float, cap: float) -> float:
    """Seconds to wait before retry ``attempt`` (0 for the first): exponential with jitter,
    and at least what the server's ``Retry-After`` asked for (up to a minute or ``cap``)."""
    backoff = min(cap, base * 2.0**attempt)
    backoff *= 0.75 + random.random() / 2  # jitter keeps many clients from retrying in step
    if retry_after is not None:
        return min(max(retry_after, backoff), max(cap, 60.0))
    return backoff


class ArchiveClient:
    """Advanced search, scrape and metadata, with retries, a concurrency cap and a cache."""

    def __init__(
        self,
        base_url: str,
        *,
        user_agent: str,
        concurrency: int = 4,
        timeout: float = 20.0,
        retries: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        cache: ResponseCache | None = None,
        on_status: Callable[[bool, str], None] | None = None,
        on_retry: Callable[[str], None] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.AsyncClient(
            headers={"User-Agent": user_agent, "Accept": "application/json"},
            timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT)),
            follow_redirects=True,
            transport=transport,
        )
        self._semaphore = asyncio.Semaphore(concurrency)
        self._retries = retries
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._cache = cache
        self._on_status = on_status
        # Told while a request is being tried again (one line), and with "" when it is over.
        self._on_retry = on_retry
        self._retrying_now: dict[asyncio.Task[Any] | None, str] = {}
        self.online: bool | None = None
        self.probe_every = PROBE_EVERY
        # A request's retries stop when the next would start this long after the first try.
        self._give_up_after = max(2 * timeout, 10.0)
        self._probe: asyncio.Task[None] | None = None

    async def aclose(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            await asyncio.gather(self._probe, return_exceptions=True)
            self._probe = None
        await self._client.aclose()

    # --- transport ---------------------------------------------------------------------

    def _set_online(self, online: bool, message: str = "") -> None:
        if online != self.online:
            self.online = online
            if self._on_status:
                self._on_status(online, message)
        if not online and (self._probe is None or self._probe.done()):
            self._probe = asyncio.get_running_loop().create_task(self._probe_until_online())

    async def _probe_until_online(self) -> None:
        """While offline, ask the archive again now and then, so the app learns it is back
        without waiting for the user's next search."""
        delay, longest = self.probe_every
        while self.online is False:
            await asyncio.sleep(delay)
            delay = min(longest, delay * 2)
            try:
                async with self._semaphore:
                    response = await self._client.get(self.base_url + "/", timeout=5.0)
                    await response.aread()
            except httpx.TransportError:
                continue
            if response.status_code < 500:  # any answer but a failing server: reachable
                log.info("archive: reachable again")
                self._set_online(True)

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        return backoff_delay(attempt, retry_after, base=self._backoff_base, cap=self._backoff_cap)

    async def get_bytes(self, path: str, params: Sequence[tuple[str, str]] = ()) -> bytes:
        """GET with retries on transport errors, 429 and 5xx; other statuses fail at once.
        While it tries again, ``on_retry`` hears about it."""
        try:
            return await self._get_bytes(path, params)
        finally:
            said = self._retrying_now.pop(asyncio.current_task(), None) is not None
            if said and not self._retrying_now and self._on_retry is not None:
                self._on_retry("")  # no request is being tried again any more

    def _say_retry(self, text: str) -> None:
        self._retrying_now[asyncio.current_task()] = text
        if self._on_retry is not None:
            self._on_retry(text)

    async def _get_bytes(self, path: str, params: Sequence[tuple[str, str]]) -> bytes:
        url = self.base_url + path
        last_problem = ""
        attempts = self._retries + 1
        started = time.monotonic()
        for attempt in range(self._retries + 1):
            retry_after: float | None = None
            try:
                async with self._semaphore:
                    response = await self._client.get(url, params=list(params))
                    body = await response.aread()
            except httpx.TransportError as error:
                last_problem = problem_words(error)
                log.debug("archive: %s for %s: %r", last_problem, url, error)
                if _cannot_connect(error):
                    # Not a busy server: no network, or the archive is down. Known offline, say
                    # so at once (the background probe notices the return); else try once more.
                    attempts = 1 if self.online is False else min(attempts, 2)
                    if attempt + 1 >= attempts:
                        break
            else:
                if response.status_code < 400:
                    self._set_online(True)
                    return body
                last_problem = f"HTTP {response.status_code}"
                if response.status_code not in RETRY_STATUSES:
                    self._set_online(True)
                    raise ArchiveResponseError(last_problem, url=str(response.url))
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            if attempt < self._retries:
                delay = self._delay(attempt, retry_after)
                if time.monotonic() + delay - started > self._give_up_after:
                    break
                # Said through on_retry (the app and the commands show it); logged as well.
                log.info(
                    "archive.org: %s; trying again (%d of %d) in %.0f s",
                    last_problem,
                    attempt + 2,
                    attempts,
                    delay,
                )
                self._say_retry(
                    f"archive.org is not answering ({last_problem}); trying again "
                    f"({attempt + 2} of {attempts}), giving up after "
                    f"{self._give_up_after:.0f} s"
                )
                await asyncio.sleep(delay)
        message = f"archive.org cannot be reached: {last_problem}"
        self._set_online(False, message)
        raise ArchiveUnavailable(message)

    async def get_json(
        self, path: str, params: Sequence[tuple[str, str]], kind: str
    ) -> Fetched[Any]:
        """Decoded JSON through the cache: fresh cache, else the archive, else stale cache."""
        key = cache_key(path, params)
        cached = await self._cache.get(key) if self._cache else None
        if cached and time.time() - cached[1] < CACHE_TTL.get(kind, 3600.0):
            return Fetched(load_json(cached[0], path))
        try:
            body = await self.get_bytes(path, params)
        except ArchiveUnavailable:
            if cached:
                log.warning("archive: unavailable, serving stale cache for %s", path)
                return Fetched(load_json(cached[0], path), stale=True)
            raise
        data = load_json(body, self.base_url + path)
        if isinstance(data, dict) and data.get("error"):
            raise ArchiveResponseError(f"archive error: {as_str(data['error'])}", url=path)
        if self._cache:
            await self._cache.put(key, kind, path, body)
        return Fetched(data)

    # --- endpoints ---------------------------------------------------------------------

    async def advanced_search(
        self,
        query: str,
        fields: Sequence[str],
        *,
        sort: Sequence[str] = (),
        rows: int = 100,
        page: int = 1,
        kind: str = "search",
    ) -> Fetched[tuple[list[dict[str, Any]], int]]:
        """One page of ``/advancedsearch.php``: the docs and ``numFound``."""
        params: list[tuple[str, str]] = [("q", query)]
        params += [(f"fl[{i}]", f) for i, f in enumerate(fields)]
        params += [(f"sort[{i}]", s) for i, s in enumerate(sort)]
        params += [("rows", str(rows)), ("page", str(page)), ("output", "json")]
        fetched = await self.get_json("/advancedsearch.php", params, kind)
        body = fetched.data
        response = body.get("response") if isinstance(body, dict) else None
        if not isinstance(response, dict) or not isinstance(response.get("docs"), list):
            raise ArchiveResponseError(
                "search body without response.docs", url="/advancedsearch.php"
            )
        docs = [d for d in response["docs"] if isinstance(d, dict)]
        found = as_int(response.get("numFound"))
        return Fetched((docs, found if found is not None else len(docs)), fetched.stale)

    async def scrape(
        self,
        query: str,
        fields: Sequence[str],
        *,
        sorts: Sequence[str] = (),
        count: int = 1000,
        limit: int | None = None,
        kind: str = "scrape",
    ) -> AsyncIterator[Fetched[list[dict[str, Any]]]]:
        """Pages of ``/services/search/v1/scrape`` following the cursor.

        Stops at the last page (no cursor), at ``limit`` items, and when the server hands back a
        cursor or identifiers it already gave (a reported bug that would otherwise loop forever).
        """
        count = max(100, count)
        cursor: str | None = None
        seen_cursors: set[str] = set()
        seen_ids: set[str] = set()
        given = 0
        while True:
            params = [("q", query), ("fields", ",".join(fields)), ("count", str(count))]
            if sorts:
                params.append(("sorts", ",".join(sorts)))
            if cursor:
                params.append(("cursor", cursor))
            fetched = await self.get_json("/services/search/v1/scrape", params, kind)
            body = fetched.data
            if not isinstance(body, dict) or not isinstance(body.get("items"), list):
                raise ArchiveResponseError(
                    "scrape body without items", url="/services/search/v1/scrape"
                )
            items = []
            for item in body["items"]:
                if not isinstance(item, dict):
                    continue
                ident = as_str(item.get("identifier"))
                if ident and ident in seen_ids:
                    continue
                seen_ids.add(ident)
                items.append(item)
            if limit is not None:
                items = items[: max(0, limit - given)]
            given += len(items)
            if items:
                yield Fetched(items, fetched.stale)
            cursor = as_str(body.get("cursor")) or None
            if not cursor or cursor in seen_cursors or not items:
                return
            if limit is not None and given >= limit:
                return
            seen_cursors.add(cursor)

    async def scrape_page(
        self,
        query: str,
        fields: Sequence[str],
        *,
        cursor: str = "",
        count: int = 9_999,
        total_only: bool = False,
    ) -> dict[str, Any]:
        """One scrape page as the archive sent it, never cached (a catalog sync writes it down
        itself): ``items``, ``count``, ``total`` and, but on the last page, ``cursor``. An
        error sent as a 200 with ``{"error"}`` raises ``ArchiveResponseError``."""
        path = "/services/search/v1/scrape"
        params = [("q", query), ("fields", ",".join(fields)), ("count", str(max(100, count)))]
        if total_only:
            params.append(("total_only", "true"))
        if cursor:
            params.append(("cursor", cursor))
        body = load_json(await self.get_bytes(path, params), self.base_url + path)
        if not isinstance(body, dict):
            raise ArchiveResponseError("scrape body is not an object", url=path)
        if body.get("error"):
            raise ArchiveResponseError(f"archive error: {as_str(body['error'])}", url=path)
        if not total_only and not isinstance(body.get("items"), list):
            raise ArchiveResponseError("scrape body without items", url=path)
        return body

    async def metadata(self, identifier: str) -> Fetched[dict[str, Any] | None]:
        """The ``/metadata/{id}`` body, or ``None`` for the ``{}`` of a missing item."""
        fetched = await self.get_json(f"/metadata/{quote(identifier, safe='')}", (), "metadata")
        body = fetched.data
        if not isinstance(body, dict):
            raise ArchiveResponseError("metadata body is not an object", url=identifier)
        if not body or not isinstance(body.get("metadata"), dict):
            return Fetched(None, fetched.stale)
        return Fetched(body, fetched.stale)
