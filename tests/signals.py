"""Test signals: one continuous tone cut into the tracks of a set, as real audio files."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np
import soundfile as sf

if TYPE_CHECKING:
    from pathlib import Path

RATE = 44100


def sweep(seconds: float) -> np.ndarray:
    """One continuous signal: a rising tone, different in each channel, as 16-bit samples."""
    t = np.arange(int(RATE * seconds)) / RATE
    left = 0.4 * np.sin(2 * np.pi * (110 + 220 * t) * t)
    right = 0.4 * np.sin(2 * np.pi * (330 + 110 * t) * t)
    return (np.stack([left, right], axis=1) * 32767).astype(np.int16)


def cut(
    signal: np.ndarray,
    folder: Path,
    fmt: str,
    ext: str,
    cuts: list[int],
    stem: str = "{number:02d}",
) -> list[Path]:
    """The signal cut at ``cuts`` (sample indexes) into files named by ``stem``, like the
    tracks of a set."""
    bounds = [0, *cuts, len(signal)]
    paths = []
    for number, (start, end) in enumerate(itertools.pairwise(bounds), 1):
        path = folder / f"{stem.format(number=number)}{ext}"
        if fmt == "FLAC":
            sf.write(path, signal[start:end], RATE, format="FLAC", subtype="PCM_16")
        else:
            sf.write(path, signal[start:end], RATE, format="MP3", subtype="MPEG_LAYER_III")
        paths.append(path)
    return paths
