"""Reading and writing tags with mutagen: Flac, MP3, Ogg Vorbis/Opus, M4A; WAV read only.

Shorten has no tag format mutagen knows: such files are listed as unsupported for tags, and
their artist, date and album come from the folder layout instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mutagen
from mutagen.easyid3 import EasyID3
from mutagen.easymp4 import EasyMP4
from mutagen.flac import FLAC
from mutagen.id3 import ID3, ID3NoHeaderError
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

#: Audio file endings the scanner looks at, with the format name it shows.
AUDIO_EXTENSIONS: dict[str, str] = {
    ".flac": "Flac",
    ".mp3": "MP3",
    ".ogg": "Ogg Vorbis",
    ".oga": "Ogg Vorbis",
    ".opus": "Opus",
    ".m4a": "M4A",
    ".mp4": "M4A",
    ".wav": "WAV",
    ".shn": "Shorten",
}

#: Endings whose tags cannot be read or written.
UNTAGGABLE = frozenset({".shn"})

# Keys beyond the standard ones; stored as TXXX frames in MP3 and as fields in Vorbis comments.
_EXTRA_KEYS = {"venue": "VENUE", "city": "CITY", "archive_identifier": "ARCHIVE_IDENTIFIER"}
for _key, _frame in _EXTRA_KEYS.items():
    EasyID3.RegisterTXXXKey(_key, _frame)

_ID3_FRAMES = {
    "TPE1": "artist",
    "TALB": "album",
    "TIT2": "title",
    "TDRC": "date",
    "TRCK": "tracknumber",
}
_ALBUM = re.compile(r"^(\d{4}-[\d?X]{2}-[\d?X]{2})\s+(.*)$")


class TagError(Exception):
    """A file whose tags cannot be read: the message says why."""


@dataclass(frozen=True, slots=True)
class FileTags:
    format: str
    artist: str = ""
    album: str = ""
    title: str = ""
    date: str = ""
    venue: str = ""
    city: str = ""
    track_number: int | None = None
    disc: int | None = None
    duration: float | None = None
    identifier: str = ""
    tags_supported: bool = True


def _number(value: str) -> int | None:
    match = re.match(r"\s*(\d+)", value)
    return int(match.group(1)) if match else None


def _plain(tags: Any) -> dict[str, str]:
    """Tags as lower-case key to first value, whatever the container."""
    if tags is None:
        return {}
    if isinstance(tags, ID3):
        return {
            name: str(tags[frame].text[0])
            for frame, name in _ID3_FRAMES.items()
            if frame in tags and tags[frame].text
        }
    plain: dict[str, str] = {}
    for key in tags.keys():  # noqa: SIM118 - mutagen's containers are not all iterable
        values = tags[key]
        value = values[0] if isinstance(values, list) and values else values
        if isinstance(value, str) and value:
            plain[key.lower()] = value
    return plain


def read_tags(path: Path) -> FileTags:
    """The tags and duration of one file; raises ``TagError`` for an unreadable one."""
    ext = path.suffix.lower()
    fmt = AUDIO_EXTENSIONS.get(ext, ext.lstrip(".").upper())
    if ext in UNTAGGABLE:
        return FileTags(fmt, tags_supported=False)
    try:
        audio = mutagen.File(path, easy=True)
    except (mutagen.MutagenError, OSError, ValueError, EOFError, IndexError) as error:
        raise TagError(
            f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        ) from error
    if audio is None:
        raise TagError("empty file" if path.stat().st_size == 0 else "not a recognised audio file")
    tags = _plain(audio.tags)
    album = tags.get("album", "")
    venue, city = tags.get("venue", ""), tags.get("city", "")
    date = tags.get("date", "")
    if (match := _ALBUM.match(album)) and not (venue or city):
        date = date or match.group(1)
        venue, _, city = match.group(2).partition(", ")
    length = getattr(audio.info, "length", None)
    return FileTags(
        format=fmt,
        artist=tags.get("artist", "") or tags.get("albumartist", ""),
        album=album,
        title=tags.get("title", ""),
        date=date[:10],
        venue=venue,
        city=city,
        track_number=_number(tags.get("tracknumber", "")),
        disc=_number(tags.get("discnumber", "")),
        duration=float(length) if length else None,
        identifier=tags.get("archive_identifier", ""),
    )


def write_tags(path: Path, values: Mapping[str, str], *, ext: str | None = None) -> bool:
    """Write ``values`` (artist, album, date, tracknumber, title, venue, city,
    archive_identifier); False when the format has no tags. ``ext`` names the format when the
    file's own name does not (a ``.part`` file)."""
    ext = (ext or path.suffix).lower()
    values = {k: v for k, v in values.items() if v}
    if ext == ".mp3":
        try:
            id3 = EasyID3(path)
        except ID3NoHeaderError:
            id3 = EasyID3()
        for key, value in values.items():
            id3[key] = value
        id3.save(path)
        return True
    if ext in (".m4a", ".mp4"):
        mp4 = EasyMP4(path)
        for key, value in values.items():
            if key in EasyMP4.Get:
                mp4[key] = value
        mp4.save()
        return True
    opener = {".flac": FLAC, ".ogg": OggVorbis, ".oga": OggVorbis, ".opus": OggOpus}.get(ext)
    if opener is None:
        return False
    audio = opener(path)
    if audio.tags is None:
        audio.add_tags()
    for key, value in values.items():
        audio[_EXTRA_KEYS.get(key, key.upper())] = value
    audio.save()
    return True
