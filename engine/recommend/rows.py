"""The discover screen's scored rows: for you, because you played, on this day, hidden gems
and new in the archive; a recording shown in one row is not shown again in a later one."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from engine.recommend.reasons import Reason, quality_words

if TYPE_CHECKING:
    from collections.abc import Callable

    from engine.recommend.index import Index
    from engine.recommend.reasons import Explainer
    from engine.recommend.scoring import Scored, Scorer
    from engine.recommend.signals import Taste

NEW_DAYS = 60  # "new in the archive": added this many days ago or less
GEM_MIN_STARS = 4.2
GEM_MIN_REVIEWS = 2
GEM_DOWNLOADS_QUANTILE = 0.3  # hidden: fewer downloads than 70% of the catalog


@dataclass
class Row:
    """One row as chosen: its key, title and why, the recordings (index positions) in
    order, the scores they were chosen on, and each one's leading reason."""

    key: str
    title: str
    why: str
    chosen: list[int]
    scored: Scored
    lead: dict[int, tuple[Reason, ...]] = field(default_factory=dict)


def scored_rows(
    scorer: Scorer, explainer: Explainer, taste: Taste, per_row: int, now: float
) -> list[Row]:
    index = scorer.index
    scored = scorer.score(taste, now=now)
    shown = np.zeros(len(index), dtype=bool)
    out: list[Row] = []

    def row(
        key: str,
        title: str,
        why: str,
        mask: np.ndarray | None = None,
        *,
        scores: Scored = scored,
        extra: np.ndarray | None = None,
        lead: Callable[[int], tuple[Reason, ...]] = lambda i: (),
    ) -> None:
        allowed = ~shown if mask is None else (mask & ~shown)
        chosen = scorer.top(scores, per_row, mask=allowed, extra=extra)
        shown[chosen] = True
        out.append(Row(key, title, why, chosen, scores, {i: lead(i) for i in chosen}))

    today = time.localtime(now)
    on_day = (index.month == today.tm_mon) & (index.day == today.tm_mday)
    if taste.empty:
        # Nothing to go on: the rating alone, this day's concerts in their own row.
        row(
            "for-you",
            "Well rated",
            "no listening yet: the best-rated recordings",
            ~on_day,
            extra=2.0 * index.quality - scored.total,
        )
    else:
        row("for-you", "For you", "scored on your listening")
        seed = seed_of(taste, index)
        if seed is not None:
            because = explainer.because(seed, taste)
            row(
                "because",
                because.words[0].upper() + because.words[1:],
                "alike in listeners and in kind",
                scores=scorer.similar(seed, scored),
                lead=lambda i: (because,),
            )
    if on_day.any():
        row(
            "on-this-day",
            "On this day",
            f"played on {time.strftime('%B %-d', today)}",
            on_day,
            lead=lambda i: (
                Reason(
                    "on this day", str(int(index.year[i])), f"on this day in {int(index.year[i])}"
                ),
            ),
        )
    known = index.downloads >= 0
    if known.any():
        few = index.downloads <= np.quantile(index.downloads[known], GEM_DOWNLOADS_QUANTILE)
        rated = (index.reviews >= GEM_MIN_REVIEWS) & (np.nan_to_num(index.rating) >= GEM_MIN_STARS)
        row(
            "hidden-gems",
            "Hidden gems",
            "well rated, seldom downloaded",
            known & few & rated,
            extra=-scored.parts["popularity"],
            lead=lambda i: (
                Reason(
                    "quality",
                    index.identifiers[i],
                    f"{quality_words(index, i)}, downloaded only {int(index.downloads[i]):,} times",
                ),
            ),
        )
    new = index.added >= now / 86_400 - NEW_DAYS
    theirs = their_artists(taste, index)
    if theirs.size:
        new &= np.isin(index.artist, theirs)
    row(
        "new",
        "New in the archive",
        "recently added, by artists you play" if theirs.size else "recently added",
        new,
        lead=lambda i: (
            Reason("new", index.identifiers[i], f"new in the archive: added {added(index, i)}"),
        ),
    )
    return out


def added(index: Index, i: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(int(index.added[i]) * 86_400))


def their_artists(taste: Taste, index: Index) -> np.ndarray:
    """The artists (numbers in ``index``) of what the person likes."""
    found = {
        index.artist[index.position[i]]
        for i, w in taste.items.items()
        if w > 0 and i in index.position
    }
    found |= {
        index.by_artist_key[k]
        for k, w in taste.artists.items()
        if w > 0 and k in index.by_artist_key
    }
    return np.asarray(sorted(found), dtype=np.int32)


def seed_of(taste: Taste, index: Index) -> int | None:
    """The recording "because you played" starts from: the last one heard."""
    for identifier in sorted(taste.last_played, key=lambda i: -taste.last_played[i]):
        if taste.items.get(identifier, 0) > 0 and identifier in index.position:
            return index.position[identifier]
    return None
