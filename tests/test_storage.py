"""Schema, migrations and the repository on real SQLite and a real PostgreSQL server."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from engine import PartialDate, SourceKind, StorageError
from engine.archive.concerts import recording_from_metadata
from engine.storage import repository as repo
from engine.storage.database import Database
from engine.storage.schema import Base, is_modelled
from tests.fake_archive.corpus import fixtures_dir

BASE = "http://archive.test"


def fixture_recording(name: str):  # type: ignore[no-untyped-def]
    body = json.loads((fixtures_dir() / "metadata" / name).read_text())
    recording = recording_from_metadata(body, BASE)
    assert recording is not None
    return recording


async def test_migrations_build_exactly_the_schema(db_url: str) -> None:
    database = Database(db_url)
    await database.open()
    try:

        def diff() -> list[object]:
            with database.engine.connect() as connection:
                context = MigrationContext.configure(
                    connection, opts={"compare_type": True, "include_name": is_modelled}
                )
                return list(compare_metadata(context, Base.metadata))

        assert await database.run_raw(diff) == []
        tables = await database.run_raw(lambda: set(inspect(database.engine).get_table_names()))
        assert {
            "artists",
            "concerts",
            "recordings",
            "tracks",
            "track_files",
            "reviews",
            "response_cache",
        } <= tables
        assert "alembic_version" in tables
    finally:
        await database.close()


async def test_sqlite_uses_wal(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'sub' / 'x.db'}")
    await database.open()
    try:
        mode = await database.run(lambda s: s.execute(text("PRAGMA journal_mode")).scalar())
        fks = await database.run(lambda s: s.execute(text("PRAGMA foreign_keys")).scalar())
    finally:
        await database.close()
    assert mode == "wal" and fks == 1


async def test_recording_round_trip_and_summaries_keep_details(db_url: str) -> None:
    database = Database(db_url)
    await database.open()
    try:
        full = fixture_recording("sci2007-07-28.Schoeps.json")
        await database.run(lambda s: repo.save_recordings(s, [full]))
        stored = await database.run(lambda s: repo.get_recording(s, full.identifier, BASE))
        assert stored == full
        # A later search summary (no tracks, a download count) updates but never erases details.
        summary = replace(full, tracks=(), reviews=(), downloads=1234, description="")
        await database.run(lambda s: repo.save_recordings(s, [summary]))
        again = await database.run(lambda s: repo.get_recording(s, full.identifier, BASE))
        assert again is not None and again.downloads == 1234
        assert again.tracks == full.tracks and again.reviews == full.reviews
        concert = await database.run(
            lambda s: repo.get_concert(s, "string cheese incident", "2007-07-28", BASE)
        )
        assert concert is not None and concert.recordings[0].identifier == full.identifier
        assert concert.date == PartialDate(2007, 7, 28)
    finally:
        await database.close()


async def test_concert_groups_stored_recordings_ranked(db_url: str) -> None:
    database = Database(db_url)
    await database.open()
    try:
        sbd = fixture_recording("gd73-06-10.sbd.hollister.174.sbeok.shnf.json")
        aud = replace(
            sbd,
            identifier="gd73-06-10.aud.someone",
            source_kind=SourceKind.AUD,
            tracks=sbd.tracks[:2],
        )
        partial = replace(sbd, identifier="gd73-06-xx.aud", date=PartialDate(1973, 6), tracks=())
        await database.run(lambda s: repo.save_recordings(s, [aud, sbd, partial]))
        concert = await database.run(
            lambda s: repo.get_concert(s, "Grateful Dead", "1973-06-10", BASE)
        )
        assert concert is not None
        assert [r.identifier for r in concert.recordings] == [sbd.identifier, aud.identifier]
        vague = await database.run(
            lambda s: repo.get_concert(s, "Grateful Dead", "1973-06-??", BASE)
        )
        assert vague is not None and vague.date == PartialDate(1973, 6)
    finally:
        await database.close()


async def test_response_cache(db_url: str) -> None:
    database = Database(db_url)
    await database.open()
    try:
        assert await database.run(lambda s: repo.cache_get(s, "k")) is None
        await database.run(lambda s: repo.cache_put(s, "k", "metadata", "/metadata/x", b"{}"))
        await database.run(lambda s: repo.cache_put(s, "k", "metadata", "/metadata/x", b'{"a":1}'))
        body, fetched_at = await database.run(lambda s: repo.cache_get(s, "k"))  # type: ignore[misc]
        assert body == b'{"a":1}' and fetched_at > 0
    finally:
        await database.close()


async def test_unusable_database_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    database = Database(f"sqlite:///{blocker / 'x.db'}")
    with pytest.raises(StorageError, match="cannot open database"):
        await database.open()
    await database.close()
    bad = Database("postgresql+psycopg://nobody:secret@127.0.0.1:9/none")
    with pytest.raises(StorageError) as caught:
        await bad.open()
    assert "secret" not in str(caught.value)
    await bad.close()


def test_head_names_the_newest_migration() -> None:
    from alembic.script import ScriptDirectory

    from engine.storage.database import HEAD, MIGRATIONS, alembic_config

    assert ScriptDirectory.from_config(alembic_config(None)).get_current_head() == HEAD
    assert MIGRATIONS.is_dir()


def test_an_up_to_date_database_opens_without_alembic(tmp_path: Path) -> None:
    """Start-up stays quick: alembic (and its templates) load only when there is a migration."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'lib.db'}"
    script = (
        "import asyncio, sys\n"
        "from engine.storage.database import Database\n"
        "async def main():\n"
        "    db = Database(sys.argv[1]); await db.open(); await db.close()\n"
        "asyncio.run(main())\n"
        "print('alembic' in sys.modules)\n"
    )
    first = subprocess.run([sys.executable, "-c", script, url], capture_output=True, text=True)
    again = subprocess.run([sys.executable, "-c", script, url], capture_output=True, text=True)
    assert first.stdout.strip() == "True", first.stderr  # a new database is migrated
    assert again.stdout.strip() == "False", again.stderr


def test_a_database_url_is_shown_with_its_user_and_never_its_password() -> None:
    shown = Database("postgresql://alice:s3cr:et@host:5432/liveset").safe_url
    assert shown == "postgresql://alice:***@host:5432/liveset" and "s3cr" not in shown
    assert Database("postgresql://bob@host/liveset").safe_url == "postgresql://bob@host/liveset"
    assert Database("sqlite:////tmp/x.db").safe_url == "sqlite:////tmp/x.db"
