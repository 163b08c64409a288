"""Property-based tests: the real archive bodies, mutated the way the archive and hostile
uploaders mutate them, must give a recording or a clean error, store cleanly, print as JSON,
and never name a file outside the music dir.

``make test`` runs a few hundred examples (profile ``ci``); ``HYPOTHESIS_PROFILE=long`` runs
thousands, for a benchmark-style hunt.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from engine.archive.concerts import group_concerts, recording_from_metadata
from engine.downloads.paths import inside, recording_dir, track_file_name
from engine.errors import EngineError
from engine.models import Recording, to_data
from engine.storage import repository as repo
from engine.storage.database import Database
from tests.fake_archive.corpus import fixtures_dir, load_body

settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long", max_examples=4000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

BODIES = {
    p.name: load_body(p)
    for p in sorted((fixtures_dir() / "metadata").glob("*.json"))
    if p.stat().st_size > 2
}

HOSTILE_TEXT = [
    "../../../../etc/passwd",
    "/etc/cron.d/x",
    "a/../../b",
    "..",
    ".",
    "CON",
    "nul.flac",
    "x" * 600,
    "evil\x00name",
    "\u001b[2J\u001b[31mRED",
    "OSC \u001b]0;owned\u0007",
    "\u202eevil",
    "Scarlet -&gt; Fire &amp;amp; &#0; &#x110000; &#27;",
    "<script>alert(1)</script><!-- x",
    "日本語のタイトル",
    "\udce9 surrogate",
    "",
    " ",
]
BAD_DATES = ["1977-00-00", "197?", "99999-99-99", "1977-13-45", "XXXX", "0000-00-00", "-1"]
NUMBERS = [0, -1, -(2**70), 2**64, 1e20, float("nan"), "1e20", "-5", "NaN", "inf", "12abc"]

values = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.sampled_from(BAD_DATES),
    st.sampled_from(NUMBERS),
    st.none(),
    st.booleans(),
    st.lists(st.sampled_from(HOSTILE_TEXT), max_size=3),
    st.just({"nested": "object"}),
    st.text(max_size=40),
)
METADATA_KEYS = [
    "identifier",
    "title",
    "creator",
    "date",
    "year",
    "venue",
    "coverage",
    "source",
    "lineage",
    "taper",
    "transferer",
    "runtime",
    "description",
    "notes",
    "subject",
    "collection",
]
FILE_KEYS = ["name", "source", "format", "original", "size", "md5", "length", "title", "track"]
TOP_KEYS = ["metadata", "files", "reviews", "item_size", "files_count"]


@st.composite
def mutated_body(draw: st.DrawFn) -> dict[str, Any]:
    return mutate(draw, copy.deepcopy(BODIES[draw(st.sampled_from(sorted(BODIES)))]))


def mutate(draw: st.DrawFn, body: dict[str, Any]) -> dict[str, Any]:
    for _ in range(draw(st.integers(1, 8))):
        where = draw(st.sampled_from(["metadata", "file", "top", "review"]))
        drop = draw(st.booleans()) and draw(st.booleans())
        if where == "metadata" and isinstance(body.get("metadata"), dict):
            key = draw(st.sampled_from(METADATA_KEYS))
            if drop:
                body["metadata"].pop(key, None)
            else:
                body["metadata"][key] = draw(values)
        elif where == "file" and isinstance(body.get("files"), list) and body["files"]:
            index = draw(st.integers(0, len(body["files"]) - 1))
            entry = body["files"][index]
            if isinstance(entry, dict):
                key = draw(st.sampled_from(FILE_KEYS))
                if drop:
                    entry.pop(key, None)
                else:
                    entry[key] = draw(values)
            if draw(st.booleans()) and draw(st.booleans()):
                body["files"].append(copy.deepcopy(entry))  # listed twice
        elif where == "review" and isinstance(body.get("reviews"), list) and body["reviews"]:
            review = body["reviews"][0]
            if isinstance(review, dict):
                key = draw(st.sampled_from(["reviewer", "reviewbody", "stars", "reviewdate"]))
                review[key] = draw(values)
        else:
            key = draw(st.sampled_from(TOP_KEYS))
            if drop:
                body.pop(key, None)
            else:
                body[key] = draw(values)
    return body


BASE = "http://archive.test"


@pytest.fixture(scope="module")
def music_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("music")


@given(body=mutated_body())
def test_a_mutated_body_gives_a_recording_or_a_clean_error_and_no_escape(
    body: dict[str, Any], music_dir: Path
) -> None:
    try:
        recording = recording_from_metadata(body, BASE)
    except EngineError:
        return  # a clean error is an allowed outcome
    if recording is None:
        return
    data = to_data(recording)
    for track in data["tracks"]:  # a file's name is the archive's key to its bytes, kept as is
        for file in track["files"]:
            file.pop("name"), file.pop("url")
    text = json.dumps(data, ensure_ascii=False)  # prints as JSON
    assert not any(c in text for c in "\x1b\u202e\u2066\x00\x07"), text
    group_concerts([recording])
    folder = recording_dir(recording)
    width = max(2, len(str(len(recording.tracks))))
    for track in recording.tracks:
        for file in track.files:
            relative = folder / track_file_name(track.number, track, file.name, width)
            assert inside(music_dir, relative).is_relative_to(music_dir.resolve())


@given(bodies=st.lists(mutated_body(), min_size=1, max_size=3))
@settings(max_examples=40)
def test_mutated_recordings_store_and_read_back_cleanly(
    bodies: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    import asyncio

    recordings = []
    for body in bodies:
        try:
            parsed = recording_from_metadata(body, BASE)
        except EngineError:
            continue
        if parsed is not None:
            recordings.append(parsed)

    last = {r.identifier: r for r in recordings}  # saved twice: the later one stands

    async def store() -> dict[str, Recording | None]:
        database = Database(f"sqlite:///{tmp_path_factory.mktemp('db') / 'liveset.db'}")
        await database.open()
        try:
            await database.run(lambda s: repo.save_recordings(s, recordings))
            return {
                identifier: await database.run(
                    lambda s, i=identifier: repo.get_recording(s, i, BASE)
                )
                for identifier in last
            }
        finally:
            await database.close()

    # A clean error (a storage limit, say) is allowed; an exception of any other kind is not.
    try:
        read = asyncio.run(store())
    except EngineError:
        return
    for identifier, saved in last.items():
        back = read[identifier]
        assert back is not None, identifier
        assert (back.identifier, back.artist, back.date) == (
            saved.identifier,
            saved.artist,
            saved.date,
        )
        assert [t.title for t in back.tracks] == [t.title for t in saved.tracks]


# --- through the fake archive.org: `recording --json` and a real download -------------------

FILES_SERVED = 5  # entries of a body kept and given bytes, so an example downloads quickly


@st.composite
def served_item(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, bytes]]:
    """A real body cut to a few files with synthesised bytes (sizes and checksums true), then
    mutated: what a download of a broken item meets."""
    from tests.fake_archive.audio import synthesise
    from tests.fake_archive.server import checksums

    body = copy.deepcopy(BODIES[draw(st.sampled_from(sorted(BODIES)))])
    entries = [e for e in body.get("files") or [] if isinstance(e, dict) and e.get("name")]
    audio = [e for e in entries if str(e.get("format", "")).endswith(("Flac", "MP3"))]
    kept = (audio[:FILES_SERVED] or entries[:FILES_SERVED]) + [
        e for e in entries if str(e.get("name")).endswith(".txt")
    ][:1]
    files: dict[str, bytes] = {}
    for entry in kept:
        entry.pop("private", None)
        data = synthesise(entry, 0.2)
        files[str(entry["name"])] = data
        entry.update({"size": str(len(data)), **checksums(data)})
    body["files"] = kept
    return mutate(draw, body), files


@pytest.fixture(scope="module")
def served_env(fake_archive_session: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("served")
    names = {
        "HOME": str(root / "home"),
        "LIVESET_DATA_DIR": str(root / "data"),
        "LIVESET_MUSIC_DIR": str(root / "music"),
        "LIVESET_ARCHIVE_URL": fake_archive_session.url,
        "LIVESET_KEEP_FREE": "0",
        "LIVESET_DOWNLOAD_RETRIES": "0",
        "LIVESET_ARCHIVE_RETRIES": "0",
    }
    yield root, fake_archive_session, names
    fake_archive_session.reset()


@contextlib.contextmanager
def environment(names: dict[str, str]) -> Any:
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(names)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


OUTCOMES: dict[str, int] = {}  # what the examples ended in, for the closing summary
SERVER_ERRORS: list[str] = []


def run_cli(*args: str) -> tuple[int, str, str]:
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from tui.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


SERVED_EXAMPLES = int(os.environ.get("FUZZ_SERVED_EXAMPLES", "30"))


def test_a_mutated_item_prints_as_json_and_downloads_inside_the_music_dir(
    served_env: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every example ends in a JSON answer or a clean error, and a download done or refused
    in words; the summary says what they ended in (run with -s to see it)."""
    OUTCOMES.clear()
    served_example(served_env)
    with capsys.disabled():
        print(f"\nfuzz through the fake archive: {json.dumps(OUTCOMES, sort_keys=True)}")
        for error in SERVER_ERRORS[-3:]:  # the fake's own failures, for whoever improves it
            print(error.strip().splitlines()[-1])
    examples = OUTCOMES["examples"]
    assert examples > 0
    assert OUTCOMES.get("recording ok", 0) + OUTCOMES.get("recording clean error", 0) == examples
    downloads = ("download done", "download failed cleanly", "download refused")
    assert sum(OUTCOMES.get(k, 0) for k in downloads) == examples
    assert OUTCOMES.get("recording ok", 0) > 0  # the mutations leave some items whole


@given(served=served_item())
@settings(max_examples=SERVED_EXAMPLES)
def served_example(served_env: Any, served: tuple[dict[str, Any], dict[str, bytes]]) -> None:
    root, archive, names = served_env
    SERVER_ERRORS[:] = archive.server_errors
    body, files = served
    identifier = f"fuzz-{len(OUTCOMES)}-{sum(OUTCOMES.values())}"
    OUTCOMES["examples"] = OUTCOMES.get("examples", 0) + 1
    if isinstance(body.get("metadata"), dict):
        body["metadata"]["identifier"] = identifier  # else: an item naming no identifier
    archive.serve_item(identifier, body, files)

    with environment(names):
        code, out, err = run_cli("recording", identifier, "--json")
    assert code in (0, 1, 2), (code, err)
    for text in (out, err):  # escaped in JSON, stripped in words: never raw on a terminal
        assert not any(c in text for c in "\x1b\x07\x00\u202e"), text
    if code == 0:
        json.loads(out)
    OUTCOMES["recording ok" if code == 0 else "recording clean error"] = (
        OUTCOMES.get("recording ok" if code == 0 else "recording clean error", 0) + 1
    )

    with environment(names):
        code, out, err = run_cli("download", identifier, "--wait", "--json")
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in err
    key = {0: "download done", 1: "download failed cleanly", 2: "download refused"}[code]
    OUTCOMES[key] = OUTCOMES.get(key, 0) + 1
    music, data = (root / "music").resolve(), (root / "data").resolve()
    for path in root.rglob("*"):
        if path.is_file():
            resolved = path.resolve()
            assert (
                resolved.is_relative_to(music)
                or resolved.is_relative_to(data)
                or (resolved.is_relative_to(root / "home"))
            ), path
