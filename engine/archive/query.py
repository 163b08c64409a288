"""Building archive.org search queries from what a user asked for."""

from __future__ import annotations

import re
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class SearchTerms:
    """What a typed search asks for: free text for the archive, and filters liveset applies."""

    text: str = ""
    artist: str | None = None
    year: int | None = None
    sbd_only: bool = False
    rating: tuple[str, float] | None = None  # (">", 4.0): the concert's average stars

    def rating_allows(self, value: float | None) -> bool:
        if self.rating is None:
            return True
        if value is None:
            return False
        op, limit = self.rating
        return {">": value > limit, ">=": value >= limit, "<": value < limit, "<=": value <= limit}[
            op
        ]


_TERM = re.compile(
    r'(?i)(?<!\S)(?:(?P<field>artist|year|venue|city):(?:"(?P<quoted>[^"]*)"|(?P<word>\S+))'
    r"|rating(?P<op>>=|<=|>|<)(?P<stars>\d+(?:\.\d+)?)|(?P<sbd>sbd|soundboard))(?!\S)"
)


def parse_search(text: str) -> SearchTerms:
    """``artist:"Grateful Dead" year:1977 venue:winterland city:sf sbd rating>4 dark star``.

    ``artist:`` and ``year:`` become filters of the query, ``venue:`` and ``city:`` search those
    fields, ``sbd`` keeps soundboards only, ``rating>4`` (also ``>=``, ``<``, ``<=``) keeps
    concerts by their average stars; anything else is free text.
    """
    found: dict[str, object] = {}
    kept: list[str] = []

    def take(match: re.Match[str]) -> str:
        field = (match.group("field") or "").lower()
        value = match.group("quoted") if match.group("quoted") is not None else match.group("word")
        if field == "artist" and value:
            found["artist"] = value
        elif field == "year" and value and value.isdigit() and len(value) == 4:
            found["year"] = int(value)
        elif field in ("venue", "city") and value:
            name = "venue" if field == "venue" else "coverage"
            kept.append(f"{name}:{quote_value(value) if ' ' in value else value}")
        elif match.group("op"):
            found["rating"] = (match.group("op"), float(match.group("stars")))
        elif match.group("sbd"):
            found["sbd_only"] = True
        else:
            return match.group(0)  # e.g. "year:seventies": left as text for the archive
        return " "

    rest = _TERM.sub(take, text)
    words = " ".join([*kept, *rest.split()])
    return SearchTerms(
        text=words,
        artist=found.get("artist"),  # type: ignore[arg-type]
        year=found.get("year"),  # type: ignore[arg-type]
        sbd_only=bool(found.get("sbd_only")),
        rating=found.get("rating"),  # type: ignore[arg-type]
    )


def day_query(month: int, day: int, years: range) -> str:
    """Every one of ``years`` on one month and day: ``(date:[..] OR date:[..] ...)``."""
    ranges = (date_range(PartialDate(year, month, day)) for year in years)
    return "(" + " OR ".join(ranges) + ")"
