"""The re-rank: from the best-scored recordings, one a concert, chosen for variety (MMR): a
pick loses by how alike it is to those already chosen (the same artist, the same tour)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from engine.recommend.index import Index

POOL = 400  # candidates the diversity re-rank looks through
MMR_LAMBDA = 0.6


def top(
    index: Index, total: np.ndarray, allowed: np.ndarray, limit: int, *, diverse: bool = True
) -> list[int]:
    """The best ``limit`` of the ``allowed`` recordings by ``total``, one a concert."""
    candidates = np.flatnonzero(allowed)
    if candidates.size == 0:
        return []
    pool_size = min(candidates.size, max(POOL, limit * 8))
    values = total[candidates]
    best = candidates[np.argpartition(-values, pool_size - 1)[:pool_size]]
    best = best[np.argsort(-total[best], kind="stable")]
    concerts: set[tuple[int, int]] = set()
    pool = []
    for i in best:
        concert = (int(index.artist[i]), int(index.days[i]) or -int(i))
        if concert not in concerts:
            concerts.add(concert)
            pool.append(int(i))
    if not diverse:
        return pool[:limit]
    at = np.asarray(pool)
    scores = total[at]
    low, high = float(scores.min()), float(scores.max())
    relevance = (scores - low) / (high - low + 1e-9)
    artists, days = index.artist[at], index.days[at].astype(np.int64)
    # How alike each candidate is to those chosen so far: 0.3 for each of its artist's
    # picks already in, 1 when it falls in the same artist's week of a pick (a tour).
    similarity = np.zeros(len(at), dtype=np.float32)
    open_ = np.ones(len(at), dtype=bool)
    chosen: list[int] = []
    while open_.any() and len(chosen) < limit:
        value = MMR_LAMBDA * relevance - (1 - MMR_LAMBDA) * similarity
        value[~open_] = -np.inf
        pick = int(np.argmax(value))
        open_[pick] = False
        chosen.append(int(at[pick]))
        same = artists == artists[pick]
        similarity[same] = np.minimum(1.0, similarity[same] + 0.3)
        if days[pick]:
            similarity[same & (days > 0) & (np.abs(days - days[pick]) <= 14)] = 1.0
    return chosen
