"""The library's overview as it was last read, kept in a small file beside the database.

The library screen shows it the moment it opens, while the engine (its database and its
libraries) is still loading, then replaces it with the database's answer. It holds no more
than the screen's first view: the totals and the artists with their numbers of concerts.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from engine.models import LibraryStats

if TYPE_CHECKING:
    from pathlib import Path

NAME = "library-overview.json"
VERSION = 1


def read_library_snapshot(
    data_dir: Path,
) -> tuple[LibraryStats, tuple[tuple[str, int], ...]] | None:
    """The overview last written, or ``None`` (none yet, or unreadable: it is only a cache)."""
    try:
        data = json.loads((data_dir / NAME).read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            return None
        stats = data["stats"]
        totals = LibraryStats(
            files=int(stats["files"]),
            artists=int(stats["artists"]),
            concerts=int(stats["concerts"]),
            size=int(stats["size"]),
            duration=float(stats["duration"]),
            problems=int(stats["problems"]),
            formats=tuple((str(f), int(n)) for f, n in stats["formats"]),
        )
        artists = tuple((str(a), int(n)) for a, n in data["artists"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return totals, artists


def write_library_snapshot(
    data_dir: Path, stats: LibraryStats, artists: tuple[tuple[str, int], ...]
) -> None:
    """Keep the overview for the next start (written whole, then renamed into place)."""
    data = {
        "version": VERSION,
        "stats": {
            "files": stats.files,
            "artists": stats.artists,
            "concerts": stats.concerts,
            "size": stats.size,
            "duration": stats.duration,
            "problems": stats.problems,
            "formats": [list(f) for f in stats.formats],
        },
        "artists": [list(a) for a in artists],
    }
    target = data_dir / NAME
    temporary = target.with_name(NAME + ".part")
    try:
        temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, target)
    except OSError:
        pass  # only a cache: the screen reads the database all the same
