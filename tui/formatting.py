"""How values read on screen and in tables: shared by the app and the command line."""

from __future__ import annotations


def clock(seconds: float | None) -> str:
    """``4:33:30`` or ``11:15``; ``-`` when unknown."""
    if not seconds:
        return "-"
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def stars(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "-"
