"""A downloaded file lands: its part checked (size and checksum), tagged, put on disk (fsync)
and renamed into place, never half; and the recording's metadata written beside it."""

from __future__ import annotations

import errno
import json
import logging
import os
import stat
from typing import TYPE_CHECKING, Any

from engine.downloads.disk import DISK_FULL, ROOM_TO_TAG, free_space
from engine.downloads.paths import inside, part_of, plain_file_name
from engine.library.scanner import read_file
from engine.library.tags import write_tags

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path, PurePosixPath

    from engine.downloads.checksum import Checksum
    from engine.storage.schema import DownloadRow

log = logging.getLogger(__name__)

#: Metadata fields that name servers: they change, so they are not kept beside the audio.
_SERVER_FIELDS = ("server", "d1", "d2", "dir", "workable_servers", "alternate_locations")


def verified(row: DownloadRow, part: Path, digest: Checksum) -> bool:
    """The part is the whole file the archive lists: its size and its checksum."""
    size = part.stat().st_size
    if row.size is not None and size != row.size:
        return False
    return bool(digest.matches())


def shared_modes(music_dir: Path) -> tuple[int, int]:
    """The modes of a landed file and of a folder made for one: readable by the group always
    (members of a household play what others fetched), and writable by it where the music dir
    is (so they can remove it too)."""
    try:
        writable = bool(music_dir.stat().st_mode & stat.S_IWGRP)
    except OSError:
        writable = False
    return (0o664, 0o2775) if writable else (0o644, 0o755)


def share(path: Path, music_dir: Path, *, folder: bool = False) -> None:
    """Give ``path`` the household's mode (see ``shared_modes``); a file system that keeps no
    modes is left as it is."""
    file_mode, folder_mode = shared_modes(music_dir)
    try:
        os.chmod(path, folder_mode if folder else file_mode)
    except OSError as error:
        log.info("cannot set the mode of %s: %s", path, error)


def make_folder(folder: Path, music_dir: Path) -> None:
    """``folder`` (and any above it inside the music dir), in the household's mode."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    for made in missing:
        if made.is_relative_to(music_dir) and made != music_dir:
            share(made, music_dir, folder=True)


def land(row: DownloadRow, part: Path, dest: Path, music_dir: Path) -> dict[str, Any] | None:
    """Tag the verified part and rename it into place; its library row for a track."""
    if row.kind == "track" and row.tags:
        # Tags may grow the file: with no room, the verified part waits whole (a resume
        # finds it complete) rather than land untagged or half rewritten.
        if free_space(part.parent) < ROOM_TO_TAG:
            raise OSError(errno.ENOSPC, "no room to write the tags")
        try:
            write_tags(part, row.tags, ext=dest.suffix)
        except OSError as error:
            if error.errno in DISK_FULL:
                part.unlink(missing_ok=True)  # it may be half rewritten: never lands
                raise
            log.warning("cannot tag %s: %s", dest, error)
        except Exception as error:  # a file that plays but cannot be tagged still lands
            log.warning("cannot tag %s: %s", dest, error)
    with open(part, "rb") as handle:
        os.fsync(handle.fileno())
    share(part, music_dir)
    os.replace(part, dest)
    if row.kind != "track":
        return None
    found = dest.stat()
    return read_file(str(dest), str(music_dir.resolve()), found.st_size, found.st_mtime_ns)


def write_metadata(
    music_dir: Path, identifier: str, metadata: Mapping[str, Any], folder: PurePosixPath
) -> None:
    """The item's metadata as JSON in its folder, without the fields that name servers."""
    kept = {k: v for k, v in metadata.items() if k not in _SERVER_FIELDS}
    target = inside(music_dir, folder / f"{plain_file_name(identifier)}.json")
    make_folder(target.parent, music_dir)
    temporary = part_of(target)
    # ASCII: the escapes keep any odd text intact.
    temporary.write_text(json.dumps(kept, indent=1), encoding="ascii")
    share(temporary, music_dir)
    os.replace(temporary, target)
