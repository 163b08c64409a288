"""A download as a command asks for it (a recording, in a format named any which way, all of
it or some tracks or sets), checked against what the archive offers and queued."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.archive.setlist import in_set
from engine.errors import DownloadError, NotFoundError
from engine.formats import FORMAT_HELP, format_name
from engine.storage import repository as repo

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from engine.browse.recordings import Recordings
    from engine.downloads.manager import DownloadManager
    from engine.models import Download, Recording
    from engine.storage.database import Database


async def download(
    manager: DownloadManager,
    recordings: Recordings,
    database: Database,
    identifier: str,
    *,
    preferred: Sequence[str],
    format: str | None = None,
    tracks: Iterable[int] | None = None,
    sets: Iterable[str | int] | None = None,
) -> tuple[Download, ...]:
    """Queue ``identifier`` (see ``EngineAPI.download``)."""
    if format is not None:
        named = format_name(format)
        if named is None:
            raise DownloadError(f"unknown format {format!r}; one of: {FORMAT_HELP}")
        format = named
    recording, metadata = await recordings.fetch(identifier)
    if format is not None:
        offered = {f.format for t in recording.tracks for f in t.files if not f.private}
        if format not in offered:
            stream_only = format in recording.formats
            raise DownloadError(
                f"{identifier} has no {format} files to download"
                + (" (they are stream-only)" if stream_only else "")
                + f"; it has: {', '.join(sorted(offered)) or 'none'}"
            )
        preferred = (format, *(f for f in preferred if f != format))
    await database.run(lambda s: repo.save_recordings(s, [recording]))
    if sets is not None:
        tracks = _tracks_of_sets(recording, list(sets), tracks)
    return await manager.enqueue(recording, metadata, preferred=preferred, tracks=tracks)


def _tracks_of_sets(
    recording: Recording, asked: list[str | int], tracks: Iterable[int] | None
) -> list[int]:
    """The tracks of the ``asked`` sets (``1``, ``2``, ``e`` for the encore), of ``tracks``
    when given too."""
    in_sets = [t.number for t in recording.tracks if any(in_set(t.set_name, a) for a in asked)]
    if not in_sets:
        shown = list(dict.fromkeys(t.set_name for t in recording.tracks if t.set_name))
        raise NotFoundError(
            f"{recording.identifier} has no set {asked[0]}"
            + (f"; it has {', '.join(shown)}" if shown else "; it is one set")
        )
    wanted = set(tracks) if tracks is not None else None
    return [n for n in in_sets if wanted is None or n in wanted]
