"""The recommender's features: the content groups and their weights, the words of cached text
(TF-IDF), and the favourites matrix the collaborative model is fitted on."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from engine.recommend.models import binary

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

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
_STOP_SUBJECTS = {"live concert", "live", "concert", "etree", ""}


def state_of(city: str) -> str:
    """The last part of "Ithaca, NY": a state, a province or a country."""
    part = city.rsplit(",", 1)[-1].strip() if "," in city else ""
    return part.upper() if len(part) == 2 else part


def decade_word(year: int) -> str:
    return f"{year // 10 * 10}s"


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


# --- standardised values ----------------------------------------------------------------

CLIP = 3.0  # z-scores are clipped to this many standard deviations


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
