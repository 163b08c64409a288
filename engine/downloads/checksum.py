"""The check a downloaded file must pass before it lands: the cheapest the archive gives.

archive.org lists ``md5``, ``sha1`` and ``crc32`` for most files. CRC-32 is several times
cheaper to compute than MD5 and catches what goes wrong on the way (a flipped or missing
block), so it is used when given; then SHA-1; MD5 otherwise.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

#: Bytes read at a time when a partial file is checked again on resume.
READ = 4 << 20


@dataclass
class Checksum:
    """A running checksum of one kind, and the value the archive gave for the file."""

    kind: str
    """``crc32``, ``sha1`` or ``md5``; ``""`` when the archive gave none."""
    expected: str
    _crc: int = 0
    _hash: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.kind in ("sha1", "md5"):
            self._hash = hashlib.new(self.kind)

    @classmethod
    def choose(cls, *, crc32: str | None, sha1: str | None, md5: str | None) -> Checksum:
        for kind, value in (("crc32", crc32), ("sha1", sha1), ("md5", md5)):
            if value:
                return cls(kind, value.strip().lower())
        return cls("", "")

    def fresh(self) -> Checksum:
        """The same check from the first byte again."""
        return Checksum(self.kind, self.expected)

    def update(self, block: bytes) -> None:
        if self.kind == "crc32":
            self._crc = zlib.crc32(block, self._crc)
        elif self._hash is not None:
            self._hash.update(block)

    def hexdigest(self) -> str:
        if self.kind == "crc32":
            return f"{self._crc:08x}"
        return str(self._hash.hexdigest()) if self._hash is not None else ""

    def matches(self) -> bool:
        """True when the bytes seen have the archive's value (or it gave none)."""
        return not self.kind or self.hexdigest() == self.expected

    def describe(self) -> str:
        return f"{self.kind} {self.expected}" if self.kind else "no checksum"

    def update_from(self, path: Path, length: int) -> Checksum:
        """Read the first ``length`` bytes of ``path`` into the checksum (a resumed part)."""
        with open(path, "rb") as handle:
            remaining = length
            while remaining > 0:
                block = handle.read(min(READ, remaining))
                if not block:
                    break
                self.update(block)
                remaining -= len(block)
        return self
