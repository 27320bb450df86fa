"""Input validation and feature preparation: DataFrame in, scaled float64 matrix out.

Steps, in order:

1. Validate the frame (rows present, id column and features present, ids unique and non-null,
   features numeric, finite and not entirely null). Every failure is a one-line
   :class:`~segmentation.errors.SegmentationError` that names the column.
2. Put the rows in a canonical order, sorted by customer id, so that the result does not depend
   on the order of the input rows (sampling and k-means++ seeding both depend on row positions).
3. Extract the features once into a C-contiguous ``float64`` matrix (the only copy of the raw
   values), impute missing values in place with the feature mean (as the seed pipeline does) and
   count the imputed values per feature.
4. Standardise with :class:`sklearn.preprocessing.StandardScaler` (one more matrix). A
   zero-variance feature gets scale 1 from sklearn and is set to exactly 0 after centring, so it
   carries no weight in the distances and never yields NaN. If every feature is constant the
   customers are identical and :class:`~segmentation.errors.NoVarianceError` is raised.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.errors import (
    AllNullFeatureError,
    DuplicateCustomerError,
    EmptyInputError,
    InvalidFeatureError,
    InvalidParameterError,
    MissingColumnError,
    NoVarianceError,
    SegmentationError,
)

log = logging.getLogger(__name__)

DEFAULT_FEATURES: tuple[str, ...] = (
    "age",
    "sessions",
    "avg_session_duration",
    "pages_per_session",
    "transactions",
    "revenue",
)
"""Behavioural features of the seed pipeline (one row per customer)."""

RFM_FEATURES: tuple[str, ...] = ("recency_days", "frequency", "monetary")
"""Recency / frequency / monetary features, for an RFM segmentation."""

DEFAULT_ID_COLUMN = "customer_id"


@dataclass(frozen=True)
class PreparedFeatures:
    """Feature matrices in canonical row order (sorted by customer id).

    Attributes:
        features: Feature names, in column order of the matrices.
        order: ``order[i]`` is the input row position of canonical row ``i``.
        raw: ``(n, p)`` float64 values after mean imputation, unscaled.
        scaled: ``(n, p)`` float64 standardised values (constant features are exactly 0).
        imputed_mask: ``(n, p)`` bool, True where a value was missing and imputed.
        impute_values: Mean used to fill each feature.
        imputed_counts: Number of imputed values per feature.
        scaler_mean: Per-feature mean used for centring.
        scaler_scale: Per-feature scale (standard deviation; 1.0 for constant features).
        constant_features: Features with zero variance (after imputation).
    """

    features: tuple[str, ...]
    order: np.ndarray
    raw: np.ndarray
    scaled: np.ndarray
    imputed_mask: np.ndarray
    impute_values: dict[str, float]
    imputed_counts: dict[str, int]
    scaler_mean: np.ndarray
    scaler_scale: np.ndarray
    constant_features: tuple[str, ...]

    @property
    def n_rows(self) -> int:
        return int(self.raw.shape[0])


def check_feature_names(features: Sequence[str], id_column: str) -> tuple[str, ...]:
    """Return ``features`` as a tuple after checking it is a non-empty list of distinct names."""
    if isinstance(features, str):
        raise InvalidParameterError(
            f"features must be a sequence of column names, not the string {features!r}"
        )
    names = tuple(features)
    if not names:
        raise InvalidParameterError("features is empty: give at least one feature column")
    seen: set[str] = set()
    for name in names:
        if not isinstance(name, str) or not name:
            raise InvalidParameterError(f"feature names must be non-empty strings, got {name!r}")
        if name in seen:
            raise InvalidParameterError(f"feature {name!r} is listed twice")
        if name == id_column:
            raise InvalidParameterError(f"the id column {id_column!r} cannot also be a feature")
        seen.add(name)
    return names


def validate_frame(df: pd.DataFrame, features: tuple[str, ...], id_column: str) -> None:
    """Raise a :class:`SegmentationError` naming the first problem found in ``df``."""
    if not isinstance(df, pd.DataFrame):
        raise SegmentationError(f"expected a pandas DataFrame, got {type(df).__name__}")
    if len(df) == 0:
        raise EmptyInputError("no customers to segment (the input has 0 rows)")
    missing = tuple(c for c in (id_column, *features) if c not in df.columns)
    if missing:
        label = "column" if len(missing) == 1 else "columns"
        raise MissingColumnError(
            f"missing required {label}: {', '.join(repr(c) for c in missing)}", missing
        )
    if df.columns.duplicated().any():
        dupes = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise SegmentationError(f"duplicate column names in input: {', '.join(dupes)}")

    ids = df[id_column]
    n_null_ids = int(ids.isna().sum())
    if n_null_ids:
        raise DuplicateCustomerError(f"{id_column!r} has {n_null_ids} null values")
    dup_mask = ids.duplicated()
    if dup_mask.any():
        example = ids[dup_mask].iloc[0]
        if isinstance(example, np.generic):
            example = example.item()
        raise DuplicateCustomerError(
            f"{id_column!r} has {int(dup_mask.sum())} duplicate values (e.g. {example!r}); "
            "one row per customer is expected"
        )

    for name in features:
        column = df[name]
        if not pd.api.types.is_numeric_dtype(column.dtype):  # bool counts as numeric (0/1)
            raise InvalidFeatureError(
                f"feature {name!r} is not numeric (dtype {column.dtype})", name
            )
        n_present = int(column.notna().sum())
        if n_present == 0:
            raise AllNullFeatureError(
                f"feature {name!r} is entirely null ({len(df)} rows, no values to impute from)",
                name,
            )


def canonical_order(ids: pd.Series) -> np.ndarray:
    """Positions that sort ``ids`` (stable); input order if the ids cannot be ordered."""
    try:
        order: np.ndarray = np.asarray(ids.argsort(kind="stable"), dtype=np.intp)
    except TypeError:
        log.warning("customer ids of mixed types cannot be sorted; keeping the input row order")
        return np.arange(len(ids), dtype=np.intp)
    return order


def prepare_features(
    df: pd.DataFrame, features: tuple[str, ...], id_column: str
) -> PreparedFeatures:
    """Validate ``df`` and build the imputed and standardised feature matrices.

    Raises:
        SegmentationError: see :func:`validate_frame`; :class:`InvalidFeatureError` for
            infinite values; :class:`NoVarianceError` when every feature is constant.
    """
    validate_frame(df, features, id_column)
    order = canonical_order(df[id_column])

    values = df[list(features)].to_numpy(dtype=np.float64, na_value=np.nan)
    if np.array_equal(order, np.arange(len(order))):
        raw = np.ascontiguousarray(values)
    else:
        raw = np.ascontiguousarray(values[order])
    del values

    imputed_mask = np.isnan(raw)
    impute_values: dict[str, float] = {}
    imputed_counts: dict[str, int] = {}
    constant: list[str] = []
    for j, name in enumerate(features):
        column = raw[:, j]
        missing = imputed_mask[:, j]
        n_missing = int(missing.sum())
        if np.isinf(column).any():
            n_inf = int(np.isinf(column).sum())
            raise InvalidFeatureError(f"feature {name!r} has {n_inf} infinite values", name)
        mean = float(column[~missing].mean()) if n_missing else float(column.mean())
        if n_missing:
            column[missing] = mean
        impute_values[name] = mean
        imputed_counts[name] = n_missing
        if column.min() == column.max():
            constant.append(name)
    if imputed_mask.any():
        log.info(
            "imputed missing values with the feature mean: %s",
            ", ".join(f"{k}={v}" for k, v in imputed_counts.items() if v),
        )
    if len(constant) == len(features):
        raise NoVarianceError("all customers have identical features; nothing to segment")
    if constant:
        log.warning("zero-variance features carry no weight: %s", ", ".join(constant))

    from sklearn.preprocessing import StandardScaler  # scikit-learn loads on first use

    scaler = StandardScaler()
    scaled = scaler.fit_transform(raw)
    for name in constant:
        scaled[:, features.index(name)] = 0.0
    scale = np.asarray(scaler.scale_, dtype=np.float64)
    if not np.all(np.isfinite(scaled)):  # pragma: no cover - guarded by the checks above
        raise SegmentationError("scaling produced non-finite values")

    return PreparedFeatures(
        features=features,
        order=order,
        raw=raw,
        scaled=np.ascontiguousarray(scaled, dtype=np.float64),
        imputed_mask=imputed_mask,
        impute_values=impute_values,
        imputed_counts=imputed_counts,
        scaler_mean=np.asarray(scaler.mean_, dtype=np.float64),
        scaler_scale=scale,
        constant_features=tuple(constant),
    )
