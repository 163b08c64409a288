"""Why a recording is a pick, as values: a kind, the signal it rests on, and its words. Picks
carry the words; everything before them (choosing which, dropping one said already) works on
the values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.models import SOURCE_KIND_WORDS
from engine.recommend.index import KINDS

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from engine.recommend.index import Index
    from engine.recommend.scoring import Scored
    from engine.recommend.signals import Taste


@dataclass(frozen=True, slots=True)
class Reason:
    kind: str
    """``because`` (one of the person's recordings is like it), ``venue``, ``artist``,
    ``quality``, ``popularity``, ``on this day``, ``hour``, ``match``, ``new``."""
    signal: str
    """What it rests on: the person's recording, the artist's key, the year, the words asked."""
    words: str


def words(reasons: Iterable[Reason]) -> tuple[str, ...]:
    """The reasons as a pick says them."""
    return tuple(r.words for r in reasons)


def merged(first: Iterable[Reason], rest: Iterable[Reason], limit: int = 3) -> tuple[Reason, ...]:
    """``first`` (a row's own reason), then those of ``rest`` of a kind not said yet."""
    out = list(first)
    kinds = {r.kind for r in out}
    for reason in rest:
        if reason.kind not in kinds:
            out.append(reason)
            kinds.add(reason.kind)
    return tuple(out[:limit])


class Explainer:
    """Reasons for the recordings of one index."""

    def __init__(self, index: Index) -> None:
        self.index = index

    def label(self, i: int) -> str:
        index = self.index
        return f"{index.artists[index.artist[i]]} {self.date_text(i)}".strip()

    def date_text(self, i: int) -> str:
        index = self.index
        y, m, d = int(index.year[i]), int(index.month[i]), int(index.day[i])
        if not y:
            return ""
        return f"{y:04d}-{m:02d}-{d:02d}" if m and d else str(y)

    def reasons(self, i: int, scored: Scored, taste: Taste, limit: int = 3) -> tuple[Reason, ...]:
        """The parts that lifted recording ``i`` most, each naming its signal; one of a kind
        (one recording of theirs says "because"; a second adds little)."""
        found: list[Reason] = []
        ranked = sorted(scored.parts, key=lambda name: -float(scored.parts[name][i]))
        for name in ranked:
            value = float(scored.parts[name][i])
            if value <= 0.05 and found:
                break
            reason = self._reason(name, i, scored, taste)
            if reason is not None and all(reason.kind != f.kind for f in found):
                found.append(reason)
            if len(found) >= limit:
                break
        if not found:
            found.append(self.quality(i))
        return tuple(found)

    def because(self, j: int, taste: Taste) -> Reason:
        """Because of the person's recording ``j``: how they came by it, and which."""
        identifier = self.index.identifiers[j]
        verb = taste.why.get(identifier, "played")
        if verb == "have in your library":
            return Reason("because", identifier, f"because {self.label(j)} is in your library")
        return Reason("because", identifier, f"because you {verb} {self.label(j)}")

    def quality(self, i: int) -> Reason:
        return Reason("quality", self.index.identifiers[i], quality_words(self.index, i))

    def _closest_own(self, i: int, own: Mapping[int, float], by: str) -> int | None:
        index = self.index
        liked = [j for j, w in own.items() if w > 0]
        if not liked:
            return None
        if by == "collaborative" and index.factors is not None:
            sims = index.factors[liked] @ index.factors[i]
        else:
            sims = np.asarray((index.features[liked] @ index.features[i].T).todense()).ravel()
        best = int(np.argmax(sims))
        return liked[best] if sims[best] > 0 else None

    def _reason(self, name: str, i: int, scored: Scored, taste: Taste) -> Reason | None:
        index = self.index
        if name in ("collaborative", "content"):
            j = self._closest_own(i, scored.own, name)
            if j is None:
                return None
            venue = index.venues[index.venue[i]]
            if (
                name == "content"
                and index.artist[j] != index.artist[i]
                and index.venue[j] == index.venue[i]
                and venue
            ):
                return Reason("venue", index.identifiers[j], f"at {venue}, like {self.label(j)}")
            return self.because(j, taste)
        if name == "artist":
            key = index.artist_keys[index.artist[i]]
            why = taste.artist_why.get(key)
            return (
                Reason("artist", key, f"{index.artists[index.artist[i]]}: {why}") if why else None
            )
        if name == "quality":
            return self.quality(i)
        if name == "popularity":
            count = int(index.downloads[i])
            return (
                Reason("popularity", str(count), f"downloaded {count:,} times")
                if count > 0
                else None
            )
        if name == "on this day":
            year = int(index.year[i])
            return Reason("on this day", str(year), f"on this day in {year}") if year else None
        if name == "hour":
            artist = index.artists[index.artist[i]]
            return Reason("hour", artist, f"you often play {artist} at this hour")
        return None


def quality_words(index: Index, i: int) -> str:
    """``soundboard, 4.6 stars from 5 reviews``: the source and what reviewers said."""
    kind = SOURCE_KIND_WORDS[KINDS[int(index.kind[i])]]
    reviews = int(index.reviews[i])
    if reviews and not np.isnan(index.rating[i]):
        noun = "review" if reviews == 1 else "reviews"
        stars = f"{float(index.rating[i]):.1f} stars from {reviews} {noun}"
        # A source the archive does not name says nothing: the stars alone.
        return stars if kind == SOURCE_KIND_WORDS["unknown"] else f"{kind}, {stars}"
    return kind
