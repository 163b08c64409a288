""" "Describe it": a phrase such as ``mellow acoustic soundboard 1972 northeast`` or ``dead 77
scarlet fire`` read into years, source kinds, places, artists, songs and mood words, then
concerts ranked by how much of it they match, with the person's own score to break ties.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from rapidfuzz import fuzz, process

from engine.models import SOURCE_KIND_WORDS
from engine.recommend.index import KINDS

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from engine.recommend.index import Index

SOURCE_WORDS = {
    "sbd": "SBD",
    "soundboard": "SBD",
    "board": "SBD",
    "aud": "AUD",
    "audience": "AUD",
    "matrix": "MTX",
    "mtx": "MTX",
    "fm": "FM",
    "broadcast": "FM",
    "radio": "FM",
}
REGIONS = {
    "northeast": {"NY", "NJ", "PA", "MA", "CT", "RI", "VT", "NH", "ME"},
    "new england": {"MA", "CT", "RI", "VT", "NH", "ME"},
    "midwest": {"IL", "OH", "MI", "IN", "WI", "MN", "IA", "MO", "KS", "NE", "ND", "SD"},
    "south": {"TX", "GA", "FL", "TN", "NC", "SC", "AL", "LA", "MS", "AR", "KY", "VA", "WV"},
    "southeast": {"GA", "FL", "NC", "SC", "AL", "TN", "VA"},
    "southwest": {"AZ", "NM", "TX", "NV"},
    "west coast": {"CA", "OR", "WA"},
    "west": {"CA", "OR", "WA", "NV", "AZ", "CO", "UT", "NM", "ID", "MT", "WY"},
    "pacific northwest": {"OR", "WA"},
    "northwest": {"OR", "WA", "ID"},
    "rockies": {"CO", "UT", "WY", "MT", "ID"},
    "california": {"CA"},
    "texas": {"TX"},
    "colorado": {"CO"},
    "new york": {"NY"},
}
#: Mood words and the subjects, titles and notes words that go with them.
MOODS = {
    "mellow": ("acoustic", "mellow", "ballad", "quiet", "unplugged", "folk", "bluegrass"),
    "acoustic": ("acoustic", "unplugged", "folk", "bluegrass"),
    "jammy": ("jam", "jams", "improv", "jamband", "space"),
    "jam": ("jam", "jams", "improv", "jamband"),
    "psychedelic": ("psychedelic", "space", "jam"),
    "bluegrass": ("bluegrass",),
    "folk": ("folk",),
    "jazz": ("jazz",),
    "blues": ("blues",),
    "funky": ("funk",),
    "funk": ("funk",),
    "rocking": ("rock",),
    "rock": ("rock",),
    "electric": ("electric", "rock"),
}
STOP = {
    "a",
    "an",
    "and",
    "the",
    "of",
    "in",
    "at",
    "on",
    "with",
    "some",
    "show",
    "shows",
    "live",
    "concert",
    "concerts",
    "from",
    "era",
    "me",
    "something",
    "like",
    "good",
    "great",
    "best",
}
_YEAR = re.compile(r"^'?(\d{2}|\d{4})$")
_DECADE = re.compile(r"^'?(\d{2}|\d{4})s$")
_RANGE = re.compile(r"^(\d{4})-(\d{2}|\d{4})$")


@dataclass
class Reading:
    years: set[int] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    states: set[str] = field(default_factory=set)
    places: list[str] = field(default_factory=list)  # the words as typed
    cities: set[int] = field(default_factory=set)
    artists: set[int] = field(default_factory=set)
    songs: list[str] = field(default_factory=list)
    moods: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)

    def words(self, index: Index) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """How it was read, for the person to see."""
        years = sorted(self.years)
        year_words: list[str] = []
        if years:
            span = years[-1] - years[0] + 1
            if len(years) == span and span > 2:
                year_words = [f"{years[0]}-{years[-1]}"]
            else:
                year_words = [str(y) for y in years]
        out = [
            ("years", tuple(year_words)),
            ("source", tuple(SOURCE_KIND_WORDS.get(k, k) for k in sorted(self.kinds))),
            ("places", tuple(self.places)),
            ("artists", tuple(sorted(index.artists[a] for a in self.artists))),
            ("songs", tuple(self.songs)),
            ("mood", tuple(self.moods)),
            ("not understood", tuple(self.unread)),
        ]
        return tuple((name, values) for name, values in out if values)


def _year(text: str) -> int | None:
    value = int(text)
    if len(text) == 2:
        value += 1900 if value >= 40 else 2000
    return value if 1900 <= value <= 2100 else None


def read(text: str, index: Index, songs: Iterable[str] = ()) -> Reading:
    """Read ``text`` against what the index holds (its artists and places) and the song
    titles known locally (``songs``)."""
    reading = Reading()
    words = [w for w in re.findall(r"[\w'&-]+", text.casefold()) if w]
    used = [False] * len(words)
    state_codes = {s for s in index.states if len(s) == 2}

    def take(start: int, count: int) -> None:
        for k in range(start, start + count):
            used[k] = True

    # Two-word regions first ("new england", "west coast").
    for at in range(len(words) - 1):
        pair = f"{words[at]} {words[at + 1]}"
        if pair in REGIONS and not used[at]:
            reading.states |= REGIONS[pair]
            reading.places.append(pair)
            take(at, 2)
    for at, word in enumerate(words):
        if used[at]:
            continue
        if match := _RANGE.match(word):
            first = int(match[1])
            last = _year(match[2]) if len(match[2]) == 2 else int(match[2])
            if last is not None and len(match[2]) == 2:
                last = first // 100 * 100 + int(match[2])
            if last is not None and first <= last <= first + 50:
                reading.years |= set(range(first, last + 1))
                take(at, 1)
        elif match := _DECADE.match(word):
            start = _year(match[1])
            if start is not None:
                reading.years |= set(range(start // 10 * 10, start // 10 * 10 + 10))
                take(at, 1)
        elif (match := _YEAR.match(word)) and (year := _year(match[1])) is not None:
            reading.years.add(year)
            take(at, 1)
        elif word in SOURCE_WORDS:
            reading.kinds.add(SOURCE_WORDS[word])
            take(at, 1)
        elif word in REGIONS:
            reading.states |= REGIONS[word]
            reading.places.append(word)
            take(at, 1)
        elif word in MOODS:
            reading.moods.append(word)
            take(at, 1)
        elif len(word) == 2 and word.upper() in state_codes and word not in STOP:
            reading.states.add(word.upper())
            reading.places.append(word.upper())
            take(at, 1)
        elif word in STOP:
            take(at, 1)
    rest = [(at, w) for at, w in enumerate(words) if not used[at]]
    _artists(reading, rest, index, used)
    rest = [(at, w) for at, w in enumerate(words) if not used[at]]
    _songs(reading, rest, songs, used)
    rest = [(at, w) for at, w in enumerate(words) if not used[at]]
    cities = {c.split(",")[0].strip().casefold(): n for n, c in enumerate(index.cities) if c}
    for at, word in rest:
        if word in cities:
            reading.cities.add(cities[word])
            reading.places.append(index.cities[cities[word]])
            used[at] = True
    reading.unread = [w for at, w in enumerate(words) if not used[at]]
    return reading


def _artists(
    reading: Reading,
    rest: list[tuple[int, str]],
    index: Index,
    used: list[bool],
) -> None:
    """A word (three letters or more) that is a word of artists' names names the one with the
    most recordings ("dead" is the Grateful Dead); a near miss ("gratefull") is matched
    loosely against whole names."""
    by_word: dict[str, list[int]] = {}
    for n, key in enumerate(index.artist_keys):
        for part in re.findall(r"[\w'&-]+", key):
            if len(part) >= 3 and part not in STOP:
                by_word.setdefault(part, []).append(n)
    counts = np.bincount(index.artist, minlength=len(index.artists))
    for at, word in rest:
        if len(word) < 3:
            continue
        found = by_word.get(word)
        if not found:
            near = process.extractOne(word, list(by_word), scorer=fuzz.ratio, score_cutoff=85)
            found = by_word.get(near[0]) if near else None
        if found:
            reading.artists.add(max(found, key=lambda n: int(counts[n])))
            used[at] = True


def _songs(
    reading: Reading, rest: list[tuple[int, str]], songs: Iterable[str], used: list[bool]
) -> None:
    """A word that begins a known song's title names that song ("scarlet" is Scarlet
    Begonias, "fire" Fire on the Mountain); the most common title of that start wins."""
    starts: dict[str, dict[str, int]] = {}
    for title in songs:
        words = re.findall(r"[\w']+", title.casefold())
        if words and len(words[0]) >= 3 and words[0] not in STOP:
            starts.setdefault(words[0], {}).setdefault(title.strip(), 0)
            starts[words[0]][title.strip()] += 1
    for at, word in rest:
        titles = starts.get(word)
        if titles:
            reading.songs.append(max(titles, key=lambda t: titles[t]))
            used[at] = True


def match_scores(
    reading: Reading,
    index: Index,
    with_songs: Mapping[int, int],
    mood_columns: list[int],
) -> np.ndarray:
    """How much of the reading each recording matches, one point a kind of word matched;
    ``with_songs``: recordings known to hold the songs, with how many of them."""
    n = len(index)
    score = np.zeros(n, dtype=np.float32)
    if reading.years:
        score += np.isin(index.year, list(reading.years))
    if reading.kinds:
        kinds = [KINDS.index(k) for k in reading.kinds]
        score += np.isin(index.kind, kinds)
    if reading.states or reading.cities:
        states = [s for s, name in enumerate(index.states) if name in reading.states]
        place = np.isin(index.state, states) | np.isin(index.city, list(reading.cities))
        score += place
    if reading.artists:
        score += 1.5 * np.isin(index.artist, list(reading.artists))
    if reading.songs:
        for i, count in with_songs.items():
            score[i] += 1.5 * count / len(reading.songs)
    if reading.moods and mood_columns:
        hits = np.asarray(index.features[:, mood_columns].sum(axis=1)).ravel() > 0
        score += hits
    return score


def mood_columns(reading: Reading, index: Index) -> list[int]:
    wanted = {w for mood in reading.moods for w in MOODS[mood]}
    return [
        c
        for c, name in enumerate(index.feature_names)
        if name.startswith(("subject:", "word:"))
        and set(re.findall(r"\w+", name.split(":", 1)[1])) & wanted
    ]
