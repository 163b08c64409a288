"""The recommender over the local catalog: every recording scored for one person, with reasons.

``Index`` is what a fit leaves (saved beside the database, so a restart does not refit): per
recording its artist, venue, city, date, source kind, rating, reviews, downloads and when it
reached the archive, as arrays; the content features (artist, venue, city, era, year, source
kind, subjects) as a sparse matrix; and the item factors of iALS fitted on the archive's own
favourites (each ``fav-<user>`` list in an item's ``collection`` is a user row). The person at
the keyboard is folded in at scoring time from their ``Taste``, so feedback re-ranks at once.

A score is a weighted sum of standardised parts (``WEIGHTS``): collaborative, content, the
artists they play, quality (a weighted rating), popularity, on this day and the hour's habits.
The collaborative model was chosen by ``bench/recommend.py``: iALS and EASE lead the baselines
on real listening data, and EASE's dense item-item matrix cannot hold 250,000 recordings.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from engine.keys import artist_key, venue_key
from engine.models import SOURCE_KIND_WORDS, SourceKind
from engine.recommend.models import IALS, binary, solve_factors

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from pathlib import Path

    from engine.recommend.signals import Taste

KINDS = [k.value for k in SourceKind]
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
CLIP = 3.0
#: Feature groups and their weights in the content vectors.
FEATURE_WEIGHTS = {
    "artist": 1.5,
    "venue": 0.5,
    "city": 0.3,
    "era": 0.4,
    "year": 0.3,
    "kind": 0.2,
    "subject": 0.2,
}
PRIOR_REVIEWS = 5.0  # the weighted rating pulls toward the mean as if by this many reviews
MIN_FAVOURITE_LISTS = 20  # fewer lists than this: no collaborative part
POOL = 400  # candidates the diversity re-rank looks through
MMR_LAMBDA = 0.6
FORMAT = 1
_STOP_SUBJECTS = {"live concert", "live", "concert", "etree", ""}


def state_of(city: str) -> str:
    """The last part of "Ithaca, NY": a state, a province or a country."""
    part = city.rsplit(",", 1)[-1].strip() if "," in city else ""
    return part.upper() if len(part) == 2 else part


def decade_word(year: int) -> str:
    return f"{year // 10 * 10}s"


@dataclass
class Index:
    identifiers: list[str]
    artists: list[str]  # display names, by artist number
    artist_keys: list[str]
    venues: list[str]
    cities: list[str]
    states: list[str]
    artist: np.ndarray  # int32 artist number per recording
    venue: np.ndarray
    city: np.ndarray
    state: np.ndarray
    year: np.ndarray  # int16, 0 unknown
    month: np.ndarray  # int8
    day: np.ndarray  # int8
    days: np.ndarray  # int32 day_number, 0 unknown
    kind: np.ndarray  # int8 into KINDS
    rating: np.ndarray  # float32, nan without reviews
    reviews: np.ndarray  # int32
    downloads: np.ndarray  # int32, -1 unknown
    added: np.ndarray  # int32 days since 1970, 0 unknown
    features: sparse.csr_matrix  # recordings x features, rows L2-normalised
    feature_names: list[str]
    quality: np.ndarray  # float32 z-score of the weighted rating
    popularity: np.ndarray  # float32 z-score of log downloads
    factors: np.ndarray | None = None  # float32 item factors of iALS, or None
    regularization: float = 1.0
    alpha: float = 20.0
    favourite_lists: int = 0
    fingerprint: str = ""
    fitted_at: float = 0.0
    fit_seconds: float = 0.0
    position: dict[str, int] = field(default_factory=dict, repr=False)
    by_artist_key: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.position = {ident: i for i, ident in enumerate(self.identifiers)}
        self.by_artist_key = {key: i for i, key in enumerate(self.artist_keys)}

    def __len__(self) -> int:
        return len(self.identifiers)

    # --- saving --------------------------------------------------------------------------

    _ARRAYS = (
        "artist",
        "venue",
        "city",
        "state",
        "year",
        "month",
        "day",
        "days",
        "kind",
        "rating",
        "reviews",
        "downloads",
        "added",
        "quality",
        "popularity",
    )
    _LISTS = ("identifiers", "artists", "artist_keys", "venues", "cities", "states")

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": FORMAT,
            "feature_names": self.feature_names,
            "regularization": self.regularization,
            "alpha": self.alpha,
            "favourite_lists": self.favourite_lists,
            "fingerprint": self.fingerprint,
            "fitted_at": self.fitted_at,
            "fit_seconds": self.fit_seconds,
            **{name: "\n".join(getattr(self, name)) for name in self._LISTS},
        }
        arrays: dict[str, Any] = {name: getattr(self, name) for name in self._ARRAYS}
        arrays.update(
            features_data=self.features.data,
            features_indices=self.features.indices,
            features_indptr=self.features.indptr,
            features_shape=np.array(self.features.shape),
            meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
        )
        if self.factors is not None:
            arrays["factors"] = self.factors
        partial = path.with_suffix(".part.npz")
        np.savez(partial, **arrays)
        partial.replace(path)

    @classmethod
    def load(cls, path: Path) -> Index | None:
        """The saved index, or None when there is none or it is of another format."""
        try:
            with np.load(path, allow_pickle=False) as found:
                meta = json.loads(found["meta"].tobytes().decode())
                if meta.get("format") != FORMAT:
                    return None
                features = sparse.csr_matrix(
                    (found["features_data"], found["features_indices"], found["features_indptr"]),
                    shape=tuple(found["features_shape"]),
                )
                lists = {
                    name: (meta[name].split("\n") if meta[name] else []) for name in cls._LISTS
                }
                return cls(
                    **lists,
                    **{name: found[name] for name in cls._ARRAYS},
                    features=features,
                    feature_names=meta["feature_names"],
                    factors=found.get("factors"),
                    regularization=meta["regularization"],
                    alpha=meta["alpha"],
                    favourite_lists=meta["favourite_lists"],
                    fingerprint=meta["fingerprint"],
                    fitted_at=meta["fitted_at"],
                    fit_seconds=meta["fit_seconds"],
                )
        except (OSError, ValueError, KeyError, json.JSONDecodeError):
            return None


def zscore(values: np.ndarray) -> np.ndarray:
    values = values.astype(np.float32, copy=False)
    spread = float(values.std())
    if spread < 1e-9:
        return np.zeros_like(values)
    out: np.ndarray = np.clip((values - float(values.mean())) / spread, -CLIP, CLIP)
    return out


def share(values: np.ndarray) -> np.ndarray:
    """Values over the largest in size: from -1 to 1."""
    values = values.astype(np.float32, copy=False)
    top = float(np.abs(values).max()) if values.size else 0.0
    out: np.ndarray = values / top if top > 0 else np.zeros_like(values)
    return out


def _numbered(values: Iterable[str]) -> tuple[np.ndarray, list[str]]:
    names: dict[str, int] = {}
    numbers = [names.setdefault(v, len(names)) for v in values]
    return np.asarray(numbers, dtype=np.int32), list(names)


def _days_since_epoch(text: str) -> int:
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", text or "")
    if not match:
        return 0
    import datetime as _dt

    try:
        day = _dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return 0
    return (day - _dt.date(1970, 1, 1)).days


def build_index(
    rows: Sequence[Mapping[str, Any]],
    *,
    fingerprint: str = "",
    factors: int = 64,
    iterations: int = 10,
    threads: int = 2,
    reviewed: Mapping[str, Iterable[str]] | None = None,
    texts: Mapping[str, str] | None = None,
) -> Index:
    """Fit on the catalog's rows (each as ``engine/catalog/store.py`` keeps it), the cached
    reviews' reviewers (``reviewed``) and the cached text of recordings (``texts``: notes,
    setlists and reviews, by identifier)."""
    started = time.perf_counter()
    n = len(rows)
    identifiers = [r["identifier"] for r in rows]
    artist, artists_seen = _numbered(artist_key(r["artist"]) for r in rows)
    display: dict[str, str] = {}
    for r in rows:
        display.setdefault(artist_key(r["artist"]), r["artist"])
    venue, venue_keys = _numbered(venue_key(r["venue"]) for r in rows)
    venue_names: dict[str, str] = {}
    for r in rows:
        venue_names.setdefault(venue_key(r["venue"]), " ".join(r["venue"].split()))
    venues = [venue_names[k] for k in venue_keys]
    city, cities = _numbered(" ".join(r["city"].split()) for r in rows)
    state, states = _numbered(state_of(r["city"]) for r in rows)
    year = np.array([r["year"] or 0 for r in rows], dtype=np.int16)
    month = np.array([r["month"] or 0 for r in rows], dtype=np.int8)
    day = np.array([r["day"] or 0 for r in rows], dtype=np.int8)
    days = np.where(
        year > 0,
        year.astype(np.int32) * 372 + np.maximum(month - 1, 0) * 31 + np.maximum(day, 1),
        0,
    ).astype(np.int32)
    kind = np.array(
        [
            KINDS.index(r["source_kind"]) if r["source_kind"] in KINDS else len(KINDS) - 1
            for r in rows
        ],
        dtype=np.int8,
    )
    rating = np.array(
        [
            r["avg_rating"] if r["avg_rating"] is not None and r["num_reviews"] else np.nan
            for r in rows
        ],
        dtype=np.float32,
    )
    reviews = np.array([r["num_reviews"] or 0 for r in rows], dtype=np.int32)
    downloads = np.array(
        [-1 if r["downloads"] is None else r["downloads"] for r in rows], dtype=np.int32
    )
    added = np.array([_days_since_epoch(r["added"]) for r in rows], dtype=np.int32)

    # Content: one column per artist, venue, city, era, year, source kind and subject.
    names: dict[str, int] = {}
    cols: list[int] = []
    vals: list[float] = []
    indptr = [0]
    for i, r in enumerate(rows):
        parts = [
            ("artist", artists_seen[artist[i]]),
            ("venue", venue_keys[venue[i]]),
            ("city", cities[city[i]]),
            ("era", decade_word(int(year[i])) if year[i] else ""),
            ("year", str(int(year[i])) if year[i] else ""),
            ("kind", r["source_kind"]),
        ]
        for subject in (r["subjects"] or "").split(";"):
            word = " ".join(subject.casefold().split())
            if word not in _STOP_SUBJECTS:
                parts.append(("subject", word))
        seen: set[int] = set()
        for group, value in parts:
            if not value:
                continue
            column = names.setdefault(f"{group}:{value}", len(names))
            if column not in seen:
                seen.add(column)
                cols.append(column)
                vals.append(FEATURE_WEIGHTS[group])
        indptr.append(len(cols))
    features = sparse.csr_matrix(
        (np.asarray(vals, dtype=np.float32), np.asarray(cols, dtype=np.int32), np.asarray(indptr)),
        shape=(n, max(len(names), 1)),
    )
    if texts:
        words, vocabulary = text_features(identifiers, texts)
        features = sparse.hstack([features, words]).tocsr()
        names.update({f"word:{w}": len(names) + k for k, w in enumerate(vocabulary)})
    norms = np.sqrt(np.asarray(features.multiply(features).sum(axis=1)).ravel()) + 1e-9
    features = (sparse.diags((1.0 / norms).astype(np.float32)) @ features).tocsr()

    # Quality: the Bayesian average of the stars (toward the catalog's mean), a little for
    # a soundboard; popularity: log downloads.
    known = ~np.isnan(rating)
    mean = float(np.nanmean(rating)) if known.any() else 0.0
    weighted = np.where(
        known,
        (reviews * np.nan_to_num(rating) + PRIOR_REVIEWS * mean) / (reviews + PRIOR_REVIEWS),
        mean,
    )
    sbd = (kind == KINDS.index("SBD")).astype(np.float32) * 0.15
    quality = zscore(weighted.astype(np.float32) + sbd)
    popularity = zscore(np.log1p(np.maximum(downloads, 0)).astype(np.float32))

    matrix, lists = favourite_matrix(rows, reviewed)
    item_factors = None
    # Confidence 10 and regularization at the low end of what bench/recommend.py chooses on
    # real listening (10 to 50, with more factors); 64 factors keep a fit of 250,000
    # recordings and a score of one person quick.
    model = IALS(factors=factors, regularization=10.0, alpha=10.0, iterations=iterations)
    if lists >= MIN_FAVOURITE_LISTS:
        model.fit(matrix, threads=threads)
        assert model.item_factors is not None
        item_factors = model.item_factors.astype(np.float32)
    return Index(
        identifiers=identifiers,
        artists=[display[k] for k in artists_seen],
        artist_keys=artists_seen,
        venues=venues,
        cities=cities,
        states=states,
        artist=artist,
        venue=venue,
        city=city,
        state=state,
        year=year,
        month=month,
        day=day,
        days=days,
        kind=kind,
        rating=rating,
        reviews=reviews,
        downloads=downloads,
        added=added,
        features=features,
        feature_names=list(names),
        quality=quality,
        popularity=popularity,
        factors=item_factors,
        regularization=model.regularization,
        alpha=model.alpha,
        favourite_lists=lists,
        fingerprint=fingerprint,
        fitted_at=time.time(),
        fit_seconds=time.perf_counter() - started,
    )


TEXT_TERMS = 20_000


def text_features(
    identifiers: Sequence[str], texts: Mapping[str, str]
) -> tuple[sparse.csr_matrix, list[str]]:
    """TF-IDF of the cached notes, setlists and reviews (weighted as a subject), one row a
    recording (empty for those with no text cached), and its terms."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    at = [i for i, identifier in enumerate(identifiers) if texts.get(identifier)]
    empty = sparse.csr_matrix((len(identifiers), 0), dtype=np.float32)
    if len(at) < 2:
        return empty, []
    vectorizer = TfidfVectorizer(
        max_features=TEXT_TERMS, stop_words="english", min_df=2, sublinear_tf=True, dtype=np.float32
    )
    try:
        found = vectorizer.fit_transform([texts[identifiers[i]] for i in at])
    except ValueError:  # no term in two texts
        return empty, []
    rows = sparse.csr_matrix(
        (np.ones(len(at), dtype=np.float32), (at, np.arange(len(at)))),
        shape=(len(identifiers), len(at)),
    )
    weighted: sparse.csr_matrix = (rows @ found).tocsr() * FEATURE_WEIGHTS["subject"]
    return weighted, [str(t) for t in vectorizer.get_feature_names_out()]


def favourite_matrix(
    rows: Sequence[Mapping[str, Any]], reviewed: Mapping[str, Iterable[str]] | None = None
) -> tuple[sparse.csr_matrix, int]:
    """The archive's users x recordings: a row per ``fav-<user>`` list, and one per reviewer
    of the cached reviews (``reviewed``: reviewer -> the recordings they rated well); and how
    many rows."""
    users: dict[str, int] = {}
    user_of: list[int] = []
    item_of: list[int] = []
    for i, r in enumerate(rows):
        for name in (r["collections"] or "").split():
            if name.startswith("fav-"):
                user_of.append(users.setdefault(name, len(users)))
                item_of.append(i)
    position = {r["identifier"]: i for i, r in enumerate(rows)} if reviewed else {}
    for reviewer, identifiers in (reviewed or {}).items():
        for identifier in identifiers:
            if (at := position.get(identifier)) is not None:
                user_of.append(users.setdefault(f"review:{reviewer}", len(users)))
                item_of.append(at)
    matrix = sparse.csr_matrix(
        (np.ones(len(user_of), dtype=np.float32), (user_of, item_of)),
        shape=(len(users), len(rows)),
    )
    return binary(matrix), len(users)


# --- scoring -------------------------------------------------------------------------------


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

    # --- choosing and explaining --------------------------------------------------------

    def top(
        self,
        scored: Scored,
        limit: int,
        *,
        mask: np.ndarray | None = None,
        extra: np.ndarray | None = None,
        diverse: bool = True,
    ) -> list[int]:
        """The best ``limit`` recordings, one a concert, re-ranked for variety (MMR): a pick
        loses by how alike it is to those already chosen (same artist, same tour)."""
        index = self.index
        total = scored.total if extra is None else scored.total + extra
        allowed = ~scored.excluded if mask is None else (~scored.excluded & mask)
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

    def label(self, i: int) -> str:
        index = self.index
        date = self.date_text(i)
        return f"{index.artists[index.artist[i]]} {date}".strip()

    def date_text(self, i: int) -> str:
        index = self.index
        y, m, d = int(index.year[i]), int(index.month[i]), int(index.day[i])
        if not y:
            return ""
        return f"{y:04d}-{m:02d}-{d:02d}" if m and d else str(y)

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

    def reasons(self, i: int, scored: Scored, taste: Taste, limit: int = 3) -> tuple[str, ...]:
        """The parts that lifted recording ``i`` most, each in words naming its signal."""
        found: list[str] = []
        ranked = sorted(scored.parts, key=lambda name: -float(scored.parts[name][i]))
        for name in ranked:
            value = float(scored.parts[name][i])
            if value <= 0.05 and found:
                break
            text = self._reason(name, i, scored, taste)
            if text.startswith("because") and any(f.startswith("because") for f in found):
                continue  # one recording of theirs says it; a second adds little
            if text and text not in found:
                found.append(text)
            if len(found) >= limit:
                break
        if not found:
            found.append(self.quality_words(i))
        return tuple(found)

    def because(self, j: int, taste: Taste) -> str:
        identifier = self.index.identifiers[j]
        verb = taste.why.get(identifier, "played")
        if verb == "have in your library":
            return f"because {self.label(j)} is in your library"
        return f"because you {verb} {self.label(j)}"

    def _reason(self, name: str, i: int, scored: Scored, taste: Taste) -> str:
        index = self.index
        if name in ("collaborative", "content"):
            j = self._closest_own(i, scored.own, name)
            if j is None:
                return ""
            if (
                name == "content"
                and index.artist[j] != index.artist[i]
                and index.venue[j] == index.venue[i]
                and index.venues[index.venue[i]]
            ):
                return f"at {index.venues[index.venue[i]]}, like {self.label(j)}"
            return self.because(j, taste)
        if name == "artist":
            key = index.artist_keys[index.artist[i]]
            why = taste.artist_why.get(key)
            return f"{index.artists[index.artist[i]]}: {why}" if why else ""
        if name == "quality":
            return self.quality_words(i)
        if name == "popularity":
            count = int(index.downloads[i])
            return f"downloaded {count:,} times" if count > 0 else ""
        if name == "on this day":
            return f"on this day in {int(index.year[i])}" if index.year[i] else ""
        if name == "hour":
            return f"you often play {index.artists[index.artist[i]]} at this hour"
        return ""

    def quality_words(self, i: int) -> str:
        index = self.index
        kind = SOURCE_KIND_WORDS[KINDS[int(index.kind[i])]]
        reviews = int(index.reviews[i])
        if reviews and not np.isnan(index.rating[i]):
            noun = "review" if reviews == 1 else "reviews"
            stars = f"{float(index.rating[i]):.1f} stars from {reviews} {noun}"
            # A source the archive does not name says nothing: the stars alone.
            return stars if kind == SOURCE_KIND_WORDS["unknown"] else f"{kind}, {stars}"
        return kind
