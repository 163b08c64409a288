"""The command line in scripts: pipes, JSON everywhere, formats by any name, clear refusals."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

GD73 = "gd73-06-10.sbd.hollister.174.sbeok.shnf"  # Shorten (stream only), VBR MP3, Ogg
GD90 = "gd1990-04-03.158672.UltraMatrix.sbd.cm.miller.t.flac1644"
SCI = "sci2007-07-28.Schoeps"  # Flac, VBR MP3, Ogg


def test_a_reader_that_goes_away_ends_quietly(liveset) -> None:  # type: ignore[no-untyped-def]
    process = subprocess.Popen(
        [sys.executable, "-m", "tui", "recording", GD73],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=liveset.env,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # like `| head` that has read enough before liveset writes
    errors = process.stderr.read().decode()
    assert process.wait(60) == 141
    assert "Traceback" not in errors and "BrokenPipe" not in errors, errors


def test_a_pipe_gets_whole_values(liveset) -> None:  # type: ignore[no-untyped-def]
    shown = liveset("concert", "Grateful Dead", "1990-04-03", COLUMNS="80")
    assert shown.returncode == 0, shown.stderr
    assert GD90 in shown.stdout  # whole, although a terminal of 80 columns would cut it
    assert "…" not in shown.stdout


def test_tables_on_a_terminal_cut_by_cells_with_an_ellipsis(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from rich.cells import cell_len

    from tui.cli import table

    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    text = table(["title", "venue"], [["日本語のタイトルの長い曲名です", "Grateful Dead Hall"]])
    assert all(cell_len(line) <= 40 for line in text.splitlines()), text
    assert "…" in text


@pytest.mark.parametrize(
    ("typed", "named"),
    [("flac", "Flac"), ("MP3", "VBR MP3"), ("vbr mp3", "VBR MP3"), ("ogg", "Ogg Vorbis")],
)
def test_formats_by_any_name(liveset, typed: str, named: str) -> None:  # type: ignore[no-untyped-def]
    result = liveset("download", SCI, "--tracks", "1", "--format", typed, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [f["format"] for f in data["files"]] == [named]
    assert data["queued"] == 1 and not data["notes"]


def test_a_format_the_item_lacks_is_an_error_naming_what_it_has(liveset) -> None:  # type: ignore[no-untyped-def]
    result = liveset("download", GD73, "--format", "flac")
    assert result.returncode == 1
    assert "has no Flac files to download; it has: Ogg Vorbis, VBR MP3" in result.stderr
    stream_only = liveset("download", GD73, "--format", "shn")
    assert "no Shorten files to download (they are stream-only)" in stream_only.stderr
    unknown = liveset("download", GD73, "--format", "wma")
    assert unknown.returncode == 2 and "unknown format 'wma'" in unknown.stderr


def test_preferred_formats_by_any_name_in_config_and_environment(  # type: ignore[no-untyped-def]
    liveset, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[downloads]\npreferred_formats = ["ogg", "flac"]\n', encoding="utf-8")
    from_file = liveset("download", SCI, "--tracks", "2", "--json", LIVESET_CONFIG=str(config))
    assert from_file.returncode == 0, from_file.stderr
    assert json.loads(from_file.stdout)["files"][0]["format"] == "Ogg Vorbis"
    from_env = liveset(
        "download", SCI, "--tracks", "3", "--json", LIVESET_PREFERRED_FORMATS="MP3,flac"
    )
    assert json.loads(from_env.stdout)["files"][0]["format"] == "VBR MP3"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("download", SCI, "--tracks", "7-3"), "a range goes from low to high"),
        (("download", SCI, "--tracks", "0"), "tracks count from 1"),
        (("search", "--limit", "-5"), "'-5' is not a whole number of 1 or more"),
        (("search", "--limit=-5"), "'-5' is not a whole number of 1 or more"),
        (("recording", ""), "an archive identifier cannot be empty"),
        (("library", "scan", "/nonexistent-liveset"), "no such folder: /nonexistent-liveset"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(liveset, args, said) -> None:  # type: ignore[no-untyped-def]
    result = liveset(*args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert said in result.stderr and "Traceback" not in result.stderr


def test_config_files_that_are_missing_or_not_text(liveset, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = liveset("queue", LIVESET_CONFIG=str(tmp_path / "nope.toml"))
    assert missing.returncode == 2 and "nope.toml" in missing.stderr
    assert "a file that exists" in missing.stderr
    latin = tmp_path / "latin.toml"
    latin.write_bytes('music_dir = "/srv/m\xfasica"\n'.encode("latin-1"))
    binary = liveset("queue", "--config", str(latin))
    assert binary.returncode == 2 and "UTF-8" in binary.stderr and "Traceback" not in binary.stderr


def test_every_command_takes_json(liveset, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.signals import RATE, cut, sweep

    folder = tmp_path / "loose"
    folder.mkdir()
    cut(sweep(2.0), folder, "FLAC", ".flac", [RATE])
    scanned = liveset("library", "scan", str(folder), "--json")
    assert scanned.returncode == 0, scanned.stderr
    assert json.loads(scanned.stdout)["files"] == 2
    played = liveset("play", str(folder / "01.flac"), "--json", LIVESET_MPV_OPTIONS="ao=null")
    assert played.returncode == 0, played.stderr
    data = json.loads(played.stdout)
    assert data["queued"] == 1 and [p["title"] for p in data["played"]] == ["01"]
    assert data["failed"] == []


def test_wait_runs_only_what_was_asked_and_counts_truthfully(liveset) -> None:  # type: ignore[no-untyped-def]
    queued = liveset("download", GD90)  # a whole show, left in the queue
    assert queued.returncode == 0, queued.stderr
    assert queued.stdout.startswith("queued 22 tracks of ")
    started = time.monotonic()
    waited = liveset("download", SCI, "--tracks", "3", "--wait", "--json")
    assert waited.returncode == 0, waited.stderr
    data = json.loads(waited.stdout)
    assert [f["file_name"] for f in data["files"]] == [f"{SCI}_d1t03.flac"]
    assert data["done"] == 1 and time.monotonic() - started < 60
    listing = json.loads(liveset("downloads", "--json").stdout)["downloads"]
    gd90_states = {d["state"] for d in listing if d["identifier"] == GD90}
    assert gd90_states == {"queued"}  # the other show was not downloaded by this command
    again = liveset("download", SCI, "--tracks", "3")
    assert again.returncode == 0
    assert again.stdout.startswith("nothing to do: 1 track downloaded already")


def test_a_wait_takes_over_from_a_runner_that_was_killed(liveset) -> None:  # type: ignore[no-untyped-def]
    import os
    import signal

    data = Path(liveset.env["LIVESET_DATA_DIR"])
    data.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(  # another liveset holding the queue's lock, then SIGKILLed
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time; f = open(sys.argv[1], 'ab'); "
            "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
            str(data / "downloads.lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    waiter = subprocess.Popen(
        [sys.executable, "-m", "tui", "download", SCI, "--tracks", "1", "--wait"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=liveset.env,
        stdin=subprocess.DEVNULL,
    )
    assert waiter.stderr is not None
    said = [waiter.stderr.readline()]  # it says it waits, and waits
    assert "waiting for it" in said[0], said
    assert waiter.poll() is None  # waiting for the other one
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    out, err = waiter.communicate(timeout=60)
    err = said[0] + err
    assert waiter.returncode == 0, err
    assert "waiting for it" in err and "downloading here" in err
    assert out.startswith("1 of 1 files")


def test_a_data_dir_that_is_a_file_or_a_newer_database_is_one_line(  # type: ignore[no-untyped-def]
    liveset, tmp_path: Path
) -> None:
    import sqlite3

    afile = tmp_path / "afile"
    afile.write_text("not a folder\n")
    for data_dir, said in (
        (afile, "it is a file"),
        (afile / "sub", f"{afile} is a file"),
    ):
        result = liveset("queue", LIVESET_DATA_DIR=str(data_dir))
        assert result.returncode == 2 and said in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert liveset("queue").returncode == 0  # makes the database
    database = Path(liveset.env["LIVESET_DATA_DIR"]) / "liveset.db"
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    newer = liveset("queue")
    assert newer.returncode == 2 and "made by a newer liveset" in newer.stderr
    assert "Traceback" not in newer.stderr
