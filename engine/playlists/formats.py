"""Playlists in files other programs read: M3U8 (``#EXTINF`` lines, then a path for a track on
disk or the archive's URL for one that is not), which mpv plays as it is."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from engine.models import PlaylistEntry

FORMATS = ("m3u8",)


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
