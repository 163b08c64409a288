"""Recommendation models on real listening data: the hetrec2011 Last.fm set.

    .venv/bin/python -m bench.recommend --data ../shared/datasets/hetrec2011-lastfm-2k \
        [--seed 0] [--seeds 0,1,2] [--json]

Protocol (RecBole's): binary interactions from ``user_artists.dat``; per user a seeded random
80/10/10 split into train, validation and test; each model's settings are chosen on validation
(fit on train, train masked); the chosen model scores test with train and validation masked,
ranking every artist; metrics at 10 averaged over users with a test item: precision, recall,
NDCG (ideal DCG over min(10, |test|)), hit rate, and catalogue coverage. The data is read where
it lies and never copied (its licence is non-commercial).
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


GRIDS: dict[str, list[dict[str, Any]]] = {
    "most popular": [{}],
    "item-kNN": [{"k": k, "shrink": s} for k, s in itertools.product((50, 100, 200), (0, 10))],
    "RP3beta": [
        {"alpha": a, "beta": b, "k": 200}
        for a, b in itertools.product((0.6, 0.8, 1.0), (0.2, 0.3, 0.4, 0.5))
    ],
    "EASE": [{"regularization": r} for r in (25.0, 50.0, 100.0, 200.0, 500.0)],
    "iALS": [
        {"factors": f, "regularization": r, "alpha": a, "iterations": 10}
        for f, r, a in itertools.product((64, 128), (0.1, 1.0), (5.0, 20.0))
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
        blend = Blend({n: m for n, m in fitted.items() if n != "most popular"})
        blend.models["tags"] = Content(tag_features(data, (valid + test).tocsr()))
        parts = blend.parts(train, {"friends": friends_signal(data, train)})
        if "most popular" in fitted:
            parts["most popular"] = np.log1p(fitted["most popular"].score(train))

        def quality(scores: np.ndarray) -> float:
            return float(evaluate(scores, train, valid)["NDCG@10"])

        blend.tune(parts, quality)
        found = evaluate(combine(parts, blend.weights), seen, test)
        found["settings"] = {n: w for n, w in blend.weights.items() if w}
        found["seconds"] = time.perf_counter() - started
        results[HYBRID] = found
        print(
            f"  seed {seed} {HYBRID}: NDCG@10 {found['NDCG@10']:.4f} {found['settings']}",
            file=sys.stderr,
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--models", default=",".join([*MAKERS, HYBRID]))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    data = load(args.data)
    seeds = [int(s) for s in args.seeds.split(",")]
    names = args.models.split(",")
    runs = [run(data, seed, names) for seed in seeds]
    metrics = ("P@10", "R@10", "NDCG@10", "HR@10", "coverage@10")
    table: dict[str, dict[str, tuple[float, float]]] = {}
    for name in names:
        table[name] = {}
        for metric in metrics:
            values = [r[name][metric] for r in runs]
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            table[name][metric] = (statistics.mean(values), spread)
    if args.json:
        print(json.dumps({n: {m: v[0] for m, v in t.items()} for n, t in table.items()}, indent=2))
        return
    print(
        f"{data.interactions.shape[0]:,} users, {data.interactions.shape[1]:,} artists, "
        f"{data.interactions.nnz:,} interactions; seeds {args.seeds}"
    )
    print()
    print("| model | " + " | ".join(metrics) + " |")
    print("|---|" + "---|" * len(metrics))
    for name in names:
        cells = [f"{m:.4f} ± {s:.4f}" for m, s in table[name].values()]
        print(f"| {name} | " + " | ".join(cells) + " |")
    # The paired test: the best model against every other, user by user over all seeds.
    best = max(names, key=lambda n: table[n]["NDCG@10"][0])
    print(f"\nbest: {best}")
    for name in names:
        if name != best:
            ours = np.concatenate([r[best]["per_user_ndcg"] for r in runs])
            theirs = np.concatenate([r[name]["per_user_ndcg"] for r in runs])
            p = stats.wilcoxon(ours, theirs).pvalue if np.any(ours != theirs) else 1.0
            gain = ours.mean() / max(theirs.mean(), 1e-12) - 1
            print(f"  {best} vs {name}: {gain:+.1%} NDCG@10, paired Wilcoxon p = {p:.2g}")
    for name in names:
        settings = [r[name]["settings"] for r in runs]
        print(f"  {name}: settings by seed {settings}")


if __name__ == "__main__":
    main()
