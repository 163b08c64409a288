"""The audio formats as archive.org names them, and the short names people type for them."""

from __future__ import annotations

#: Formats a user may prefer for downloads and playback, as archive.org names them.
KNOWN_FORMATS = (
    "Flac",
    "24bit Flac",
    "VBR MP3",
    "Ogg Vorbis",
    "Shorten",
    "128Kbps MP3",
    "64Kbps MP3",
    "160Kbps MP3",
)


#: Short names people type for formats, besides the archive's own names in any case.
_FORMAT_ALIASES = {
    "flac": "Flac",
    "flac16": "Flac",
    "flac24": "24bit Flac",
    "24bit": "24bit Flac",
    "mp3": "VBR MP3",
    "vbr": "VBR MP3",
    "vbrmp3": "VBR MP3",
    "ogg": "Ogg Vorbis",
    "vorbis": "Ogg Vorbis",
    "shn": "Shorten",
    "128kbps": "128Kbps MP3",
    "64kbps": "64Kbps MP3",
    "160kbps": "160Kbps MP3",
}


def format_name(text: str) -> str | None:
    """The archive's name of a format typed any which way (``flac``, ``mp3``, ``"vbr mp3"``,
    ``OGG``); ``None`` when it names none."""
    folded = "".join(text.casefold().split())
    for name in KNOWN_FORMATS:
        if "".join(name.casefold().split()) == folded:
            return name
    return _FORMAT_ALIASES.get(folded)


FORMAT_HELP = "flac, flac24, mp3, ogg, shn, or an archive name: " + ", ".join(KNOWN_FORMATS)
