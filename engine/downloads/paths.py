"""Where downloads land: ``Artist/YYYY-MM-DD Venue, City [SBD] (identifier)/NN Title.ext``.

Every name that comes from the archive goes through ``safe_name``, and every path is checked by
``inside`` before anything is written, so nothing can land outside the music dir.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from engine.archive.setlist import file_title
from engine.archive.text import clean_controls
from engine.errors import StorageError
from engine.models import SourceKind

if TYPE_CHECKING:
    import os

    from engine.models import Recording, Track

#: Most file systems allow 255 bytes per name; leave room for ``.part``.
MAX_NAME_BYTES = 240

# Separators, NUL and control characters, and what Windows and SMB shares refuse.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\<>:"|?*]')
_SURROGATE = re.compile("[\ud800-\udfff]")
_RESERVED = re.compile(r"(?i)^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$")


def safe_name(text: str, *, fallback: str = "untitled", max_bytes: int = MAX_NAME_BYTES) -> str:
    """One path component that is valid on common file systems and cannot climb out.

    Lone surrogates (names that were not UTF-8) become U+FFFD; separators and control characters
    become ``_``; leading dots and trailing dots and spaces go; too long a name is cut at a
    character boundary, keeping its extension.
    """
    text = clean_controls(_SURROGATE.sub("\ufffd", text))  # bidi overrides too
    text = unicodedata.normalize("NFC", text)
    text = _UNSAFE.sub("_", text)
    text = " ".join(text.split())  # tabs, newlines and runs of spaces become one space
    text = text.lstrip(". ").rstrip(". ")
    if not text or _RESERVED.match(text):
        text = f"{fallback}_{text}" if text else fallback
    return _cut(text, max_bytes)


def _cut(text: str, max_bytes: int) -> str:
    if len(text.encode()) <= max_bytes:
        return text
    stem, dot, ext = text.rpartition(".")
    if not dot or len(ext) > 8 or not stem:
        stem, ext = text, ""
    suffix = f".{ext}" if ext else ""
    room = max_bytes - len(suffix.encode())
    cut = stem.encode()[:room].decode("utf-8", "ignore").rstrip(". ")
    return cut + suffix


def inside(root: Path, relative: str | os.PathLike[str]) -> Path:
    """``root / relative``, refusing anything that would resolve outside ``root``."""
    root = root.resolve()
    candidate = (root / relative).resolve()
    if candidate == root or not candidate.is_relative_to(root):
        raise StorageError(f"refusing to write outside the music dir: {relative!s}")
    return candidate


def part_of(dest: Path) -> Path:
    """Where ``dest`` is written until it is whole: ``NAME.part`` beside it."""
    return dest.with_name(dest.name + ".part")


@dataclass(frozen=True, slots=True)
class RecordingFolder:
    """A recording's folder in the music dir's layout, made from a recording and read back
    from a name: ``YYYY-MM-DD Venue, City [SBD] (identifier)`` (each part but the date may be
    missing)."""

    date: str
    place: str = ""
    kind: str = ""
    identifier: str = ""

    @classmethod
    def of(cls, recording: Recording) -> RecordingFolder:
        kind = recording.source_kind
        return cls(
            str(recording.date) if recording.date else "unknown date",
            ", ".join(p for p in (recording.venue, recording.city) if p),
            kind.value if kind is not SourceKind.UNKNOWN else "",
            recording.identifier,
        )

    @classmethod
    def read(cls, name: str) -> RecordingFolder | None:
        """The parts of a folder name of this layout; None for another kind of name."""
        match = _FOLDER.match(name)
        if match is None:
            return None
        return cls(
            match.group("date"),
            match.group("place") or "",
            match.group("kind") or "",
            match.group("identifier") or "",
        )

    @property
    def name(self) -> str:
        parts = [self.date, self.place, f"[{self.kind}]" if self.kind else ""]
        parts.append(f"({self.identifier})" if self.identifier else "")
        return safe_name(" ".join(p for p in parts if p), fallback=self.identifier or "recording")

    @property
    def album(self) -> str:
        """The album of its tracks: the date and the place (see ``plan.album_name``)."""
        return f"{self.date} {self.place}".strip()


#: The place is tried last, so a folder without one keeps its identifier.
_FOLDER = re.compile(
    r"^(?P<date>\d{4}-[\d?]{2}-[\d?]{2})(?: (?P<place>.*?))??(?: \[(?P<kind>[A-Za-z]+)\])?"
    r"(?: \((?P<identifier>[^()]+)\))?$"
)
#: A track's file name: ``NN Title`` (also ``NN. Title``, ``NN-Title``).
TRACK_NAME = re.compile(r"^(?P<number>\d{1,3})[ ._-]+(?P<title>.+)$")


def recording_dir(recording: Recording) -> PurePosixPath:
    """The recording's folder relative to the music dir."""
    artist = safe_name(recording.artist, fallback="Unknown artist")
    return PurePosixPath(artist, RecordingFolder.of(recording).name)


def extension(file_name: str) -> str:
    ext = PurePosixPath(file_name.replace("\\", "/")).suffix.lower()
    return ext if re.fullmatch(r"\.[a-z0-9]{1,8}", ext) else ""


def track_file_name(index: int, track: Track, file_name: str, width: int = 2) -> str:
    """``NN Title.ext``: NN counts through the whole recording, so files sort in playing order;
    the title as the setlist reader left it (no typed-in number, no segue arrow)."""
    ext = extension(file_name)
    title = file_title(track.title) or PurePosixPath(file_name).stem
    stem = safe_name(f"{index:0{width}d} {title}", fallback=f"{index:0{width}d}")
    return _cut(stem + ext, MAX_NAME_BYTES) if ext else stem


def plain_file_name(file_name: str) -> str:
    """A beside-the-audio file (the info text) under its own base name, made safe."""
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    return safe_name(base, fallback="file")
