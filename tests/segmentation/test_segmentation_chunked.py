"""The chunked path (segment_customer_chunks) against the in-memory one (segment_customers).

Equality, and where it is not bit for bit: the k, the reason, every assignment and the segment
sizes are asserted equal; profiles to 1e-9 (relative; 1e-12 absolute for standardised means near
0), centres to 1e-6 relative, the k search's scores to 1e-6. The chunked path merges sums chunk
by chunk (and sklearn's scaler fits its mean and variance incrementally), so means, and
everything scaled with them, may differ from one-array sums in the last digits; no test data
puts a customer that close to a boundary.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from segmentation_data import make_persona_customers
from sklearn.cluster import KMeans

from segmentation import (
    DEFAULT_FEATURES,
    SegmentationError,
    SegmentationResult,
    segment_customer_chunks,
    segment_customers,
)
from segmentation.chunked import ChunkedSegmentationResult
from segmentation.kmeans import chunked_tolerance, refine_in_chunks
from segmentation.moments import Moments


def chunks_of(frame: pd.DataFrame, rows: int) -> Iterator[pd.DataFrame]:
    """``frame`` in customer id order, ``rows`` at a time (as a warehouse streams it)."""
    ordered = frame.sort_values("customer_id", kind="stable").reset_index(drop=True)
    for start in range(0, len(ordered), rows):
        yield ordered.iloc[start : start + rows]


def skewed_customers(n: int, seed: int = 5) -> pd.DataFrame:
    """Customers without clusters (skewed like a web shop), with missing values in three
    features: the case where segment boundaries cut through dense data."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"customer_id": rng.permutation(np.arange(1, n + 1)) * 3})
    frame["age"] = np.clip(rng.normal(38.0, 12.0, n), 18, 85).round()
    frame["sessions"] = (1 + rng.poisson(rng.lognormal(1.5, 0.8, n))).astype(float)
    frame["avg_session_duration"] = rng.lognormal(np.log(180.0), 0.6, n).round(1)
    frame["pages_per_session"] = (1 + rng.lognormal(np.log(3.0), 0.5, n)).round(2)
    frame["transactions"] = rng.binomial(frame["sessions"].astype(int), rng.beta(1.2, 12.0, n)).astype(float)
    frame["revenue"] = (frame["transactions"] * rng.lognormal(np.log(60.0), 0.5, n)).round(2)
    for column, share in {"age": 0.02, "avg_session_duration": 0.01, "revenue": 0.005}.items():
        frame.loc[rng.random(n) < share, column] = np.nan
    return frame


def assert_same_segmentation(memory: SegmentationResult, chunked: ChunkedSegmentationResult) -> None:
    assert chunked.chosen_k == memory.chosen_k
    assert chunked.reason == memory.reason
    assert chunked.was_k_forced == memory.was_k_forced
    assert chunked.features == memory.features and chunked.value_feature == memory.value_feature
    assert chunked.n_customers == memory.n_customers
    assert chunked.search_sample_size == memory.search_sample_size
    assert chunked.silhouette_sample_size == memory.silhouette_sample_size
    assert chunked.refined_on_all_rows == memory.refined_on_all_rows
    assert chunked.imputed_counts == memory.imputed_counts
    assert chunked.constant_features == memory.constant_features
    assert chunked.impute_values == pytest.approx(memory.impute_values, rel=1e-12)
    assert chunked.parameters == memory.parameters

    assigned = pd.concat(list(chunked.assignment_chunks()), ignore_index=True)
    expected = memory.assignments.sort_values("customer_id").reset_index(drop=True)
    assert assigned["customer_id"].tolist() == expected["customer_id"].tolist()
    assert assigned["segment_id"].tolist() == expected["segment_id"].tolist()
    assert assigned["segment_name"].tolist() == expected["segment_name"].tolist()
    assert assigned["segment_id"].dtype == np.int64

    assert list(chunked.profiles.columns) == list(memory.profiles.columns)
    assert chunked.profiles["segment_name"].tolist() == memory.profiles["segment_name"].tolist()
    assert chunked.profiles["size"].tolist() == memory.profiles["size"].tolist()
    for column in memory.profiles.columns.drop(["segment_id", "segment_name", "size"]):
        assert chunked.profiles[column].dtype == memory.profiles[column].dtype, column
        assert chunked.profiles[column].to_numpy() == pytest.approx(
            memory.profiles[column].to_numpy(), rel=1e-9, abs=1e-12, nan_ok=True), column

    assert chunked.centers.index.equals(memory.centers.index)
    assert chunked.centers.to_numpy() == pytest.approx(memory.centers.to_numpy(), rel=1e-6)
    assert chunked.final_inertia == pytest.approx(memory.final_inertia, rel=1e-9)
    pd.testing.assert_frame_equal(chunked.scores[["k", "is_chosen"]], memory.scores[["k", "is_chosen"]])
    # the search fits see the same rows scaled in the last digits differently; a silhouette, a
    # ratio of differences of mean distances, carries that to about 1e-9 (one label changed
    # would move it by about 1 / the silhouette sample)
    for column in ("inertia", "silhouette"):
        assert chunked.scores[column].to_numpy() == pytest.approx(
            memory.scores[column].to_numpy(), rel=1e-6, nan_ok=True)


@pytest.mark.parametrize("chunk_rows", [1, 37, 100, 5_000])
def test_personas_in_chunks_equal_the_in_memory_path(chunk_rows: int, tmp_path: Path) -> None:
    frame, _ = make_persona_customers()
    memory = segment_customers(frame)
    with segment_customer_chunks(chunks_of(frame, chunk_rows), chunk_rows=chunk_rows, workdir=tmp_path) as chunked:
        assert_same_segmentation(memory, chunked)


def test_refined_on_every_row_from_a_sample(tmp_path: Path) -> None:
    """More customers than the search sample: the k search runs on the same sampled rows, and
    Lloyd's algorithm on every row, chunk by chunk, lands where sklearn's in-memory fit lands."""
    frame = skewed_customers(6_000)
    options = {"search_sample_size": 1_500, "silhouette_sample_size": 500, "k_range": (2, 6)}
    memory = segment_customers(frame, **options)
    assert memory.refined_on_all_rows
    with segment_customer_chunks(chunks_of(frame, 450), chunk_rows=700, workdir=tmp_path, **options) as chunked:
        assert_same_segmentation(memory, chunked)


@pytest.mark.parametrize("options", [
    {"k": 5},
    {"k_range": (3, 4), "value_feature": "sessions"},
    {"features": ("sessions", "transactions", "revenue")},
    {"random_state": 7},
])
def test_options_are_the_in_memory_options(options: dict, tmp_path: Path) -> None:
    frame = skewed_customers(2_500, seed=9)
    options = {"search_sample_size": 1_000, "silhouette_sample_size": 300, **options}
    memory = segment_customers(frame, **options)
    with segment_customer_chunks(chunks_of(frame, 333), chunk_rows=400, workdir=tmp_path, **options) as chunked:
        assert_same_segmentation(memory, chunked)


def test_constant_and_partly_missing_features(tmp_path: Path) -> None:
    frame, _ = make_persona_customers(seed=4)
    frame = frame.assign(pages_per_session=4.0)
    frame.loc[frame.index[:150], "age"] = np.nan  # a whole chunk without ages
    frame.loc[frame.index[::7], "revenue"] = np.nan
    memory = segment_customers(frame)
    assert memory.constant_features == ("pages_per_session",)
    with segment_customer_chunks(chunks_of(frame, 50), chunk_rows=64, workdir=tmp_path) as chunked:
        assert_same_segmentation(memory, chunked)
        assert (chunked.profiles["pages_per_session_z"] == 0.0).all()


def _customers(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(10.0, 3.0, (n, len(DEFAULT_FEATURES))), columns=list(DEFAULT_FEATURES))
    frame.insert(0, "customer_id", np.arange(n))
    return frame


def _bad_inputs() -> dict[str, tuple[pd.DataFrame, dict]]:
    duplicated = _customers(10)
    duplicated.loc[3, "customer_id"] = 7
    null_id = _customers(10).astype({"customer_id": "float64"})
    null_id.loc[2, "customer_id"] = np.nan
    infinite = _customers(10)
    infinite.loc[4, "revenue"] = np.inf
    infinite.loc[8, "revenue"] = -np.inf
    two_profiles = _customers(20)
    for feature in DEFAULT_FEATURES:
        two_profiles[feature] = np.where(np.arange(20) % 2 == 0, 1.0, 9.0)
    identical = pd.DataFrame({"customer_id": range(20)}).assign(**{f: 5.0 for f in DEFAULT_FEATURES})
    return {
        "empty": (pd.DataFrame(columns=["customer_id", *DEFAULT_FEATURES]), {}),
        "missing column": (_customers(30).drop(columns="revenue"), {}),
        "missing id": (_customers(30).drop(columns="customer_id"), {}),
        "entirely null": (_customers(30).assign(age=np.nan), {}),
        "null in a later feature": (_customers(30).assign(revenue=np.nan, sessions=np.inf), {}),
        "duplicate ids": (duplicated, {}),
        "duplicate and null ids": (duplicated.astype({"customer_id": "float64"}).assign(
            customer_id=lambda f: f.customer_id.where(f.index != 9)), {}),
        "null id": (null_id, {}),
        "non-numeric": (_customers(10).astype({"sessions": "str"}), {}),
        "non-numeric after duplicates": (duplicated.astype({"sessions": "str"}), {}),
        "infinite": (infinite, {}),
        "identical customers": (identical, {}),
        "fewer than k": (_customers(3), {"k": 5}),
        "fewer than the smallest k": (_customers(3), {"k_range": (4, 8)}),
        "fewer distinct than k": (two_profiles, {"k_range": (3, 5)}),
        "bad parameter": (_customers(30), {"n_init": 0}),
    }


@pytest.mark.parametrize("case", list(_bad_inputs()))
@pytest.mark.parametrize("chunk_rows", [4, 1_000])
def test_bad_input_gives_the_in_memory_error(case: str, chunk_rows: int, tmp_path: Path) -> None:
    frame, options = _bad_inputs()[case]
    with pytest.raises(SegmentationError) as in_memory:
        segment_customers(frame, **options)
    chunks = chunks_of(frame, chunk_rows) if "customer_id" in frame.columns else iter([frame])
    with pytest.raises(SegmentationError) as chunked:
        with segment_customer_chunks(chunks, chunk_rows=chunk_rows, workdir=tmp_path, **options):
            pass
    assert type(chunked.value) is type(in_memory.value)
    assert str(chunked.value) == str(in_memory.value)
    assert list(tmp_path.iterdir()) == []


def test_ids_out_of_order_are_refused(tmp_path: Path) -> None:
    frame = _customers(30)
    shuffled = [frame.iloc[10:20], frame.iloc[:10], frame.iloc[20:]]
    with pytest.raises(SegmentationError, match=r"'customer_id' must arrive in ascending order: 19 came before 0"):
        with segment_customer_chunks(iter(shuffled), workdir=tmp_path):
            pass
    assert list(tmp_path.iterdir()) == []


def test_temporary_files_are_removed_on_success_and_on_error(tmp_path: Path) -> None:
    frame, _ = make_persona_customers()
    with segment_customer_chunks(chunks_of(frame, 100), workdir=tmp_path) as result:
        (folder,) = tmp_path.iterdir()
        assert sorted(p.name for p in folder.iterdir()) == ["ids.bin", "labels.bin", "values.bin"]
        assert (folder / "values.bin").stat().st_size == len(frame) * len(DEFAULT_FEATURES) * 8
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(SegmentationError, match="removed when the segmentation's with block ended"):
        next(result.assignment_chunks())

    # an error in the caller's block (say, the warehouse refusing the write)
    with pytest.raises(RuntimeError, match="write failed"):
        with segment_customer_chunks(chunks_of(frame, 100), workdir=tmp_path) as result:
            next(result.assignment_chunks())
            raise RuntimeError("write failed")
    assert list(tmp_path.iterdir()) == []

    # an error from the stream itself (say, the connection dropping) after rows were stored
    def broken() -> Iterator[pd.DataFrame]:
        yield from list(chunks_of(frame, 100))[:2]
        raise ConnectionError("lost the warehouse")

    with pytest.raises(ConnectionError):
        with segment_customer_chunks(broken(), workdir=tmp_path):
            pass
    assert list(tmp_path.iterdir()) == []


class _InMemoryRows:
    """A RowChunks over an array, to check the chunked Lloyd loop against sklearn's."""

    def __init__(self, x: np.ndarray, chunk_rows: int) -> None:
        self.x, self.chunk_rows = x, chunk_rows
        self.labels = np.zeros(len(x), dtype=np.int32)

    def scaled_chunks(self) -> Iterator[tuple[slice, np.ndarray]]:
        for start in range(0, len(self.x), self.chunk_rows):
            span = slice(start, min(start + self.chunk_rows, len(self.x)))
            yield span, self.x[span]

    def read_labels(self, rows: slice) -> np.ndarray:
        return self.labels[rows].copy()

    def write_labels(self, rows: slice, labels: np.ndarray) -> None:
        self.labels[rows] = labels


@pytest.mark.parametrize("case", ["near", "empty cluster", "one iteration"])
def test_chunked_lloyd_is_sklearns_lloyd(case: str) -> None:
    rng = np.random.default_rng(3)
    x = np.vstack([rng.normal(c, 1.0, (700, 3)) for c in (0.0, 4.0, 9.0)])
    init = np.array([[0.5, 0.5, 0.5], [3.0, 3.0, 3.0], [8.0, 8.0, 8.0]])
    max_iter = 300
    if case == "empty cluster":  # a centre no row is nearest to: it takes the farthest row
        init = np.array([[2.0, 2.0, 2.0], [8.0, 8.0, 8.0], [60.0, 60.0, 60.0]])
    if case == "one iteration":
        max_iter = 1
    model = KMeans(n_clusters=3, init=init, n_init=1, max_iter=max_iter).fit(x)
    rows = _InMemoryRows(x, chunk_rows=250)
    refit = refine_in_chunks(rows, init, max_iter=max_iter, tol=chunked_tolerance(rows))
    assert chunked_tolerance(rows) == pytest.approx(np.mean(np.var(x, axis=0)) * 1e-4, rel=1e-12)
    assert refit.n_iter == model.n_iter_
    assert np.array_equal(rows.labels, model.labels_)
    assert refit.centers == pytest.approx(model.cluster_centers_, rel=1e-9)


def test_moments_merge_chunks_as_one_array() -> None:
    rng = np.random.default_rng(8)
    x = rng.normal(1e6, 3.0, (1_000, 3))  # a large mean against the spread
    x[rng.random(x.shape) < 0.1] = np.nan
    x[:200, 1] = np.nan  # a chunk in which a column has no value at all
    moments = Moments(3)
    for start in range(0, len(x), 200):
        moments.add(x[start : start + 200])
    assert moments.count.tolist() == np.sum(~np.isnan(x), axis=0).tolist()
    assert moments.mean == pytest.approx(np.nanmean(x, axis=0), rel=1e-14)
    assert moments.variance == pytest.approx(np.nanvar(x, axis=0), rel=1e-9)
    assert moments.std(ddof=1) == pytest.approx(np.nanstd(x, axis=0, ddof=1), rel=1e-9)
    single = Moments(1)
    single.add(np.array([[2.5]]))
    assert np.isnan(single.std(ddof=1)[0]) and single.total.tolist() == [2.5]
