"""The music dir's disk: how much is free, and whether a queue has room to go on."""

from __future__ import annotations

import errno
import shutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

#: The errors of a disk (or a quota) that is full.
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def free_space(path: Path) -> int:
    """Bytes free on the disk of ``path`` (or of its nearest folder that exists)."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return shutil.disk_usage(probe).free
