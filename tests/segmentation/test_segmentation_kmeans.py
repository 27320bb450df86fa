"""The k rule and the samples, on hand-made scores; the silhouettes against sklearn's."""

from __future__ import annotations

import math

import numpy as np
import pytest

from segmentation import TooFewCustomersError
from segmentation.kmeans import KFit, choose_k, sample_positions, silhouettes


def _fit(k: int, silhouette: float, nonempty: int | None = None) -> KFit:
    return KFit(
        k=k,
        centers=np.zeros((k, 2)),
        labels=np.zeros(3, dtype=np.int32),
        inertia=100.0 / k,
        silhouette=silhouette,
        n_iter=5,
        n_nonempty=k if nonempty is None else nonempty,
    )


def test_highest_silhouette_wins() -> None:
    fits = [_fit(2, 0.41), _fit(3, 0.52), _fit(4, 0.71), _fit(5, 0.64)]
    chosen, reason = choose_k(fits, tolerance=0.01)
    assert chosen.k == 4
    assert reason == "k=4: highest silhouette 0.710 (next best k=5: 0.640)"


def test_near_ties_prefer_the_smaller_k() -> None:
    fits = [_fit(2, 0.30), _fit(3, 0.700), _fit(4, 0.705), _fit(5, 0.69)]
    chosen, reason = choose_k(fits, tolerance=0.01)
    assert chosen.k == 3
    assert reason == (
        "k=3: silhouette 0.700 is within 0.01 of the highest (k=4: 0.705); "
        "the smaller k is preferred"
    )
    assert choose_k(fits, tolerance=0.0)[0].k == 4


def test_exact_ties_prefer_the_smaller_k_without_tolerance() -> None:
    chosen, _ = choose_k([_fit(5, 0.6), _fit(3, 0.6)], tolerance=0.0)
    assert chosen.k == 3


def test_undefined_silhouettes_are_skipped() -> None:
    fits = [_fit(2, 0.3), _fit(3, math.nan), _fit(4, 0.9, nonempty=3)]
    chosen, reason = choose_k(fits, tolerance=0.01)
    assert chosen.k == 2
    assert reason == "k=2: only candidate, silhouette 0.300"


def test_no_usable_k_is_an_error() -> None:
    with pytest.raises(TooFewCustomersError, match="only 2 distinct customer profiles"):
        choose_k([_fit(3, math.nan, nonempty=2), _fit(4, math.nan, nonempty=2)], 0.01)


def test_samples_are_seeded_sorted_and_skipped_when_small() -> None:
    first = sample_positions(1_000, 100, np.random.default_rng(42))
    second = sample_positions(1_000, 100, np.random.default_rng(42))
    assert first is not None and second is not None
    assert np.array_equal(first, second)
    assert first.size == 100 == np.unique(first).size
    assert np.all(np.diff(first) > 0)
    assert sample_positions(100, 100, np.random.default_rng(42)) is None
    assert sample_positions(1_000, None, np.random.default_rng(42)) is None


def test_silhouettes_equal_sklearns_for_every_labelling() -> None:
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    rng = np.random.default_rng(3)
    x = np.vstack([rng.normal(c, 1.0, size=(150, 3)) for c in (0.0, 4.0, 9.0)])
    x[10:20] = x[0]  # repeated customers: zero distances off the diagonal
    labelings = [KMeans(k, n_init=1, random_state=0).fit(x).labels_ for k in (2, 3, 5, 8)]
    odd = np.where(np.arange(x.shape[0]) % 7 == 0, 5, 2).astype(np.int32)  # labels 2 and 5 only
    odd[33] = 9  # a customer alone in its cluster scores 0
    labelings.append(odd)
    got = silhouettes(x, labelings, None)
    want = [silhouette_score(x, labels) for labels in labelings]
    assert got == pytest.approx(want, abs=1e-12)
    assert len(set(np.round(want, 6))) == len(want)  # distinct scores: a mix-up would show

    positions = np.sort(rng.choice(x.shape[0], 120, replace=False))
    positions = positions[positions != 33]  # the singleton cluster absent from the sample
    got = silhouettes(x, labelings, positions)
    want = [silhouette_score(x[positions], labels[positions]) for labels in labelings]
    assert got == pytest.approx(want, abs=1e-12)


def test_silhouettes_are_nan_where_undefined() -> None:
    x = np.arange(12, dtype=float).reshape(6, 2)
    one_cluster = np.zeros(6, dtype=np.int32)
    every_row_its_own = np.arange(6, dtype=np.int32)
    fine = np.array([0, 0, 0, 1, 1, 1], dtype=np.int32)
    got = silhouettes(x, [one_cluster, every_row_its_own, fine], None)
    assert math.isnan(got[0]) and math.isnan(got[1])
    # by hand, in steps along the line: (0.625 + 2/3 + 0.25) / 3 for each half
    assert got[2] == pytest.approx(37 / 72, abs=1e-12)
    assert silhouettes(x, [], None) == []
