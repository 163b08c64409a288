"""The recommender's index: what a fit of the catalog leaves, saved beside the database so a
restart does not refit.

Per recording its artist, venue, city, date, source kind, rating, reviews, downloads and when it
reached the archive, as arrays; the content features (see ``features``) as a sparse matrix; and
the item factors of iALS fitted on the archive's own favourites (each ``fav-<user>`` list in an
item's ``collection`` is a user row). The collaborative model was chosen by
``bench/recommend.py``: iALS and EASE lead the baselines on real listening data, and EASE's dense
item-item matrix cannot hold 250,000 recordings.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from engine.keys import artist_key, venue_key
from engine.models import SourceKind
from engine.recommend.features import (
    _STOP_SUBJECTS,
    FEATURE_WEIGHTS,
    MIN_FAVOURITE_LISTS,
    PRIOR_REVIEWS,
    _days_since_epoch,
    _numbered,
    decade_word,
    favourite_matrix,
    state_of,
    text_features,
    zscore,
)
from engine.recommend.models import IALS

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from pathlib import Path

KINDS = [k.value for k in SourceKind]
FORMAT = 1


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
