"""What to fetch of a recording: a frozen ``FileSpec`` for each file (its track's file in the
preferred format, and the info texts), with where it lands, how it is checked and its tags."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.archive.concerts import fetchable
from engine.archive.parse import as_int, as_str
from engine.archive.setlist import segue_suffix
from engine.downloads.paths import plain_file_name, recording_dir, track_file_name
from engine.errors import DownloadError, NotFoundError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from pathlib import PurePosixPath

    from engine.models import Recording, Track, TrackFile


@dataclass(frozen=True, slots=True)
class FileSpec:
    """One file to download, as the queue records it."""

    identifier: str
    file_name: str
    """The archive's name of the file."""
    format: str
    kind: str
    """``track`` (audio, tagged and put in the library) or ``info`` (a text beside it)."""
    title: str
    track_number: int | None
    disc: int | None
    dest_path: str
    """Where it lands, relative to the music dir."""
    size: int | None
    md5: str | None
    sha1: str | None
    crc32: str | None
    note: str = ""
    """Why it is not in the first preferred format, if it is not."""
    tags: dict[str, str] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        """The spec as the queue's row takes it."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


def plan(
    recording: Recording,
    metadata: Mapping[str, Any],
    *,
    preferred: Sequence[str],
    tracks: Iterable[int] | None = None,
) -> tuple[FileSpec, ...]:
    """The files of a recording's tracks (all, or the 1-based ``tracks``), with its info texts
    when the whole recording is asked for; each file once."""
    folder = recording_dir(recording)
    count = len(recording.tracks)
    width = max(2, len(str(count)))
    chosen = set(tracks) if tracks is not None else None
    if chosen is not None and (bad := sorted(n for n in chosen if not 1 <= n <= count)):
        raise NotFoundError(f"{recording.identifier} has tracks 1 to {count}; no track {bad[0]}")
    specs: list[FileSpec] = []
    skipped: list[str] = []
    for index, track in enumerate(recording.tracks, start=1):
        if chosen is not None and index not in chosen:
            continue
        file, note = choose_file(track, preferred)
        if file is None:
            skipped.append(track.title)
            continue
        specs.append(
            FileSpec(
                identifier=recording.identifier,
                file_name=file.name,
                format=file.format,
                kind="track",
                title=track.title,
                track_number=index,
                disc=track.disc,
                dest_path=(folder / track_file_name(index, track, file.name, width)).as_posix(),
                size=file.size,
                md5=file.md5,
                sha1=file.sha1,
                crc32=file.crc32,
                note=note,
                tags=track_tags(recording, track),
            )
        )
    if not specs:
        raise DownloadError(
            f"{recording.identifier} has no downloadable audio"
            + (f" ({len(skipped)} stream-only tracks)" if skipped else "")
        )
    if chosen is None:
        specs += info_files(recording.identifier, metadata, folder)
    # An item may list a file twice: it is one download.
    return tuple(list({s.file_name: s for s in reversed(specs)}.values())[::-1])


def info_files(
    identifier: str, metadata: Mapping[str, Any], folder: PurePosixPath
) -> list[FileSpec]:
    """The recording's info texts (the taper's notes, the lineage), to land beside its audio."""
    raw = metadata.get("files")
    entries = [e for e in raw if isinstance(e, dict)] if isinstance(raw, list) else []
    infos = []
    for entry in entries:
        raw_name = entry.get("name")
        if not fetchable(raw_name) or as_str(entry.get("format")) != "Text":
            continue
        name = str(raw_name)
        if not name.lower().endswith(".txt") or as_str(entry.get("private")) == "true":
            continue
        size = as_int(entry.get("size"))
        infos.append(
            FileSpec(
                identifier=identifier,
                file_name=name,
                format="Text",
                kind="info",
                title=name,
                track_number=None,
                disc=None,
                dest_path=(folder / plain_file_name(name)).as_posix(),
                size=size if size is not None and size >= 0 else None,
                md5=_hex(entry.get("md5"), 32),
                sha1=_hex(entry.get("sha1"), 40),
                crc32=_hex(entry.get("crc32"), 8),
            )
        )
    return infos


def choose_file(track: Track, preferred: Sequence[str]) -> tuple[TrackFile | None, str]:
    """The file of ``track`` to download, and a note when it is not the first choice.

    Private (stream-only) files cannot be downloaded: then the next preferred format is taken,
    else any downloadable MP3 or Ogg derivative.
    """
    for fmt in preferred:
        file = track.file_for(fmt)
        if file is not None and not file.private:
            break
    else:
        fallbacks = [f for f in track.files if not f.private]
        fallbacks.sort(key=lambda f: (f.format != "VBR MP3", "MP3" not in f.format, f.format))
        file = fallbacks[0] if fallbacks else None
    if file is None:
        return None, ""
    wanted = preferred[0] if preferred else file.format
    if file.format == wanted:
        return file, ""
    wanted_file = track.file_for(wanted)
    why = (
        "is stream-only on the archive" if wanted_file and wanted_file.private else "is not offered"
    )
    return file, f"{wanted} {why}; {file.format} instead"


def album_name(recording: Recording) -> str:
    """The album tag of a recording's tracks: ``1977-05-08 Barton Hall, Ithaca, NY``."""
    place = ", ".join(p for p in (recording.venue, recording.city) if p)
    return f"{recording.date} {place}".strip() if recording.date else place or recording.title


def track_tags(recording: Recording, track: Track) -> dict[str, str]:
    """The tags a downloaded track is given: the title as taggers of live music write it (a
    segue ends in `` >``), the track number counted through the show."""
    return {
        "artist": recording.artist,
        "album": album_name(recording),
        "date": str(recording.date) if recording.date else "",
        "tracknumber": f"{track.number}/{len(recording.tracks)}",
        "title": segue_suffix(track.title, track.segue),
        "venue": recording.venue,
        "city": recording.city,
        "archive_identifier": recording.identifier,
    }


def _hex(value: Any, length: int) -> str | None:
    """A checksum as the archive lists it, when it is one (``length`` hex digits)."""
    text = as_str(value).lower()
    return text if len(text) == length and all(c in "0123456789abcdef" for c in text) else None
