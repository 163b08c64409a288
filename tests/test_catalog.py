"""The local catalog: a sync from the fake archive's scrape, resumed, updated, pruned, stopped
cleanly on a bad answer, and asked instead of the archive (also with the archive gone)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

from engine import (
    ArchiveError,
    CatalogProgress,
    CatalogSynced,
    Engine,
    EngineError,
    NoticeTopic,
)
from tests.conftest import cli_env, make_settings
from tests.fake_archive import FakeArchive
from tests.fake_archive.etree import SyntheticEtree

if TYPE_CHECKING:
    from pathlib import Path

    from engine import Concert, ConcertList

SCRAPE = "/services/search/v1/scrape"


def _scrapes(archive: FakeArchive) -> list[dict[str, str]]:
    return [dict(r.params) for r in archive.requests if r.path == SCRAPE]


def _rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM catalog_items").fetchone()[0])


def _pages_done(path: Path) -> int:
    with sqlite3.connect(path) as db:
        found = db.execute("SELECT done FROM catalog_state").fetchone()
        return int(found[0]) if found else 0


async def test_full_sync_fills_the_catalog_page_by_page_with_progress(
    tmp_path: Path, fake_archive: FakeArchive, etree: SyntheticEtree, db_url: str
) -> None:
    settings = make_settings(tmp_path, fake_archive.url, db_url)
    async with Engine(settings, backoff_base=0.01, catalog_page=500) as engine:
        before = await engine.catalog_status()
        assert not before.ready and before.items == 0
        events = engine.events()
        result = await engine.sync_catalog()
        seen = []
        while not isinstance(event := await anext(events), CatalogSynced):
            if isinstance(event, CatalogProgress):
                seen.append(event)
        total = len(etree) + len([d for d in fake_archive.docs() if d.get("mediatype") == "etree"])
        assert result.error == "" and result.kind == "full"
        assert result.added == total == result.items
        status = await engine.catalog_status()
        assert status.ready and status.items == total and status.artists >= 60
        # Page by page (a few a second at most): progress rises to the total, with a rate and
        # the total known from the start.
        dones = [e.done for e in seen]
        assert dones == sorted(dones) and dones[-1] == total and len(dones) >= 2
        assert all(d % 500 == 0 for d in dones[:-1])
        assert all(e.total == total and e.rate > 0 for e in seen)
        pages = [p for p in _scrapes(fake_archive) if "mediatype:etree" in p["q"]]
        assert all(p["count"] == "500" for p in pages if "total_only" not in p)
        # A synthetic recording answers as a concert with its artist, date and venue.
        doc = etree.doc(1234)
        found = await engine.search_concerts(doc["identifier"])
        assert [r.identifier for c in found.concerts for r in c.recordings] == [doc["identifier"]]
        assert found.concerts[0].artist == doc["creator"]
        assert str(found.concerts[0].date) == doc["date"][:10]


async def test_the_catalog_answers_as_the_live_path_does_for_the_real_docs(
    tmp_path: Path, fake_archive: FakeArchive, db_url: str
) -> None:
    """Only the real fixtures: every browse answer from the catalog equals the live one."""
    live_settings = make_settings(tmp_path / "live", fake_archive.url)
    local_settings = make_settings(tmp_path / "local", fake_archive.url, db_url)
    async with (
        Engine(live_settings, backoff_base=0.01) as live,
        Engine(local_settings, backoff_base=0.01) as local,
    ):
        await local.sync_catalog()
        assert (await local.catalog_status()).ready

        def shape(found: ConcertList) -> set[tuple[str, str, str, str, tuple[str, ...]]]:
            return {
                (c.artist, str(c.date), c.venue, c.city, tuple(r.identifier for r in c.recordings))
                for c in found.concerts
            }

        asks = (
            dict(artist="Grateful Dead"),
            dict(artist="Grateful Dead", year=1977),
            dict(text="venue:barton"),
            dict(text="city:ithaca"),
            dict(text="sbd", artist="Grateful Dead"),
        )

        async def answers(engine: Engine) -> list[object]:
            found: list[object] = [shape(await engine.search_concerts(**a)) for a in asks]
            found.append(shape(await engine.concerts_on_day(5, 8)))
            found.append(shape(await engine.concerts_in("Grateful Dead", "1977")))
            found.append(await engine.artist_years("Grateful Dead"))
            found.append({(a.identifier, a.name) for a in (await engine.artists()).artists})
            # The concert screen: the same recordings, ranked the same, with their tracks.
            concert: Concert = await engine.concert("Grateful Dead", "1977-05-08")
            found.append([(r.identifier, len(r.tracks)) for r in concert.recordings])
            return found

        fake_archive.requests.clear()
        ours = await answers(local)
        # The catalog answered; only the recordings opened were asked for (their metadata).
        assert {r.path.split("/")[1] for r in fake_archive.requests} == {"metadata"}
        theirs = await answers(live)
        assert ours == theirs
        assert all(ours), "every question has an answer in the fixtures"


async def test_offline_with_a_catalog_browse_and_search_still_answer(tmp_path: Path) -> None:
    archive = FakeArchive(seconds=1.0).start()
    archive.keep_alive = False  # stopped means gone: no connection left open to it
    etree = SyntheticEtree(count=2_000, artists=40, seed=9)
    archive.serve_etree(etree)
    settings = make_settings(tmp_path, archive.url)
    async with Engine(settings, backoff_base=0.01) as engine:
        await engine.sync_catalog()
        archive.stop()  # the archive is gone: nothing listens there any more
        doc = etree.doc(777)
        artist = doc["creator"]
        found = await engine.search_concerts(artist)
        assert found.concerts and found.concerts[0].artist == artist and not found.stale
        assert any(r.identifier == doc["identifier"] for c in found.concerts for r in c.recordings)
        artists = await engine.artists()
        assert artist in {a.name for a in artists.artists}
        years = await engine.artist_years(artist)
        assert int(doc["year"]) in {y for y, _ in years}
        month, day = int(doc["date"][5:7]), int(doc["date"][8:10])
        on_day = await engine.concerts_on_day(month, day)
        assert any(r.identifier == doc["identifier"] for c in on_day.concerts for r in c.recordings)
        span = await engine.concerts_in(artist, doc["date"][:4])
        assert doc["date"][:10] in {str(c.date) for c in span.concerts}
        # The concert screen lists its recordings from the catalog (their tracks need the
        # archive: the summaries stand in for them).
        concert = await engine.concert(artist, doc["date"][:10])
        assert doc["identifier"] in {r.identifier for r in concert.recordings}
        assert concert.stale  # their tracks could not be asked for: the screen says so
        surprise = await engine.surprise_concert(min_stars=2.5)
        assert surprise.recordings
        events = engine.events()
        with pytest.raises(EngineError):
            await engine.sync_catalog()  # a sync needs the archive: a clear error, no damage
        ended = [e async for e in _until_synced(events)][-1]
        assert isinstance(ended, CatalogSynced) and ended.kind == "update" and ended.error
        assert (await engine.catalog_status()).items == len(etree) + len(
            [d for d in archive.docs() if d.get("mediatype") == "etree"]
        )


async def test_an_update_asks_only_for_what_changed_and_a_full_pass_drops_what_went(
    tmp_path: Path, fake_archive: FakeArchive, etree: SyntheticEtree, db_url: str
) -> None:
    settings = make_settings(tmp_path, fake_archive.url, db_url)
    async with Engine(settings, backoff_base=0.01, catalog_page=1_000) as engine:
        first = await engine.sync_catalog()
        new = etree.add(40, "2026-11-30T10:00:00Z")
        changed = etree.doc(100)
        etree.change([100, 101, 102], "2026-11-30T11:00:00Z")
        fake_archive.requests.clear()
        update = await engine.sync_catalog()
        assert update.kind == "update" and update.error == ""
        assert (update.added, update.removed) == (40, 0)
        # The three changed, and the few last changed at the very time the catalog held as
        # its newest (the range includes it, so that nothing changed in that second is lost).
        assert 3 <= update.updated <= 10
        assert update.items == first.items + 40
        pages = _scrapes(fake_archive)
        assert pages and all("oai_updatedate:[" in p["q"] for p in pages)
        found = await engine.search_concerts(new[0])
        assert [r.identifier for c in found.concerts for r in c.recordings] == [new[0]]
        again = await engine.search_concerts(changed["identifier"])
        best = again.concerts[0].recordings[0]
        assert best.num_reviews == int(changed.get("num_reviews") or 0) + 1
        assert best.downloads == changed["downloads"] + 1_000
        # Nothing changed since: an update of nothing.
        assert (await engine.sync_catalog()).added == 0
        gone = [etree.identifier(5), etree.identifier(6)]
        etree.remove([5, 6])
        kept = await engine.sync_catalog()  # an update cannot see what left
        assert kept.removed == 0
        full = await engine.sync_catalog(full=True)
        assert full.kind == "full" and full.removed == 2 and full.items == update.items - 2
        for identifier in gone:
            assert not (await engine.search_concerts(identifier)).concerts


@pytest.mark.parametrize("fault", ["error-body", "ignore-cursor"])
async def test_a_bad_page_stops_the_sync_with_a_clear_error_and_keeps_what_was_written(
    tmp_path: Path, fake_archive: FakeArchive, etree: SyntheticEtree, fault: str
) -> None:
    settings = make_settings(tmp_path, fake_archive.url)
    async with Engine(settings, backoff_base=0.01, catalog_page=500) as engine:
        # The artists page, the total, then two good pages of recordings; the third is bad.
        fake_archive.add_fault(fault, SCRAPE, times=1, skip=4)
        events = engine.events()
        with pytest.raises(ArchiveError) as raised:
            await engine.sync_catalog()
        said = str(raised.value)
        if fault == "error-body":
            assert "reindexed" in said  # the archive's own words
        else:
            # Page 1 again, with the cursor after it, which it had sent already.
            assert "same cursor twice" in said and "1,000 recordings written" in said
        ended = [e async for e in _until_synced(events)][-1]
        assert isinstance(ended, CatalogSynced) and ended.error == said
        status = await engine.catalog_status()
        assert status.items == 1_000 and status.syncing == "full" and not status.ready
        # The next sync goes on from the third page, and ends whole.
        fake_archive.requests.clear()
        result = await engine.sync_catalog()
        pages = [p for p in _scrapes(fake_archive) if "total_only" not in p]
        assert pages[0].get("cursor"), "resumed from the written cursor, not from the start"
        total = len(etree) + len([d for d in fake_archive.docs() if d.get("mediatype") == "etree"])
        assert result.items == total and (await engine.catalog_status()).ready


async def _until_synced(events):  # type: ignore[no-untyped-def]
    async for event in events:
        yield event
        if isinstance(event, CatalogSynced):
            return


def test_a_sync_killed_halfway_goes_on_from_its_last_written_page(
    tmp_path: Path, isolated_home: Path
) -> None:
    archive = FakeArchive(seconds=1.0).start()
    etree = SyntheticEtree(count=40_000, artists=200, seed=11)
    archive.serve_etree(etree)
    archive.latency = 0.4  # each page takes a while: the kill lands between pages
    env = cli_env(tmp_path, isolated_home, archive.url)
    database = tmp_path / "data" / "liveset.db"
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "tui", "catalog", "sync"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.05)
            try:
                if _pages_done(database) > 0:  # a whole page written, with its cursor
                    break
            except sqlite3.Error:
                continue
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        written = _rows(database)
        assert 0 < written < len(etree)
        with sqlite3.connect(database) as db:
            cursor, done = db.execute("SELECT cursor, done FROM catalog_state").fetchone()
        # Every page counted is written; part of the next may be too (written again, not
        # twice, when the sync asks for it again).
        assert cursor and 0 < done <= written
        archive.requests.clear()
        finished = subprocess.run(
            [sys.executable, "-m", "tui", "catalog", "sync", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert finished.returncode == 0, finished.stderr
        pages = [p for p in _scrapes(archive) if "total_only" not in p and "etree" in p["q"]]
        recordings = [p for p in pages if "mediatype:etree" in p["q"]]
        # No artists page again, and the first page asked for is the one after the last written.
        assert not [p for p in pages if "mediatype:collection" in p["q"]]
        assert recordings[0].get("cursor") == cursor
        total = len(etree) + len([d for d in archive.docs() if d.get("mediatype") == "etree"])
        assert _rows(database) == total
        status = subprocess.run(
            [sys.executable, "-m", "tui", "catalog", "status"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert f"recordings {total:,}" in status.stdout
    finally:
        archive.stop()


async def test_a_refresh_is_due_only_after_a_first_sync_and_when_old(
    tmp_path: Path, fake_archive: FakeArchive, etree: SyntheticEtree
) -> None:
    settings = make_settings(tmp_path, fake_archive.url)
    async with Engine(settings, backoff_base=0.01) as engine:
        assert not await engine.catalog_due()  # the first sync is offered, not started
        count, size = await engine.catalog_estimate()
        assert count >= len(etree) and size > 100 * count
        await engine.sync_catalog()
        assert not await engine.catalog_due()
        day_later = time.time() + 25 * 3600
        assert await engine._catalog.due(now=day_later)
    off = make_settings(tmp_path / "off", fake_archive.url)
    from dataclasses import replace

    async with Engine(replace(off, catalog_refresh_hours=0)) as engine:
        await engine.sync_catalog()
        assert not await engine._catalog.due(now=time.time() + 400 * 86_400)


async def test_two_syncs_at_once_take_turns(
    tmp_path: Path, fake_archive: FakeArchive, etree: SyntheticEtree
) -> None:
    settings = make_settings(tmp_path, fake_archive.url)
    async with Engine(settings, backoff_base=0.01, catalog_page=1_000) as engine:
        first, second = await asyncio.gather(engine.sync_catalog(), engine.sync_catalog())
        assert first.kind == "full" and second.kind == "update"
        assert second.added == 0 and first.items == second.items


# --- the app --------------------------------------------------------------------------------


async def test_the_app_offers_the_first_sync_runs_it_on_u_and_then_browses_from_it(
    tmp_path: Path, fake_archive: FakeArchive, etree: SyntheticEtree
) -> None:
    from textual.widgets import DataTable, Input

    from tests.test_tui import make_app, rows, settle, typed, wait_until
    from tui.widgets import TopBar

    app = make_app(make_settings(tmp_path, fake_archive.url), restore_playback=False)
    notes: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        app.watch(app, "catalog_note", lambda note: notes.append(note))
        await wait_until(
            pilot, lambda: any("Press U" in str(n.message) for n in app._notifications), "offer"
        )
        offer = next(str(n.message) for n in app._notifications if "Press U" in str(n.message))
        total = len(etree) + len([d for d in fake_archive.docs() if d.get("mediatype") == "etree"])
        assert f"{total:,} recordings" in offer and "MB" in offer
        assert app.catalog_note == ""  # no catalog yet: nothing on the first line
        # A synthetic recording is only in the catalog: asked before the sync, the archive's
        # own search finds nothing.
        doc = etree.doc(2_222)
        asked = f"{doc['creator']} {doc['date'][:10]}"
        await pilot.press("slash")
        await pilot.press(*typed(asked))
        await settle(pilot)
        table = app.screen.query_one("#concerts", DataTable)
        assert table.row_count == 0
        await pilot.press("enter")  # from the search box to the list, keeping its words
        await pilot.press("U")
        # The offer is answered: it goes at once, the sync says it runs in its place.
        assert not any("Press U" in str(n.message) for n in app._notifications)
        (said,) = app.notices.showing(NoticeTopic.CATALOG)  # one notice of the catalog
        assert said.startswith(("Syncing the catalog", "The catalog holds"))
        await wait_until(pilot, lambda: app.catalog_note == "catalog now", "the sync", 60)
        assert any("%" in n for n in notes), notes  # its progress was on the first line
        assert "catalog now" in str(app.screen.query_one(TopBar).render())
        assert any(
            "browsing and search answer from it" in str(n.message) for n in app._notifications
        )
        # The list is asked again by itself, from the catalog: the artist and the date typed
        # exactly come first.
        await wait_until(pilot, lambda: table.row_count > 0, "the list asked again")
        assert app.screen.query_one("#search", Input).value == asked
        assert rows(table)[0][0] == doc["date"][:10]
        assert doc["creator"].startswith(rows(table)[0][1].rstrip("…"))


async def test_the_app_refreshes_an_old_catalog_in_the_background(
    tmp_path: Path, fake_archive: FakeArchive, etree: SyntheticEtree
) -> None:
    from tests.test_tui import make_app, wait_until

    settings = make_settings(tmp_path, fake_archive.url)
    async with Engine(settings) as engine:
        await engine.sync_catalog()
    with sqlite3.connect(tmp_path / "data" / "liveset.db") as db:
        db.execute("UPDATE catalog_state SET last_sync = last_sync - 2 * 86400")
    etree.add(5, "2026-11-30T09:00:00Z")
    fake_archive.requests.clear()
    app = make_app(settings, restore_playback=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.catalog_note == "catalog now", "the refresh", 60)
        asked = [p["q"] for p in _scrapes(fake_archive) if "total_only" not in p]
        assert asked and all("oai_updatedate" in q for q in asked)  # an update, not a full pass
        assert not any("Press U" in str(n.message) for n in app._notifications)
    with sqlite3.connect(tmp_path / "data" / "liveset.db") as db:
        assert (
            db.execute(
                "SELECT count(*) FROM catalog_items WHERE venue = 'The New Room'"
            ).fetchone()[0]
            == 5
        )


async def test_free_text_reads_the_same_on_sqlite_and_postgresql(
    tmp_path: Path, fake_archive: FakeArchive, db_url: str
) -> None:
    """Prefixes, folded accents, field terms, tapers and subjects; the artist and the date
    typed exactly come first (a newer tribute night naming the band comes after)."""
    tone = {"t01.flac": b"fLaC" + bytes(100)}
    fake_archive.add_item(
        "ct1999-05-08.sbd.flac16",
        {
            "title": "Café Tacvba Live at Teatro Metropólitan on 1999-05-08",
            "creator": "Café Tacvba",
            "date": "1999-05-08",
            "venue": "Teatro Metropólitan",
            "coverage": "Mexico City, Mexico",
            "source": "SBD",
            "taper": "Charlie Miller",
            "subject": "acoustic; rock en español",
            "collection": ["CafeTacvba", "etree"],
        },
        tone,
        searchable=True,
    )
    fake_archive.add_item(
        "jgb2010-05-08.aud.flac16",
        {
            "title": "A Grateful Dead tribute night",
            "creator": "Jerry Garcia Band Tribute",
            "date": "2010-05-08",
            "venue": "Sweetwater",
            "coverage": "Mill Valley, CA",
            "collection": ["JGBTribute", "etree"],
        },
        tone,
        searchable=True,
    )
    settings = make_settings(tmp_path, fake_archive.url, db_url)
    async with Engine(settings, backoff_base=0.01) as engine:
        await engine.sync_catalog()

        async def found(text: str) -> list[tuple[str, str]]:
            concerts = (await engine.search_concerts(text)).concerts
            return [(c.artist, str(c.date)) for c in concerts]

        assert await found("cafe tacv") == [("Café Tacvba", "1999-05-08")]
        assert await found("CAFÉ metropolitan") == [("Café Tacvba", "1999-05-08")]
        assert await found("venue:metropo") == [("Café Tacvba", "1999-05-08")]
        assert await found("city:mexico") == [("Café Tacvba", "1999-05-08")]
        assert await found("venue:mexico") == []  # a city is not a venue
        assert await found("miller acoustic") == [("Café Tacvba", "1999-05-08")]
        dead = await found("grateful dead")
        assert ("Jerry Garcia Band Tribute", "2010-05-08") in dead
        assert dead[0][0] == "Grateful Dead" and dead[-1][0] == "Jerry Garcia Band Tribute"
        assert all(a == "Grateful Dead" for a, _ in dead[:-1])
        dates = [d for _, d in dead[:-1]]
        assert dates == sorted(dates, reverse=True)  # newest first within the artist
        exact = await found("grateful dead 1977-05-08")
        assert exact[0] == ("Grateful Dead", "1977-05-08")
        sbd = (await engine.search_concerts("tacvba sbd")).concerts
        assert [c.artist for c in sbd] == ["Café Tacvba"]
        assert not (await engine.search_concerts("tribute sbd")).concerts


async def test_the_daemon_refreshes_its_catalog_with_no_app_attached(
    tmp_path: Path, fake_archive: FakeArchive, etree: SyntheticEtree
) -> None:
    from engine.remote.daemon import refresh_catalog

    settings = make_settings(tmp_path, fake_archive.url)
    async with Engine(settings, backoff_base=0.01) as engine:
        looks = 0
        due = engine.catalog_due

        async def counted() -> bool:
            nonlocal looks
            looks += 1
            return await due()

        engine.catalog_due = counted  # type: ignore[method-assign]
        refreshing = asyncio.create_task(refresh_catalog(engine, every=0.05))
        for _ in range(600):  # until it has looked several times
            if looks >= 4:
                break
            await asyncio.sleep(0.05)
        assert looks >= 4
        assert (await engine.catalog_status()).items == 0  # never a first sync by itself
        refreshing.cancel()
        await engine.sync_catalog()
    with sqlite3.connect(tmp_path / "data" / "liveset.db") as db:
        db.execute("UPDATE catalog_state SET last_sync = last_sync - 2 * 86400")
    etree.add(3, "2026-11-30T08:00:00Z")
    async with Engine(settings, backoff_base=0.01) as engine:
        events = engine.events()
        refreshing = asyncio.create_task(refresh_catalog(engine, every=0.05))
        synced = await asyncio.wait_for(
            anext(e async for e in events if isinstance(e, CatalogSynced)), 30
        )
        refreshing.cancel()
        assert synced.kind == "update" and synced.added == 3


async def test_a_full_pass_over_changed_items_leaves_the_index_its_size(
    tmp_path: Path, fake_archive: FakeArchive, etree: SyntheticEtree
) -> None:
    settings = make_settings(tmp_path, fake_archive.url)

    def index_bytes() -> int:
        with sqlite3.connect(tmp_path / "data" / "liveset.db") as db:
            return int(db.execute("SELECT sum(length(block)) FROM catalog_fts_data").fetchone()[0])

    async with Engine(settings, backoff_base=0.01, catalog_page=1_000) as engine:
        await engine.sync_catalog()
        first = index_bytes()
        etree.change(list(range(len(etree))), "2026-11-30T12:00:00Z")
        result = await engine.sync_catalog(full=True)
        assert result.updated >= len(etree)
        # Every entry was written again: merged, the index is the size it was.
        assert index_bytes() < 1.1 * first


async def test_a_catalog_synced_by_another_liveset_is_used_without_a_restart(
    tmp_path: Path,
    fake_archive: FakeArchive,
    etree: SyntheticEtree,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import engine.catalog.sync

    monkeypatch.setattr(engine.catalog.sync, "READY_AGAIN", 0.0)
    settings = make_settings(tmp_path, fake_archive.url)
    doc = etree.doc(321)
    async with Engine(settings, backoff_base=0.01) as app_engine:
        assert not (await app_engine.search_concerts(doc["identifier"])).concerts  # live
        async with Engine(settings, backoff_base=0.01) as script:
            await script.sync_catalog()
        found = await app_engine.search_concerts(doc["identifier"])
        assert [r.identifier for c in found.concerts for r in c.recordings] == [doc["identifier"]]


def test_the_catalogs_age_reads_short_on_the_first_line_and_long_in_status() -> None:
    from tui.formatting import age_text

    assert [age_text(s, short=True) for s in (5, 125, 7_300, 200_000)] == ["now", "2m", "2h", "2d"]
    assert [age_text(s) for s in (None, 5, 125, 7_300, 200_000)] == [
        "never",
        "just now",
        "2 min ago",
        "2 h ago",
        "2 days ago",
    ]


async def test_an_artist_typed_with_two_spaces_finds_the_same_concert_in_catalog_and_cache(
    tmp_path: Path, db_url: str
) -> None:
    """One artist key for the catalog and the concert cache: "Grateful  Dead" (as a link or
    a typed name may give it) is Grateful Dead in both, with the archive gone."""
    archive = FakeArchive(seconds=1.0).start()
    archive.keep_alive = False  # stopped means gone: no connection left open to it
    cached_settings = make_settings(tmp_path / "cached", archive.url)
    catalog_settings = make_settings(tmp_path / "catalog", archive.url, db_url)
    async with (
        Engine(cached_settings, backoff_base=0.01) as cached,
        Engine(catalog_settings, backoff_base=0.01) as local,
    ):
        await local.sync_catalog()
        asked = await cached.concert("Grateful Dead", "1977-05-08")  # now in its cache
        archive.stop()
        from_catalog = await local.concert("Grateful  Dead", "1977-05-08")
        from_cache = await cached.concert(" grateful  dead", "1977-05-08")
    assert from_cache.stale and from_catalog.artist == from_cache.artist == "Grateful Dead"
    expected = {r.identifier for r in asked.recordings}
    assert {r.identifier for r in from_catalog.recordings} == expected
    assert {r.identifier for r in from_cache.recordings} == expected
