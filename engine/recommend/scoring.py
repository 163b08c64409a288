"""Scoring: every recording of the index scored for one person, as a weighted sum of
standardised parts (``WEIGHTS``): collaborative, content, the artists they play, quality (a
weighted rating), popularity, on this day and the hour's habits. The person is folded in at
scoring time from their ``Taste``, so feedback re-ranks at once."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from engine.recommend.features import share, zscore
from engine.recommend.models import solve_factors
from engine.recommend.rerank import top

if TYPE_CHECKING:
    from collections.abc import Mapping

    from engine.recommend.index import Index
    from engine.recommend.signals import Taste

#: How much each part counts. Scores (collaborative, content, quality, popularity) are
#: z-scores over all candidates, clipped to three standard deviations; the rest are shares
#: from 0 to 1 (an artist's weight over the strongest, on this day or not, the hour's plays),
#: whose z-scores would be huge for a few candidates among many.
WEIGHTS = {
    "collaborative": 1.0,
    "content": 0.7,
    "artist": 1.5,
    "quality": 0.35,
    "popularity": 0.15,
    "on this day": 0.5,
    "hour": 0.3,
}


@dataclass
class Scored:
    """Every recording's score for one person, its parts (weighted z-scores), and the
    person's recordings found in the index with their weights."""

    total: np.ndarray
    parts: dict[str, np.ndarray]
    own: dict[int, float]
    excluded: np.ndarray  # bool: hidden, disliked or already theirs


class Scorer:
    """Scores for one person over one index. The Gram matrix of the item factors is computed
    once per index (it is what makes a fold-in cheap)."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._gram: np.ndarray | None = None
        if index.factors is not None:
            f = index.factors.astype(np.float64)
            self._gram = f.T @ f + index.regularization * np.eye(f.shape[1])

    def fold_in(self, own: Mapping[int, float]) -> np.ndarray | None:
        index = self.index
        if index.factors is None or self._gram is None or not own:
            return None
        items = np.fromiter(own, dtype=np.int64)
        y = index.factors[items].astype(np.float64)
        confidence = index.alpha * np.asarray([own[i] for i in items], dtype=np.float64)
        return solve_factors(self._gram, y, confidence)

    def score(
        self,
        taste: Taste,
        *,
        now: float | None = None,
        weights: Mapping[str, float] | None = None,
    ) -> Scored:
        index = self.index
        weights = {**WEIGHTS, **(weights or {})}
        n = len(index)
        own = {
            index.position[i]: w for i, w in taste.items.items() if i in index.position and w != 0
        }
        liked = {i: w for i, w in own.items() if w > 0}
        parts: dict[str, np.ndarray] = {}
        user = self.fold_in(liked)
        if user is not None and index.factors is not None:
            parts["collaborative"] = zscore(index.factors @ user.astype(np.float32))
        if own:
            rows = np.fromiter(own, dtype=np.int64)
            profile = (
                sparse.csr_matrix(
                    (
                        np.asarray([own[i] for i in rows], dtype=np.float32),
                        (np.zeros(len(rows)), rows),
                    ),
                    shape=(1, n),
                )
                @ index.features
            )
            parts["content"] = zscore(np.asarray((index.features @ profile.T).todense()).ravel())
        if taste.artists:
            per_artist = np.zeros(len(index.artists), dtype=np.float32)
            for key, weight in taste.artists.items():
                if (a := index.by_artist_key.get(key)) is not None:
                    per_artist[a] = weight
            if per_artist.any():
                parts["artist"] = share(per_artist)[index.artist]
        parts["quality"] = index.quality
        parts["popularity"] = index.popularity
        today = time.localtime(now if now is not None else time.time())
        on_day = (index.month == today.tm_mon) & (index.day == today.tm_mday)
        if on_day.any():
            parts["on this day"] = on_day.astype(np.float32)
        habits = self._habits(taste, today.tm_hour)
        if habits is not None:
            parts["hour"] = habits
        weighted = {name: weights.get(name, 0.0) * z for name, z in parts.items()}
        total = np.zeros(n, dtype=np.float32)
        for z in weighted.values():
            total += z
        excluded = np.zeros(n, dtype=bool)
        for i in own:
            excluded[i] = True  # theirs already (or disliked): not a pick
        for identifier in taste.hidden:
            if (at := index.position.get(identifier)) is not None:
                excluded[at] = True
        for key in taste.hidden_artists:
            if (a := index.by_artist_key.get(key)) is not None:
                excluded |= index.artist == a
        return Scored(total=total, parts=weighted, own=own, excluded=excluded)

    def _habits(self, taste: Taste, hour: int) -> np.ndarray | None:
        """The artists played within two hours of this one, by their share of those plays."""
        index = self.index
        near = {(hour + d) % 24 for d in (-2, -1, 0, 1, 2)}
        counts = np.zeros(len(index.artists), dtype=np.float32)
        for played_hour, identifier, key in taste.play_hours:
            if played_hour not in near:
                continue
            if identifier and (i := index.position.get(identifier)) is not None:
                counts[index.artist[i]] += 1
            elif key and (a := index.by_artist_key.get(key)) is not None:
                counts[a] += 1
        if counts.sum() < 3:  # too few plays at this hour to call it a habit
            return None
        habits: np.ndarray = share(counts)[index.artist]
        return habits

    def top(
        self,
        scored: Scored,
        limit: int,
        *,
        mask: np.ndarray | None = None,
        extra: np.ndarray | None = None,
        diverse: bool = True,
    ) -> list[int]:
        """The best ``limit`` recordings, one a concert, re-ranked for variety (``rerank``)."""
        total = scored.total if extra is None else scored.total + extra
        allowed = ~scored.excluded if mask is None else (~scored.excluded & mask)
        return top(self.index, total, allowed, limit, diverse=diverse)

    def similar(self, seed: int, scored: Scored) -> Scored:
        """Scores for recordings like ``seed``: its neighbours in listeners and in kind."""
        index = self.index
        parts: dict[str, np.ndarray] = {}
        if index.factors is not None:
            parts["collaborative"] = zscore(index.factors @ index.factors[seed])
        parts["content"] = zscore(
            np.asarray((index.features @ index.features[seed].T).todense()).ravel()
        )
        parts["quality"] = 0.35 * index.quality
        total = sum(parts.values(), np.zeros(len(index), dtype=np.float32))
        return Scored(total=total, parts=parts, own={seed: 1.0}, excluded=scored.excluded)
