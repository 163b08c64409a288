"""The ``liveset`` command as a person runs it from a shell, against the fake archive."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import cli_env
from tests.fake_archive import FakeArchive
from tests.signals import RATE, cut, sweep

GD73 = "gd73-06-10.sbd.hollister.174.sbeok.shnf"


def test_concert_json_lists_the_fixture_recording(liveset) -> None:  # type: ignore[no-untyped-def]
    result = liveset("concert", "Grateful Dead", "1973-06-10", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["artist"], data["date"], data["venue"]) == (
        "Grateful Dead",
        "1973-06-10",
        "Robert F. Kennedy Stadium",
    )
    recording = data["recordings"][0]
    assert recording["identifier"] == GD73 and recording["source_kind"] == "SBD"
    assert "weighted_rating" in recording and "rating" in data
    assert len(recording["tracks"]) == 31 and recording["tracks"][0]["title"] == "Morning Dew"
    files = {f["format"]: f for f in recording["tracks"][0]["files"]}
    assert files["Shorten"]["private"] is True and files["VBR MP3"]["url"].endswith(
        "/gd73-06-10d1t01.mp3"
    )


def test_concert_table(liveset) -> None:  # type: ignore[no-untyped-def]
    result = liveset("concert", "Grateful Dead", "1973-06-10")
    assert result.returncode == 0, result.stderr
    assert "Robert F. Kennedy Stadium" in result.stdout and "SBD" in result.stdout
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines() if line}
    # Its notes name no sets, so the discs are shown as discs; numbers run through the show.
    assert rows["1"][:4] == ["Disc", "1", "Morning", "Dew"]
    assert rows["12"][:4] == ["Disc", "2", "Bird", "Song"]
    assert rows["19"][:5] == ["Disc", "3", "Dark", "Star", "→"]


def test_search_json_and_table(liveset) -> None:  # type: ignore[no-untyped-def]
    result = liveset("search", "--artist", "Grateful Dead", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    concerts = data["concerts"]
    assert [c["date"] for c in concerts] == sorted((c["date"] for c in concerts), reverse=True)
    rfk = next(c for c in concerts if c["date"] == "1973-06-10")
    assert set(rfk) == {
        "artist",
        "date",
        "venue",
        "city",
        "recordings",
        "best_source_kind",
        "rating",
        "identifiers",
    }
    assert rfk["best_source_kind"] == "SBD" and rfk["identifiers"] == [GD73]
    sbd = json.loads(liveset("search", "--artist", "Grateful Dead", "--sbd", "--json").stdout)
    assert {c["best_source_kind"] for c in sbd["concerts"]} == {"SBD"}
    table = liveset("search", "coverage:washington", "--artist", "Grateful Dead")
    assert (
        table.returncode == 0 and "1973-06-10" in table.stdout and "1977-05-08" not in table.stdout
    )


def test_recording_and_artists(liveset) -> None:  # type: ignore[no-untyped-def]
    recording = liveset("recording", "sci2007-07-28.Schoeps")
    assert recording.returncode == 0, recording.stderr
    assert "Horning's Hideout" in recording.stdout and "Down a River" in recording.stdout
    data = json.loads(liveset("recording", "sci2007-07-28.Schoeps", "--json").stdout)
    assert len(data["tracks"]) == 24 and data["reviews"][0]["title"] == "Aha!"
    artists = json.loads(liveset("artists", "--json").stdout)
    assert any(
        a["identifier"] == "GratefulDead" and a["name"] == "Grateful Dead"
        for a in artists["artists"]
    )
    assert "The Floyds" in liveset("artists").stdout


def test_errors_go_to_stderr_with_nonzero_exit(liveset, fake_archive: FakeArchive) -> None:  # type: ignore[no-untyped-def]
    missing = liveset("recording", "no-such-item")
    assert missing.returncode == 1 and "no item" in missing.stderr and missing.stdout == ""
    bad_date = liveset("concert", "Grateful Dead", "someday")
    assert bad_date.returncode == 2 and "YYYY-MM-DD" in bad_date.stderr
    fake_archive.add_fault("malformed", "/advancedsearch.php")
    broken = liveset("search", "dead")
    assert (
        broken.returncode == 1
        and "malformed JSON" in broken.stderr
        and "Traceback" not in broken.stderr
    )


def test_tables_fit_an_80_column_terminal(liveset, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tui.cli import table

    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)  # a pipe gets whole values
    rows = [
        [
            "1973-06-10",
            "Grateful Dead",
            "Robert F. Kennedy Stadium",
            "Washington, DC, USA, Earth" * 2,
            "1",
            "SBD",
            "4.50",
        ]
    ]
    text = table(
        ["date", "artist", "venue", "city", "recs", "best", "rating"], rows, keep=(0, 4, 5, 6)
    )
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "1973-06-10" in text and "SBD" in text and "4.50" in text and "Robert F." in text


# --- downloads and the library --------------------------------------------------------------

SCI = "sci2007-07-28.Schoeps"


def test_download_wait_then_library_commands(liveset, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    music = tmp_path / "data" / "music"
    result = liveset("download", SCI, "--tracks", "1-3", "--wait", "--music-dir", str(music))
    assert result.returncode == 0, result.stderr
    assert "3 of 3 files" in result.stdout
    assert len(list(music.rglob("*.flac"))) == 3

    listed = json.loads(liveset("downloads", "--json").stdout)["downloads"]
    assert [(d["track_number"], d["state"]) for d in listed] == [
        (1, "done"),
        (2, "done"),
        (3, "done"),
    ]

    stats = json.loads(liveset("library", "stats", "--json", "--music-dir", str(music)).stdout)
    assert stats["files"] == 3
    found = json.loads(liveset("library", "search", "catfish", "--json").stdout)["tracks"]
    assert [t["title"] for t in found] == ["Catfish John"]

    scan = liveset("library", "scan", "--music-dir", str(music))
    assert scan.returncode == 0 and "3 unchanged" in scan.stdout


def test_download_wait_fails_with_a_clear_message(liveset, fake_archive: FakeArchive) -> None:  # type: ignore[no-untyped-def]
    fake_archive.add_fault("corrupt", "/serve/", times=1000)
    result = liveset("download", SCI, "--tracks", "1", "--wait")
    assert result.returncode == 1
    assert "checksum mismatch" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_track_numbers_are_refused(liveset) -> None:  # type: ignore[no-untyped-def]
    result = liveset("download", SCI, "--tracks", "one")
    assert result.returncode == 2
    assert "not track numbers" in result.stderr


def test_download_survives_sigkill_and_resumes(tmp_path: Path, isolated_home: Path) -> None:
    """Kill liveset with SIGKILL mid-file; the next run finds the queue, resumes with Range,
    and the file lands whole (md5 checked) with no .part left."""
    import hashlib
    import signal
    import time

    archive = FakeArchive(seconds=10.0).start()  # long enough to be killed well before its end
    try:
        archive.add_fault("slow", "/serve/", times=1, delay=0.02)
        env = cli_env(tmp_path, isolated_home, archive.url)
        command = [sys.executable, "-m", "tui", "download", SCI, "--tracks", "1", "--wait"]
        first = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        parts: list[Path] = []
        while time.monotonic() < deadline:
            parts = list((tmp_path / "music").rglob("*.part"))
            if parts and parts[0].stat().st_size > 20_000:
                break
            time.sleep(0.05)
        assert parts, "no partial file appeared"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        kept = parts[0].stat().st_size
        assert kept > 0

        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 0, second.stderr
        flacs = list((tmp_path / "music").rglob("*.flac"))
        assert len(flacs) == 1
        assert not list((tmp_path / "music").rglob("*.part"))
        serves = [r for r in archive.requests if r.path.startswith("/serve/")]
        resumed = serves[-1].headers.get("Range", "")
        seen = [(r.path.rsplit("/", 1)[-1], r.headers.get("Range")) for r in serves]
        assert resumed.startswith("bytes="), (kept, seen, second.stderr)
        assert int(resumed[6:-1]) >= kept - (1 << 20)
        assert int(resumed[6:-1]) > 0
        item = archive.item(SCI)
        assert item is not None
        name = serves[-1].path.rsplit("/", 1)[-1]
        served_md5 = hashlib.md5(item.files[name]).hexdigest()
        listed = subprocess.run(
            [sys.executable, "-m", "tui", "downloads", "--json"],
            env=env,
            capture_output=True,
            text=True,
        )
        (row,) = json.loads(listed.stdout)["downloads"]
        assert row["state"] == "done" and row["attempts"] >= 2
        expected = next(e["md5"] for e in item.metadata["files"] if e["name"] == name)
        assert served_md5 == expected  # and the manager checked the same md5 before landing
    finally:
        archive.stop()


# --- playback -------------------------------------------------------------------------------


def _sweep_folder(folder: Path, tracks: int = 3, seconds: float = 2.0) -> None:
    """A folder of ``tracks`` Flac files, ``NN Part N.flac``, cut from one continuous tone."""
    folder.mkdir(parents=True)
    cuts = [n * int(RATE * seconds) for n in range(1, tracks)]
    cut(sweep(seconds * tracks), folder, "FLAC", ".flac", cuts, stem="{number:02d} Part {number}")


def test_play_runs_the_queue_to_the_end_and_queue_shows_it(
    tmp_path: Path, isolated_home: Path, fake_archive: FakeArchive
) -> None:
    music = tmp_path / "show"
    _sweep_folder(music)
    env = {
        **os.environ,
        "HOME": str(isolated_home),
        "LIVESET_DATA_DIR": str(tmp_path / "data"),
        "LIVESET_ARCHIVE_URL": fake_archive.url,
        "LIVESET_MPV_OPTIONS": f"ao=pcm,ao-pcm-file={tmp_path / 'out.wav'}",
    }
    played = subprocess.run(
        [sys.executable, "-m", "tui", "play", str(music)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert played.returncode == 0, played.stderr
    assert [line.split(" - ")[1].split(" (")[0] for line in played.stdout.splitlines()] == [
        "Part 1",
        "Part 2",
        "Part 3",
    ]
    listed = subprocess.run(
        [sys.executable, "-m", "tui", "queue", "--json"], env=env, capture_output=True, text=True
    )
    data = json.loads(listed.stdout)
    assert [i["title"] for i in data["queue"]] == ["Part 1", "Part 2", "Part 3"]


def test_ctrl_c_stops_playback_and_keeps_the_place(tmp_path: Path, isolated_home: Path) -> None:
    import signal
    import time

    music = tmp_path / "show"
    _sweep_folder(music, tracks=2, seconds=20.0)
    env = {
        **os.environ,
        "HOME": str(isolated_home),
        "LIVESET_DATA_DIR": str(tmp_path / "data"),
        "LIVESET_MPV_OPTIONS": "ao=null",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tui", "play", str(music)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C as at a terminal: a suite started in the background (no job control) has
        # SIGINT ignored, and a child inherits that, as it should.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    # Stopped where it stands once it has played a while: the saved place says how far.
    import sqlite3

    database = tmp_path / "data" / "liveset.db"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None and time.monotonic() < deadline, "playing for a while"
        with (
            contextlib.suppress(sqlite3.Error),
            sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db,
        ):
            row = db.execute("SELECT seconds FROM player_resume").fetchone()
            if row and row[0] > 0.5:
                break
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    listed = subprocess.run(
        [sys.executable, "-m", "tui", "queue", "--json"], env=env, capture_output=True, text=True
    )
    data = json.loads(listed.stdout)
    assert data["current"] == 0
    assert 0.5 < data["seconds"] < 20


def test_the_app_logs_to_a_file_not_to_the_terminal(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """The app draws on the terminal: a warning written there would garble the screen."""
    import logging

    from tui.cli import configure_logging

    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging(logging.WARNING, log_file=tmp_path / "data" / "liveset.log")
        logging.getLogger("engine.facade").warning("recording %s skipped", "gd77-05-08")
        assert all(
            not isinstance(h, logging.StreamHandler) or isinstance(h, logging.FileHandler)
            for h in root.handlers
        )
        for handler in root.handlers:
            handler.flush()
        assert "recording gd77-05-08 skipped" in (tmp_path / "data" / "liveset.log").read_text()
        captured = capsys.readouterr()
        assert "skipped" not in captured.err and "skipped" not in captured.out
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:], root.level = saved[0], saved[1]
