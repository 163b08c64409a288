"""What the person at the keyboard has told liveset, read from the database as one ``Taste``.

Plays count by how they ended (heard to the end up, skipped down) and fade with age; a
favourite, a like and a download count more than a play; what is in the library counts a
little; an imported history weighs the artists it names. A dislike weighs against a recording
or an artist; "not interested" takes it out of every list.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from engine.keys import artist_key
from engine.models import DownloadState
from engine.storage.schema import (
    DownloadRow,
    FeedbackRow,
    ImportedArtistRow,
    LibraryFileRow,
    PlayRow,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

HALF_LIFE_DAYS = 120.0  # a play this old counts half
HEARD = 1.0  # seconds: a play shorter than this was neither heard nor skipped (a queue restored
# paused and replaced, say), and counts for nothing
COMPLETED = 1.0
PARTIAL = 0.4  # heard in part, neither skipped nor finished
SKIPPED = -0.5
FAVOURITE = 3.0
LIKE = 2.0
DOWNLOADED = 2.0
IN_LIBRARY = 1.0
DISLIKE = -3.0
ARTIST_FAVOURITE = 3.0
ARTIST_LIKE = 2.0


@dataclass
class Taste:
    """The person's signals: per recording, per artist (keys of ``artist_key``) and what to
    leave out. ``why`` says, per recording and per artist, the strongest signal in words."""

    items: dict[str, float] = field(default_factory=dict)
    artists: dict[str, float] = field(default_factory=dict)
    hidden: set[str] = field(default_factory=set)
    hidden_artists: set[str] = field(default_factory=set)
    why: dict[str, str] = field(default_factory=dict)
    artist_why: dict[str, str] = field(default_factory=dict)
    plays: dict[str, int] = field(default_factory=dict)  # heard to the end, by recording
    last_played: dict[str, float] = field(default_factory=dict)
    favourites: list[str] = field(default_factory=list)  # recordings, newest first
    # (hour of day, recording or "", artist key or "") of each play that counted
    play_hours: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(w > 0 for w in self.items.values()) and not any(
            w > 0 for w in self.artists.values()
        )

    def positive(self) -> dict[str, float]:
        return {i: w for i, w in self.items.items() if w > 0 and i not in self.hidden}

    def _add(self, identifier: str, weight: float, why: str, strength: float) -> None:
        self.items[identifier] = self.items.get(identifier, 0.0) + weight
        if strength > self._strength.get(identifier, -math.inf):
            self._strength[identifier] = strength
            self.why[identifier] = why

    def _add_artist(self, key: str, weight: float, why: str, strength: float) -> None:
        self.artists[key] = self.artists.get(key, 0.0) + weight
        if strength > self._artist_strength.get(key, -math.inf):
            self._artist_strength[key] = strength
            self.artist_why[key] = why

    _strength: dict[str, float] = field(default_factory=dict, repr=False)
    _artist_strength: dict[str, float] = field(default_factory=dict, repr=False)


def decay(age_seconds: float) -> float:
    return float(0.5 ** (max(age_seconds, 0.0) / 86_400.0 / HALF_LIFE_DAYS))


def read_taste(session: Session, now: float | None = None) -> Taste:
    now = time.time() if now is None else now
    taste = Taste()
    _plays(session, taste, now)
    _feedback(session, taste)
    done = (
        select(DownloadRow.identifier)
        .where(DownloadRow.state == DownloadState.DONE.value, DownloadRow.kind == "track")
        .distinct()
    )
    for identifier in session.scalars(done):
        taste._add(identifier, DOWNLOADED, "downloaded", 3)
    library = select(LibraryFileRow.identifier, LibraryFileRow.artist).where(
        LibraryFileRow.problem == ""
    )
    seen: set[str] = set()
    library_artists: dict[str, int] = defaultdict(int)
    for identifier, artist in session.execute(library.distinct()):
        if identifier and identifier not in seen:
            seen.add(identifier)
            taste._add(identifier, IN_LIBRARY, "have in your library", 1)
        elif not identifier and artist:
            library_artists[artist_key(artist)] += 1
    for key, count in library_artists.items():
        taste._add_artist(key, math.log1p(count), "in your library", 1)
    for row in session.scalars(select(ImportedArtistRow).where(ImportedArtistRow.matched != "")):
        service = "ListenBrainz" if row.source == "listenbrainz" else "Last.fm"
        taste._add_artist(
            row.matched, math.log1p(row.plays), f"{row.plays:,} plays on {service}", row.plays / 1e6
        )
    return taste


def _plays(session: Session, taste: Taste, now: float) -> None:
    rows = session.execute(
        select(
            PlayRow.identifier,
            PlayRow.path,
            PlayRow.started_at,
            PlayRow.completed,
            PlayRow.skipped,
        )
        .where(PlayRow.completed | (PlayRow.seconds_played >= HEARD))
        .order_by(PlayRow.started_at)
    )
    by_path: dict[str, str] = {}
    for identifier, path, started, completed, skipped in rows:
        weight = (COMPLETED if completed else SKIPPED if skipped else PARTIAL) * decay(
            now - started
        )
        hour = time.localtime(started).tm_hour
        if identifier:
            taste._add(identifier, weight, "played", 2)
            taste.last_played[identifier] = started
            if completed:
                taste.plays[identifier] = taste.plays.get(identifier, 0) + 1
            key = ""
        else:
            if path not in by_path:
                by_path[path] = artist_key(
                    session.scalar(select(LibraryFileRow.artist).where(LibraryFileRow.path == path))
                    or ""
                )
            key = by_path[path]
            if key:
                taste._add_artist(key, weight, "played", 2)
        if weight > 0:
            taste.play_hours.append((hour, identifier, key))


def _feedback(session: Session, taste: Taste) -> None:
    for row in session.scalars(select(FeedbackRow).order_by(FeedbackRow.updated_at.desc())):
        if row.target_kind == "artist":
            key = artist_key(row.target)
            if row.favourite:
                taste._add_artist(key, ARTIST_FAVOURITE, "a favourite artist", 5)
            if row.rating > 0:
                taste._add_artist(key, ARTIST_LIKE, "an artist you like", 4)
            elif row.rating < 0:
                taste._add_artist(key, DISLIKE, "an artist you dislike", -1)
            if row.not_interested:
                taste.hidden_artists.add(key)
            continue
        identifier = row.target if row.target_kind == "recording" else row.target.split("/")[0]
        if row.favourite:
            weight = FAVOURITE if row.target_kind == "recording" else LIKE
            taste._add(identifier, weight, "favourited", 5)
            if row.target_kind == "recording":
                taste.favourites.append(identifier)
        if row.rating > 0:
            taste._add(identifier, LIKE, "liked", 4)
        elif row.rating < 0:
            taste._add(identifier, DISLIKE, "disliked", -1)
        if row.not_interested:
            taste.hidden.add(identifier)


def most_played(session: Session, limit: int) -> list[tuple[str, int]]:
    """Recordings heard to the end most often, with how often."""
    count = func.count(PlayRow.id)
    query = (
        select(PlayRow.identifier, count)
        .where(PlayRow.identifier != "", PlayRow.completed)
        .group_by(PlayRow.identifier)
        .order_by(count.desc(), func.max(PlayRow.started_at).desc())
        .limit(limit)
    )
    return [(i, int(n)) for i, n in session.execute(query)]


def recently_played(session: Session, limit: int) -> list[tuple[str, float]]:
    last = func.max(PlayRow.started_at)
    query = (
        select(PlayRow.identifier, last)
        .where(PlayRow.identifier != "", PlayRow.completed | (PlayRow.seconds_played >= HEARD))
        .group_by(PlayRow.identifier)
        .order_by(last.desc())
        .limit(limit)
    )
    return [(i, float(t)) for i, t in session.execute(query)]
