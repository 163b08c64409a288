"""How values read on screen and in tables: shared by the app and the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING

import engine as engine_package

if TYPE_CHECKING:
    from collections.abc import Sequence


def clock(seconds: float | None) -> str:
    """``4:33:30`` or ``11:15``; ``-`` when unknown; never below ``0:00``."""
    if seconds is None or seconds == 0:
        return "-"
    hours, rest = divmod(max(0, round(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def stars(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "-"


def size_text(size: int | None) -> str:
    """``1.2 GB`` as the engine's messages say it; ``-`` when unknown or nothing."""
    return engine_package.size_text(size) if size else "-"


def bar(fraction: float, width: int, full: str = "━", empty: str = "─") -> str:
    """A bar ``━━━━━━──────`` of ``width`` cells, ``fraction`` of them full."""
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return full * filled + empty * (width - filled)


def progress_bar(fraction: float, width: int) -> str:
    """``[#####-----]``, ``width`` characters inside the brackets (plain, for scripts)."""
    return "[" + bar(fraction, width, "#", "-") + "]"


def fit_text(text: str, width: int) -> str:
    """``text`` padded or cut to ``width`` terminal cells, with an ellipsis when cut; wide
    characters (CJK) count two cells, so a cut never breaks the column."""
    from rich.cells import cell_len, set_cell_size  # here: a command that prints no table skips it

    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1).rstrip() + "…" + " " * _pad(text, width)
    return set_cell_size(text, width)


def _pad(text: str, width: int) -> int:
    """Cells left over when a wide character cannot be split at the cut."""
    from rich.cells import cell_len, set_cell_size

    return width - 1 - cell_len(set_cell_size(text, width - 1).rstrip())


def eta_text(seconds: float | None) -> str:
    """``3:20`` left; ``-`` when unknown."""
    return clock(seconds) if seconds and seconds > 0.5 else "-"


def speed_text(bytes_per_second: float) -> str:
    return f"{size_text(int(bytes_per_second))}/s" if bytes_per_second >= 1 else "-"


def age_text(seconds: float | None, *, short: bool = False) -> str:
    """How long ago: ``just now``, ``12 min ago``, ``5 h ago``, ``3 days ago``; ``never``.
    ``short`` for a status line: ``now``, ``12m``, ``5h``, ``3d``."""
    if seconds is None:
        return "never"
    if seconds < 60:
        return "now" if short else "just now"
    for limit, unit, word in ((3600, 60, "min"), (2 * 86_400, 3600, "h"), (None, 86_400, "days")):
        if limit is None or seconds < limit:
            count = f"{seconds // unit:.0f}"
            return count + word[0] if short else f"{count} {word} ago"
    raise AssertionError("unreachable")


def plural(number: int, word: str) -> str:
    """``1 file``, ``2 files``."""
    return f"{number} {word}" if number == 1 else f"{number} {word}s"


SPARKS = " ▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float]) -> str:
    """Values as one line of block heights (blank for nothing), scaled to the largest."""
    top = max(values, default=0.0)
    if top <= 0:
        return " " * len(values)
    return "".join(SPARKS[round(v / top * (len(SPARKS) - 1))] if v > 0 else " " for v in values)
