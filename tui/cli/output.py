"""What every command shares: tables that fit the terminal, JSON, counts, argument types."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from tui.formatting import fit_text

if TYPE_CHECKING:
    from collections.abc import Sequence


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], keep: Sequence[int] = ()) -> str:
    """Columns padded to fit the terminal: the widest columns give way first (never in a pipe).

    Columns in ``keep`` (short codes, numbers) are never cut.
    """
    import shutil

    from rich.cells import cell_len  # loaded by the commands that print a table

    widths = [max([cell_len(h)] + [cell_len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    # On a terminal, fit its width; in a pipe or a file, whole values (an identifier must copy).
    columns = shutil.get_terminal_size((100, 24)).columns if sys.stdout.isatty() else 1 << 20
    budget = columns - 2 * (len(widths) - 1)
    floors = [w if i in keep else max(cell_len(headers[i]), 6) for i, w in enumerate(widths)]
    while sum(widths) > budget:
        shrinkable = [i for i, w in enumerate(widths) if w > floors[i]]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda i: widths[i])
        widths[widest] -= 1

    def line(cells: Sequence[str]) -> str:
        return "  ".join(fit_text(cell, widths[i]) for i, cell in enumerate(cells)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def stale_note(stale: bool) -> None:
    if stale:
        print("liveset: archive.org is unreachable; showing cached results", file=sys.stderr)


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return value


def identifier(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("an archive identifier cannot be empty")
    return text.strip()


def track_numbers(text: str) -> list[int]:
    """``1,2,5`` or ``3-7``: track numbers through the show, from 1, ranges low to high."""
    example = "(e.g. 1,2,5 or 3-7, numbered from 1 as `liveset recording` shows them)"
    numbers: list[int] = []
    for part in text.split(","):
        low, dash, high = part.strip().partition("-")
        try:
            first = int(low)
            last = int(high) if dash else first
        except ValueError:
            raise argparse.ArgumentTypeError(f"not track numbers: {text!r} {example}") from None
        if first < 1 or last < first:
            raise argparse.ArgumentTypeError(
                f"not track numbers: {part.strip()!r}: tracks count from 1 and a range goes "
                f"from low to high {example}"
            )
        numbers += range(first, last + 1)
    return numbers
