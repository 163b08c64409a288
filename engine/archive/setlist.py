"""Setlists: the sets, encores and segues of a show, read once, in the engine.

Where a show's structure can be read, in order of trust:

1. the track titles: ``Scarlet Begonias ->`` segues; ``E: Johnny B. Goode`` or ``Set 2: Jack
   Straw`` open an encore or a set;
2. the setlist in the item's description or notes (``Set I``, ``Set 2:``, ``E:``, ``Encore``,
   ``ENC``, ``d1t01. Title``, comma lists with ``->``), used when its songs line up with the
   tracks;
3. set numbers in the file names (``s2t05``);
4. the discs (``d2t01``), which are only where a CD ran out, so they are called discs, not sets.

A track keeps its title without the arrow (``Track.segue`` says the music runs on);
``Track.display_title`` shows segues as ``→``, tags end such a title in `` >``, file names carry
no arrow at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "SetlistSection",
    "assign_sets",
    "clean_title",
    "file_title",
    "in_set",
    "read_setlist",
    "segue_suffix",
    "strip_heading",
]

_ARROW = r"(?:-+\s*>|=>|→|»|>)"
_TRAILING_SEGUE = re.compile(rf"\s*{_ARROW}\s*$")
_INNER_ARROW = re.compile(rf"\s*{_ARROW}\s*")
# "03 - Title", "d1t03 Title", "t03. Title", "3) Title": the number a taper typed in the title.
_LEADING_NUMBER = re.compile(
    r"^\s*(?:(?:[ds]\d{1,2}\s*)?t\d{1,3}\b\s*[-.):]?|\d{1,3}\s*[-.):])\s*(?=\S)"
)
_DISC_PREFIX = r"(?:(?:disc|disk|cd)\s*\d{1,2}\s*(?:[-:–,/]\s*)?|d\d{1,2}\s*[-:–]\s*)?"
_SET_HEAD = re.compile(
    rf"(?i)^\s*{_DISC_PREFIX}(?:set\s*#?\s*(\d{{1,2}}|iii|ii|iv|i|v|one|two|three|four)\b"
    r"|(first|second|third|1st|2nd|3rd)\s+set\b)\s*[:.\-–)]?\s*"
)
_ENCORE_HEAD = re.compile(
    rf"(?i)^\s*{_DISC_PREFIX}(?:(?:encore|enc)\b\s*(\d)?\s*(?:[:.\-–)]\s*|$)|e(\d)?\s*[:)]\s*)"
)
_DISC_HEAD = re.compile(r"(?i)^\s*(?:disc|disk|cd)\s*\d{1,2}\s*[:.\-–)]?\s*")
# An encore or set opened in the middle of a line: "..., Not Fade Away, E: Uncle John's Band".
_INLINE_HEAD = re.compile(r"(?i)[,;]\s*(?=(?:e\d?|enc|encore\s*\d?|set\s*\w{1,5})\s*:)")
_SONG_SPLIT = re.compile(rf"(\s*{_ARROW}\s*|\s*[,;]\s*|\n)")
_SONG_NUMBER = re.compile(
    r"^\s*(?:[ds]\d{1,2}\s*t\d{1,3}|t?\d{1,3})\s*[.):\-]\s*|^\s*[ds]\d{1,2}t\d{1,3}\s+"
)
_FOOTNOTE = re.compile(r"\s*[*#%@^+]+$")


def clean_title(raw: str) -> tuple[str, bool]:
    """A track title without the number typed into it and without a trailing segue arrow;
    arrows inside it (``Round The Wheel -> Drums``) become `` > ``. Returns ``(title, segue)``."""
    title = _LEADING_NUMBER.sub("", raw)
    segue = bool(_TRAILING_SEGUE.search(title))
    title = _TRAILING_SEGUE.sub("", title)
    title = _INNER_ARROW.sub(" > ", title).strip()
    return (title or raw.strip()), segue


def segue_suffix(title: str, segue: bool) -> str:
    """The title as taggers of live music write it: a segue as a trailing `` >``."""
    return f"{title} >" if segue else title


def file_title(title: str) -> str:
    """The title in a file name: no arrows (``>`` is not allowed on every file system)."""
    return title.replace(" > ", " - ")


@dataclass(frozen=True, slots=True)
class SetlistSection:
    """A set or an encore of a setlist as the notes give it."""

    kind: str
    """``set`` or ``encore``; ``set`` also for songs listed before any heading."""
    songs: tuple[tuple[str, bool], ...]
    """Each song's title and whether it segues into the next."""


def _heading(text: str) -> tuple[str | None, str]:
    """``("set"|"encore"|None, rest)`` for a clause that may open with a heading."""
    if match := _SET_HEAD.match(text):
        return "set", text[match.end() :]
    if match := _ENCORE_HEAD.match(text):
        return "encore", text[match.end() :]
    if match := _DISC_HEAD.match(text):
        return None, text[match.end() :]
    return None, text


def _songs(text: str) -> list[tuple[str, bool]]:
    songs: list[tuple[str, bool]] = []
    for piece in _SONG_SPLIT.split(text):
        if not piece:
            continue
        if _SONG_SPLIT.fullmatch(piece):
            if songs and re.search(_ARROW, piece):
                songs[-1] = (songs[-1][0], True)
            continue
        song = _FOOTNOTE.sub("", _SONG_NUMBER.sub("", piece)).strip(" .:-–")
        if song:
            songs.append((song, False))
    return songs


def read_setlist(text: str) -> list[SetlistSection]:
    """The sections of a setlist written as text; the songs before any heading come first."""
    sections: list[SetlistSection] = []
    kind = "set"
    songs: list[tuple[str, bool]] = []

    def close() -> None:
        if songs:  # a heading with no songs under it is no section
            sections.append(SetlistSection(kind, tuple(songs)))

    for line in text.split("\n"):
        for clause in _INLINE_HEAD.split(line):
            opened, rest = _heading(clause)
            if opened is not None:
                close()
                kind, songs = opened, []
            songs += _songs(rest)
    close()
    return sections


# --- lining the notes up with the tracks ---------------------------------------------------

_NOT_WORD = re.compile(r"[^a-z0-9 ]+")


def _key(title: str) -> str:
    text = title.casefold().replace("&", " and ").replace("'", "").replace("’", "")
    words = _NOT_WORD.sub(" ", text).split()
    return " ".join(w for w in words if w != "the")


def _same_song(a: str, b: str) -> bool:
    if not a or not b:
        return False
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    if len(short) >= 5 and short in long and len(long) <= 2 * len(short) + 6:
        return True
    return SequenceMatcher(None, a, b).ratio() >= 0.8


def _track_keys(title: str) -> tuple[str, ...]:
    """A track's title as keys: the whole, and each song of a track that holds several
    (``Round The Wheel > Drums > Round The Wheel``)."""
    parts = title.split(" > ")
    return tuple(dict.fromkeys(_key(t) for t in (title, *parts) if t))


def _align(songs: Sequence[str], tracks: Sequence[tuple[str, ...]]) -> list[tuple[int, int]]:
    """The longest in-order pairing of songs with tracks that name the same song."""
    n, m = len(songs), len(tracks)
    best = [[0] * (m + 1) for _ in range(n + 1)]
    same = [[any(_same_song(songs[i], k) for k in tracks[j]) for j in range(m)] for i in range(n)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            best[i][j] = max(best[i + 1][j], best[i][j + 1], best[i + 1][j + 1] + same[i][j])
    pairs: list[tuple[int, int]] = []
    i = j = 0
    while i < n and j < m:
        if same[i][j] and best[i][j] == best[i + 1][j + 1] + 1:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif best[i + 1][j] >= best[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


@dataclass(frozen=True, slots=True)
class _Reading:
    """What the notes say about the tracks: each track's section and the segues."""

    section_of: list[int | None]
    kinds: list[str]
    segues: list[bool]


def _read_notes(text: str, titles: Sequence[str]) -> _Reading | None:
    sections = read_setlist(text)
    songs = [(index, song) for index, s in enumerate(sections) for song in s.songs]
    if not songs:
        return None
    track_keys = [_track_keys(t) for t in titles]
    pairs = _align([_key(title) for _, (title, _) in songs], track_keys)
    # The notes are a setlist of these tracks only when most tracks are in it.
    if len(pairs) < max(2, (len(titles) + 1) // 2):
        return None
    section_of: list[int | None] = [None] * len(titles)
    for song_index, track in pairs:
        section_of[track] = songs[song_index][0]
    segues = [False] * len(titles)
    matched = dict(pairs)
    for song_index, track in pairs:
        if songs[song_index][1][1] and matched.get(song_index + 1) == track + 1:
            segues[track] = True
    return _Reading(section_of, [s.kind for s in sections], segues)


def _labels(kinds: Sequence[str]) -> list[str]:
    """``Set 1``, ``Set 2``, ``Encore``, ``Encore 2`` for sections in order."""
    out: list[str] = []
    counts = {"set": 0, "encore": 0}
    for kind in kinds:
        counts[kind] += 1
        number = counts[kind]
        out.append(
            f"Set {number}" if kind == "set" else ("Encore" if number == 1 else f"Encore {number}")
        )
    return out


_FILLER = re.compile(
    r"(?i)\b(tuning|tune ?up|crowd|applause|intro(duction)?|banter|break|announcements?|"
    r"stage (talk|announcement)|dead air|noodling|soundcheck)\b"
)


def _spread(section_of: Sequence[int | None], titles: Sequence[str]) -> list[int]:
    """Every track in a section. One the notes did not name stays in the section it follows,
    unless it is tuning, crowd noise or a break, which come before the next set; before the
    first named track, a track is in the first section."""
    out: list[int] = []
    for index, section in enumerate(section_of):
        if section is None:
            later = next((s for s in section_of[index:] if s is not None), None)
            if not out or (later is not None and _FILLER.search(titles[index])):
                section = later if later is not None else 0
            else:
                section = out[-1]
        out.append(section)
    return out


def _title_sections(raw_titles: Sequence[str]) -> list[str] | None:
    """Labels from headings typed into the titles; tracks before the first are the first set."""
    kinds: list[str] = []
    section_of: list[int] = []
    for raw in raw_titles:
        if _SET_HEAD.match(raw):
            kinds.append("set")
        elif _ENCORE_HEAD.match(raw):
            kinds.append("encore")
        section_of.append(len(kinds) - 1)
    if not kinds:
        return None
    if section_of[0] < 0:
        kinds.insert(0, "set")
        section_of = [i + 1 for i in section_of]
    labels = _labels(kinds)
    return [labels[i] for i in section_of]


def strip_heading(raw: str) -> str:
    """A title without a set or encore heading typed in front of it (``E: Johnny B. Goode``)."""
    for pattern in (_SET_HEAD, _ENCORE_HEAD):
        if match := pattern.match(raw):
            rest = raw[match.end() :].strip()
            if rest:
                return rest
    return raw


def assign_sets(
    raw_titles: Sequence[str],
    titles: Sequence[str],
    title_segues: Sequence[bool],
    name_sets: Sequence[int | None],
    discs: Sequence[int],
    notes: Sequence[str],
) -> tuple[list[str], list[bool]]:
    """Each track's set label (``Set 1``, ``Encore``, ``Disc 2``, or ``""`` when the show is one
    part) and whether it segues into the next, from the most trusted source that has them."""
    count = len(titles)
    readings = [r for text in notes if text and (r := _read_notes(text, titles)) is not None]
    if any(title_segues):
        segues = list(title_segues)
    else:
        segues = readings[0].segues if readings else [False] * count
    labels = _title_sections(raw_titles)
    if labels is None:
        for reading in readings:
            used = sorted({s for s in reading.section_of if s is not None})
            if len(used) < 2:
                continue
            names = _labels([reading.kinds[s] for s in used])
            spread = _spread(reading.section_of, titles)
            labels = [names[used.index(s)] for s in spread]
            break
    if labels is None and len({s for s in name_sets if s is not None}) > 1:
        labels = [f"Set {s}" if s is not None else "" for s in name_sets]
    if labels is None and len(set(discs)) > 1:
        labels = [f"Disc {d}" for d in discs]
    if labels is None or len(set(labels)) < 2:
        labels = [""] * count
    return labels, segues


_ENCORE_ASKED = re.compile(r"(?:e|enc|encore)(\d?)")


def in_set(set_name: str, asked: str | int) -> bool:
    """Whether a track of ``set_name`` is in the set a user asked for: ``2`` (set 2, or disc 2
    where only discs are known; on a show of one part, ``1`` is all of it), ``e``, ``encore``,
    ``e2``, or a label as shown (``Set 2``)."""
    want = "".join(str(asked).casefold().split())
    have = "".join(set_name.casefold().split())
    if want.isdigit():
        return have in (f"set{int(want)}", f"disc{int(want)}") or (not have and int(want) == 1)
    if match := _ENCORE_ASKED.fullmatch(want):
        number = int(match.group(1) or 1)
        return have == ("encore" if number == 1 else f"encore{number}")
    return have == want
