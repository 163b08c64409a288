"""The keys names are compared by, one rule for each: an artist (concerts group by it, the
catalog and the concert cache look it up) and a venue."""

from __future__ import annotations


def folded(text: str) -> str:
    """A name as names are compared: case folded, each run of white space one space, none at
    the ends (``"Grateful  Dead "`` and ``"grateful dead"`` are one)."""
    return " ".join(text.casefold().split())


def artist_key(name: str) -> str:
    return folded(name)


def venue_key(name: str) -> str:
    return folded(name)
