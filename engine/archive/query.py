"""Building archive.org search queries from what a user asked for."""

from __future__ import annotations

import re

from engine.errors import ConfigError
from engine.models import PartialDate

_DATE_ARG = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def quote_value(value: str) -> str:
    """A value as one quoted search term."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_date_arg(text: str) -> PartialDate:
    """A date typed by a user: ``1977``, ``1977-05`` or ``1977-05-08``."""
    match = _DATE_ARG.match(text.strip())
    if not match:
        raise ConfigError("date", text, "YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    if (month is not None and not 1 <= month <= 12) or (day is not None and not 1 <= day <= 31):
        raise ConfigError("date", text, "a real month (01-12) and day (01-31)")
    return PartialDate(year, month, day)


def date_range(date: PartialDate) -> str:
    """``date:[first TO last]`` covering a whole year, month or one day."""
    if date.month is None:
        first, last = f"{date.year:04d}-01-01", f"{date.year:04d}-12-31"
    elif date.day is None:
        first, last = f"{date.year:04d}-{date.month:02d}-01", f"{date.year:04d}-{date.month:02d}-31"
    else:
        first = last = f"{date.year:04d}-{date.month:02d}-{date.day:02d}"
    return f"date:[{first} TO {last}]"


def concerts_query(
    text: str = "",
    *,
    artist: str | None = None,
    year: int | None = None,
    date: PartialDate | None = None,
) -> str:
    """A query for Live Music Archive recordings matching free text and filters."""
    terms = ["collection:etree", "mediatype:etree"]
    if artist:
        terms.append(f"creator:{quote_value(artist)}")
    if year is not None:
        terms.append(f"year:{year}")
    if date is not None:
        terms.append(date_range(date))
    if text.strip():
        terms.append(f"({text.strip()})")
    return " AND ".join(terms)


ARTISTS_QUERY = "collection:etree AND mediatype:collection"
