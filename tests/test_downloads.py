"""Downloads against the fake archive: landing, tags, resume, checksums, backoff, space, paths."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from engine import (
    DiskSpaceError,
    DownloadProgress,
    DownloadState,
    Engine,
    NotFoundError,
    Settings,
    group_downloads,
)
from engine.downloads.paths import inside, recording_dir, safe_name, track_file_name
from engine.errors import StorageError
from engine.library.tags import read_tags
from engine.models import PartialDate, Recording, SourceKind, Track
from tests.fake_archive.audio import synthesise

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tests.fake_archive import FakeArchive

SCI = "sci2007-07-28.Schoeps"  # 24 Flac tracks with MP3 and Ogg derivatives
GD90 = "gd1990-04-03.158672.UltraMatrix.sbd.cm.miller.t.flac1644"  # stream-only Flac


async def finished(engine: Engine, identifier: str | None = None) -> list:
    return list(await asyncio.wait_for(engine.wait_downloads(identifier), 60))


def landed(music: Path) -> list[Path]:
    return sorted(p for p in music.rglob("*") if p.is_file())


@pytest.fixture
async def running(settings: Settings) -> AsyncIterator[Engine]:
    async with Engine(settings, backoff_base=0.01) as engine:
        await engine.run_downloads()
        yield engine


async def test_recording_lands_tagged_in_the_layout_with_info_and_metadata(
    running: Engine, settings: Settings, fake_archive: FakeArchive
) -> None:
    queued = await running.download(SCI)
    tracks = [d for d in queued if d.kind == "track"]
    assert len(tracks) == 24
    assert {d.format for d in tracks} == {"Flac"}
    done = await finished(running, SCI)
    assert {d.state for d in done} == {DownloadState.DONE}, [d.error for d in done]

    music = settings.music_dir
    files = landed(music)
    assert not [p for p in files if p.name.endswith(".part")]
    flacs = [p for p in files if p.suffix == ".flac"]
    assert len(flacs) == 24
    folder = flacs[0].parent
    assert folder.parent.parent == music
    assert folder.name.startswith("2007-07-28 ")
    assert folder.name.endswith(f"({SCI})")
    assert flacs[0].name.startswith("01 ")
    assert (folder / f"{SCI}.json").exists()
    saved = json.loads((folder / f"{SCI}.json").read_text())
    assert saved["metadata"]["identifier"] == SCI
    assert "server" not in saved
    assert any(p.suffix == ".txt" for p in files)

    # Tags read back from the landed file.
    recording = await running.recording(SCI)
    first = read_tags(flacs[0])
    assert first.artist == recording.artist
    assert first.album.startswith("2007-07-28 ")
    assert first.date == "2007-07-28"
    assert first.track_number == 1
    assert first.title == recording.tracks[0].title
    assert first.identifier == SCI

    # Audio bytes are the archive's (tags aside): the decoded length matches.
    assert first.duration == pytest.approx(1.0, abs=0.05)

    # In the library without a scan.
    stats = await running.library_stats()
    assert stats.files == 24
    found = await running.library_search(recording.tracks[3].title.split()[0])
    assert any(t.identifier == SCI for t in found)


async def test_stream_only_flac_falls_back_to_mp3_with_a_note(running: Engine) -> None:
    queued = await running.download(GD90)
    tracks = [d for d in queued if d.kind == "track"]
    assert tracks and {d.format for d in tracks} == {"VBR MP3"}
    assert all("stream-only" in d.note for d in tracks)
    done = await finished(running, GD90)
    assert {d.state for d in done} == {DownloadState.DONE}


async def test_explicit_format_and_selected_tracks(running: Engine, settings: Settings) -> None:
    queued = await running.download(SCI, format="Ogg Vorbis", tracks=[2, 5])
    assert [d.track_number for d in queued] == [2, 5]
    assert {d.format for d in queued} == {"Ogg Vorbis"}
    await finished(running, SCI)
    names = sorted(p.name for p in landed(settings.music_dir) if p.suffix == ".ogg")
    assert [n[:2] for n in names] == ["02", "05"]
    with pytest.raises(NotFoundError, match="no track 99"):
        await running.download(SCI, tracks=[99])


async def test_resume_after_the_server_drops_mid_file(
    running: Engine, fake_archive: FakeArchive, settings: Settings
) -> None:
    fake_archive.add_fault("truncate", "/serve/", times=2, after_bytes=5000)
    await running.download(SCI, tracks=[1])
    (done,) = await finished(running, SCI)
    assert done.state is DownloadState.DONE
    ranges = [r.headers.get("Range") for r in fake_archive.requests if r.path.startswith("/serve/")]
    assert ranges[0] is None
    assert "bytes=5000-" in ranges  # resumed where the connection dropped
    item = fake_archive.item(SCI)
    assert item is not None
    original = item.files[done.file_name]
    path = settings.music_dir / done.path
    # The landed audio equals the served bytes apart from the tags written on top.
    assert read_tags(path).duration == pytest.approx(1.0, abs=0.05)
    assert hashlib.md5(original).hexdigest() == next(
        e["md5"] for e in item.metadata["files"] if e["name"] == done.file_name
    )


async def test_checksum_mismatch_discards_the_part_and_starts_again(
    running: Engine, fake_archive: FakeArchive
) -> None:
    fake_archive.add_fault("corrupt", "/serve/", times=1)
    await running.download(SCI, tracks=[1])
    (done,) = await finished(running, SCI)
    assert done.state is DownloadState.DONE
    assert done.attempts == 2
    serves = [r for r in fake_archive.requests if r.path.startswith("/serve/")]
    assert len(serves) == 2
    assert serves[1].headers.get("Range") is None  # from zero, not resumed


async def test_persistent_checksum_mismatch_fails_with_a_clear_error(
    settings: Settings, fake_archive: FakeArchive
) -> None:
    fake_archive.add_fault("corrupt", "/serve/", times=100)
    async with Engine(replace(settings, download_retries=2), backoff_base=0.01) as engine:
        await engine.run_downloads()
        await engine.download(SCI, tracks=[1])
        (failed,) = await finished(engine, SCI)
    assert failed.state is DownloadState.FAILED
    assert "checksum mismatch" in failed.error
    assert "3 tries" in failed.error
    assert not [p for p in landed(settings.music_dir) if p.suffix in (".flac", ".part")]


async def test_429_and_503_are_retried_honouring_retry_after(
    running: Engine, fake_archive: FakeArchive
) -> None:
    fake_archive.add_fault("429", "/serve/", times=1, retry_after="1")
    fake_archive.add_fault("503", "/serve/", times=1, retry_after="0")
    started = time.monotonic()
    await running.download(SCI, tracks=[1])
    (done,) = await finished(running, SCI)
    assert done.state is DownloadState.DONE
    assert done.attempts == 3
    assert time.monotonic() - started >= 1.0  # waited as long as Retry-After asked


async def test_a_full_disk_refuses_the_recording_and_queues_nothing(
    settings: Settings, fake_archive: FakeArchive
) -> None:
    async with Engine(replace(settings, keep_free=1 << 60), backoff_base=0.01) as engine:
        with pytest.raises(DiskSpaceError, match=r"not enough disk space .*keep_free"):
            await engine.download(SCI)
        assert await engine.downloads() == ()
    assert not settings.music_dir.exists() or not landed(settings.music_dir)


async def test_pause_resume_cancel_and_retry(
    running: Engine, fake_archive: FakeArchive, settings: Settings
) -> None:
    fake_archive.add_fault("slow", "/serve/", times=1, delay=0.05)
    (queued,) = await running.download(SCI, tracks=[1])
    part = settings.music_dir / (queued.path + ".part")
    for _ in range(200):
        if part.exists() and part.stat().st_size > 2048:
            break
        await asyncio.sleep(0.02)
    await running.pause_downloads([queued.id])
    (paused,) = await running.downloads(identifier=SCI)
    assert paused.state is DownloadState.PAUSED
    kept = part.stat().st_size
    assert 0 < kept == paused.bytes_done

    await running.resume_downloads([queued.id])
    (done,) = await finished(running, SCI)
    assert done.state is DownloadState.DONE
    last = [r for r in fake_archive.requests if r.path.startswith("/serve/")][-1]
    assert last.headers.get("Range") == f"bytes={kept}-"

    fake_archive.add_fault("slow", "/serve/", times=1, delay=0.05)
    (second,) = await running.download(SCI, tracks=[2])
    second_part = settings.music_dir / (second.path + ".part")
    for _ in range(200):
        if second_part.exists():
            break
        await asyncio.sleep(0.02)
    await running.cancel_downloads([second.id])
    (cancelled,) = await running.downloads(states=[DownloadState.CANCELLED])
    assert cancelled.id == second.id
    assert not second_part.exists()

    await running.retry_downloads([second.id])
    await finished(running, SCI)
    states = {d.track_number: d.state for d in await running.downloads(identifier=SCI)}
    assert states == {1: DownloadState.DONE, 2: DownloadState.DONE}


async def test_remove_a_downloaded_recording_from_disk(running: Engine, settings: Settings) -> None:
    await running.download(SCI, tracks=[1, 2])
    await finished(running, SCI)
    assert (await running.library_stats()).files == 2
    removed = await running.remove_download(SCI)
    assert removed == 2
    assert landed(settings.music_dir) == []
    assert list(settings.music_dir.iterdir()) == []  # folders left empty are gone too
    assert (await running.library_stats()).files == 0
    assert await running.downloads(identifier=SCI) == ()


async def test_progress_events_are_coalesced(running: Engine, fake_archive: FakeArchive) -> None:
    fake_archive.add_fault("slow", "/serve/", times=3, delay=0.01)
    events = running.events()
    progress: list[float] = []
    identifiers: set[str] = set()

    async def collect() -> None:
        async for event in events:
            if isinstance(event, DownloadProgress):
                progress.append(time.monotonic())
                identifiers.update(f.identifier for f in event.files)

    collector = asyncio.create_task(collect())
    await asyncio.sleep(0)
    await running.download(SCI, tracks=[1, 2, 3])
    started = time.monotonic()
    await finished(running, SCI)
    elapsed = time.monotonic() - started
    collector.cancel()
    assert progress, "no progress events while downloading"
    assert identifiers == {SCI}
    # Three files moving all the time, yet at most one event per interval (0.25 s).
    assert len(progress) <= elapsed / 0.25 + 2
    gaps = [b - a for a, b in itertools.pairwise(progress)]
    assert all(gap >= 0.2 for gap in gaps)


async def test_summary_by_recording(running: Engine) -> None:
    await running.download(SCI, tracks=[1, 2, 3])
    await finished(running, SCI)
    (summary,) = group_downloads(await running.downloads())
    assert summary.identifier == SCI
    assert summary.done == 3
    assert summary.state is DownloadState.DONE
    assert summary.bytes_done == summary.size > 0


# --- names from the archive never escape the music dir ---------------------------------------


@pytest.mark.parametrize(
    "hostile",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "..",
        "a\x00b",
        "x" * 1000,
        "caf\udce9",  # a name that was not UTF-8
        "..\\..\\windows",
        "CON",
        "   ",
        "ok/../../..",
    ],
)
def test_safe_name_stays_one_valid_component(hostile: str, tmp_path: Path) -> None:
    name = safe_name(hostile)
    assert name and name not in (".", "..")
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert len(name.encode("utf-8")) <= 240
    target = inside(tmp_path, name)
    assert target.parent == tmp_path.resolve()
    target.write_bytes(b"ok")  # a valid file name on this file system


def test_overlong_names_keep_their_extension() -> None:
    track = Track(title="y" * 600, disc=1, number=1, duration=None)
    name = track_file_name(1, track, "d1t01.flac")
    assert name.endswith(".flac") and len(name.encode()) <= 240


def test_inside_refuses_escapes(tmp_path: Path) -> None:
    for escape in ("../x", "/etc/passwd", "a/../../x", "."):
        with pytest.raises(StorageError, match="outside the music dir"):
            inside(tmp_path, escape)


def test_recording_dir_is_two_safe_components() -> None:
    recording = Recording(
        identifier="../../../tmp/evil",
        title="t",
        artist="../..",
        date=PartialDate(1977, 5, 8),
        venue="/etc",
        city="a\x00b",
        source_kind=SourceKind.SBD,
    )
    folder = recording_dir(recording)
    assert len(folder.parts) == 2
    assert all(part != ".." and "/" not in part for part in folder.parts)


async def test_a_hostile_item_downloads_inside_the_music_dir(
    running: Engine, fake_archive: FakeArchive, settings: Settings, tmp_path: Path
) -> None:
    flac = synthesise({"name": "t.flac", "format": "Flac"}, 0.5)
    fake_archive.add_item(
        "hostile-item",
        {
            "creator": "../../../../escaped",
            "date": "1977-05-08",
            "venue": "/etc/cron.d",
            "coverage": "..",
            "title": "hostile",
        },
        {"d1t01.flac": flac, "d1t02.flac": flac, "d1t03.flac": flac, "info.txt": b"info\n"},
        extra={
            "d1t01.flac": {"title": "../../../../../tmp/owned"},
            "d1t02.flac": {"title": "evil\x00name" + "z" * 400},
            "d1t03.flac": {"title": "caf\udce9 /etc/passwd"},
        },
    )
    before = {p for p in tmp_path.rglob("*") if not p.is_relative_to(settings.music_dir)}
    queued = await running.download("hostile-item")
    done = await finished(running, "hostile-item")
    assert {d.state for d in done} == {DownloadState.DONE}, [d.error for d in done]
    assert len(queued) == 4
    music = settings.music_dir.resolve()
    for path in landed(settings.music_dir):
        assert path.resolve().is_relative_to(music)
    assert len([p for p in landed(settings.music_dir) if p.suffix == ".flac"]) == 3
    after = {p for p in tmp_path.rglob("*") if not p.is_relative_to(settings.music_dir)}
    new = {p for p in after - before if "data" not in p.parts and "home" not in p.parts}
    assert new == set()


async def test_one_set_of_a_show(running: Engine) -> None:
    # Two discs of 9 and 6 tracks; its notes list one set, then "E: Uncle John's Band".
    gd70 = "gd70-10-23.aud.wolfson.15080.sbefail.shnf"
    queued = await running.download(gd70, sets=["e"])
    assert [d.track_number for d in queued] == [15]
    assert {d.format for d in queued} == {"VBR MP3"}
    assert all(d.note == "Flac is not offered; VBR MP3 instead" for d in queued)
    first = await running.download(gd70, sets=[1])
    assert [d.track_number for d in first] == list(range(1, 15))  # across the disc break
    with pytest.raises(NotFoundError, match=r"has no set 2; it has Set 1, Encore$"):
        await running.download(gd70, sets=[2])


async def test_never_more_files_at_once_than_configured(
    settings: Settings, fake_archive: FakeArchive
) -> None:
    async with Engine(replace(settings, download_concurrency=2), backoff_base=0.01) as engine:
        await engine.run_downloads()
        await engine.download(SCI, tracks=range(1, 9))
        fake_archive.max_in_flight = 0
        fake_archive.latency = 0.05
        done = await finished(engine, SCI)
    assert {d.state for d in done} == {DownloadState.DONE}
    assert fake_archive.max_in_flight == 2


async def test_one_process_runs_the_queue_the_other_waits_for_it(settings: Settings) -> None:
    """The app and a `download --wait` on one data dir: one runs the queue, both see it done."""
    async with Engine(settings, backoff_base=0.01) as runner:
        assert await runner.run_downloads()
        async with Engine(settings, backoff_base=0.01) as other:
            assert not await other.run_downloads()
            await other.download(SCI, tracks=[1, 2])
            done = await finished(other, SCI)
            assert {d.state for d in done} == {DownloadState.DONE}
        async with Engine(settings, backoff_base=0.01) as later:
            assert not await later.run_downloads()
    async with Engine(settings, backoff_base=0.01) as after:
        assert await after.run_downloads()  # the lock went with the first engine


async def test_the_items_other_files_go_straight_to_its_data_node(
    settings: Settings, fake_archive: FakeArchive
) -> None:
    """One redirect per recording and run: the rest of its files skip /download/ (one round
    trip less each; archive.org's redirector asked once)."""
    async with Engine(replace(settings, download_concurrency=1), backoff_base=0.01) as engine:
        await engine.run_downloads()
        await engine.download(SCI, tracks=[1, 2, 3])
        done = await finished(engine, SCI)
    assert {d.state for d in done} == {DownloadState.DONE}
    audio = [r.path for r in fake_archive.requests if r.path.endswith(".flac")]
    assert sum(p.startswith("/download/") for p in audio) == 1, audio
    assert sum(p.startswith("/serve/") for p in audio) == 3, audio


async def test_a_data_node_that_moved_sends_the_file_back_through_the_archive(
    settings: Settings, fake_archive: FakeArchive
) -> None:
    async with Engine(replace(settings, download_concurrency=1), backoff_base=0.01) as engine:
        await engine.run_downloads()
        manager = engine._downloads
        assert manager is not None
        manager.runner.transfer.nodes[SCI] = (
            f"{settings.archive_url}/gone/items/{SCI}/"  # as if it moved
        )
        await engine.download(SCI, tracks=[1])
        (done,) = await finished(engine, SCI)
    assert done.state is DownloadState.DONE
    audio = [r.path for r in fake_archive.requests if r.path.endswith(".flac")]
    assert audio[0].startswith("/gone/") and audio[1].startswith("/download/"), audio


@pytest.mark.parametrize(
    ("listed", "lands"),
    [
        ({"md5": "0" * 32}, True),  # a wrong MD5 is not looked at: the CRC-32 is checked
        ({"crc32": "00000000"}, False),  # and a wrong CRC-32 is caught
        ({"crc32": None, "sha1": "0" * 40}, False),  # no CRC-32: the SHA-1
        ({"crc32": None, "sha1": None, "md5": "0" * 32}, False),  # only an MD5: the MD5
    ],
)
async def test_files_are_checked_with_the_cheapest_checksum_listed(
    running: Engine, fake_archive: FakeArchive, listed: dict[str, str | None], lands: bool
) -> None:
    flac = synthesise({"name": "t.flac", "format": "Flac"}, 0.5)
    item = fake_archive.add_item(
        "checksums-item", {"creator": "Check", "date": "2001-01-01"}, {"t01.flac": flac}
    )
    entry = item.metadata["files"][0]
    for key, value in listed.items():
        if value is None:
            entry.pop(key)
        else:
            entry[key] = value
    await running.download("checksums-item")
    done = await finished(running, "checksums-item")
    assert (done[0].state is DownloadState.DONE) is lands, done[0].error
    if not lands:
        kind = "crc32" if "crc32" in entry else "sha1" if "sha1" in entry else "md5"
        assert f"checksum mismatch (expected {kind} " in done[0].error


async def test_a_name_with_dot_segments_is_asked_for_as_it_is(
    running: Engine, fake_archive: FakeArchive, settings: Settings
) -> None:
    mp3 = synthesise({"name": "t.mp3", "format": "VBR MP3"}, 0.5)
    fake_archive.add_item(
        "dots-item",
        {"creator": "Dots", "date": "2001-01-01"},
        {"../../x.mp3": mp3, "a/./b.mp3": mp3},
        extra={"../../x.mp3": {"title": "Climber"}, "a/./b.mp3": {"title": "Folder"}},
    )
    await running.download("dots-item")
    done = await finished(running, "dots-item")
    # Folded by the HTTP client, ../../x.mp3 used to ask the archive for /x.mp3 (a 404).
    assert {d.state for d in done} == {DownloadState.DONE}, [d.error for d in done]
    asked = [r.path for r in fake_archive.requests if r.path.startswith("/download/dots-item")]
    assert "/download/dots-item/../../x.mp3" in asked  # as the server decoded it
    assert all(p.is_relative_to(settings.music_dir) for p in landed(settings.music_dir))


async def test_numbers_too_large_to_be_real_are_dropped_not_a_traceback(
    running: Engine, fake_archive: FakeArchive
) -> None:
    from engine.archive.parse import as_int

    assert as_int("1e20") is None and as_int(2**70) is None and as_int("12") == 12
    flac = synthesise({"name": "t.flac", "format": "Flac"}, 0.5)
    item = fake_archive.add_item(
        "huge-item", {"creator": "Huge", "date": "2001-01-01"}, {"t.flac": flac}
    )
    item.metadata["item_size"] = "1e20"
    item.metadata["files"][0]["size"] = str(2**64)
    item.metadata["metadata"]["downloads"] = "99999999999999999999999"
    recording = await running.recording("huge-item")  # parsed and stored: used to overflow
    assert recording.total_size is None or recording.total_size < 2**63
    assert recording.tracks[0].files[0].size is None


async def test_a_file_listed_twice_is_one_download(
    running: Engine, fake_archive: FakeArchive, settings: Settings
) -> None:
    flac = synthesise({"name": "t.flac", "format": "Flac"}, 0.5)
    item = fake_archive.add_item(
        "twice-item",
        {"creator": "Twice", "date": "2001-01-01"},
        {"t01.flac": flac, "t02.flac": flac, "info.txt": b"notes\n"},
    )
    files = item.metadata["files"]
    files += [dict(files[0]), dict(files[2])]  # the same names again, as some items have
    queued = await running.download("twice-item")
    assert sorted(d.file_name for d in queued) == ["info.txt", "t01.flac", "t02.flac"]
    done = await finished(running, "twice-item")
    assert {d.state for d in done} == {DownloadState.DONE}
    recording = await running.recording("twice-item")
    assert [t.number for t in recording.tracks] == [1, 2]


async def test_queuing_a_queued_recording_again_counts_its_size_once(
    settings: Settings, fake_archive: FakeArchive, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from engine.downloads import disk

    async with Engine(settings, backoff_base=0.01) as engine:  # the queue is not run
        queued = await engine.download(SCI)
    size = sum(d.size or 0 for d in queued)
    settings.music_dir.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(settings.music_dir).free
    # The disk's free space held where it was measured: the suite's other workers write to
    # the same disk meanwhile, by more than the half recording this test's margin is.
    monkeypatch.setattr(disk, "free_space", lambda _path: free)
    # Room for the recording once and a half: it fits, unless counted twice.
    roomy = replace(settings, keep_free=free - size * 3 // 2)
    async with Engine(roomy, backoff_base=0.01) as engine:
        again = await engine.download(SCI)
        assert {d.id for d in again} == {d.id for d in queued}


async def test_an_item_whose_body_names_another_is_an_error_not_zero_files(
    running: Engine, fake_archive: FakeArchive, liveset
) -> None:  # type: ignore[no-untyped-def]
    from engine import ArchiveResponseError

    flac = synthesise({"name": "t.flac", "format": "Flac"}, 0.5)
    item = fake_archive.add_item(
        "asked-item", {"creator": "A", "date": "2001-01-01"}, {"t.flac": flac}
    )
    item.metadata["metadata"]["identifier"] = "another-item"  # as a broken mirror might
    with pytest.raises(ArchiveResponseError, match="answered with 'another-item'"):
        await running.download("asked-item")
    result = liveset("download", "asked-item", "--wait")
    assert result.returncode == 1 and "answered with 'another-item'" in result.stderr


async def test_closing_a_busy_engine_many_times_never_hangs(
    settings: Settings, fake_archive: FakeArchive
) -> None:
    import random

    fake_archive.add_fault("slow", "/serve/", times=10_000, delay=0.005)
    rng = random.Random(7)
    for _ in range(12):
        engine = Engine(settings, backoff_base=0.01)
        await engine.start()
        await engine.run_downloads()
        await engine.download(SCI, tracks=[1, 2, 3])
        await asyncio.sleep(rng.uniform(0.0, 0.3))  # the close lands anywhere in the transfer
        async with asyncio.timeout(15):
            await engine.close()
    async with Engine(settings, backoff_base=0.01) as engine:
        left = await engine.downloads(identifier=SCI)
    assert {d.state for d in left} <= {DownloadState.QUEUED, DownloadState.DONE}


async def test_a_file_name_no_url_can_carry_is_left_out_not_a_crash(
    running: Engine, fake_archive: FakeArchive
) -> None:
    """A JSON escape can give a lone surrogate, which has no UTF-8 form: that file can be
    neither asked for nor stored, and the rest of the item downloads."""
    flac = synthesise({"name": "t.flac", "format": "Flac"}, 0.5)
    item = fake_archive.add_item(
        "surrogate-item", {"creator": "A", "date": "2001-01-01"}, {"01 good.flac": flac}
    )
    bad = dict(item.metadata["files"][0], name="02 \udce9.flac")
    item.metadata["files"].append(bad)
    queued = await running.download("surrogate-item")
    assert [d.file_name for d in queued if d.kind == "track"] == ["01 good.flac"]
    done = await finished(running, "surrogate-item")
    assert {d.state for d in done} == {DownloadState.DONE}
