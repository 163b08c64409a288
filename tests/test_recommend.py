"""Recommendation models and their evaluation: what each model ranks for a user it never saw,
and metrics checked by hand on small cases."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from bench.recommend import evaluate, split
from engine.recommend.models import (
    EASE,
    IALS,
    Blend,
    Content,
    ItemKNN,
    MostPopular,
    RP3beta,
    combine,
    standardised,
    top_k_rows,
)


def clusters(users: int = 60, items: int = 40, seed: int = 1) -> sparse.csr_matrix:
    """Two tastes: users of the first half like items 0-19, the others items 20-39, each
    liking 8 of their 20 at random; item 0 and item 20 are liked by everyone of their side."""
    rng = np.random.default_rng(seed)
    rows, cols = [], []
    for user in range(users):
        side = 0 if user < users // 2 else 20
        liked = {side} | set((side + rng.choice(20, 8, replace=False)).tolist())
        for item in liked:
            rows.append(user)
            cols.append(item)
    data = np.ones(len(rows), dtype=np.float32)
    return sparse.csr_matrix((data, (rows, cols)), shape=(users, items))


MODELS = [
    ItemKNN(k=10, shrink=0.0),
    RP3beta(alpha=1.0, beta=0.3, k=10),
    EASE(regularization=5.0),
    IALS(factors=4, regularization=0.1, alpha=5.0, iterations=8),
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.name)
def test_a_new_user_is_folded_in_and_given_their_own_side(model) -> None:  # type: ignore[no-untyped-def]
    model.fit(clusters())
    # Someone the model never saw, who likes three items of the second side.
    newcomer = sparse.csr_matrix(
        (np.ones(3, dtype=np.float32), ([0, 0, 0], [21, 25, 30])), shape=(1, 40)
    )
    scores = model.score(newcomer)[0]
    scores[[21, 25, 30]] = -np.inf
    top = np.argsort(-scores)[:5]
    assert all(item >= 20 for item in top), top
    assert 20 in top  # the side's favourite


def test_most_popular_ranks_by_how_many_users_have_an_item() -> None:
    model = MostPopular()
    x = clusters()
    model.fit(x)
    counts = np.asarray((x > 0).sum(axis=0)).ravel()
    scores = model.score(sparse.csr_matrix((2, 40), dtype=np.float32))
    assert scores.shape == (2, 40) and np.array_equal(scores[0], counts)


def test_ease_has_no_self_weight_and_leaves_unseen_items_at_zero() -> None:
    x = clusters()
    x = sparse.hstack([x, sparse.csr_matrix((60, 3), dtype=np.float32)]).tocsr()  # 3 unseen
    model = EASE(regularization=5.0)
    model.fit(x)
    assert model.weights is not None and np.allclose(np.diag(model.weights), 0.0)
    assert np.all(model.score(x[:5])[:, 40:] == 0.0)


def test_top_k_rows_keeps_the_largest_of_each_row() -> None:
    dense = np.array([[1.0, 5.0, 3.0, 4.0], [9.0, 1.0, 2.0, 8.0]], dtype=np.float32)
    kept = top_k_rows(dense, 2).toarray()
    assert np.array_equal(kept, [[0, 5, 0, 4], [9, 0, 0, 8]])


def test_split_is_per_user_80_10_10_disjoint_and_whole() -> None:
    x = clusters(users=30)
    train, valid, test = split(x, seed=3)
    assert ((train + valid + test) != x).nnz == 0
    assert train.multiply(valid).nnz == train.multiply(test).nnz == valid.multiply(test).nnz == 0
    for user in range(30):
        n = x[user].nnz
        assert train[user].nnz == round(n * 0.8)
        assert valid[user].nnz == round(n * 0.1)
    again = split(x, seed=3)
    other = split(x, seed=4)
    assert (again[2] != test).nnz == 0 and (other[2] != test).nnz > 0


def test_metrics_by_hand() -> None:
    # One user, 12 items; the test items are 3 and 7; item 0 is masked (in train).
    scores = np.array([[100.0, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0.5, 0.1]])
    masked = sparse.csr_matrix(([1.0], ([0], [0])), shape=(1, 12))
    truth = sparse.csr_matrix(([1.0, 1.0], ([0, 0], [3, 11])), shape=(1, 12))
    found = evaluate(scores, masked, truth)
    # Ranked: 1 2 3 4 5 6 7 8 9 10 (item 0 masked); item 3 is third, item 11 is not in the top 10.
    assert found["P@10"] == pytest.approx(0.1)
    assert found["R@10"] == pytest.approx(0.5)
    assert found["HR@10"] == 1.0
    ideal = 1 + 1 / np.log2(3)
    assert found["NDCG@10"] == pytest.approx((1 / np.log2(4)) / ideal)
    assert found["coverage@10"] == pytest.approx(10 / 12)


def test_content_ranks_items_sharing_the_users_features_first() -> None:
    # Items 0-2 are tagged "a", 3-5 "b"; the user has item 0.
    features = sparse.csr_matrix(
        (np.ones(6, dtype=np.float32), ([0, 1, 2, 3, 4, 5], [0, 0, 0, 1, 1, 1])), shape=(6, 2)
    )
    model = Content(features)
    scores = model.score(sparse.csr_matrix(([1.0], ([0], [0])), shape=(1, 6)))[0]
    assert set(np.argsort(-scores)[:3].tolist()) == {0, 1, 2}
    assert scores[1] > scores[3]


def test_a_blend_tunes_its_weights_toward_the_part_that_predicts() -> None:
    rng = np.random.default_rng(0)
    truth = sparse.csr_matrix(
        (np.ones(20, dtype=np.float32), (np.arange(20), rng.integers(0, 30, 20))), shape=(20, 30)
    )
    empty = sparse.csr_matrix((20, 30), dtype=np.float32)
    good = truth.toarray() * 5 + rng.normal(0, 1, (20, 30))  # knows the answer, noisily
    noise = rng.normal(0, 1, (20, 30))
    blend = Blend({})
    parts = {"good": standardised(good), "noise": standardised(noise)}

    def quality(scores: np.ndarray) -> float:
        return float(evaluate(scores, empty, truth)["NDCG@10"])

    best = blend.tune(parts, quality)
    assert blend.weights["good"] > blend.weights["noise"]
    assert best >= quality(parts["good"]) and best > quality(parts["noise"])
    assert best == pytest.approx(quality(combine(parts, blend.weights)))


def test_tags_of_an_artist_held_out_from_its_tagger_are_left_out() -> None:
    from bench.recommend import Data, tag_features

    # User 0 tagged artist 1 (tag 7), and artist 1 is held out from user 0; user 1 tagged
    # artist 1 with tag 8 and artist 0 with tag 7.
    tagged = np.array([[0, 1, 7], [1, 1, 8], [1, 0, 7]])
    empty = sparse.csr_matrix((2, 5), dtype=np.float32)
    data = Data(empty, np.array([10, 11]), np.arange(20, 25), empty, tagged)
    held = sparse.csr_matrix(([1.0], ([0], [1])), shape=(2, 5))
    features = tag_features(data, held).toarray()
    # Columns are tags 7 and 8: artist 1 keeps only user 1's tag 8.
    assert features[1, 0] == 0.0 and features[1, 1] > 0.0 and features[0, 0] > 0.0
