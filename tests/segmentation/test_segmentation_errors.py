"""Validation: every failure is a one-line SegmentationError naming the problem."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation import (
    DEFAULT_FEATURES,
    AllNullFeatureError,
    DuplicateCustomerError,
    EmptyInputError,
    InvalidFeatureError,
    InvalidParameterError,
    MissingColumnError,
    NoVarianceError,
    SegmentationError,
    TooFewCustomersError,
    segment_customers,
)


def _customers(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    values = rng.normal(10.0, 3.0, (n, len(DEFAULT_FEATURES)))
    frame = pd.DataFrame(values, columns=list(DEFAULT_FEATURES))
    frame.insert(0, "customer_id", np.arange(n))
    return frame


def _raises(error: type[SegmentationError], frame: object, **kwargs: object) -> str:
    with pytest.raises(error) as caught:
        segment_customers(frame, **kwargs)  # type: ignore[arg-type]
    message = str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert "\n" not in message
    return message


def test_empty_frame() -> None:
    empty = pd.DataFrame(columns=["customer_id", *DEFAULT_FEATURES])
    assert _raises(EmptyInputError, empty).startswith("no customers to segment")
    assert _raises(EmptyInputError, pd.DataFrame()).startswith("no customers to segment")


def test_missing_feature_column_is_named() -> None:
    frame = _customers(30).drop(columns="revenue")
    with pytest.raises(MissingColumnError) as caught:
        segment_customers(frame)
    assert str(caught.value) == "missing required column: 'revenue'"
    assert caught.value.columns == ("revenue",)


def test_missing_id_column_is_named() -> None:
    frame = _customers(30).drop(columns="customer_id")
    assert "'customer_id'" in _raises(MissingColumnError, frame)


def test_entirely_null_feature_is_named() -> None:
    frame = _customers(30).assign(age=np.nan)
    message = _raises(AllNullFeatureError, frame)
    assert message.startswith("feature 'age' is entirely null")


def test_fewer_customers_than_forced_k() -> None:
    message = _raises(TooFewCustomersError, _customers(3), k=5)
    assert message == ("only 3 customers; k=5 needs at least 6 (more customers than segments)")


def test_fewer_customers_than_the_smallest_k() -> None:
    message = _raises(TooFewCustomersError, _customers(3), k_range=(4, 8))
    assert message.startswith("only 3 customers; the smallest k=4 of k_range needs at least 5")


def test_identical_customers() -> None:
    frame = pd.DataFrame({"customer_id": range(20)}).assign(
        **{feature: 5.0 for feature in DEFAULT_FEATURES}
    )
    message = _raises(NoVarianceError, frame)
    assert message == "all customers have identical features; nothing to segment"


def test_fewer_distinct_customers_than_k() -> None:
    frame = _customers(20)
    two_profiles = np.where(np.arange(20) % 2 == 0, 1.0, 9.0)
    for feature in DEFAULT_FEATURES:
        frame[feature] = two_profiles
    message = _raises(TooFewCustomersError, frame, k_range=(3, 5))
    assert message == "only 2 distinct customer profiles, fewer than the smallest k=3"
    assert _raises(TooFewCustomersError, frame, k=3).startswith("only 2 distinct")

    result = segment_customers(frame)  # k=3..10 are undefined, k=2 is chosen
    assert result.chosen_k == 2
    assert result.scores.loc[result.scores["k"] > 2, "silhouette"].isna().all()
    assert result.profiles["size"].tolist() == [10, 10]


def test_duplicate_and_null_ids() -> None:
    frame = _customers(10)
    frame.loc[3, "customer_id"] = 7
    message = _raises(DuplicateCustomerError, frame)
    assert message.startswith("'customer_id' has 1 duplicate values (e.g. 7)")
    frame = _customers(10).astype({"customer_id": "float64"})
    frame.loc[2, "customer_id"] = np.nan
    assert _raises(DuplicateCustomerError, frame) == "'customer_id' has 1 null values"


def test_non_numeric_and_infinite_features() -> None:
    frame = _customers(10).astype({"sessions": "str"})
    assert _raises(InvalidFeatureError, frame).startswith("feature 'sessions' is not numeric")
    frame = _customers(10)
    frame.loc[4, "revenue"] = np.inf
    assert _raises(InvalidFeatureError, frame) == "feature 'revenue' has 1 infinite values"


@pytest.mark.parametrize(
    ("kwargs", "start"),
    [
        ({"k_range": (1, 5)}, "invalid k_range (1, 5)"),
        ({"k_range": (6, 3)}, "invalid k_range (6, 3)"),
        ({"k_range": (2,)}, "k_range must be two integers"),
        ({"k_range": (2.0, 5)}, "k_range must be two integers"),
        ({"k": 1}, "k must be at least 2"),
        ({"k": True}, "k must be an integer"),
        ({"n_init": 0}, "n_init must be at least 1"),
        ({"search_sample_size": 10}, "search_sample_size must be at least 100"),
        ({"silhouette_tolerance": -0.1}, "silhouette_tolerance must be a number in [0, 1)"),
        ({"features": "revenue"}, "features must be a sequence of column names"),
        ({"features": ("age", "age")}, "feature 'age' is listed twice"),
        ({"features": ()}, "features is empty"),
        ({"value_feature": "margin"}, "value_feature 'margin' is not one of the features"),
    ],
)
def test_invalid_parameters(kwargs: dict[str, object], start: str) -> None:
    assert _raises(InvalidParameterError, _customers(30), **kwargs).startswith(start)


def test_not_a_dataframe() -> None:
    assert _raises(SegmentationError, [1, 2, 3]) == "expected a pandas DataFrame, got list"
