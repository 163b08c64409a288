"""A household on one database: each person's listening their own, the music shared.

Two profiles (alice and bob) of one database, on SQLite and on a throwaway PostgreSQL: what one
likes, plays, queues, imports and is recommended is theirs alone, while the downloads and the
library are everyone's; the migration gives rows already there to the first person."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from engine import Engine, NowPlayingChanged
from engine.storage.database import Database
from engine.storage.schema import PERSONAL_TABLES, Base, PlaylistItemRow, PlaylistRow, PlayRow
from tests.conftest import make_settings
from tests.signals import RATE, cut, sweep

if TYPE_CHECKING:
    from pathlib import Path

    from engine import Settings
    from tests.fake_archive import FakeArchive

SCI = "sci2007-07-28.Schoeps"
GD77 = "gd77-05-08.sbd.hicks.4982.sbeok.shnf"


def person(tmp_path: Path, archive_url: str, db_url: str, name: str) -> Settings:
    """``name``'s settings: a data dir of their own, the one database and music dir."""
    settings = make_settings(tmp_path / name, archive_url, db_url)
    return dataclasses.replace(
        settings, profile=name, music_dir=tmp_path / "music", mpv_options=(("ao", "null"),)
    )


async def test_each_persons_listening_is_their_own(
    tmp_path: Path, fake_archive: FakeArchive, db_url: str
) -> None:
    alice = person(tmp_path, fake_archive.url, db_url, "alice")
    bob = person(tmp_path, fake_archive.url, db_url, "bob")
    show = tmp_path / "show"
    show.mkdir()
    cut(sweep(3.0), show, "FLAC", ".flac", [RATE, 2 * RATE])
    history = tmp_path / "listens.json"
    history.write_text(
        json.dumps(
            [
                {"listened_at": 1_700_000_000 + n, "track_metadata": {"artist_name": "Phish"}}
                for n in range(5)
            ]
        )
    )
    async with Engine(alice) as engine:
        await engine.set_rating("recording", SCI, 1)
        await engine.set_favourite("recording", GD77)
        await engine.set_not_interested("artist", "Phish")
        await engine.import_history(str(history))
        await engine.queue_add(str(show))
        events = engine.events()
        await engine.play(1)
        async for event in events:  # at the second track (no seek: on a loaded machine a
            if isinstance(event, NowPlayingChanged) and event.index == 1:  # seek can come first)
                break
        await engine.pause()
    async with Engine(bob) as engine:
        assert await engine.favourites() == ()  # alice's are hers
        await engine.set_rating("recording", SCI, -1)  # bob may dislike what alice likes
        assert (await engine.saved_queue())[0] == ()
        assert await engine._recommender.taste() == await engine._recommender.taste()
        taste = await engine._recommender.taste()
        assert taste.items == {SCI: taste.items[SCI]} and taste.items[SCI] < 0
        assert not taste.hidden_artists and not taste.artists

    def played(session) -> None:  # type: ignore[no-untyped-def]
        session.add(
            PlayRow(
                identifier=SCI,
                file_name="t01.flac",
                path="",
                started_at=1_700_000_000.0,
                seconds_played=300.0,
                position=300.0,
                completed=True,
                skipped=False,
            )
        )

    mine = Database(db_url, person="alice")
    await mine.open()
    try:
        await mine.run(played)  # a play of alice's, written through her own scope
    finally:
        await mine.close()
    async with Engine(bob) as engine:
        rows = {row.key for row in (await engine.discover()).rows}
        assert "recent" not in rows and "most-played" not in rows  # her plays are not his
    async with Engine(alice) as engine:
        rows = {row.key for row in (await engine.discover()).rows}
        assert {"recent", "most-played", "favourites"} <= rows
        assert await engine.favourites() == (("recording", GD77),)
        items, index, seconds = await engine.saved_queue()
        assert [i.title for i in items] == ["01", "02", "03"] and index == 1 and seconds >= 0
        taste = await engine._recommender.taste()
        assert taste.items[SCI] > 0 and "phish" in taste.hidden_artists
        assert await engine.restore_playback()  # her queue, where she left it

    # The rows themselves: each carries its owner, and a person's session sees only theirs.
    everyone = Database(db_url)
    await everyone.open()
    try:
        owners = await everyone.run(
            lambda s: sorted(set(s.scalars(select(PlayRow.owner)))), everyone=True
        )
        assert owners == ["alice"]
        for name in PERSONAL_TABLES:
            table = Base.metadata.tables[name]
            found = await everyone.run(
                lambda s, t=table: set(s.scalars(select(t.c.owner).distinct())), everyone=True
            )
            assert found <= {"alice", "bob"}, (name, found)
    finally:
        await everyone.close()


async def test_playlists_rows_are_scoped_like_the_rest(tmp_path: Path, db_url: str) -> None:
    """Playlists have no commands yet: their rows are held to their person all the same."""
    for name, songs in (
        ("alice", ["Scarlet Begonias", "Fire on the Mountain"]),
        ("bob", ["Tweezer"]),
    ):
        database = Database(db_url, person=name)
        await database.open()
        try:

            def write(session, songs=songs) -> None:  # type: ignore[no-untyped-def]
                playlist = PlaylistRow(name="Best of", created_at=1.0)  # the same name for both
                playlist.items = [
                    PlaylistItemRow(position=n, identifier="gd77", file_name=song)
                    for n, song in enumerate(songs)
                ]
                session.add(playlist)

            await database.run(write)
        finally:
            await database.close()
    database = Database(db_url, person="bob")
    await database.open()
    try:
        mine = await database.run(
            lambda s: [i.file_name for p in s.scalars(select(PlaylistRow)) for i in p.items]
        )
        assert mine == ["Tweezer"]
        items = await database.run(lambda s: s.scalar(select(func.count(PlaylistItemRow.id))))
        assert items == 1
    finally:
        await database.close()


async def test_a_download_by_one_is_in_the_others_library(
    tmp_path: Path, fake_archive: FakeArchive, db_url: str
) -> None:
    alice = person(tmp_path, fake_archive.url, db_url, "alice")
    bob = person(tmp_path, fake_archive.url, db_url, "bob")
    async with Engine(alice, backoff_base=0.01) as engine:
        await engine.run_downloads()
        queued = await engine.download(SCI, tracks=[1, 2])
        await engine.wait_downloads(ids=[d.id for d in queued])
    async with Engine(bob, backoff_base=0.01) as engine:
        tracks = await engine.library_tracks(identifier=SCI)
        assert len(tracks) == 2
        for track in tracks:
            assert (tmp_path / "music" / track.path).is_file()  # the same files, for both
        stats = await engine.library_stats()
        assert stats.files == 2
        events = engine.events()
        added = await engine.queue_add(SCI, play=True)  # bob plays alice's download
        assert all(item.uri.startswith(str(tmp_path / "music")) for item in added[:2])
        async for event in events:
            if isinstance(event, NowPlayingChanged):
                assert event.item.uri == added[0].uri  # from the shared file, not streamed
                break
        await engine.stop()


async def test_the_migration_gives_rows_already_there_to_the_first_person(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    from engine.storage.database import migrate

    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = create_engine(url)
    migrate(old, "0009")
    with sqlite3.connect(tmp_path / "old.db") as db:
        db.execute(
            "INSERT INTO plays (identifier, file_name, path, started_at, seconds_played, "
            "position, completed, skipped) VALUES ('gd77', 't01.flac', '', 1.0, 300, 300, 1, 0)"
        )
        db.execute(
            "INSERT INTO feedback (target_kind, target, favourite, rating, not_interested, "
            "updated_at) VALUES ('recording', 'gd77', 1, 0, 0, 1.0)"
        )
        db.execute(
            "INSERT INTO player_resume (id, queue_index, seconds, volume, updated_at) "
            "VALUES (1, 0, 12.5, 80, 1.0)"
        )
    old.dispose()
    first = Database(url, person="carol")
    await first.open()  # migrates, giving the rows to carol
    try:
        plays = await first.run(lambda s: s.scalar(select(func.count(PlayRow.id))))
        assert plays == 1
    finally:
        await first.close()
    with sqlite3.connect(tmp_path / "old.db") as db:
        for table in ("plays", "feedback", "player_resume"):
            assert db.execute(f"SELECT DISTINCT owner FROM {table}").fetchall() == [("carol",)]
    later = Database(url, person="dave")
    await later.open()
    try:
        plays = await later.run(lambda s: s.scalar(select(func.count(PlayRow.id))))
        assert plays == 0  # dave came later: carol's history is not his
    finally:
        await later.close()


async def test_a_member_with_another_music_dir_is_told_and_sees_only_real_files(
    tmp_path: Path,
    fake_archive: FakeArchive,
    db_url: str,
    caplog,  # type: ignore[no-untyped-def]
) -> None:
    alice = person(tmp_path, fake_archive.url, db_url, "alice")
    async with Engine(alice, backoff_base=0.01) as engine:
        await engine.run_downloads()
        queued = await engine.download(SCI, tracks=[1])
        await engine.wait_downloads(ids=[d.id for d in queued])
    bob = dataclasses.replace(
        person(tmp_path, fake_archive.url, db_url, "bob"), music_dir=tmp_path / "bobs-music"
    )
    async with Engine(bob, backoff_base=0.01) as engine:
        found = await engine.household()
        assert found.profile == "bob" and found.music_dir == tmp_path / "music"
        assert found.configured_music_dir == tmp_path / "bobs-music"
        (track,) = await engine.library_tracks(identifier=SCI)
        assert (found.music_dir / track.path).is_file()  # no phantom: the file is there
    told = [r.getMessage() for r in caplog.records if "keeps the music in" in r.getMessage()]
    assert len(told) == 1 and str(tmp_path / "music") in told[0]
    assert "household music-dir" in told[0]


def test_whoami_and_status_say_whose_they_are(tmp_path: Path, fake_archive: FakeArchive) -> None:
    import subprocess
    import sys

    from tests.conftest import cli_env

    env = cli_env(tmp_path, tmp_path / "home", fake_archive.url, LIVESET_PROFILE="bob")
    env["LIVESET_RUNTIME_DIR"] = str(tmp_path / "run")
    (tmp_path / "run").mkdir(mode=0o700)
    who = subprocess.run(
        [sys.executable, "-m", "tui", "whoami", "--json"], env=env, capture_output=True, text=True
    )
    assert who.returncode == 0, who.stderr
    data = json.loads(who.stdout)
    assert data["profile"] == "bob" and data["music_dir"] == str(tmp_path / "music")
    status = subprocess.run(
        [sys.executable, "-m", "tui", "status", "--json"], env=env, capture_output=True, text=True
    )
    assert json.loads(status.stdout)["profile"] == "bob"
    bad = subprocess.run(
        [sys.executable, "-m", "tui", "--profile", "bob smith", "whoami"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "profile" in bad.stderr and "Traceback" not in bad.stderr


async def test_one_liveset_of_the_database_runs_the_shared_queue(
    tmp_path: Path, fake_archive: FakeArchive, db_url: str
) -> None:
    """Two people, data dirs of their own: the queue's lock is the database's, not a data dir's
    (an advisory lock on PostgreSQL)."""
    alice = person(tmp_path, fake_archive.url, db_url, "alice")
    bob = person(tmp_path, fake_archive.url, db_url, "bob")
    if alice.database_path is not None:  # SQLite: both point at one file, as a household would
        bob = dataclasses.replace(bob, db_url=alice.db_url)
    async with Engine(alice) as first:
        assert await first.run_downloads()
        async with Engine(bob) as second:
            assert not await second.run_downloads()  # alice's liveset runs it
            await first.close()  # she quits
            assert await second.run_downloads()  # bob's takes it over


async def test_postgresql_holds_each_role_to_its_own_rows(
    tmp_path: Path, fake_archive: FakeArchive, postgres_url: str
) -> None:
    """Two roles on one throwaway server after ``household setup``: bob's own SELECT of the
    plays, typed as by hand (no liveset scoping in the way), finds none of alice's; with the
    policy dropped it would (so this fails if a policy is gone)."""
    import psycopg

    admin = person(tmp_path, fake_archive.url, postgres_url, "liveset")
    async with Engine(admin) as engine:  # the owner: makes the schema and the household
        sql = await engine.household_setup(["alice", "bob"])
    assert any("ENABLE ROW LEVEL SECURITY" in line for line in sql)

    def as_role(name: str) -> str:
        return postgres_url.replace("postgresql://liveset@", f"postgresql://{name}@")

    alice = person(tmp_path, fake_archive.url, as_role("alice"), "alice")
    async with Engine(alice) as engine:
        await engine.set_favourite("recording", GD77)
        assert await engine.favourites() == (("recording", GD77),)
    with psycopg.connect(as_role("alice")) as conn:  # alice's plays, written as alice
        conn.execute(
            "INSERT INTO plays (owner, identifier, file_name, path, started_at, seconds_played, "
            "position, completed, skipped) VALUES ('alice', 'gd77', 't01', '', 1, 300, 300, "
            "true, false)"
        )
        conn.commit()
        # a row claimed for another is refused by the policy's check
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO plays (owner, identifier, file_name, path, started_at, "
                "seconds_played, position, completed, skipped) VALUES ('bob', 'x', 't', '', 1, "
                "1, 1, true, false)"
            )
    with psycopg.connect(as_role("bob")) as conn:
        for table in ("plays", "feedback"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)  # shared
    with psycopg.connect(as_role("alice")) as conn:  # her own she sees
        assert conn.execute("SELECT count(*) FROM plays").fetchone() == (1,)
    # What these checks hang on: without the policy alice no longer sees her own plays, and
    # without row-level security bob sees hers.
    with psycopg.connect(postgres_url) as conn:
        conn.execute("DROP POLICY liveset_own_rows ON plays")
    with psycopg.connect(as_role("alice")) as conn:
        assert conn.execute("SELECT count(*) FROM plays").fetchone() == (0,)
    with psycopg.connect(postgres_url) as conn:
        conn.execute("ALTER TABLE plays DISABLE ROW LEVEL SECURITY")
    with psycopg.connect(as_role("bob")) as conn:
        assert conn.execute("SELECT count(*) FROM plays").fetchone() == (1,)


@pytest.mark.parametrize(
    ("music_mode", "file_mode", "folder_mode"), [(0o2775, 0o664, 0o2775), (0o755, 0o644, 0o755)]
)
async def test_files_land_readable_by_the_household(
    tmp_path: Path, fake_archive: FakeArchive, music_mode: int, file_mode: int, folder_mode: int
) -> None:
    """Group-readable always; group-writable (so others can remove them) where the music dir
    is."""
    import stat

    settings = person(tmp_path, fake_archive.url, f"sqlite:///{tmp_path / 'h.db'}", "alice")
    settings.music_dir.mkdir()
    settings.music_dir.chmod(music_mode)
    async with Engine(settings, backoff_base=0.01) as engine:
        await engine.run_downloads()
        queued = await engine.download(SCI, tracks=[1])
        await engine.wait_downloads(ids=[d.id for d in queued])
    (track,) = settings.music_dir.rglob("*.flac")
    assert stat.S_IMODE(track.stat().st_mode) == file_mode
    folder = track.parent
    while folder != settings.music_dir:
        assert stat.S_IMODE(folder.stat().st_mode) == folder_mode, folder
        folder = folder.parent
    (metadata,) = settings.music_dir.rglob("*.json")
    assert stat.S_IMODE(metadata.stat().st_mode) == file_mode


async def test_the_first_line_names_the_person_when_not_the_login_name(
    settings: Settings,
) -> None:
    from engine import login_name
    from tests.test_tui import make_app, settle
    from tui.widgets import TopBar

    for profile, shown in (("bob", True), (login_name(), False)):
        app = make_app(dataclasses.replace(settings, profile=profile), restore_playback=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            line = str(app.screen.query_one(TopBar).render())
            assert line.startswith("liveset bob  ") is shown, line
