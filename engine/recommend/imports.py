"""Listening history from elsewhere: a ListenBrainz export (JSON, JSON lines, or the zip the
site gives) and a Last.fm scrobble file (CSV, with or without a header). Each listen's artist
is counted; each artist is matched to an archive artist by its normalised name, or loosely
(``rapidfuzz``) when the names differ by a letter or a word's order.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz, process

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping
    from pathlib import Path

NEAR = 90  # rapidfuzz's token_sort_ratio at least this: the same artist
LASTFM_DATE = ("%d %b %Y %H:%M", "%d %b %Y, %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ")


class ImportFormatError(ValueError):
    """The file is neither a ListenBrainz export nor a Last.fm scrobble file."""


@dataclass
class History:
    source: str  # listenbrainz | lastfm
    plays: Counter[str] = field(default_factory=Counter)  # artist as written -> listens
    last: dict[str, float] = field(default_factory=dict)  # artist -> newest listen
    listens: int = 0

    def add(self, artist: str, when: float | None) -> None:
        artist = " ".join(artist.split())
        if not artist:
            return
        self.plays[artist] += 1
        self.listens += 1
        if when is not None and when > self.last.get(artist, 0.0):
            self.last[artist] = when


def normalised(name: str) -> str:
    """An artist name for matching: accents, case, "the", "&" and punctuation set aside."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " and ")
    text = re.sub(r"[^\w\s]", " ", text)
    words = text.split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def read_history(path: Path) -> History:
    data = path.read_bytes()
    if data[:2] == b"PK":
        return _listenbrainz_zip(data)
    text = data.decode("utf-8-sig", errors="replace")
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        return _listenbrainz(_json_listens(stripped))
    return _lastfm(text)


def _json_listens(text: str) -> Iterator[Mapping[str, Any]]:
    try:
        found = json.loads(text)
    except json.JSONDecodeError:
        found = None
    if isinstance(found, list):
        yield from (x for x in found if isinstance(x, dict))
        return
    if isinstance(found, dict):
        payload = found.get("payload", found)
        listens = payload.get("listens") if isinstance(payload, dict) else None
        if isinstance(listens, list):
            yield from (x for x in listens if isinstance(x, dict))
            return
        yield found
        return
    for number, line in enumerate(text.splitlines(), 1):  # JSON lines
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise ImportFormatError(f"line {number} is not JSON: {error.msg}") from None
        if isinstance(item, dict):
            yield item


def _listenbrainz_zip(data: bytes) -> History:
    history = History("listenbrainz")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [n for n in archive.namelist() if n.endswith((".jsonl", ".json"))]
        listens = [n for n in names if "listens" in n] or names
        for name in listens:
            part = _listenbrainz(
                _json_listens(archive.read(name).decode("utf-8-sig", errors="replace"))
            )
            for artist, count in part.plays.items():
                history.plays[artist] += count
                if part.last.get(artist, 0) > history.last.get(artist, 0):
                    history.last[artist] = part.last[artist]
            history.listens += part.listens
    if not history.listens:
        raise ImportFormatError("the zip holds no ListenBrainz listens")
    return history


def _listenbrainz(listens: Iterable[Mapping[str, Any]]) -> History:
    history = History("listenbrainz")
    for listen in listens:
        meta = listen.get("track_metadata")
        if not isinstance(meta, dict):
            continue
        artist = meta.get("artist_name")
        when = listen.get("listened_at")
        if isinstance(artist, str):
            history.add(artist, float(when) if isinstance(when, (int, float)) else None)
    if not history.listens:
        raise ImportFormatError(
            "no listens found: a ListenBrainz export has track_metadata.artist_name in each"
        )
    return history


def _lastfm(text: str) -> History:
    history = History("lastfm")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ImportFormatError("the file is empty")
    header = [c.strip().casefold() for c in rows[0]]
    if "artist" in header:
        artist_at = header.index("artist")
        when_at = next((header.index(n) for n in ("uts", "date", "utc_time") if n in header), None)
        body = rows[1:]
    else:
        # The common exports without a header: artist, album, track, date.
        artist_at, when_at, body = 0, 3, rows
    for row in body:
        if len(row) <= artist_at:
            continue
        when = _when(row[when_at]) if when_at is not None and len(row) > when_at else None
        history.add(row[artist_at], when)
    if not history.listens:
        raise ImportFormatError("no scrobbles found: expected artist, album, track, date")
    return history


def _when(text: str) -> float | None:
    text = text.strip()
    if text.isdigit():
        return float(text)
    for pattern in LASTFM_DATE:
        try:
            return dt.datetime.strptime(text, pattern).replace(tzinfo=dt.UTC).timestamp()
        except ValueError:
            continue
    return None


def match_artists(names: Iterable[str], known: Mapping[str, str]) -> dict[str, str]:
    """Each name's archive artist: ``known`` maps archive artists' normalised names to their
    keys. Exact on the normalised name, else the nearest at ``NEAR`` or better; unmatched
    names are left out."""
    choices = list(known)
    found: dict[str, str] = {}
    for name in names:
        key = normalised(name)
        if key in known:
            found[name] = known[key]
            continue
        if not choices or len(key) < 4:
            continue
        near = process.extractOne(key, choices, scorer=fuzz.token_sort_ratio, score_cutoff=NEAR)
        if near is not None:
            found[name] = known[near[0]]
    return found
