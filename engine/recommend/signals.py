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

from engine.keys import artist_key
from engine.recommend import queries

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy.orm import Session

    from engine.storage.schema import FeedbackRow

HALF_LIFE_DAYS = 120.0  # a play this old counts half
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
    _feedback(queries.feedback(session), taste)
    for identifier in queries.downloaded(session):
        taste._add(identifier, DOWNLOADED, "downloaded", 3)
    seen: set[str] = set()
    library_artists: dict[str, int] = defaultdict(int)
    for identifier, artist in queries.in_library(session):
        if identifier and identifier not in seen:
            seen.add(identifier)
            taste._add(identifier, IN_LIBRARY, "have in your library", 1)
        elif not identifier and artist:
            library_artists[artist_key(artist)] += 1
    for key, count in library_artists.items():
        taste._add_artist(key, math.log1p(count), "in your library", 1)
    for row in queries.imported_artists(session):
        service = "ListenBrainz" if row.source == "listenbrainz" else "Last.fm"
        taste._add_artist(
            row.matched, math.log1p(row.plays), f"{row.plays:,} plays on {service}", row.plays / 1e6
        )
    return taste


def _plays(session: Session, taste: Taste, now: float) -> None:
    rows = queries.plays(session)
    files = queries.artists_of_files(
        session, [path for identifier, path, *_ in rows if not identifier]
    )
    for identifier, path, started, completed, skipped in rows:
        weight = (COMPLETED if completed else SKIPPED if skipped else PARTIAL) * decay(
            now - started
        )
        hour = time.localtime(started).tm_hour
        key = ""
        if identifier:
            taste._add(identifier, weight, "played", 2)
            taste.last_played[identifier] = started
            if completed:
                taste.plays[identifier] = taste.plays.get(identifier, 0) + 1
        else:
            key = artist_key(files.get(path, ""))
            if key:
                taste._add_artist(key, weight, "played", 2)
        if weight > 0:
            taste.play_hours.append((hour, identifier, key))


def _feedback(rows: Iterable[FeedbackRow], taste: Taste) -> None:
    for row in rows:
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
