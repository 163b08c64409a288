"""Recommendations as the product gives them: scored on a real local catalog synced from the
fake archive, from signals stored in a real database, with reasons checked against those
signals; imports of both formats; radio on real libmpv; the command line."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pytest
from scipy import sparse

from engine import Engine, EngineError, Notice, Pick, PlaybackStatus
from engine.recommend.models import IALS
from engine.storage.schema import DownloadRow, PlayRow
from tests.conftest import cli_env, make_settings
from tests.fake_archive import FakeArchive
from tests.fake_archive.etree import SyntheticEtree

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path


@pytest.fixture
async def synced(
    tmp_path: Path, fake_archive: FakeArchive, etree: SyntheticEtree, db_url: str
) -> AsyncIterator[Engine]:
    """An engine with the synthetic etree in its catalog."""
    settings = make_settings(tmp_path, fake_archive.url, db_url)
    async with Engine(settings, backoff_base=0.01, catalog_page=1_000) as engine:
        synced = await engine.sync_catalog()
        assert synced.error == "" and synced.items > 3_000
        yield engine


async def add_plays(
    engine: Engine, identifiers: list[str], *, completed: bool = True, seconds: float = 300.0
) -> None:
    now = time.time()

    def write(session) -> None:  # type: ignore[no-untyped-def]
        for n, identifier in enumerate(identifiers):
            session.add(
                PlayRow(
                    identifier=identifier,
                    file_name="t01.flac",
                    path="",
                    started_at=now - 3_600 + n,
                    seconds_played=seconds,
                    position=seconds,
                    completed=completed,
                    skipped=not completed,
                )
            )

    await engine._database.run(write)


def artist_of(picks: tuple[Pick, ...]) -> list[str]:
    return [p.recording.artist for p in picks]


def identifiers(etree: SyntheticEtree, artist: int, count: int) -> list[str]:
    start = etree.starts[artist]
    return [etree.identifier(start + k) for k in range(count)]


# --- the model ------------------------------------------------------------------------------


def test_fold_in_scores_as_a_refit_with_the_user_would() -> None:
    """The person at the keyboard is folded in, never fitted: folded into a model fitted with
    their row, they get the factors the fit gave them; folded into one fitted without them,
    the same top items as after that refit."""
    rng = np.random.default_rng(2)
    users, items = 400, 120
    popularity = 1.0 / np.arange(1, 41) ** 0.8
    popularity /= popularity.sum()
    rows, cols = [], []
    for user in range(users):
        side = (user % 3) * 40
        for item in side + rng.choice(40, 10, replace=False, p=popularity):
            rows.append(user)
            cols.append(int(item))
    x = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), (users, items))
    person = sparse.csr_matrix(
        (np.ones(6, dtype=np.float32), ([0] * 6, [41, 45, 50, 57, 63, 70])), shape=(1, items)
    )
    model = dict(factors=16, regularization=0.5, alpha=10.0, iterations=20)
    refit = IALS(**model)  # type: ignore[arg-type]
    refit.fit(sparse.vstack([x, person]).tocsr())
    assert refit.item_factors is not None and refit.user_factors is not None
    trained = refit.user_factors[-1] @ refit.item_factors.T
    folded_in = refit.score(person)[0]
    assert np.corrcoef(trained, folded_in)[0, 1] > 0.99
    assert np.allclose(folded_in, trained, atol=0.05 * np.abs(trained).max())

    without = IALS(**model)  # type: ignore[arg-type]
    without.fit(x)
    folded = without.score(person)[0]
    mask = person.toarray()[0] > 0
    folded[mask] = folded_in[mask] = -np.inf
    top, top_refit = set(np.argsort(-folded)[:10]), set(np.argsort(-folded_in)[:10])
    assert len(top & top_refit) >= 8, (top, top_refit)
    assert all(40 <= i < 80 for i in top)  # the person's side


def test_the_archives_listeners_are_its_fav_lists_and_its_reviewers() -> None:
    from engine.recommend.features import favourite_matrix

    rows = [
        {"identifier": "a", "collections": "DeadCollection etree fav-jo fav-sam"},
        {"identifier": "b", "collections": "etree fav-jo"},
        {"identifier": "c", "collections": "etree"},
    ]
    matrix, lists = favourite_matrix(rows, {"Jo Reviewer": ["c", "gone-from-catalog"]})
    assert lists == 3 and matrix.shape == (3, 3)
    assert sorted(map(tuple, np.argwhere(matrix.toarray()))) == [(0, 0), (0, 1), (1, 0), (2, 2)]


def test_cached_notes_setlists_and_reviews_are_content_too() -> None:
    from engine.recommend.features import text_features

    texts = {
        "a": "Acoustic set: Friend of the Devil, Ripple. A gorgeous acoustic opener.",
        "b": "Second acoustic set with Ripple and Bird Song.",
        "c": "Electric Dark Star into a long space jam.",
    }
    rows, terms = text_features(["a", "b", "c", "d"], texts)
    assert rows.shape[0] == 4 and rows[3].nnz == 0  # no text cached for d
    assert "acoustic" in terms and "ripple" in terms and "dark" not in terms  # in two at least
    similar = (rows @ rows.T).toarray()
    assert similar[0, 1] > 0 and similar[0, 2] == 0


# --- picks from signals ---------------------------------------------------------------------


async def test_cold_start_offers_well_rated_and_on_this_day_and_says_so(
    synced: Engine,
) -> None:
    found = await synced.discover(per_row=8)
    assert found.cold_start and "Nothing played yet" in found.note
    keys = [r.key for r in found.rows]
    assert keys[0] == "for-you" and found.rows[0].title == "Well rated"
    assert "favourites" not in keys and "because" not in keys
    rated = [p.recording for p in found.rows[0].picks]
    assert len(rated) == 8
    assert all((r.avg_rating or 0) >= 4.5 and r.num_reviews >= 5 for r in rated), rated
    today = time.localtime()
    for row in found.rows:
        if row.key == "on-this-day":
            for pick in row.picks:
                date = pick.recording.date
                assert date is not None
                assert (date.month, date.day) == (today.tm_mon, today.tm_mday)
                assert f"on this day in {date.year}" in pick.reasons
    shown = [p.recording.identifier for r in found.rows for p in r.picks]
    assert len(shown) == len(set(shown)), "a recording is shown in one row only"


async def test_feedback_changes_the_ranking_at_once(synced: Engine, etree: SyntheticEtree) -> None:
    name = etree.artists[7][1]
    before = await synced.recommend(10)
    liked = identifiers(etree, 7, 3)
    for identifier in liked:
        await synced.set_rating("recording", identifier, 1)
    after = await synced.recommend(10)
    assert artist_of(after).count(name) > artist_of(before).count(name)
    assert artist_of(after).count(name) <= 5, "one artist does not fill the list"
    assert not {p.recording.identifier for p in after} & set(liked), "theirs already"
    # One pick a concert, and one tour week does not fill the list.
    concerts = [(p.recording.artist, str(p.recording.date)) for p in after]
    assert len(concerts) == len(set(concerts))

    # Not interested: that recording never again; that artist never again.
    gone = after[0].recording.identifier
    await synced.set_not_interested("recording", gone)
    assert gone not in {p.recording.identifier for p in await synced.recommend(50)}
    await synced.set_not_interested("artist", name)
    assert name not in artist_of(await synced.recommend(50))
    await synced.set_not_interested("artist", name, False)
    # A dislike of the artist weighs against it, below where the likes had it.
    await synced.set_rating("artist", name, -1)
    disliked = await synced.recommend(10)
    assert artist_of(disliked).count(name) < artist_of(after).count(name)


async def test_every_reason_names_a_real_signal(synced: Engine, etree: SyntheticEtree) -> None:
    played = identifiers(etree, 3, 4)
    await add_plays(synced, played)
    favourite = identifiers(etree, 11, 1)[0]
    await synced.set_favourite("recording", favourite)
    downloaded = identifiers(etree, 20, 1)[0]

    def download(session) -> None:  # type: ignore[no-untyped-def]
        session.add(
            DownloadRow(
                identifier=downloaded,
                file_name="t01.flac",
                format="Flac",
                dest_path="x/t01.flac",
                state="done",
                created_at=time.time(),
                updated_at=time.time(),
            )
        )

    await synced._database.run(download)
    signals = {
        "played": set(played),
        "favourited": {favourite},
        "downloaded": {downloaded},
    }
    labels = {}
    for verb, found in signals.items():
        for identifier in found:
            doc = etree.doc(etree.position(identifier))
            labels[f"{doc['creator']} {doc['date'][:10]}"] = verb
    found = await synced.discover(per_row=10)
    picks = [
        p
        for row in found.rows
        if row.key not in ("favourites", "recent", "most-played")
        for p in row.picks
    ]
    assert len(picks) >= 20
    because = 0
    today = time.localtime()
    for pick in picks:
        r = pick.recording
        assert pick.reasons, pick
        for reason in pick.reasons:
            if m := re.fullmatch(r"because you (\w+) (.+)", reason):
                assert labels.get(m[2]) == m[1], (reason, labels)
                because += 1
            elif m := re.fullmatch(r"at (.+), like (.+)", reason):
                assert m[1] == r.venue and m[2] in labels, reason
            elif m := re.search(r"(?:(\w+), )?(\d\.\d) stars from (\d+) reviews?", reason):
                assert m[1] == {
                    "SBD": "soundboard",
                    "AUD": "audience",
                    "MTX": "matrix",
                    "FM": "broadcast",
                }.get(r.source_kind.value)
                assert float(m[2]) == pytest.approx(r.avg_rating, abs=0.051)
                assert int(m[3]) == r.num_reviews
                if m := re.search(r"downloaded only ([\d,]+) times", reason):
                    assert int(m[1].replace(",", "")) == r.downloads
            elif m := re.fullmatch(r"downloaded ([\d,]+) times", reason):
                assert int(m[1].replace(",", "")) == r.downloads
            elif m := re.fullmatch(r"on this day in (\d{4})", reason):
                assert r.date is not None and r.date.year == int(m[1])
                assert (r.date.month, r.date.day) == (today.tm_mon, today.tm_mday)
            elif m := re.fullmatch(r"new in the archive: added (\S+)", reason):
                assert m[1] >= time.strftime("%Y-%m-%d", time.gmtime(time.time() - 61 * 86_400))
            elif m := re.fullmatch(r"you often play (.+) at this hour", reason):
                # The plays were an hour ago.
                assert m[1] == r.artist and any(k.startswith(m[1]) for k in labels), reason
            elif reason in ("soundboard", "audience", "matrix", "broadcast", "recording"):
                assert reason != "soundboard" or r.source_kind.value == "SBD"
            else:
                pytest.fail(f"a reason that names no signal: {reason!r}")
    assert because >= 5, "picks say which of the person's recordings they follow"
    rows = {row.key: row for row in found.rows}
    assert [p.recording.identifier for p in rows["favourites"].picks] == [favourite]
    # A play of a split second (a queue restored paused, then replaced) counts for nothing.
    await add_plays(synced, identifiers(etree, 40, 1), completed=False, seconds=0.0004)
    again = {row.key: row for row in (await synced.discover(per_row=10)).rows}
    assert {p.recording.identifier for p in rows["recent"].picks} == set(played)
    assert {p.recording.identifier for p in again["recent"].picks} == set(played)
    assert rows["because"].title.startswith("Because you played")


async def test_the_index_is_saved_refitted_after_a_sync_and_not_at_a_restart(
    tmp_path: Path, fake_archive: FakeArchive, etree: SyntheticEtree
) -> None:
    settings = make_settings(tmp_path, fake_archive.url)
    path = settings.data_dir / "recommend" / "index.npz"
    async with Engine(settings, backoff_base=0.01, catalog_page=1_000) as engine:
        await engine.sync_catalog()
        await engine.recommend(5)
        assert path.exists()
    fitted = path.stat().st_mtime_ns
    async with Engine(settings, backoff_base=0.01, catalog_page=1_000) as engine:
        started = time.perf_counter()
        picks = await engine.recommend(5)
        assert picks and path.stat().st_mtime_ns == fitted, "a restart reads the saved index"
        assert time.perf_counter() - started < 5
        # New recordings of an artist the person likes: the sync starts a refit in the
        # background, and the new ones can be picked once it is done.
        new = etree.add(20, "2099-01-01T00:00:00Z")
        await engine.set_rating("artist", etree.doc(0)["creator"], 1)
        synced = await engine.sync_catalog()
        assert synced.added == 20
        for _ in range(600):
            if path.stat().st_mtime_ns != fitted:
                break
            await asyncio.sleep(0.05)
        assert path.stat().st_mtime_ns != fitted, "refitted after the sync"
        await engine._recommender.keeper._fitting  # type: ignore[misc]
        found = await engine.discover(per_row=10)
        fresh = {p.recording.identifier for r in found.rows if r.key == "new" for p in r.picks}
        assert fresh and fresh <= set(new)


# --- imported history -----------------------------------------------------------------------


def listenbrainz(path: Path, listens: list[tuple[str, int]]) -> Path:
    body = [
        {
            "listened_at": 1_700_000_000 + n,
            "track_metadata": {"artist_name": artist, "track_name": f"Song {n}"},
        }
        for n, (artist, count) in enumerate(listens)
        for _ in range(count)
    ]
    path.write_text(json.dumps(body))
    return path


async def test_both_import_formats_match_artists_and_lean_the_picks(
    synced: Engine, etree: SyntheticEtree, tmp_path: Path
) -> None:
    a, b, c = etree.artists[5][1], etree.artists[9][1], etree.artists[30][1]
    brainz = listenbrainz(
        tmp_path / "listens.json",
        [(a.upper(), 40), (f"The {b}", 7), ("Nobody In The Archive", 3)],
    )
    result = await synced.import_history(str(brainz))
    assert (result.source, result.listens, result.artists, result.matched) == (
        "listenbrainz",
        50,
        3,
        2,
    )
    assert result.top[0] == (a.upper(), a, 40)
    picks = await synced.recommend(10)
    assert a in artist_of(picks)
    reasons = [r for p in picks if p.recording.artist == a for r in p.reasons]
    assert f"{a}: 40 plays on ListenBrainz" in reasons

    # Last.fm: artist, album, track, date, without a header; a letter off still matches.
    typo = c[:-1] + ("x" if c[-1] != "x" else "y")
    lines = [f'"{typo}","Live","Song {n}","01 Feb 2024 20:{n % 60:02d}"' for n in range(30)]
    scrobbles = tmp_path / "scrobbles.csv"
    scrobbles.write_text("\n".join(lines) + "\n")
    result = await synced.import_history(str(scrobbles))
    assert (result.source, result.listens, result.matched) == ("lastfm", 30, 1)
    assert result.top == ((typo, c, 30),)
    # And with the header another exporter writes.
    headed = tmp_path / "headed.csv"
    headed.write_text(
        "uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\n"
        + "".join(f"{1700000000 + n},x,{c},,Live,,Song,\n" for n in range(5))
    )
    result = await synced.import_history(str(headed))
    assert (result.listens, result.matched, result.top[0][1]) == (5, 1, c)
    assert c in artist_of(await synced.recommend(20))

    # The zip ListenBrainz gives now: JSON lines a month.
    import zipfile

    packed = tmp_path / "listenbrainz_export.zip"
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("user.json", json.dumps({"user_name": "someone"}))
        for month in ("01", "02"):
            lines = [
                json.dumps({"listened_at": 1_700_000_000, "track_metadata": {"artist_name": b}})
                for _ in range(4)
            ]
            archive.writestr(f"listens/2024/{month}.jsonl", "\n".join(lines))
    result = await synced.import_history(str(packed))
    assert (result.source, result.listens, result.matched, result.top[0][1]) == (
        "listenbrainz",
        8,
        1,
        b,
    )

    bad = tmp_path / "notes.txt"
    bad.write_text("{not json")
    with pytest.raises(EngineError, match="cannot read"):
        await synced.import_history(str(bad))
    with pytest.raises(EngineError, match="no such file"):
        await synced.import_history(str(tmp_path / "missing.json"))


# --- describe it ----------------------------------------------------------------------------


async def test_describe_reads_years_sources_places_artists_and_moods(
    synced: Engine, etree: SyntheticEtree
) -> None:
    found = await synced.describe("mellow soundboard 1972 northeast", 10)
    reading = dict(found.reading)
    assert reading["years"] == ("1972",)
    assert reading["source"] == ("soundboard",)
    assert reading["places"] == ("northeast",)
    assert reading["mood"] == ("mellow",)
    first = found.picks[0].recording
    assert first.date is not None and first.date.year == 1972
    assert first.source_kind.value == "SBD"
    assert first.city.endswith(("NY", "MA"))
    assert found.picks[0].reasons[0].startswith("matches: 1972, soundboard")

    found = await synced.describe("gratefull dead 77 sbd", 5)
    assert dict(found.reading)["artists"] == ("Grateful Dead",)
    assert found.picks[0].recording.identifier == "gd77-05-08.sbd.hicks.4982.sbeok.shnf"

    # Songs are read from the setlists cached so far.
    for identifier in (
        "gd77-05-08.sbd.hicks.4982.sbeok.shnf",
        "gd73-06-10.sbd.hollister.174.sbeok.shnf",
    ):
        await synced.recording(identifier)
    found = await synced.describe("minglewood loser", 5)
    assert dict(found.reading)["songs"] == ("Minglewood Blues", "Loser")
    assert found.picks[0].recording.identifier == "gd77-05-08.sbd.hicks.4982.sbeok.shnf"
    assert "2 of the songs" in found.picks[0].reasons[0]

    found = await synced.describe("zzqx", 5)
    assert dict(found.reading)["not understood"] == ("zzqx",)


# --- radio ----------------------------------------------------------------------------------


@pytest.fixture
async def radio_engine(tmp_path: Path, fake_archive: FakeArchive) -> AsyncIterator[Engine]:
    """An engine on libmpv without sound, its catalog the real recordings only (each has its
    tracks), and a folder of three short tones at ``tmp_path / "tones"``."""
    from tests.test_tui import tones

    settings = replace(make_settings(tmp_path, fake_archive.url), mpv_options=(("ao", "null"),))
    tones(tmp_path, 0.3)
    async with Engine(settings, backoff_base=0.01) as engine:
        await engine.sync_catalog()
        yield engine


async def test_radio_goes_on_with_a_pick_when_the_queue_runs_out(
    radio_engine: Engine, tmp_path: Path
) -> None:
    engine, folder = radio_engine, tmp_path / "tones"
    assert not engine.player_state().radio
    await engine.set_radio(True)
    assert engine.player_state().radio
    events = engine.events()
    await engine.queue_add(str(folder), play=True)
    said = None
    deadline = time.monotonic() + 30
    while said is None and time.monotonic() < deadline:
        event = await asyncio.wait_for(anext(events), 30)
        if isinstance(event, Notice) and event.topic == "radio":
            said = event.text
    assert said is not None and said.startswith("radio: ")
    for _ in range(100):
        if engine.player_state().state is PlaybackStatus.PLAYING:
            break
        await asyncio.sleep(0.05)
    assert engine.player_state().state is PlaybackStatus.PLAYING
    queue = engine.play_queue()
    picked = {item.identifier for item in queue.items[3:]}
    assert len(picked) == 1 and "" not in picked
    assert queue.current is not None and queue.current >= 3
    assert said.startswith(f"radio: {queue.items[3].artist}")
    await engine.stop()


async def test_radio_stays_quiet_when_off_or_when_stopped(
    radio_engine: Engine, tmp_path: Path
) -> None:
    engine, folder = radio_engine, tmp_path / "tones"
    await engine.queue_add(str(folder), play=True)
    await asyncio.wait_for(engine.wait_until_idle(), 30)
    await asyncio.sleep(0.5)
    assert len(engine.play_queue().items) == 3, "radio is off by default"
    await engine.set_radio(True)
    await engine.play(0)
    await asyncio.sleep(0.2)
    await engine.stop()  # stopped by the person: not "ran out"
    await asyncio.sleep(1.0)
    assert len(engine.play_queue().items) == 3


# --- the command line -----------------------------------------------------------------------


def test_recommend_import_and_feedback_commands(
    tmp_path: Path, fake_archive: FakeArchive, etree: SyntheticEtree
) -> None:
    env = cli_env(tmp_path, tmp_path / "home", fake_archive.url)

    def liveset(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tui", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    empty = liveset("recommend")
    assert empty.returncode == 0 and "liveset catalog sync" in empty.stdout
    assert liveset("catalog", "sync").returncode == 0
    listed = liveset("recommend", "--json", "--limit", "5")
    assert listed.returncode == 0, listed.stderr
    picks = json.loads(listed.stdout)
    assert len(picks) == 5 and all(p["reasons"] for p in picks)
    assert {"recording", "score", "reasons"} <= set(picks[0])

    liked = etree.identifier(etree.starts[4])
    said = liveset("like", "gd77-05-08.sbd.hicks.4982.sbeok.shnf")
    assert said.returncode == 0 and said.stdout.strip().startswith("liked: gd77-05-08")
    wrong = liveset("like", "no-such-recording-anywhere")
    assert wrong.returncode == 1 and "no-such-recording-anywhere" in wrong.stderr
    assert liveset("dislike", "--artist", etree.artists[4][1]).returncode == 0
    after = json.loads(liveset("recommend", "--json", "--limit", "20").stdout)
    assert etree.artists[4][1] not in [p["recording"]["artist"] for p in after[:5]]
    assert liked not in [p["recording"]["identifier"] for p in after]

    described = liveset("recommend", "--describe", "soundboard 1972", "--limit", "3")
    assert described.returncode == 0
    assert described.stdout.startswith("read as  years: 1972; source: soundboard")

    history = listenbrainz(tmp_path / "lb.json", [(etree.artists[8][1], 12)])
    imported = liveset("import", str(history))
    assert imported.returncode == 0, imported.stderr
    assert "12 listens of 1 artists; 1 of them found in the archive" in imported.stdout


# --- the discover screen --------------------------------------------------------------------


async def test_discover_screen_rows_keys_and_describe_box(
    tmp_path: Path, fake_archive: FakeArchive, etree: SyntheticEtree
) -> None:
    from textual.widgets import DataTable, Input

    from tests.test_tui import make_app, rows, settle, typed, wait_until
    from tui.screens.discover import DiscoverScreen

    settings = make_settings(tmp_path, fake_archive.url)
    async with Engine(settings, catalog_page=1_000) as engine:
        await engine.sync_catalog()
    app = make_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DiscoverScreen)
        table = screen.query_one("#picks", DataTable)
        await wait_until(pilot, lambda: len(screen.picks) > 10, "the picks")
        shown = rows(table)
        assert shown[0][0] == "── Well rated"
        status = str(screen.query_one("#discover-status").render())
        assert status.startswith("Nothing played yet")
        # The cursor starts on the first pick; its reasons are in the row.
        first = screen.current()
        assert first is not None and " · ".join(first.reasons) in shown[1][1]

        # Like it: the rows re-rank at once; the liked artist leads "For you".
        await pilot.press("l")
        await wait_until(pilot, lambda: rows(table)[0][0] == "── For you", "a re-rank")
        assert any(first.recording.artist in r[0] for r in rows(table)[1:6])
        assert first.recording.identifier not in screen.picks  # theirs now

        # Not for me: gone from the list at once, and after the re-rank.
        hidden = screen.current()
        assert hidden is not None
        await pilot.press("x")
        assert hidden.recording.identifier not in [str(k.value) for k in table.rows]
        await settle(pilot)
        assert hidden.recording.identifier not in screen.picks

        # Describe it: how it was read, and concerts that fit.
        await pilot.press("slash", *typed("soundboard 1972"), "enter")
        await wait_until(pilot, lambda: screen.description is not None, "the description")
        await settle(pilot)
        status = str(screen.query_one("#discover-status").render())
        assert status == "Read as years: 1972 · source: soundboard"
        shown = rows(table)
        assert shown[0][0] == "── Described: soundboard 1972"
        assert len(shown) == 21  # the title and 20 picks: those matching both words first
        assert all(r[0].startswith("1972-") for r in shown[1:6])
        assert all(r[1].startswith("matches: 1972, soundboard") for r in shown[1:6])
        assert all(r[1].startswith("matches: ") for r in shown[1:])
        # Enter opens the concert of the pick under the cursor; esc comes back.
        pick = screen.current()
        assert pick is not None
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: type(app.screen).__name__ == "ConcertScreen", "the concert screen"
        )
        await pilot.press("escape")
        await settle(pilot)
        # Esc in discover clears the description and brings the rows back.
        await pilot.press("5")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("slash")
        await pilot.press("escape")
        await settle(pilot)
        assert screen.description is None and screen.query_one("#describe", Input).value == ""
        assert rows(table)[0][0] == "── For you"


async def test_radio_toggle_shows_in_the_now_playing_bar(
    tmp_path: Path, fake_archive: FakeArchive
) -> None:
    from tests.test_tui import make_app, settle, wait_until
    from tui.widgets import NowPlayingBar

    app = make_app(make_settings(tmp_path, fake_archive.url))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(NowPlayingBar)
        assert "radio" not in str(bar.render())
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: "radio" in str(bar.render()), "radio in the bar")
        assert app.engine.player_state().radio
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: "radio" not in str(bar.render()), "radio off")


def test_commands_that_never_recommend_start_without_the_recommenders_libraries() -> None:
    code = (
        "import sys, engine.facade, tui.cli; "
        "print(sorted(m for m in ('numpy', 'scipy', 'rapidfuzz', 'implicit', 'sklearn') "
        "if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert found.stdout.strip() == "[]"
