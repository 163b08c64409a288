"""Recommendation models on real listening data: the hetrec2011 Last.fm set.

    .venv/bin/python -m bench.recommend --data ../shared/datasets/hetrec2011-lastfm-2k \
        [--seeds 0,1,2] [--protocols 1,2] [--json]

Protocol 1 (RecBole's): binary interactions from ``user_artists.dat``; per user a seeded random
80/10/10 split into train, validation and test; each model's settings are chosen on validation
(fit on train, train masked); the chosen model scores test with train and validation masked,
ranking every artist; metrics at 10 averaged over users with a test item: precision, recall,
NDCG (ideal DCG over min(10, |test|)), hit rate, and catalogue coverage.

Protocol 2 (shaped like the product, where the person at the keyboard is never in the fit):
the users in 5 seeded folds; for each fold every model is fitted on the other four and each
held-out user is folded in with a random 80% of their artists and scored on the other 20%.
Each baseline keeps the settings protocol 1 chose for it on that seed; the hybrid's weights
are chosen on an inner split of the first fold's training users (a quarter of them folded in
as validation, the models fitted on the rest), then kept for all five folds.

The data is read where it lies and never copied (its licence is non-commercial).
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse, stats

from engine.recommend.models import (
    EASE,
    IALS,
    Blend,
    Content,
    ItemKNN,
    MostPopular,
    RP3beta,
    combine,
)

K = 10


@dataclass
class Data:
    interactions: sparse.csr_matrix  # users x artists, play counts
    users: np.ndarray
    artists: np.ndarray
    friends: sparse.csr_matrix  # users x users, both ways
    tagged: np.ndarray  # (user, artist, tag) as indexes (tag as given)


def load(folder: Path) -> Data:
    raw = np.loadtxt(folder / "user_artists.dat", delimiter="\t", skiprows=1, dtype=np.int64)
    users, user_index = np.unique(raw[:, 0], return_inverse=True)
    artists, artist_index = np.unique(raw[:, 1], return_inverse=True)
    matrix = sparse.csr_matrix(
        (raw[:, 2].astype(np.float32), (user_index, artist_index)),
        shape=(len(users), len(artists)),
    )
    pairs = np.loadtxt(folder / "user_friends.dat", delimiter="\t", skiprows=1, dtype=np.int64)
    known = np.isin(pairs[:, 0], users) & np.isin(pairs[:, 1], users)
    a = np.searchsorted(users, pairs[known, 0])
    b = np.searchsorted(users, pairs[known, 1])
    friends = sparse.csr_matrix(
        (np.ones(len(a), dtype=np.float32), (a, b)), shape=(len(users), len(users))
    )
    friends = friends.maximum(friends.T).tocsr()
    tags = np.loadtxt(
        folder / "user_taggedartists.dat",
        delimiter="\t",
        skiprows=1,
        dtype=np.int64,
        usecols=(0, 1, 2),
    )
    known = np.isin(tags[:, 0], users) & np.isin(tags[:, 1], artists)
    tagged = np.column_stack(
        [
            np.searchsorted(users, tags[known, 0]),
            np.searchsorted(artists, tags[known, 1]),
            tags[known, 2],
        ]
    )
    return Data(matrix, users, artists, friends, tagged)


def tag_features(data: Data, held: sparse.csr_matrix) -> sparse.csr_matrix:
    """Artists x tags, TF-IDF (log counts), from every tagging but a user's own of the
    artists held out from them (which would give away that they listen to it)."""
    hidden = held.tocsr()
    rows = []
    for user, artist, _tag in data.tagged:
        lo, hi = hidden.indptr[user], hidden.indptr[user + 1]
        rows.append(artist not in hidden.indices[lo:hi])
    kept = data.tagged[np.array(rows, dtype=bool)]
    names, tag_index = np.unique(kept[:, 2], return_inverse=True)
    counts = sparse.csr_matrix(
        (np.ones(len(kept), dtype=np.float32), (kept[:, 1], tag_index)),
        shape=(len(data.artists), len(names)),
    )
    counts.data = np.log1p(counts.data)
    spread = np.asarray((counts > 0).sum(axis=0)).ravel()
    idf = np.log(len(data.artists) / (1.0 + spread)).astype(np.float32)
    return (counts @ sparse.diags(idf)).tocsr()


def friends_signal(data: Data, train: sparse.csr_matrix) -> np.ndarray:
    """What a user's friends listen to (in training), averaged over the friends."""
    degree = np.asarray(data.friends.sum(axis=1)).ravel()
    mean = sparse.diags(1.0 / np.maximum(degree, 1.0)) @ data.friends
    return np.asarray((mean @ train).todense(), dtype=np.float32)


def split(
    matrix: sparse.csr_matrix, seed: int, ratios: tuple[float, float, float] = (0.8, 0.1, 0.1)
) -> tuple[sparse.csr_matrix, ...]:
    """Per user, a seeded shuffle of their items cut 80/10/10 (RecBole's 'RS' split)."""
    rng = np.random.default_rng(seed)
    parts: list[list[tuple[int, int]]] = [[], [], []]
    for user in range(matrix.shape[0]):
        items = matrix.indices[matrix.indptr[user] : matrix.indptr[user + 1]].copy()
        rng.shuffle(items)
        n = len(items)
        train_n = round(n * ratios[0])
        valid_n = round(n * ratios[1])
        cuts = (items[:train_n], items[train_n : train_n + valid_n], items[train_n + valid_n :])
        for part, chosen in zip(parts, cuts, strict=True):
            part.extend((user, int(i)) for i in chosen)
    out = []
    for part in parts:
        rows = np.array([u for u, _ in part], dtype=np.int64)
        cols = np.array([i for _, i in part], dtype=np.int64)
        out.append(
            sparse.csr_matrix(
                (np.ones(len(part), dtype=np.float32), (rows, cols)), shape=matrix.shape
            )
        )
    return tuple(out)


def evaluate(
    scores: np.ndarray, masked: sparse.csr_matrix, truth: sparse.csr_matrix
) -> dict[str, Any]:
    """Metrics at ``K`` over users with a truth item; per-user NDCG kept for paired tests."""
    scores = scores.copy()
    scores[masked.nonzero()] = -np.inf
    top = np.argpartition(-scores, K, axis=1)[:, :K]
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1)
    top = np.take_along_axis(top, order, axis=1)
    discounts = 1.0 / np.log2(np.arange(2, K + 2))
    users = np.flatnonzero(np.diff(truth.indptr) > 0)
    precision, recall, ndcg, hits = [], [], [], []
    for user in users:
        relevant = set(truth.indices[truth.indptr[user] : truth.indptr[user + 1]].tolist())
        gains = np.array([1.0 if i in relevant else 0.0 for i in top[user]])
        found = gains.sum()
        ideal = discounts[: min(K, len(relevant))].sum()
        precision.append(found / K)
        recall.append(found / len(relevant))
        ndcg.append(float((gains * discounts).sum() / ideal))
        hits.append(1.0 if found else 0.0)
    coverage = len(np.unique(top[users])) / scores.shape[1]
    return {
        "P@10": float(np.mean(precision)),
        "R@10": float(np.mean(recall)),
        "NDCG@10": float(np.mean(ndcg)),
        "HR@10": float(np.mean(hits)),
        "coverage@10": coverage,
        "per_user_ndcg": np.array(ndcg),
    }


#: Each grid reaches past the settings the others' runs chose, on both sides where it can.
GRIDS: dict[str, list[dict[str, Any]]] = {
    "most popular": [{}],
    "item-kNN": [
        {"k": k, "shrink": s} for k, s in itertools.product((50, 100, 200, 400, 800), (0, 10, 50))
    ],
    "RP3beta": [
        {"alpha": a, "beta": b, "k": 200}
        for a, b in itertools.product((0.1, 0.2, 0.3, 0.4, 0.6, 1.0), (0.0, 0.1, 0.2, 0.3, 0.4))
    ],
    "EASE": [{"regularization": r} for r in (25.0, 50.0, 100.0, 200.0, 500.0)],
    "iALS": [
        {"factors": f, "regularization": r, "alpha": a, "iterations": 15}
        for f, r, a in itertools.product(
            (64, 128, 256), (10.0, 50.0, 100.0, 200.0), (5.0, 10.0, 20.0)
        )
    ],
}
MAKERS: dict[str, Any] = {
    "most popular": MostPopular,
    "item-kNN": ItemKNN,
    "RP3beta": RP3beta,
    "EASE": EASE,
    "iALS": IALS,
}


def tuned(
    name: str, train: sparse.csr_matrix, valid: sparse.csr_matrix
) -> tuple[Any, dict[str, Any]]:
    """The model of ``name`` with the settings of its grid that score best on validation."""
    best: tuple[float, Any, dict[str, Any]] | None = None
    for settings in GRIDS[name]:
        model = MAKERS[name](**settings)
        model.fit(train)
        found = evaluate(model.score(train), train, valid)["NDCG@10"]
        if best is None or found > best[0]:
            best = (found, model, settings)
    assert best is not None
    return best[1], best[2]


HYBRID = "liveset hybrid"


def hybrid_parts(
    data: Data,
    fitted: dict[str, Any],
    rows: sparse.csr_matrix,
    visible: sparse.csr_matrix,
    hidden: sparse.csr_matrix,
) -> dict[str, np.ndarray]:
    """The hybrid's parts for the users of ``rows`` (what each is known to like): the fitted
    collaborative models, the artists' tags (without a user's own tags of the artists
    ``hidden`` from them), the friends' listening in ``visible``, and popularity."""
    blend = Blend({n: m for n, m in fitted.items() if n != "most popular"})
    blend.models["tags"] = Content(tag_features(data, hidden))
    parts = blend.parts(rows, {"friends": friends_signal(data, visible)})
    if "most popular" in fitted:
        parts["most popular"] = np.log1p(fitted["most popular"].score(rows))
    return parts


def tune_weights(
    parts: dict[str, np.ndarray], masked: sparse.csr_matrix, truth: sparse.csr_matrix
) -> dict[str, float]:
    blend = Blend({})

    def quality(scores: np.ndarray) -> float:
        return float(evaluate(scores, masked, truth)["NDCG@10"])

    blend.tune(parts, quality)
    return blend.weights


def run(data: Data, seed: int, names: list[str]) -> dict[str, dict[str, Any]]:
    train, valid, test = split(data.interactions, seed)
    seen = (train + valid).tocsr()
    results: dict[str, dict[str, Any]] = {}
    fitted: dict[str, Any] = {}
    for name in names:
        if name == HYBRID:
            continue
        started = time.perf_counter()
        model, settings = tuned(name, train, valid)
        fitted[name] = model
        found = evaluate(model.score(train), seen, test)
        found["settings"] = settings
        found["seconds"] = time.perf_counter() - started
        results[name] = found
        print(f"  seed {seed} {name}: NDCG@10 {found['NDCG@10']:.4f} {settings}", file=sys.stderr)
    if HYBRID in names:
        started = time.perf_counter()
        # The collaborative models as tuned above (fit on train), the artists' tags and the
        # friends' listening; the weights chosen on validation.
        parts = hybrid_parts(data, fitted, train, train, (valid + test).tocsr())
        weights = tune_weights(parts, train, valid)
        found = evaluate(combine(parts, weights), seen, test)
        found["settings"] = {n: w for n, w in weights.items() if w}
        found["seconds"] = time.perf_counter() - started
        results[HYBRID] = found
        print(
            f"  seed {seed} {HYBRID}: NDCG@10 {found['NDCG@10']:.4f} {found['settings']}",
            file=sys.stderr,
        )
    return results


FOLDS = 5


def _rows_of(matrix: sparse.csr_matrix, users: np.ndarray) -> sparse.csr_matrix:
    """``matrix`` with every row but those of ``users`` emptied (the shape kept)."""
    keep = np.zeros(matrix.shape[0], dtype=np.float32)
    keep[users] = 1.0
    return (sparse.diags(keep) @ matrix).tocsr()


def fold_in_split(
    matrix: sparse.csr_matrix, users: np.ndarray, seed: int
) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """For ``users``: a seeded random 80% of each one's items given, the other 20% held."""
    given, held = split(_rows_of(matrix, users), seed, (0.8, 0.0, 0.2))[::2]
    return given, held


def run_fold_in(
    data: Data, seed: int, names: list[str], settings: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Protocol 2 for one seed: per-user NDCG and the metrics over all five folds."""
    x = binary_of(data.interactions)
    order = np.random.default_rng(seed).permutation(x.shape[0])
    folds = np.array_split(order, FOLDS)
    collected: dict[str, list[np.ndarray]] = {n: [] for n in names}
    weights: dict[str, float] | None = None
    per_fold: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for number, held_users in enumerate(folds):
        train_users = np.setdiff1d(order, held_users)
        if HYBRID in names and weights is None:
            # The hybrid's weights, on an inner split of this fold's training users.
            inner = np.random.default_rng(seed + 1).permutation(train_users)
            inner_valid, inner_train = inner[: len(inner) // 4], inner[len(inner) // 4 :]
            models = fit_all(names, settings, _rows_of(x, inner_train))
            given, truth = fold_in_split(x, inner_valid, seed + 2)
            visible = (_rows_of(x, inner_train) + given).tocsr()
            parts = hybrid_parts(data, models, given, visible, truth)
            weights = tune_weights(parts, given, truth)
            print(f"  seed {seed} fold-in weights {weights}", file=sys.stderr)
        train = _rows_of(x, train_users)
        models = fit_all(names, settings, train)
        given, truth = fold_in_split(x, held_users, seed + 3 + number)
        scored = {name: model.score(given) for name, model in models.items()}
        if HYBRID in names and weights is not None:
            visible = (train + given).tocsr()
            scored[HYBRID] = combine(hybrid_parts(data, models, given, visible, truth), weights)
        for name, scores in scored.items():
            found = evaluate(scores, given, truth)
            per_fold[name].append(found)
            collected[name].append(found["per_user_ndcg"])
        print(
            f"  seed {seed} fold {number}: "
            + ", ".join(f"{n} {per_fold[n][-1]['NDCG@10']:.4f}" for n in scored),
            file=sys.stderr,
        )
    results = {}
    for name in names:
        folds_found = per_fold[name]
        users = np.concatenate(collected[name])
        results[name] = {
            metric: float(
                np.average(
                    [f[metric] for f in folds_found],
                    weights=[len(f["per_user_ndcg"]) for f in folds_found],
                )
            )
            for metric in ("P@10", "R@10", "NDCG@10", "HR@10", "coverage@10")
        }
        results[name]["per_user_ndcg"] = users
        results[name]["settings"] = (
            {n: w for n, w in (weights or {}).items() if w} if name == HYBRID else settings[name]
        )
    return results


def binary_of(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    out = matrix.copy().tocsr()
    out.data[:] = 1.0
    return out


def fit_all(
    names: list[str], settings: dict[str, dict[str, Any]], train: sparse.csr_matrix
) -> dict[str, Any]:
    models = {}
    for name in names:
        if name != HYBRID:
            models[name] = MAKERS[name](**settings[name])
            models[name].fit(train)
    return models


def report(
    title: str, names: list[str], runs: list[dict[str, dict[str, Any]]], as_json: bool
) -> dict[str, Any]:
    metrics = ("P@10", "R@10", "NDCG@10", "HR@10", "coverage@10")
    table: dict[str, dict[str, tuple[float, float]]] = {}
    for name in names:
        table[name] = {}
        for metric in metrics:
            values = [r[name][metric] for r in runs]
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            table[name][metric] = (statistics.mean(values), spread)
    best = max(names, key=lambda n: table[n]["NDCG@10"][0])
    tests = {}
    for name in names:
        if name != best:
            ours = np.concatenate([r[best]["per_user_ndcg"] for r in runs])
            theirs = np.concatenate([r[name]["per_user_ndcg"] for r in runs])
            p = stats.wilcoxon(ours, theirs).pvalue if np.any(ours != theirs) else 1.0
            tests[name] = (ours.mean() / max(theirs.mean(), 1e-12) - 1, float(p), len(ours))
    if as_json:
        return {
            "table": {n: {m: v[0] for m, v in t.items()} for n, t in table.items()},
            "spread": {n: {m: v[1] for m, v in t.items()} for n, t in table.items()},
            "best": best,
            "paired": {n: {"gain": g, "p": p, "pairs": k} for n, (g, p, k) in tests.items()},
        }
    print(f"\n{title}\n")
    print("| model | " + " | ".join(metrics) + " |")
    print("|---|" + "---|" * len(metrics))
    for name in names:
        cells = [f"{m:.4f} ± {s:.4f}" for m, s in table[name].values()]
        print(f"| {name} | " + " | ".join(cells) + " |")
    # The paired test: the best model against every other, user by user over all seeds.
    print(f"\nbest: {best}")
    for name, (gain, p, pairs) in tests.items():
        print(
            f"  {best} vs {name}: {gain:+.1%} NDCG@10, paired Wilcoxon p = {p:.2g} ({pairs:,} pairs)"
        )
    for name in names:
        settings = [r[name]["settings"] for r in runs]
        print(f"  {name}: settings by seed {settings}")
    return {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--seeds", "--seed", default="0")
    parser.add_argument("--models", default=",".join([*MAKERS, HYBRID]))
    parser.add_argument("--protocols", default="1,2")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    data = load(args.data)
    seeds = [int(s) for s in args.seeds.split(",")]
    names = args.models.split(",")
    protocols = args.protocols.split(",")
    first = [run(data, seed, names) for seed in seeds]
    out: dict[str, Any] = {}
    if not args.json:
        print(
            f"{data.interactions.shape[0]:,} users, {data.interactions.shape[1]:,} artists, "
            f"{data.interactions.nnz:,} interactions; seeds {args.seeds}"
        )
    if "1" in protocols:
        out["protocol 1"] = report(
            "Protocol 1: per-user 80/10/10 split, tuned on validation", names, first, args.json
        )
    if "2" in protocols:
        second = [
            run_fold_in(data, seed, names, {n: r[n]["settings"] for n in names if n != HYBRID})
            for seed, r in zip(seeds, first, strict=True)
        ]
        out["protocol 2"] = report(
            "Protocol 2: 5 folds of users, each held-out user folded in with 80%, scored on 20%",
            names,
            second,
            args.json,
        )
    if args.json:
        print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
