"""Playlists in files other programs read: M3U8 (``#EXTINF`` lines, then a path for a track on
disk or the archive's URL for one that is not), which mpv plays as it is; XSPF and JSPF
(ListenBrainz's JSON form of it), each track with the archive's address of it as its
identifier; and reading them back: what each entry names (a recording's track, a file)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit
from xml.etree import ElementTree

from engine.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from engine.models import PlaylistEntry

FORMATS = ("m3u8", "xspf", "jspf")
XSPF = "http://xspf.org/ns/0/"
_ARCHIVE_PATH = re.compile(r"^/(?:details|download|serve)/([^/]+)/(.+)$")


def details_url(identifier: str, file_name: str) -> str:
    """The archive's address of a recording's track: what names it in XSPF and JSPF."""
    return f"https://archive.org/details/{quote(identifier)}/{quote(file_name)}"


def archive_track(address: str) -> tuple[str, str] | None:
    """(identifier, file name) of an archive address of a track (details, download, serve; of
    any host serving the archive's paths); None for anything else."""
    parts = urlsplit(address)
    if parts.scheme not in ("http", "https"):
        return None
    found = _ARCHIVE_PATH.match(parts.path)
    return (unquote(found[1]), unquote(found[2])) if found else None


def render(format: str, name: str, entries: Sequence[PlaylistEntry]) -> str:
    if format == "m3u8":
        return m3u8(name, entries)
    if format == "xspf":
        return xspf(name, entries)
    if format == "jspf":
        return json.dumps(jspf(name, entries), ensure_ascii=False, indent=1) + "\n"
    raise ConfigError("format", format, "one of " + ", ".join(FORMATS))


def _track_fields(entry: PlaylistEntry) -> dict[str, Any]:
    item = entry.item
    location = ""
    if item is not None:
        location = item.uri if "://" in item.uri else Path(item.uri).as_uri()
    fields: dict[str, Any] = {
        "location": location,
        "identifier": details_url(entry.identifier, entry.file_name),
        "title": item.title if item else entry.file_name,
        "creator": item.artist if item else "",
        "album": item.album if item else "",
    }
    if item is not None and item.duration is not None:
        fields["duration"] = round(item.duration * 1000)
    return fields


def xspf(name: str, entries: Sequence[PlaylistEntry]) -> str:
    root = ElementTree.Element("playlist", version="1", xmlns=XSPF)
    ElementTree.SubElement(root, "title").text = name
    tracks = ElementTree.SubElement(root, "trackList")
    for entry in entries:
        track = ElementTree.SubElement(tracks, "track")
        for key, value in _track_fields(entry).items():
            if value != "":
                ElementTree.SubElement(track, key).text = str(value)
    body = ElementTree.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def jspf(name: str, entries: Sequence[PlaylistEntry]) -> dict[str, Any]:
    tracks = []
    for entry in entries:
        fields = _track_fields(entry)
        track = {k: v for k, v in fields.items() if k not in ("location", "identifier") and v != ""}
        track["identifier"] = [fields["identifier"]]
        if fields["location"]:
            track["location"] = [fields["location"]]
        tracks.append(track)
    return {"playlist": {"title": name, "track": tracks}}


def read(text: str, format: str) -> list[tuple[str, str]]:
    """What a playlist file names, entry by entry: ("archive", "identifier\0file") for a track
    of the archive, ("path", path) for a local file, ("unknown", what it said) otherwise."""
    if format in ("m3u", "m3u8"):
        return [_named(line.strip()) for line in text.splitlines() if _entry_line(line)]
    if format == "xspf":
        try:
            root = ElementTree.fromstring(text)
        except ElementTree.ParseError as error:
            raise ConfigError("playlist file", "XSPF", f"well-formed XML ({error})") from None
        found = []
        for track in root.iter(f"{{{XSPF}}}track"):
            names = [
                e.text or ""
                for tag in ("identifier", "location")  # the archive's name of it first
                for e in track.iter(f"{{{XSPF}}}{tag}")
            ]
            found.append(_first_known(names))
        return found
    if format == "jspf":
        try:
            tracks = json.loads(text)["playlist"]["track"]
        except (ValueError, KeyError, TypeError) as error:
            raise ConfigError("playlist file", "JSPF", f"a JSPF playlist ({error})") from None
        found = []
        for track in tracks if isinstance(tracks, list) else []:
            names = [str(n) for key in ("identifier", "location") for n in _listed(track, key)]
            found.append(_first_known(names))
        return found
    raise ConfigError("format", format, "m3u, m3u8, xspf or jspf")


def _listed(track: Any, key: str) -> list[Any]:
    value = track.get(key) if isinstance(track, dict) else None
    return value if isinstance(value, list) else [value] if value else []


def _entry_line(line: str) -> bool:
    line = line.strip()
    return bool(line) and not line.startswith("#")


def _first_known(names: Sequence[str]) -> tuple[str, str]:
    named = [_named(n.strip()) for n in names if n.strip()]
    for kind in ("archive", "path"):
        for found in named:
            if found[0] == kind:
                return found
    return named[0] if named else ("unknown", "")


def _named(text: str) -> tuple[str, str]:
    track = archive_track(text)
    if track is not None:
        return ("archive", "\0".join(track))
    if text.startswith("file://"):
        return ("path", unquote(urlsplit(text).path))
    if text.startswith("/"):
        return ("path", text)
    return ("unknown", text)


def m3u8(name: str, entries: Sequence[PlaylistEntry]) -> str:
    """The list as M3U8 (UTF-8); items that cannot be found are left out, as a comment."""
    lines = ["#EXTM3U", f"#PLAYLIST:{_one_line(name)}"]
    for entry in entries:
        item = entry.item
        if item is None:
            lines.append(f"# not found: {entry.identifier} {_one_line(entry.file_name)}")
            continue
        seconds = round(item.duration) if item.duration is not None else -1
        label = " - ".join(p for p in (_one_line(item.artist), _one_line(item.title)) if p)
        lines += [f"#EXTINF:{seconds},{label}", item.uri]
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())
