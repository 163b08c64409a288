"""The one place where archive.org's loose JSON becomes typed values.

archive.org sends the same field as a string or a list, numbers as strings, dates with or without
a time, ``00``/``XX`` for an unknown month or day, HTML in descriptions, duplicates in lists, ``{}``
for a missing item, HTTP-200 bodies that carry an error, and plain text labelled JSON. Every
function here takes whatever came and returns a clean value or a clear ``ArchiveResponseError``.
"""

from __future__ import annotations

import functools
import json
import math
import re
from typing import TYPE_CHECKING, Any

from engine.archive.text import block_text, line_text
from engine.errors import ArchiveResponseError
from engine.models import PartialDate

if TYPE_CHECKING:
    from collections.abc import Iterable


def load_json(body: bytes | str, url: str = "") -> Any:
    """Decode a JSON body, or raise ``ArchiveResponseError`` saying what came instead."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    stripped = text.lstrip()
    # Bodies captured by hand sometimes carry a leading // comment line; skip such lines.
    while stripped.startswith("//"):
        stripped = stripped.partition("\n")[2].lstrip()
    if not stripped:
        raise ArchiveResponseError("empty response body", url=url)
    first_line = stripped.splitlines()[0][:200]
    # Past 10,000 sorted results the body is this text, with a JSON content type.
    if first_line.startswith("[RANGE_OUT_OF_BOUNDS]"):
        raise ArchiveResponseError(
            "the archive returns at most 10,000 sorted results; narrow the search", url=url
        )
    if stripped[0] not in "{[":
        raise ArchiveResponseError(f"expected JSON, got text: {first_line!r}", url=url)
    try:
        return json.loads(stripped)
    except json.JSONDecodeError as error:
        raise ArchiveResponseError(f"malformed JSON: {error}", url=url) from error


_SURROGATES = re.compile("[\ud800-\udfff]")


def as_list(value: Any, *, split: str | None = None) -> list[str]:
    """A field that may be missing, a string or a list, as a list of non-empty strings.

    ``split`` also splits strings on a separator (``subject`` comes as ``"a; b; c"``).
    Duplicates are dropped, first occurrence kept.
    """
    if value is None:
        return []
    items: Iterable[Any] = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if item is None or isinstance(item, (dict, list)):
            continue
        text = _SURROGATES.sub("\ufffd", str(item))  # JSON may carry lone surrogates
        parts = text.split(split) if split else [text]
        for part in parts:
            part = part.strip()
            if part and part not in out:
                out.append(part)
    return out


def as_str(value: Any, *, joiner: str | None = None) -> str:
    """A field as one string: the first item of a list, or all of them joined by ``joiner``."""
    items = as_list(value)
    if not items:
        return ""
    return joiner.join(items) if joiner is not None else items[0]


#: Past this no count, size or number of the archive's is real, and no database column holds it.
LARGEST = 2**63 - 1


def as_int(value: Any) -> int | None:
    """An integer from an int, a float or a numeric string; ``None`` when it is not one, or
    is too large to be real (``"1e20"`` bytes) or to store."""
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if -LARGEST <= value <= LARGEST else None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    if not math.isfinite(number) or abs(number) >= LARGEST:
        return None
    return int(number)


def as_float(value: Any) -> float | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{2}|[xX?]{2})(?:-(\d{2}|[xX?]{2}))?)?")


def parse_date(value: Any) -> PartialDate | None:
    """``1977-05-08``, ``1977-05-08T00:00:00Z``, ``1977-05-00``, ``1977-XX-XX`` or ``1977``."""
    text = as_str(value)
    match = _DATE.match(text)
    if not match:
        return None
    year = int(match.group(1))
    if year < 1000:
        return None
    month = _part(match.group(2), 12)
    day = _part(match.group(3), 31) if month else None
    return PartialDate(year, month, day)


@functools.lru_cache(maxsize=65_536)
def stored_date(text: str) -> PartialDate | None:
    """A date as liveset stores it (``str(PartialDate)``: ``1977-05-??``), read back."""
    return parse_date(text.replace("??", "00"))


def _part(text: str | None, high: int) -> int | None:
    if not text or not text.isdigit():
        return None
    number = int(text)
    return number if 1 <= number <= high else None


_ID_DATE = re.compile(r"(?<![0-9])((?:19|20)\d{2}|\d{2})-(\d{2}|[xX]{2})-(\d{2}|[xX]{2})(?![0-9])")


def date_from_identifier(identifier: str) -> PartialDate | None:
    """The date in identifiers such as ``gd77-05-08.sbd...`` or ``gd1977-05-08...``."""
    match = _ID_DATE.search(identifier)
    if not match:
        return None
    year_text = match.group(1)
    year = int(year_text)
    if len(year_text) == 2:
        year += 1900 if year >= 40 else 2000
    month = _part(match.group(2), 12)
    return PartialDate(year, month, _part(match.group(3), 31) if month else None)


_CLOCK = re.compile(r"^\s*(\d+(?:\.\d+)?)(?::(\d+(?:\.\d+)?))?(?::(\d+(?:\.\d+)?))?\s*$")


def parse_length(value: Any) -> float | None:
    """A file's ``length``: ``"333.22"`` seconds, ``"05:33"`` or ``"1:02:03"``; 0 is unknown."""
    text = as_str(value)
    match = _CLOCK.match(text)
    if not match:
        return None
    parts = [float(p) for p in match.groups() if p is not None]
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds if seconds > 0 else None


_MINUTES = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:min|mins|minutes)\.?\s*$", re.IGNORECASE)


def parse_runtime(value: Any) -> float | None:
    """The free-text ``runtime``: ``193:15.38`` (min:sec), ``1:02:03``, ``245 Mins.``."""
    text = as_str(value)
    if match := _MINUTES.match(text):
        return float(match.group(1)) * 60
    match = _CLOCK.match(text)
    if not match or match.group(2) is None:
        return None
    parts = [float(p) for p in match.groups() if p is not None]
    if len(parts) == 2:
        return parts[0] * 60 + parts[1]
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


def as_text(value: Any, *, joiner: str | None = None) -> str:
    """A one-line text field (a title, a name, a place), decoded by the text layer."""
    return line_text(as_str(value, joiner=joiner))


def as_block(value: Any) -> str:
    """A multi-line text field (description, notes, a review), decoded by the text layer."""
    return block_text(as_str(value, joiner="\n"))
