"""The recommender at the archive's scale: a fit on 250,000 recordings and 50,000 listeners
with 5 million favourites, and one person scored over all 250,000 with reasons.

    .venv/bin/python -m bench.recommend_scale [--items 250000] [--users 50000]
        [--interactions 5000000] [--threads 2] [--runs 50] [--json]

The catalog is synthetic and long-tailed like the archive's favourites: a recording's chance
of being saved falls with its rank (Zipf, exponent 0.9) and listeners' activity is log-normal.
The fit runs as the product runs it, in a process of its own (``build_index``: content
features, priors and iALS on ``--threads`` threads); its wall time and that process's peak
memory are measured. The reference is scikit-learn's randomized truncated SVD of the same
matrix with as many factors, in the same process. Scoring times ``Scorer.score``, ``top``
(one a concert, the diversity re-rank) and ``reasons`` for a person with 30 recordings and 3
artists, against the floor of one matrix-vector product and a top-k over every recording.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

import numpy as np
from scipy import sparse

KINDS = ("SBD", "AUD", "MTX", "FM", "unknown")


def interactions(items: int, users: int, count: int, seed: int) -> sparse.csr_matrix:
    """``count`` distinct (listener, recording) pairs, long-tailed on both sides."""
    rng = np.random.default_rng(seed)
    item_p = 1.0 / np.arange(1, items + 1) ** 0.9
    item_p /= item_p.sum()
    user_p = rng.lognormal(0.0, 1.2, users)
    user_p /= user_p.sum()
    pairs = np.empty(0, dtype=np.int64)
    while pairs.size < count:
        want = int((count - pairs.size) * 1.15) + 1_000
        u = rng.choice(users, want, p=user_p).astype(np.int64)
        i = rng.choice(items, want, p=item_p)
        pairs = np.unique(np.concatenate([pairs, u * items + i]))
    pairs = rng.permutation(pairs)[:count]
    matrix = sparse.csr_matrix(
        (np.ones(count, dtype=np.float32), (pairs // items, pairs % items)), shape=(users, items)
    )
    return matrix


def catalog_rows(matrix: sparse.csr_matrix, seed: int) -> list[dict[str, Any]]:
    """One catalog row a recording, its ``fav-<user>`` lists from ``matrix``."""
    rng = np.random.default_rng(seed + 1)
    items = matrix.shape[1]
    by_item = matrix.T.tocsr()
    artists = rng.zipf(1.3, items) % 3_000
    years = rng.integers(1965, 2025, items)
    months = rng.integers(1, 13, items)
    days = rng.integers(1, 29, items)
    kinds = rng.integers(0, len(KINDS), items)
    reviews = rng.choice([0, 0, 0, 1, 2, 3, 5, 8, 13, 31], items)
    stars = np.round(rng.uniform(2.5, 5.0, items), 2)
    downloads = rng.integers(0, 40_000, items)
    rows = []
    for i in range(items):
        fans = by_item.indices[by_item.indptr[i] : by_item.indptr[i + 1]]
        rows.append(
            {
                "identifier": f"a{artists[i]}-{years[i]}-{months[i]:02d}-{days[i]:02d}.{i}",
                "artist": f"Artist {artists[i]}",
                "year": int(years[i]),
                "month": int(months[i]),
                "day": int(days[i]),
                "venue": f"Venue {i % 5_000}",
                "city": f"City {i % 700}, {'NY' if i % 3 else 'CA'}",
                "source_kind": KINDS[kinds[i]],
                "avg_rating": float(stars[i]) if reviews[i] else None,
                "num_reviews": int(reviews[i]),
                "downloads": int(downloads[i]),
                "collections": " ".join(["etree", *(f"fav-u{u}" for u in fans)]),
                "subjects": "Live concert" if i % 4 else "Live concert;jam",
                "added": f"{2000 + i % 25}-01-01T00:00:00Z",
            }
        )
    return rows


def child_fit(args: argparse.Namespace) -> None:
    """In a process of its own: make the catalog, then fit as the product does."""
    from engine.recommend.index import build_index

    matrix = interactions(args.items, args.users, args.interactions, args.seed)
    rows = catalog_rows(matrix, args.seed)
    del matrix
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    started = time.perf_counter()
    index = build_index(rows, threads=args.threads)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    index.save(args.out)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak": peak,
                "before": before,
                "lists": index.favourite_lists,
                "nnz": int(args.interactions),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=250_000)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--interactions", type=int, default=5_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        from pathlib import Path

        args.out = Path(args.out)
        child_fit(args)
        return

    import tempfile
    from pathlib import Path

    from engine.recommend.index import Index
    from engine.recommend.reasons import Explainer
    from engine.recommend.scoring import Scorer
    from engine.recommend.signals import Taste

    folder = Path(tempfile.mkdtemp(prefix="liveset-scale-"))
    out = folder / "index.npz"
    command = [
        sys.executable,
        "-m",
        "bench.recommend_scale",
        "--child",
        "--out",
        str(out),
        *("--items", str(args.items), "--users", str(args.users)),
        *("--interactions", str(args.interactions), "--threads", str(args.threads)),
        *("--seed", str(args.seed)),
    ]
    fitted = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)

    # The reference fit: truncated SVD of the same matrix, as many factors, same threads.
    from sklearn.decomposition import TruncatedSVD
    from threadpoolctl import threadpool_limits

    matrix = interactions(args.items, args.users, args.interactions, args.seed)
    started = time.perf_counter()
    with threadpool_limits(args.threads):
        TruncatedSVD(64, algorithm="randomized", n_iter=5, random_state=0).fit(matrix)
    svd_seconds = time.perf_counter() - started

    index = Index.load(out)
    assert index is not None
    scorer = Scorer(index)
    explainer = Explainer(index)
    rng = np.random.default_rng(args.seed + 7)
    timings, floor = [], []
    reasons_seen = 0
    for run in range(args.runs + 3):
        taste = Taste()
        for i in rng.choice(len(index), 30, replace=False):
            taste._add(index.identifiers[i], 1.0, "played", 2)
            taste.last_played[index.identifiers[i]] = time.time()
        for a in rng.choice(len(index.artists), 3, replace=False):
            taste._add_artist(index.artist_keys[a], 2.0, "a favourite artist", 5)
        started = time.perf_counter()
        scored = scorer.score(taste)
        chosen = scorer.top(scored, 20)
        reasons = [explainer.reasons(i, scored, taste) for i in chosen]
        took = time.perf_counter() - started
        started = time.perf_counter()
        assert index.factors is not None
        raw = index.factors @ index.factors[0]
        np.argpartition(-raw, 20)[:20]
        bare = time.perf_counter() - started
        if run >= 3:  # warm-up runs left out
            timings.append(took)
            floor.append(bare)
            reasons_seen += sum(len(r) for r in reasons)

    def ms(values: list[float], q: float) -> float:
        return float(np.quantile(values, q) * 1000)

    result = {
        "items": args.items,
        "users": args.users,
        "interactions": args.interactions,
        "favourite lists": fitted["lists"],
        "threads": args.threads,
        "fit seconds": fitted["seconds"],
        "fit peak bytes": fitted["peak"],
        "catalog in memory bytes": fitted["before"],
        "svd seconds": svd_seconds,
        "score median ms": ms(timings, 0.5),
        "score p95 ms": ms(timings, 0.95),
        "floor median ms": ms(floor, 0.5),
        "reasons a pick": reasons_seen / (20 * len(timings)),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    gb = 1024**3
    print(
        f"{args.items:,} recordings x {fitted['lists']:,} listeners, "
        f"{args.interactions:,} favourites, {args.threads} threads\n"
    )
    print("| step | liveset | reference | ratio | target |")
    print("|---|---|---|---|---|")
    print(
        f"| fit (features, priors, iALS 64 x 10) | {fitted['seconds']:.1f} s | "
        f"truncated SVD 64: {svd_seconds:.1f} s | {fitted['seconds'] / svd_seconds:.2f}x | "
        "< 60 s |"
    )
    print(
        f"| fit peak memory (the catalog's rows included) | {fitted['peak'] / gb:.2f} GB | "
        f"rows alone: {fitted['before'] / gb:.2f} GB | | < 1.5 GB |"
    )
    print(
        f"| score one person over {args.items:,}, top 20 with reasons, median "
        f"({args.runs} people) | {ms(timings, 0.5):.1f} ms (p95 {ms(timings, 0.95):.1f}) | "
        f"one matvec + top-k: {ms(floor, 0.5):.1f} ms | "
        f"{statistics.median(timings) / statistics.median(floor):.1f}x | < 50 ms |"
    )


if __name__ == "__main__":
    main()
