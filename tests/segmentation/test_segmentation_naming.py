"""Segment names: vocabulary, generic fallback, uniqueness, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
from segmentation_data import make_persona_customers

from segmentation import SegmentationResult
from segmentation.naming import name_segments


def test_value_and_frequency_make_high_value_buyers() -> None:
    names = name_segments(
        [
            {"age": 0.1, "sessions": 0.2, "transactions": 1.8, "revenue": 2.4},
            {"age": 0.0, "sessions": -0.1, "transactions": -0.3, "revenue": -0.4},
        ]
    )
    assert names == ["high-value frequent buyers", "average customers"]


def test_young_engaged_browsers_and_dormant_low_spenders() -> None:
    names = name_segments(
        [
            {"age": -1.2, "avg_session_duration": 1.1, "pages_per_session": 0.9, "revenue": 0.2},
            {"recency_days": 1.5, "frequency": -0.2, "monetary": -0.9},
            {"recency_days": -1.1, "frequency": 0.3, "monetary": 0.1},
        ]
    )
    assert names == ["young engaged browsers", "dormant low-spenders", "recent customers"]


def test_at_most_three_traits_strongest_first_in_fixed_word_order() -> None:
    (name,) = name_segments(
        [
            {
                "age": 0.6,  # weakest: dropped
                "sessions": 1.0,
                "avg_session_duration": 0.9,  # engagement: strongest of the two is kept
                "pages_per_session": 1.4,
                "transactions": 2.0,
                "revenue": 3.0,
            }
        ]
    )
    assert name == "high-value frequent engaged buyers"


def test_unknown_features_fall_back_to_generic_words() -> None:
    names = name_segments(
        [
            {"tenure_days": 1.3, "support_tickets": -0.2},
            {"tenure_days": -0.8, "support_tickets": 0.1, "revenue": 1.0},
        ]
    )
    assert names == [
        "customers with high tenure_days",
        "high-value buyers with low tenure_days",
    ]


def test_duplicate_names_get_a_further_trait_then_a_number() -> None:
    base = {"transactions": 2.0, "revenue": 3.0, "sessions": 1.0}
    names = name_segments(
        [
            {**base, "age": -0.9},  # 4 traits: the 4th (age) tells the two apart
            {**base, "age": 0.0},
            {"revenue": 0.1},
            {"revenue": 0.2},  # identical traits: numbered
        ]
    )
    assert names == [
        "young high-value frequent active buyers",
        "high-value frequent active buyers",
        "average customers",
        "average customers (2)",
    ]


def test_names_are_deterministic() -> None:
    rng = np.random.default_rng(2)
    profiles = [
        dict(zip(["age", "sessions", "revenue", "x"], rng.normal(0, 1, 4), strict=True))
        for _ in range(8)
    ]
    first = name_segments(profiles)
    assert first == name_segments([dict(p) for p in profiles])
    assert len(set(first)) == 8
    assert all(first)


def test_persona_segments_get_meaningful_unique_names(
    personas: tuple[pd.DataFrame, np.ndarray], persona_result: SegmentationResult
) -> None:
    _, truth = personas
    names = persona_result.profiles["segment_name"].tolist()
    assert len(set(names)) == len(names) == 4
    assert all(isinstance(n, str) and n for n in names)
    assert names[0] == "high-value frequent active buyers"  # segment 0: highest revenue

    table = pd.crosstab(truth, persona_result.assignments["segment_name"].to_numpy())
    name_of = {persona: str(table.loc[persona].idxmax()) for persona in table.index}
    assert name_of["big_spender"] == names[0]
    assert name_of["young_browser"].startswith("young")
    assert name_of["young_browser"].endswith("browsers")
    assert name_of["dormant"].startswith("older")


def test_names_are_stable_across_runs_with_other_seeds_of_data() -> None:
    frame, _ = make_persona_customers(seed=99)
    from segmentation import segment_customers

    first = segment_customers(frame, k=4).profiles["segment_name"].tolist()
    second = segment_customers(frame.iloc[::-1], k=4).profiles["segment_name"].tolist()
    assert first == second
    assert first[0] == "high-value frequent active buyers"
