"""Recommendation models over a sparse user-item matrix, behind one interface.

``fit(X)`` learns from a users x items matrix of implicit feedback (weights > 0); ``score(R)``
scores every item for the users whose rows are ``R`` by fold-in: a user the model never saw
(the person at the keyboard, a held-out user) needs no refit. Scores of items already in a row
are left to the caller to mask.

Models: the most popular items; item-kNN (cosine, top-k neighbours); RP3beta (random walks of
three steps, popularity-penalised); EASE (a closed-form linear item-item model); iALS
(implicit alternating least squares, fitted by the ``implicit`` package, users folded in by
exact solves).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np
from scipy import sparse

if TYPE_CHECKING:
    from collections.abc import Callable


class Model(Protocol):
    name: str

    def fit(self, interactions: sparse.csr_matrix) -> None: ...

    def score(self, rows: sparse.csr_matrix) -> np.ndarray: ...


def binary(matrix: sparse.spmatrix) -> sparse.csr_matrix:
    out = sparse.csr_matrix(matrix, dtype=np.float32, copy=True)
    out.data[:] = 1.0
    out.eliminate_zeros()
    return out


def top_k_rows(matrix: sparse.csr_matrix | np.ndarray, k: int) -> sparse.csr_matrix:
    """Keep the ``k`` largest values of each row."""
    dense: np.ndarray = (
        matrix.toarray() if isinstance(matrix, sparse.spmatrix) else np.asarray(matrix)
    )
    n = dense.shape[1]
    if k >= n:
        return sparse.csr_matrix(dense)
    idx = np.argpartition(-dense, k - 1, axis=1)[:, :k]
    rows = np.repeat(np.arange(dense.shape[0]), k)
    vals = np.take_along_axis(dense, idx, axis=1).ravel()
    out = sparse.csr_matrix((vals, (rows, idx.ravel())), shape=dense.shape, dtype=np.float32)
    out.eliminate_zeros()
    return out


def item_item_scores(rows: sparse.csr_matrix, weights: sparse.csr_matrix) -> np.ndarray:
    """Scores of an item-item model: each user's items' rows of ``weights`` summed."""
    return np.asarray((binary(rows) @ weights).todense(), dtype=np.float32)


def _item_item_top_k(
    compute: Callable[[int, int], np.ndarray], n_items: int, k: int, block: int = 2048
) -> sparse.csr_matrix:
    """An item-item matrix built ``block`` rows at a time (``compute(start, stop)`` gives
    those rows, dense) and pruned to ``k`` per row, so it never lives whole and dense."""
    parts = []
    for start in range(0, n_items, block):
        stop = min(n_items, start + block)
        rows = compute(start, stop)
        rows[np.arange(stop - start), np.arange(start, stop)] = 0.0  # no item is its own
        parts.append(top_k_rows(rows, k))
    return sparse.vstack(parts).tocsr()


@dataclass
class MostPopular:
    name: str = "most popular"
    popularity: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))

    def fit(self, interactions: sparse.csr_matrix) -> None:
        self.popularity = np.asarray(binary(interactions).sum(axis=0)).ravel().astype(np.float32)

    def score(self, rows: sparse.csr_matrix) -> np.ndarray:
        return np.tile(self.popularity, (rows.shape[0], 1))


@dataclass
class ItemKNN:
    """Cosine similarity between items over their users, each item's ``k`` nearest kept,
    with ``shrink`` damping similarities resting on few users."""

    k: int = 100
    shrink: float = 10.0
    name: str = "item-kNN"
    weights: sparse.csr_matrix | None = None

    def fit(self, interactions: sparse.csr_matrix) -> None:
        x = binary(interactions).tocsc()
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=0)).ravel())
        xt = x.T.tocsr()
        n = x.shape[1]

        def rows(start: int, stop: int) -> np.ndarray:
            dots: np.ndarray = (xt[start:stop] @ x).toarray()
            denominator = np.outer(norms[start:stop], norms) + self.shrink + 1e-9
            return (dots / denominator).astype(np.float32)

        self.weights = _item_item_top_k(rows, n, self.k)

    def score(self, rows: sparse.csr_matrix) -> np.ndarray:
        assert self.weights is not None
        return item_item_scores(rows, self.weights)


@dataclass
class RP3beta:
    """Item-to-item transition probabilities of a user-item-user... walk (P_iu P_ui), raised to
    ``alpha`` and divided by the target's popularity to the ``beta``; top ``k`` per item."""

    alpha: float = 1.0
    beta: float = 0.5
    k: int = 200
    name: str = "RP3beta"
    weights: sparse.csr_matrix | None = None

    def fit(self, interactions: sparse.csr_matrix) -> None:
        x = binary(interactions)
        user_degree = np.asarray(x.sum(axis=1)).ravel()
        item_degree = np.asarray(x.sum(axis=0)).ravel()
        p_ui = sparse.diags(1.0 / np.maximum(user_degree, 1)) @ x  # user -> item
        p_iu = (sparse.diags(1.0 / np.maximum(item_degree, 1)) @ x.T).tocsr()  # item -> user
        p_ui = p_ui.tocsc()
        penalty = np.power(np.maximum(item_degree, 1), -self.beta).astype(np.float32)
        n = x.shape[1]

        def rows(start: int, stop: int) -> np.ndarray:
            walk: np.ndarray = (p_iu[start:stop] @ p_ui).toarray().astype(np.float32)
            if self.alpha != 1.0:
                walk = np.power(walk, self.alpha)
            weighted: np.ndarray = walk * penalty
            return weighted

        self.weights = _item_item_top_k(rows, n, self.k)

    def score(self, rows: sparse.csr_matrix) -> np.ndarray:
        assert self.weights is not None
        return item_item_scores(rows, self.weights)


@dataclass
class EASE:
    """Embarrassingly shallow autoencoder (Steck, 2019): B = I - P diagMat(1 / diag(P)),
    P = (X^T X + lambda I)^-1, diag(B) = 0. Dense in the items: for catalogues of tens of
    thousands at most (items nobody has are left out of the inverse)."""

    regularization: float = 500.0
    name: str = "EASE"
    weights: np.ndarray | None = None
    kept: np.ndarray | None = None

    def fit(self, interactions: sparse.csr_matrix) -> None:
        x = binary(interactions)
        kept = np.flatnonzero(np.asarray(x.sum(axis=0)).ravel() > 0)
        xk = x[:, kept]
        # Single precision: half the memory and time of double, and the weights come out the
        # same to the ranking (B's entries are ratios of the inverse's).
        gram = (xk.T @ xk).toarray().astype(np.float32)
        gram[np.diag_indices_from(gram)] += self.regularization
        inverse = np.linalg.inv(gram)
        weights = -inverse / np.diag(inverse)
        weights[np.diag_indices_from(weights)] = 0.0
        self.weights, self.kept = weights.astype(np.float32), kept

    def score(self, rows: sparse.csr_matrix) -> np.ndarray:
        assert self.weights is not None and self.kept is not None
        out = np.zeros(rows.shape, dtype=np.float32)
        out[:, self.kept] = binary(rows)[:, self.kept] @ self.weights
        return out


@dataclass
class IALS:
    """Implicit ALS (Hu, Koren and Volinsky, 2008) with confidence 1 + ``alpha`` x weight on
    observed entries; user factors are solved by fold-in at scoring time."""

    factors: int = 64
    regularization: float = 0.05
    alpha: float = 10.0
    iterations: int = 15
    seed: int = 0
    name: str = "iALS"
    item_factors: np.ndarray | None = None
    user_factors: np.ndarray | None = None  # of the users fitted on (scoring folds in)

    def _solve(self, fixed: np.ndarray, observed: sparse.csr_matrix) -> np.ndarray:
        """For each row of ``observed``, the factors minimising the weighted squared error
        against ``fixed`` (one factor row per column of ``observed``)."""
        k = fixed.shape[1]
        gram = fixed.T @ fixed + self.regularization * np.eye(k, dtype=np.float64)
        out = np.zeros((observed.shape[0], k), dtype=np.float64)
        indptr, indices, data = observed.indptr, observed.indices, observed.data
        for row in range(observed.shape[0]):
            cols = indices[indptr[row] : indptr[row + 1]]
            if cols.size == 0:
                continue
            out[row] = solve_factors(
                gram, fixed[cols], self.alpha * data[indptr[row] : indptr[row + 1]]
            )
        return out

    def fit(self, interactions: sparse.csr_matrix, threads: int = 0) -> None:
        """Fitted by the ``implicit`` package (its conjugate-gradient solver, compiled, on
        ``threads`` threads; 0 all) with the confidences of this model."""
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        confidence = binary(interactions)
        confidence.data = 1.0 + self.alpha * confidence.data
        # Its solver is threaded itself: BLAS's own threads beneath it only contend.
        with threadpool_limits(1, "blas"):
            model = AlternatingLeastSquares(
                factors=self.factors,
                regularization=self.regularization,
                alpha=1.0,
                iterations=self.iterations,
                random_state=self.seed,
                num_threads=threads,
                calculate_training_loss=False,
            )
            model.fit(confidence, show_progress=False)
        self.item_factors = np.asarray(model.item_factors, dtype=np.float64)
        self.user_factors = np.asarray(model.user_factors, dtype=np.float64)

    def score(self, rows: sparse.csr_matrix) -> np.ndarray:
        assert self.item_factors is not None
        users = self._solve(self.item_factors, binary(rows).astype(np.float64))
        scores: np.ndarray = (users @ self.item_factors.T).astype(np.float32)
        return scores


def solve_factors(gram: np.ndarray, y: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """iALS's solve for one row: the factors minimising the confidence-weighted squared error
    against the factor rows ``y`` of its observed entries (confidence 1 + ``confidence``
    there, 1 elsewhere); ``gram`` is the Gram matrix of all factor rows plus the
    regularization on its diagonal."""
    a = gram + (y.T * confidence) @ y
    b = (y.T * (1.0 + confidence)).sum(axis=1)
    solved: np.ndarray = np.linalg.solve(a, b)
    return solved


def standardised(scores: np.ndarray) -> np.ndarray:
    """Each row's scores as z-scores, so models on different scales can be added."""
    scores = scores.astype(np.float64)
    mean = scores.mean(axis=1, keepdims=True)
    spread = scores.std(axis=1, keepdims=True) + 1e-9
    out: np.ndarray = (scores - mean) / spread
    return out


@dataclass
class Content:
    """Items alike in their features (tags, subjects, venue...): a user's profile is the sum
    of the feature rows of their items, scored against every item (cosine: the rows of
    ``features`` are L2-normalised here)."""

    features: sparse.csr_matrix
    name: str = "content"

    def __post_init__(self) -> None:
        features = sparse.csr_matrix(self.features, dtype=np.float32)
        norms = np.sqrt(np.asarray(features.multiply(features).sum(axis=1)).ravel()) + 1e-9
        self.features = (sparse.diags(1.0 / norms) @ features).tocsr()

    def fit(self, interactions: sparse.csr_matrix) -> None:
        """Nothing to learn from the interactions: the features are the model."""

    def score(self, rows: sparse.csr_matrix) -> np.ndarray:
        profile = binary(rows) @ self.features
        return np.asarray((profile @ self.features.T).todense(), dtype=np.float32)


WEIGHT_STEPS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5)


@dataclass
class Blend:
    """A weighted sum of standardised scores: models fitted on the interactions, and signals
    the caller scores itself (a friend graph, say) passed to ``score`` by name. ``tune``
    chooses the weights on held-out interactions."""

    models: dict[str, Model]
    weights: dict[str, float] = field(default_factory=dict)
    name: str = "hybrid"

    def fit(self, interactions: sparse.csr_matrix) -> None:
        for model in self.models.values():
            model.fit(interactions)

    def parts(
        self, rows: sparse.csr_matrix, signals: dict[str, np.ndarray] | None = None
    ) -> dict[str, np.ndarray]:
        found = {name: standardised(m.score(rows)) for name, m in self.models.items()}
        found.update({name: standardised(s) for name, s in (signals or {}).items()})
        return found

    def score(
        self, rows: sparse.csr_matrix, signals: dict[str, np.ndarray] | None = None
    ) -> np.ndarray:
        return combine(self.parts(rows, signals), self.weights)

    def tune(
        self,
        parts: dict[str, np.ndarray],
        quality: Callable[[np.ndarray], float],
        rounds: int = 3,
    ) -> float:
        """Coordinate ascent on the weights, one part at a time over ``WEIGHT_STEPS``, for the
        best ``quality`` of the combined scores (NDCG on validation, say); its best value."""
        weights = {name: 0.0 for name in parts}
        best_part = max(parts, key=lambda n: quality(parts[n]))
        weights[best_part] = 1.0
        best = quality(combine(parts, weights))
        for _ in range(rounds):
            moved = False
            for name in parts:
                for step in WEIGHT_STEPS:
                    trial = {**weights, name: step}
                    if not any(trial.values()):
                        continue
                    found = quality(combine(parts, trial))
                    if found > best + 1e-6:
                        best, weights, moved = found, trial, True
            if not moved:
                break
        self.weights = weights
        return best


def combine(parts: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    chosen = [(weights[n], s) for n, s in parts.items() if weights.get(n)]
    total = np.zeros_like(next(iter(parts.values())))
    for weight, scores in chosen:
        total += weight * scores
    return total
