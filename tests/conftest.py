"""Shared fixtures: an isolated home, the fake archive.org, engines on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from engine import Engine, Settings, load_settings
from tests.fake_archive import FakeArchive
from tests.fake_archive.etree import SyntheticEtree


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Tests never read or write the real home directory or real credentials."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_MUSIC_DIR"):
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("LIVESET_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("IA_CONFIG_FILE", str(home / "ia.ini"))
    # A daemon a developer runs is never talked to: each test has a runtime dir of its own.
    monkeypatch.setenv("LIVESET_RUNTIME_DIR", str(tmp_path / "run"))
    return home


@pytest.fixture(scope="session")
def fake_archive_session() -> Iterator[FakeArchive]:
    archive = FakeArchive(seconds=1.0).start()
    yield archive
    archive.stop()


@pytest.fixture
def fake_archive(fake_archive_session: FakeArchive) -> Iterator[FakeArchive]:
    fake_archive_session.reset()
    yield fake_archive_session
    fake_archive_session.reset()


@pytest.fixture
def etree(fake_archive: FakeArchive) -> Iterator[SyntheticEtree]:
    """A synthetic etree of 3,000 recordings over 60 artists, served by the fake archive."""
    made = SyntheticEtree(count=3_000, artists=60, seed=5)
    fake_archive.serve_etree(made)
    yield made
    fake_archive.serve_etree(None)


def cli_env(root: Path, home: Path, archive_url: str, **more: str) -> dict[str, str]:
    """The environment of a ``liveset`` process run by a test: its own home, data and music
    dirs under ``root``, the fake archive, and ``more``."""
    return {
        **os.environ,
        "HOME": str(home),
        "LIVESET_DATA_DIR": str(root / "data"),
        "LIVESET_MUSIC_DIR": str(root / "music"),
        "LIVESET_ARCHIVE_URL": archive_url,
        **more,
    }


def make_settings(tmp_path: Path, archive_url: str, db_url: str | None = None) -> Settings:
    return load_settings(
        {
            "data_dir": str(tmp_path / "data"),
            "music_dir": str(tmp_path / "music"),
            "archive_url": archive_url,
            "db_url": db_url,
        },
        config_file=tmp_path / "no-config.toml",
    )


# --- PostgreSQL -----------------------------------------------------------------------------


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL server on 127.0.0.1; its base URL (no database name)."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not installed")
    base = Path(tempfile.mkdtemp(prefix="liveset-pg-"))
    data, sockets = base / "data", base / "sock"
    sockets.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:
        # initdb refuses to run as root: run the server as the postgres user.
        try:
            import pwd

            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run the server")
        os.chown(base, user.pw_uid, user.pw_gid)
        os.chown(sockets, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run(
        [*prefix, initdb, "-D", str(data), "-U", "liveset", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {sockets} -h 127.0.0.1 -c fsync=off -c full_page_writes=off"
    subprocess.run(
        [*prefix, pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://liveset@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A new empty database on the throwaway server for one test."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{postgres_server}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'liveset.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def settings(tmp_path: Path, fake_archive: FakeArchive) -> Settings:
    return make_settings(tmp_path, fake_archive.url)


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[Engine]:
    async with Engine(settings, backoff_base=0.01) as started:
        yield started


@pytest.fixture
def liveset(tmp_path: Path, fake_archive: FakeArchive, isolated_home: Path):  # type: ignore[no-untyped-def]
    """Run ``liveset ARGS...`` as a person would from a shell (no terminal: a pipe), with its
    own data dir and the fake archive."""
    env = {
        **os.environ,
        "HOME": str(isolated_home),
        "LIVESET_DATA_DIR": str(tmp_path / "data"),
        "LIVESET_ARCHIVE_URL": fake_archive.url,
        "COLUMNS": "120",
    }

    def run(*args: str, **more_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tui", *args],
            capture_output=True,
            text=True,
            env={**env, **more_env},
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    run.env = env  # type: ignore[attr-defined]
    return run
