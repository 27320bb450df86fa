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
    _check_columns(df, features, id_column)

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


@dataclass(frozen=True)
class ScannedFeatures:
    """What one pass over a feature stream found (see :class:`FeatureScan`).

    Attributes:
        n_rows: Customers seen.
        impute_values: Mean of the observed values of each feature (what fills its gaps).
        imputed_counts: Missing values per feature.
        constant_features: Features with one value after imputation (they carry no weight).
    """

    n_rows: int
    impute_values: dict[str, float]
    imputed_counts: dict[str, int]
    constant_features: tuple[str, ...]


class FeatureScan:
    """:func:`validate_frame` and the imputation statistics of :func:`prepare_features`, for
    rows that arrive in chunks sorted by customer id and are never all in memory.

    :meth:`add` checks and counts one chunk and returns its ids and feature values for the
    caller to keep; :meth:`finish` raises the error the in-memory path would raise for the
    same rows, in the same order of checks, or returns the statistics. Checked per chunk:
    missing and duplicate columns, non-numeric features (a schema property). Counted over the
    stream: null ids, duplicate ids (adjacent equal ids, the stream being sorted), values per
    feature, infinite values, the range of the observed values (for constant features) and
    their mean (:class:`~segmentation.moments.Moments`). Ids that go down are refused at once:
    the samples are drawn by position in customer id order, so an unsorted stream would
    silently give another segmentation than the in-memory path.
    """

    def __init__(self, features: tuple[str, ...], id_column: str) -> None:
        from segmentation.moments import Moments

        self.features = features
        self.id_column = id_column
        self.n_rows = 0
        self.null_ids = 0
        self.duplicate_ids = 0
        self.duplicate_example: object = None
        self.last_id: object = None
        self.non_numeric: dict[str, object] = {}
        self.present = np.zeros(len(features), dtype=np.int64)
        self.infinite = np.zeros(len(features), dtype=np.int64)
        self.low = np.full(len(features), np.inf)
        self.high = np.full(len(features), -np.inf)
        self.observed = Moments(len(features))

    def add(self, chunk: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
        """Check and count ``chunk``; its ``(ids, values)`` to keep (values ``(n, p)``
        float64, NaN where missing), or None when it has no rows or a feature is not numeric
        (then only the ids are still checked, so :meth:`finish` reports what comes first)."""
        if len(chunk) == 0:
            return None
        _check_columns(chunk, self.features, self.id_column)
        ids = chunk[self.id_column]
        self._count_ids(ids)
        self.n_rows += len(chunk)
        self.present += chunk[list(self.features)].notna().sum().to_numpy(dtype=np.int64)
        for name in self.features:
            if name not in self.non_numeric and not pd.api.types.is_numeric_dtype(chunk[name].dtype):
                self.non_numeric[name] = chunk[name].dtype
        if self.non_numeric:
            return None
        values = chunk[list(self.features)].to_numpy(dtype=np.float64, na_value=np.nan)
        self._count_values(values)
        return _plain_ids(ids), values

    def _count_ids(self, ids: pd.Series) -> None:
        present = ids[ids.notna()]
        self.null_ids += len(ids) - len(present)
        if present.empty:
            return
        values = present.to_numpy()
        if self.last_id is not None:
            values = np.concatenate([np.asarray([self.last_id], dtype=values.dtype), values])
        if np.any(values[1:] < values[:-1]):
            at = int(np.argmax(values[1:] < values[:-1]))
            raise SegmentationError(
                f"{self.id_column!r} must arrive in ascending order: "
                f"{_scalar(values[at])!r} came before {_scalar(values[at + 1])!r}"
            )
        repeated = values[1:] == values[:-1]
        if repeated.any():
            if self.duplicate_example is None:
                self.duplicate_example = _scalar(values[1:][repeated][0])
            self.duplicate_ids += int(repeated.sum())
        self.last_id = values[-1]

    def _count_values(self, values: np.ndarray) -> None:
        infinite = np.isinf(values)
        if infinite.any():
            self.infinite += infinite.sum(axis=0)
            values = np.where(infinite, np.nan, values)
        observed = ~np.isnan(values)
        self.low = np.minimum(self.low, np.where(observed, values, np.inf).min(axis=0))
        self.high = np.maximum(self.high, np.where(observed, values, -np.inf).max(axis=0))
        self.observed.add(values)

    def finish(self) -> ScannedFeatures:
        """The statistics, or the first problem in :func:`prepare_features`' order."""
        if self.n_rows == 0:
            raise EmptyInputError("no customers to segment (the input has 0 rows)")
        if self.null_ids:
            raise DuplicateCustomerError(f"{self.id_column!r} has {self.null_ids} null values")
        if self.duplicate_ids:
            raise DuplicateCustomerError(
                f"{self.id_column!r} has {self.duplicate_ids} duplicate values "
                f"(e.g. {self.duplicate_example!r}); one row per customer is expected"
            )
        for j, name in enumerate(self.features):
            if name in self.non_numeric:
                raise InvalidFeatureError(
                    f"feature {name!r} is not numeric (dtype {self.non_numeric[name]})", name
                )
            if self.present[j] == 0:
                raise AllNullFeatureError(
                    f"feature {name!r} is entirely null ({self.n_rows} rows, no values to "
                    "impute from)",
                    name,
                )
        for j, name in enumerate(self.features):
            if self.infinite[j]:
                raise InvalidFeatureError(
                    f"feature {name!r} has {int(self.infinite[j])} infinite values", name
                )
        return self._statistics()

    def _statistics(self) -> ScannedFeatures:
        missing = self.n_rows - self.present
        means = self.observed.mean
        # a gap is filled with the mean, so it widens the range only when the mean lies outside
        low = np.where(missing > 0, np.minimum(self.low, means), self.low)
        high = np.where(missing > 0, np.maximum(self.high, means), self.high)
        constant = tuple(name for j, name in enumerate(self.features) if low[j] == high[j])
        imputed_counts = {name: int(missing[j]) for j, name in enumerate(self.features)}
        if any(imputed_counts.values()):
            log.info(
                "imputed missing values with the feature mean: %s",
                ", ".join(f"{k}={v}" for k, v in imputed_counts.items() if v),
            )
        if len(constant) == len(self.features):
            raise NoVarianceError("all customers have identical features; nothing to segment")
        if constant:
            log.warning("zero-variance features carry no weight: %s", ", ".join(constant))
        return ScannedFeatures(
            n_rows=self.n_rows,
            impute_values={name: float(means[j]) for j, name in enumerate(self.features)},
            imputed_counts=imputed_counts,
            constant_features=constant,
        )


def _check_columns(chunk: pd.DataFrame, features: tuple[str, ...], id_column: str) -> None:
    """The column checks of :func:`validate_frame`, for a whole frame or one chunk."""
    missing = tuple(c for c in (id_column, *features) if c not in chunk.columns)
    if missing:
        label = "column" if len(missing) == 1 else "columns"
        raise MissingColumnError(
            f"missing required {label}: {', '.join(repr(c) for c in missing)}", missing
        )
    if chunk.columns.duplicated().any():
        dupes = sorted({str(c) for c in chunk.columns[chunk.columns.duplicated()]})
        raise SegmentationError(f"duplicate column names in input: {', '.join(dupes)}")


def _plain_ids(ids: pd.Series) -> np.ndarray:
    """Ids as a fixed-width numpy array, the form the chunked path keeps on disk."""
    if not pd.api.types.is_numeric_dtype(ids.dtype) or pd.api.types.is_bool_dtype(ids.dtype):
        raise SegmentationError(
            f"the chunked segmentation needs numeric customer ids, got dtype {ids.dtype}"
        )
    if ids.isna().any():  # reported by finish(); the values kept no longer matter
        return ids.to_numpy(dtype=np.float64, na_value=np.nan)
    return ids.to_numpy(dtype=np.int64 if pd.api.types.is_integer_dtype(ids.dtype) else np.float64)


def _scalar(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value

