"""Synthesised audio for the fake archive: a short tone per track, in each file's format.

Derivatives of one original share its tone, so a Flac and its MP3 sound alike. Non-audio files
get deterministic filler bytes. Shorten has no encoder here: .shn files carry WAV data.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

import numpy as np
import soundfile as sf

SAMPLE_RATE = 44100

_ENCODINGS: dict[str, tuple[str, str]] = {
    "Flac": ("FLAC", "PCM_16"),
    "24bit Flac": ("FLAC", "PCM_24"),
    "VBR MP3": ("MP3", "MPEG_LAYER_III"),
    "64Kbps MP3": ("MP3", "MPEG_LAYER_III"),
    "128Kbps MP3": ("MP3", "MPEG_LAYER_III"),
    "160Kbps MP3": ("MP3", "MPEG_LAYER_III"),
    "Ogg Vorbis": ("OGG", "VORBIS"),
    "Shorten": ("WAV", "PCM_16"),
}
_ENDINGS = {"Flac": ".flac", "24bit Flac": ".flac", "Ogg Vorbis": ".ogg", "Shorten": ".shn"}


def _seed(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


def tone(key: str, seconds: float) -> np.ndarray:
    frequency = 220 + _seed(key) % 660
    t = np.arange(int(SAMPLE_RATE * seconds)) / SAMPLE_RATE
    left = 0.3 * np.sin(2 * np.pi * frequency * t)
    right = 0.3 * np.sin(2 * np.pi * frequency * 1.5 * t)
    return np.stack([left, right], axis=1).astype(np.float32)


def is_audio(entry: dict[str, Any]) -> bool:
    fmt = str(entry.get("format", ""))
    name = str(entry.get("name", "")).lower()
    if fmt not in _ENCODINGS:
        return False
    return name.endswith(_ENDINGS.get(fmt, ".mp3"))


def synthesise(entry: dict[str, Any], seconds: float) -> bytes:
    """The bytes the fake serves for one file entry of a metadata body."""
    name = str(entry.get("name", ""))
    if not is_audio(entry):
        size = min(int(entry.get("size") or 0) or 256, 2048)
        stream = b""
        counter = 0
        while len(stream) < size:
            stream += hashlib.sha256(f"{name}:{counter}".encode()).digest()
            counter += 1
        return stream[:size]
    fmt, subtype = _ENCODINGS[str(entry["format"])]
    key = str(entry.get("original") or name)
    buffer = io.BytesIO()
    sf.write(buffer, tone(key, seconds), SAMPLE_RATE, format=fmt, subtype=subtype)
    return buffer.getvalue()
