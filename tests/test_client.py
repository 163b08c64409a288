"""The archive client against the fake server: retries, backoff, limits, cache, quirks."""

from __future__ import annotations

import asyncio
import time

import pytest

from engine import ArchiveResponseError, ArchiveUnavailable
from engine.archive.client import ArchiveClient, cache_key, retry_after_seconds
from tests.fake_archive import FakeArchive

GD73 = "gd73-06-10.sbd.hollister.174.sbeok.shnf"


class MemoryCache:
    def __init__(self) -> None:
        self.entries: dict[str, tuple[bytes, float]] = {}

    async def get(self, key: str) -> tuple[bytes, float] | None:
        return self.entries.get(key)

    async def put(self, key: str, kind: str, url: str, body: bytes) -> None:
        self.entries[key] = (body, time.time())


def client(url: str, **options: object) -> ArchiveClient:
    defaults: dict[str, object] = {
        "user_agent": "liveset-test/1",
        "retries": 3,
        "backoff_base": 0.01,
    }
    defaults.update(options)
    return ArchiveClient(url, **defaults)  # type: ignore[arg-type]


def requests_to(archive: FakeArchive, prefix: str) -> int:
    return sum(1 for r in archive.requests if r.path.startswith(prefix))


async def test_user_agent_and_search_params(fake_archive: FakeArchive) -> None:
    c = client(fake_archive.url)
    try:
        found = await c.advanced_search(
            'creator:"Grateful Dead"', ["identifier", "date"], sort=["date desc"], rows=3
        )
    finally:
        await c.aclose()
    docs, total = found.data
    assert len(docs) == 3 and total >= 5
    request = fake_archive.requests[-1]
    assert request.headers["User-Agent"] == "liveset-test/1"
    assert ("fl[0]", "identifier") in request.params and ("sort[0]", "date desc") in request.params


async def test_429_retry_after_is_honoured(fake_archive: FakeArchive) -> None:
    fake_archive.add_fault("429", "/metadata/", times=1, retry_after="0.4")
    c = client(fake_archive.url)
    started = time.monotonic()
    try:
        fetched = await c.metadata(GD73)
    finally:
        await c.aclose()
    assert fetched.data is not None and fetched.data["metadata"]["identifier"] == GD73
    assert time.monotonic() - started >= 0.4
    assert requests_to(fake_archive, "/metadata/") == 2


async def test_503_backoff_then_success_and_then_give_up(fake_archive: FakeArchive) -> None:
    fake_archive.add_fault("503", "/metadata/", times=2)
    events: list[tuple[bool, str]] = []
    c = client(fake_archive.url, on_status=lambda online, msg: events.append((online, msg)))
    try:
        assert (await c.metadata(GD73)).data is not None
        assert requests_to(fake_archive, "/metadata/") == 3
        fake_archive.add_fault("503", "/metadata/", times=10)
        with pytest.raises(ArchiveUnavailable, match="HTTP 503"):
            await c.metadata(GD73)
        assert requests_to(fake_archive, "/metadata/") == 3 + 4  # 1 try + 3 retries
    finally:
        await c.aclose()
    assert events[0][0] is True and events[-1][0] is False and "503" in events[-1][1]


async def test_dropped_connections_are_retried(fake_archive: FakeArchive) -> None:
    fake_archive.add_fault("drop", "/metadata/", times=1)
    c = client(fake_archive.url)
    try:
        assert (await c.metadata(GD73)).data is not None
    finally:
        await c.aclose()


async def test_unreachable_host_fails_clearly() -> None:
    c = client("http://127.0.0.1:9", retries=1, timeout=2.0)
    try:
        with pytest.raises(
            ArchiveUnavailable, match=r"^archive.org cannot be reached: the connection was refused$"
        ):
            await c.metadata(GD73)
    finally:
        await c.aclose()
    assert c.online is False


async def test_malformed_json_and_missing_item(fake_archive: FakeArchive) -> None:
    fake_archive.add_fault("malformed", "/advancedsearch.php")
    c = client(fake_archive.url)
    try:
        with pytest.raises(ArchiveResponseError, match="malformed JSON"):
            await c.advanced_search("collection:etree", ["identifier"])
        assert (await c.metadata("no-such-item")).data is None
        with pytest.raises(ArchiveResponseError, match="10,000"):
            await c.advanced_search(
                "collection:etree", ["identifier"], sort=["date desc"], rows=100, page=101
            )
    finally:
        await c.aclose()


async def test_scrape_error_bodies_with_status_200(fake_archive: FakeArchive) -> None:
    c = client(fake_archive.url)
    try:
        with pytest.raises(ArchiveResponseError, match="archive error"):
            async for _ in c.scrape("collection:(etree", ["identifier"]):
                pass
    finally:
        await c.aclose()


async def test_scrape_follows_cursor_and_stops_on_repeats(fake_archive: FakeArchive) -> None:
    c = client(fake_archive.url)
    query = "identifier:*"  # every doc: more than one page of 100
    try:
        pages = [p.data async for p in c.scrape(query, ["identifier"], count=100)]
        all_ids = [i["identifier"] for page in pages for i in page]
        assert len(all_ids) == len(set(all_ids)) and len(pages) >= 2
        fake_archive.reset()
        fake_archive.add_fault("ignore-cursor", "/services/search/v1/scrape", times=50)
        repeated = [p.data async for p in c.scrape(query, ["identifier"], count=100)]
    finally:
        await c.aclose()
    # The server hands page 1 back forever; the client stops after one repeat.
    assert sum(len(p) for p in repeated) == min(100, len(all_ids))
    assert requests_to(fake_archive, "/services/search/v1/scrape") <= 2


async def test_concurrency_is_capped(fake_archive: FakeArchive) -> None:
    fake_archive.latency = 0.1
    c = client(fake_archive.url, concurrency=2)
    try:
        await asyncio.gather(*(c.metadata(f"item-{i}") for i in range(8)))
    finally:
        await c.aclose()
    assert fake_archive.max_in_flight == 2


async def test_cache_fresh_then_stale_when_down(fake_archive: FakeArchive) -> None:
    cache = MemoryCache()
    c = client(fake_archive.url, cache=cache, retries=1)
    try:
        first = await c.metadata(GD73)
        again = await c.metadata(GD73)
        assert requests_to(fake_archive, "/metadata/") == 1 and again.data == first.data
        assert not again.stale
        key = cache_key(f"/metadata/{GD73}", ())
        body, _ = cache.entries[key]
        cache.entries[key] = (body, time.time() - 10 * 24 * 3600)  # expired
        fake_archive.add_fault("503", "/metadata/", times=10)
        stale = await c.metadata(GD73)
    finally:
        await c.aclose()
    assert stale.stale and stale.data == first.data


def test_retry_after_forms() -> None:
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == pytest.approx(
        10.0
    )
