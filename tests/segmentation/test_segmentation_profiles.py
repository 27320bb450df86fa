"""Profiles, imputation, zero-variance features and standardisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from segmentation_data import make_persona_customers
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler

from segmentation import DEFAULT_FEATURES, SegmentationResult, segment_customers


def test_profile_columns(persona_result: SegmentationResult) -> None:
    features = list(DEFAULT_FEATURES)
    assert list(persona_result.profiles.columns) == [
        "segment_id",
        "segment_name",
        "size",
        "share",
        *[f"{f}_mean" for f in features],
        "age_std",
        "sessions_sum",
        "revenue_sum",
        "revenue_count",
        *[f"{f}_z" for f in features],
    ]


def test_profiles_match_a_pandas_groupby(
    personas: tuple[pd.DataFrame, np.ndarray], persona_result: SegmentationResult
) -> None:
    frame, _ = personas
    joined = frame.merge(persona_result.assignments, on="customer_id", validate="one_to_one")
    expected = joined.groupby("segment_id").agg(
        size=("customer_id", "size"),
        age_mean=("age", "mean"),
        age_std=("age", "std"),
        sessions_sum=("sessions", "sum"),
        revenue_mean=("revenue", "mean"),
        revenue_sum=("revenue", "sum"),
        revenue_count=("revenue", "count"),
    )
    profiles = persona_result.profiles.set_index("segment_id")
    assert profiles["size"].tolist() == expected["size"].tolist()
    assert profiles["share"].to_numpy() == pytest.approx(expected["size"] / len(frame))
    assert profiles["revenue_count"].tolist() == expected["revenue_count"].tolist()
    for column in ("age_mean", "age_std", "sessions_sum", "revenue_mean", "revenue_sum"):
        assert profiles[column].to_numpy() == pytest.approx(expected[column].to_numpy(), rel=1e-9)

    # standardised means: (segment mean - overall mean) / population standard deviation
    for feature in DEFAULT_FEATURES:
        column = frame[feature]
        z = (joined.groupby("segment_id")[feature].mean() - column.mean()) / column.std(ddof=0)
        assert profiles[f"{feature}_z"].to_numpy() == pytest.approx(z.to_numpy(), abs=1e-9)


def test_centers_are_the_segment_means(persona_result: SegmentationResult) -> None:
    profiles = persona_result.profiles.set_index("segment_id")
    for feature in DEFAULT_FEATURES:
        assert persona_result.centers[feature].to_numpy() == pytest.approx(
            profiles[f"{feature}_mean"].to_numpy(), rel=1e-9
        )


def test_missing_values_are_imputed_with_the_mean() -> None:
    frame, _ = make_persona_customers(seed=4)
    rng = np.random.default_rng(0)
    age_rows = rng.choice(frame.index, size=7, replace=False)
    revenue_rows = rng.choice(frame.index, size=3, replace=False)
    frame.loc[age_rows, "age"] = np.nan
    frame.loc[revenue_rows, "revenue"] = np.nan
    frame["age"] = frame["age"].astype("Float64")  # nullable dtype with <NA> works too

    result = segment_customers(frame, k=4)

    assert result.imputed_counts == {
        "age": 7,
        "sessions": 0,
        "avg_session_duration": 0,
        "pages_per_session": 0,
        "transactions": 0,
        "revenue": 3,
    }
    assert result.impute_values["age"] == pytest.approx(float(frame["age"].mean()))
    assert result.impute_values["revenue"] == pytest.approx(float(frame["revenue"].mean()))

    filled = frame.astype({"age": "float64"}).fillna(
        {"age": frame["age"].mean(), "revenue": frame["revenue"].mean()}
    )
    joined = filled.merge(result.assignments, on="customer_id")
    grouped = joined.groupby("segment_id")
    profiles = result.profiles.set_index("segment_id")
    assert profiles["age_mean"].to_numpy() == pytest.approx(grouped["age"].mean().to_numpy())
    assert profiles["revenue_sum"].to_numpy() == pytest.approx(grouped["revenue"].sum().to_numpy())
    # revenue_count counts observed (not imputed) values, like pandas count on the raw column
    raw = frame.merge(result.assignments, on="customer_id").groupby("segment_id")["revenue"]
    assert profiles["revenue_count"].tolist() == raw.count().tolist()
    assert int(profiles["revenue_count"].sum()) == len(frame) - 3


def test_standard_scaler_gives_scale_one_to_a_constant_feature() -> None:
    values = np.column_stack([np.full(50, 3.7), np.arange(50.0)])
    scaler = StandardScaler().fit(values)
    assert scaler.scale_[0] == 1.0
    transformed = scaler.transform(values)
    assert np.isfinite(transformed).all()
    assert np.abs(transformed[:, 0]).max() < 1e-12


def test_zero_variance_feature(personas: tuple[pd.DataFrame, np.ndarray]) -> None:
    frame, truth = personas
    frame = frame.assign(pages_per_session=4.0)

    result = segment_customers(frame)

    assert result.constant_features == ("pages_per_session",)
    assert result.chosen_k == 4
    assert adjusted_rand_score(truth, result.assignments["segment_id"]) == 1.0
    numeric = result.profiles.drop(columns="segment_name")
    assert not numeric.isna().any().any()
    assert not result.scores[["inertia", "silhouette"]].isna().any().any()
    assert (result.profiles["pages_per_session_z"] == 0.0).all()
    assert (result.profiles["pages_per_session_mean"] == 4.0).all()
    assert result.centers["pages_per_session"].to_numpy() == pytest.approx([4.0] * 4)
