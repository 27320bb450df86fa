"""End-to-end behaviour of segment_customers on seeded synthetic customers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from segmentation_data import SIZES, make_persona_customers
from sklearn.metrics import adjusted_rand_score

from segmentation import SegmentationResult, segment_customers


def _persona_per_segment(result: SegmentationResult, truth: np.ndarray) -> dict[int, str]:
    table = pd.crosstab(result.assignments["segment_id"].to_numpy(), truth)
    return {int(segment): str(table.loc[segment].idxmax()) for segment in table.index}


def test_finds_the_four_personas(
    personas: tuple[pd.DataFrame, np.ndarray], persona_result: SegmentationResult
) -> None:
    frame, truth = personas
    result = persona_result

    assert result.chosen_k == 4
    assert result.was_k_forced is False
    assert result.reason.startswith("k=4: highest silhouette")
    assert result.scores["k"].tolist() == list(range(2, 11))
    assert result.scores.loc[result.scores["is_chosen"], "k"].tolist() == [4]
    assert result.n_customers == len(frame) == 420
    assert result.search_sample_size == 420
    assert result.refined_on_all_rows is False

    # every generated persona maps to exactly one segment, and vice versa
    table = pd.crosstab(truth, result.assignments["segment_id"].to_numpy())
    assert table.shape == (4, 4)
    assert ((table > 0).sum(axis=1) == 1).all()
    assert ((table > 0).sum(axis=0) == 1).all()
    assert adjusted_rand_score(truth, result.assignments["segment_id"]) == 1.0

    mapping = _persona_per_segment(result, truth)
    sizes = dict(zip(result.profiles["segment_id"], result.profiles["size"], strict=True))
    assert {mapping[s]: int(n) for s, n in sizes.items()} == SIZES


def test_segment_ids_rank_by_revenue(
    personas: tuple[pd.DataFrame, np.ndarray], persona_result: SegmentationResult
) -> None:
    _, truth = personas
    profiles = persona_result.profiles
    assert profiles["segment_id"].tolist() == [0, 1, 2, 3]
    assert profiles["revenue_mean"].is_monotonic_decreasing
    assert persona_result.value_feature == "revenue"
    assert _persona_per_segment(persona_result, truth)[0] == "big_spender"


def test_assignments_follow_the_input_rows(
    personas: tuple[pd.DataFrame, np.ndarray], persona_result: SegmentationResult
) -> None:
    frame, _ = personas
    assignments = persona_result.assignments
    assert list(assignments.columns) == ["customer_id", "segment_id", "segment_name"]
    assert assignments.index.equals(frame.index)
    assert assignments["customer_id"].equals(frame["customer_id"])
    names = persona_result.segment_names
    assert assignments["segment_name"].tolist() == [names[s] for s in assignments["segment_id"]]


def test_same_input_gives_identical_result(
    personas: tuple[pd.DataFrame, np.ndarray], persona_result: SegmentationResult
) -> None:
    frame, _ = personas
    again = segment_customers(frame.copy())
    pd.testing.assert_frame_equal(again.assignments, persona_result.assignments)
    pd.testing.assert_frame_equal(again.profiles, persona_result.profiles)
    pd.testing.assert_frame_equal(again.scores, persona_result.scores)
    assert again.reason == persona_result.reason


def test_row_order_does_not_change_the_segments(
    personas: tuple[pd.DataFrame, np.ndarray], persona_result: SegmentationResult
) -> None:
    frame, _ = personas
    shuffled = frame.sample(frac=1.0, random_state=5)
    result = segment_customers(shuffled)
    before = persona_result.assignments.set_index("customer_id").sort_index()
    after = result.assignments.set_index("customer_id").sort_index()
    pd.testing.assert_frame_equal(after, before)
    pd.testing.assert_frame_equal(result.profiles, persona_result.profiles)


def test_input_frame_is_not_modified() -> None:
    frame, _ = make_persona_customers(seed=3)
    frame.loc[frame.index[:5], "age"] = np.nan
    original = frame.copy()
    segment_customers(frame, k_range=(3, 5))
    pd.testing.assert_frame_equal(frame, original)


def test_forced_k(personas: tuple[pd.DataFrame, np.ndarray]) -> None:
    frame, _ = personas
    result = segment_customers(frame, k=3)
    assert result.chosen_k == 3
    assert result.was_k_forced is True
    assert result.reason.startswith("k=3: forced")
    assert result.scores["k"].tolist() == [3]
    assert result.scores["is_chosen"].tolist() == [True]
    assert 0.0 < result.scores["silhouette"].iloc[0] <= 1.0
    assert sorted(result.assignments["segment_id"].unique()) == [0, 1, 2]
    assert len(result.profiles) == 3
    assert result.profiles["size"].sum() == len(frame)


def test_sampled_search_then_fit_on_all_rows() -> None:
    frame, truth = make_persona_customers(seed=21, scale=10)  # 4,200 customers
    kwargs = {"search_sample_size": 1_000, "silhouette_sample_size": 300, "k_range": (2, 6)}
    result = segment_customers(frame, **kwargs)
    assert result.search_sample_size == 1_000
    assert result.silhouette_sample_size == 300
    assert result.refined_on_all_rows is True
    assert result.chosen_k == 4
    assert adjusted_rand_score(truth, result.assignments["segment_id"]) == 1.0
    assert result.profiles["size"].sum() == 4_200

    again = segment_customers(frame.sample(frac=1.0, random_state=9), **kwargs)
    by_id = again.assignments.set_index("customer_id").sort_index()
    pd.testing.assert_frame_equal(by_id, result.assignments.set_index("customer_id").sort_index())


def test_thread_count_does_not_change_the_result(
    personas: tuple[pd.DataFrame, np.ndarray],
) -> None:
    frame, _ = personas
    one = segment_customers(frame, k_range=(2, 6), n_jobs=1)
    two = segment_customers(frame, k_range=(2, 6), n_jobs=2)
    pd.testing.assert_frame_equal(one.scores, two.scores)
    pd.testing.assert_frame_equal(one.assignments, two.assignments)


def test_k_range_is_capped_by_tiny_inputs() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": range(6),
            "recency_days": [1.0, 2.0, 3.0, 300.0, 310.0, 320.0],
            "frequency": [9.0, 8.0, 9.0, 1.0, 1.0, 2.0],
            "monetary": [900.0, 850.0, 880.0, 20.0, 25.0, 30.0],
        }
    )
    result = segment_customers(frame, ("recency_days", "frequency", "monetary"))
    assert result.scores["k"].tolist() == [2, 3, 4, 5]
    assert result.chosen_k == 2
    assert result.assignments["segment_id"].tolist() == [0, 0, 0, 1, 1, 1]


def test_rfm_feature_set_end_to_end() -> None:
    rng = np.random.default_rng(8)
    centres = {  # recency_days, frequency, monetary
        "champions": (5.0, 20.0, 2_000.0),
        "lapsed": (300.0, 2.0, 60.0),
        "new": (10.0, 1.0, 40.0),
    }
    sizes = {"champions": 50, "lapsed": 90, "new": 70}
    blocks, truth = [], []
    for name, centre in centres.items():
        blocks.append(np.abs(rng.normal(centre, (3.0, 1.0, 50.0), (sizes[name], 3))))
        truth += [name] * sizes[name]
    values = np.vstack(blocks)
    frame = pd.DataFrame(values, columns=["recency_days", "frequency", "monetary"])
    frame.insert(0, "customer_id", [f"C{i:04d}" for i in range(len(frame))])

    result = segment_customers(frame, ("recency_days", "frequency", "monetary"))

    assert result.chosen_k == 3
    assert result.features == ("recency_days", "frequency", "monetary")
    assert result.value_feature == "monetary"
    assert adjusted_rand_score(truth, result.assignments["segment_id"]) == 1.0
    profiles = result.profiles
    assert {"monetary_sum", "monetary_count", "recency_days_z"} <= set(profiles.columns)
    assert not any(column.startswith(("age", "revenue")) for column in profiles.columns)
    names = result.segment_names
    assert names[0].startswith("recent high-value frequent")  # champions, most valuable
    lapsed = int(profiles.loc[profiles["recency_days_mean"].idxmax(), "segment_id"])
    assert names[lapsed].startswith("dormant")


def test_label_joins_segments_onto_other_columns(
    personas: tuple[pd.DataFrame, np.ndarray], persona_result: SegmentationResult
) -> None:
    frame, _ = personas
    labelled = persona_result.label(frame)
    assert list(labelled.columns) == [*frame.columns, "segment_id", "segment_name"]
    assert labelled["segment_id"].tolist() == persona_result.assignments["segment_id"].tolist()
    by_channel = pd.crosstab(labelled["acquisition_channel"], labelled["segment_id"])
    assert int(by_channel.to_numpy().sum()) == len(frame)


@pytest.mark.parametrize("tolerance", [0.0, 0.05])
def test_tolerance_never_picks_a_worse_separated_k(
    personas: tuple[pd.DataFrame, np.ndarray], tolerance: float
) -> None:
    frame, _ = personas
    result = segment_customers(frame, k_range=(3, 6), silhouette_tolerance=tolerance)
    assert result.chosen_k == 4  # k=3 is 0.1 below k=4: outside either tolerance


def test_boolean_feature_counts_as_zero_one(personas: tuple[pd.DataFrame, np.ndarray]) -> None:
    frame, truth = personas
    frame = frame.assign(is_big_spender=truth == "big_spender")
    result = segment_customers(frame, ("revenue", "is_big_spender"), k=2)
    profiles = result.profiles
    assert profiles["is_big_spender_mean"].tolist() == [1.0, 0.0]
    assert profiles["size"].tolist() == [60, 360]
