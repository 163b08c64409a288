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

from engine.recommend.models import EASE, IALS, ItemKNN, MostPopular, RP3beta

K = 10


@dataclass
class Data:
    interactions: sparse.csr_matrix  # users x artists, play counts
    users: np.ndarray
    artists: np.ndarray


def load(folder: Path) -> Data:
    raw = np.loadtxt(folder / "user_artists.dat", delimiter="\t", skiprows=1, dtype=np.int64)
    users, user_index = np.unique(raw[:, 0], return_inverse=True)
    artists, artist_index = np.unique(raw[:, 1], return_inverse=True)
    matrix = sparse.csr_matrix(
        (raw[:, 2].astype(np.float32), (user_index, artist_index)),
        shape=(len(users), len(artists)),
    )
    return Data(matrix, users, artists)


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
    "EASE": [{"regularization": r} for r in (200.0, 500.0, 1000.0)],
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


def run(data: Data, seed: int, names: list[str]) -> dict[str, dict[str, Any]]:
    train, valid, test = split(data.interactions, seed)
    seen = (train + valid).tocsr()
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        started = time.perf_counter()
        model, settings = tuned(name, train, valid)
        found = evaluate(model.score(train), seen, test)
        found["settings"] = settings
        found["seconds"] = time.perf_counter() - started
        results[name] = found
        print(f"  seed {seed} {name}: NDCG@10 {found['NDCG@10']:.4f} {settings}", file=sys.stderr)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--models", default=",".join(MAKERS))
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
    best = max(names, key=lambda n: table[n]["NDCG@10"][0])
    print(f"\nbest: {best}")
    for name in names:
        if name != best:
            ours = np.concatenate([r[best]["per_user_ndcg"] for r in runs])
            theirs = np.concatenate([r[name]["per_user_ndcg"] for r in runs])
            p = stats.wilcoxon(ours, theirs).pvalue if np.any(ours != theirs) else 1.0
            print(f"  {best} vs {name}: paired Wilcoxon p = {p:.2g}")


if __name__ == "__main__":
    main()
