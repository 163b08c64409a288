"""The recommender's rooms on their own: its queries ask for a list in one statement, the
song titles are read again only when the cached tracks change, and reasons are values whose
kinds, not their words, decide which is said."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from sqlalchemy import event

from engine import Engine
from engine.recommend import queries
from engine.recommend.reasons import Reason, merged, words
from engine.storage.schema import LibraryFileRow, PlayRow
from tests.conftest import make_settings

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.fake_archive.server import FakeArchive

GD77 = "gd77-05-08.sbd.hicks.4982.sbeok.shnf"
GD73 = "gd73-06-10.sbd.hollister.174.sbeok.shnf"


@contextlib.contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement the engine's database runs inside the block."""
    seen: list[str] = []
    bind = engine._database.engine

    def note(_conn, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(bind, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(bind, "before_cursor_execute", note)


async def test_songs_and_files_are_asked_for_in_one_statement_each(
    tmp_path: Path, fake_archive: FakeArchive, db_url: str
) -> None:
    settings = make_settings(tmp_path, fake_archive.url, db_url)
    async with Engine(settings, backoff_base=0.01) as engine:
        for identifier in (GD77, GD73):
            await engine.recording(identifier)  # their setlists cached
        songs = ["Minglewood Blues", "Loser", "Sugaree", "No Such Song"]
        with statements(engine) as seen:
            found = await engine._database.run(lambda s: queries.recordings_with(s, songs))
        assert len(seen) == 1, seen
        assert {"Minglewood Blues", "Loser"} <= found[GD77]
        assert "No Such Song" not in set().union(*found.values())

        def add_files(session) -> None:  # type: ignore[no-untyped-def]
            for n in range(30):
                session.add(
                    LibraryFileRow(
                        path=f"Band {n}/x.flac",
                        root="",
                        size=1,
                        mtime_ns=1,
                        artist=f"Band {n}",
                        format="Flac",
                        scanned_at=1.0,
                    )
                )
                session.add(
                    PlayRow(
                        identifier="",
                        file_name="x.flac",
                        path=f"Band {n}/x.flac",
                        started_at=1_000.0 + n,
                        seconds_played=300.0,
                        position=300.0,
                        completed=True,
                        skipped=False,
                    )
                )

        await engine._database.run(add_files)
        with statements(engine) as seen:
            taste = await engine._recommender.taste()
        # plays, their files' artists, feedback, downloads, the library, imports: not one a play
        assert len(seen) <= 6, seen
        assert {f"band {n}" for n in range(30)} <= set(taste.artists)


async def test_song_titles_are_read_again_only_when_the_tracks_change(
    tmp_path: Path, fake_archive: FakeArchive
) -> None:
    settings = make_settings(tmp_path, fake_archive.url)
    async with Engine(settings, backoff_base=0.01) as engine:
        recommender = engine._recommender
        await engine.recording(GD77)
        first = await recommender._song_titles()
        assert "Minglewood Blues" in first
        with statements(engine) as seen:
            again = await recommender._song_titles()
        assert again is first and len(seen) == 1  # the version only
        await engine.recording(GD73)
        more = await recommender._song_titles()
        assert len(more) > len(first)


def test_reasons_are_chosen_by_kind_and_said_in_words() -> None:
    lead = (Reason("on this day", "1977", "on this day in 1977"),)
    rest = (
        Reason("on this day", "1977", "on this day in 1977"),
        Reason("because", "gd77", "because you played Grateful Dead 1977-05-08"),
        Reason("because", "gd78", "because you liked Grateful Dead 1978-04-16"),
        Reason("quality", "x", "soundboard, 4.8 stars from 31 reviews"),
        Reason("popularity", "1570", "downloaded 1,570 times"),
    )
    chosen = merged(lead, rest)
    assert [r.kind for r in chosen] == ["on this day", "because", "quality"]
    assert words(chosen) == (
        "on this day in 1977",
        "because you played Grateful Dead 1977-05-08",
        "soundboard, 4.8 stars from 31 reviews",
    )
    # A hidden gem's lead says its quality: the scorer's quality reason is not said again.
    gem = Reason("quality", "x", "soundboard, 4.8 stars from 31 reviews, downloaded only 40 times")
    assert words(merged((gem,), rest[3:])) == (gem.words, "downloaded 1,570 times")
