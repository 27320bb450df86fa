"""The entry point :func:`segment_customers` and its result.

One call: validate -> impute -> scale -> score k on a sample -> choose k -> fit on all rows ->
order segments by value -> profile -> name. See :mod:`segmentation.kmeans` for the sampling
design and the k rule, :mod:`segmentation.naming` for the names.

Determinism: rows are processed sorted by customer id, samples come from
``numpy.random.default_rng(random_state)`` and every ``KMeans`` gets ``random_state``, so the
same customers give the same assignments, segment ids and names whatever the input row order
(for an integer ``random_state``; ``None`` gives a fresh random run).
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import ThreadpoolController

from segmentation.errors import InvalidParameterError, SegmentationError, TooFewCustomersError
from segmentation.features import (
    DEFAULT_FEATURES,
    DEFAULT_ID_COLUMN,
    PreparedFeatures,
    check_feature_names,
    prepare_features,
)
from segmentation.kmeans import (
    KFit,
    choose_k,
    native_single_thread,
    refine_on_all_rows,
    sample_positions,
    score_k_values,
)
from segmentation.naming import VALUE_FEATURES, name_segments
from segmentation.profiles import build_profiles, segment_order, z_profiles

log = logging.getLogger(__name__)

DEFAULT_K_RANGE: tuple[int, int] = (2, 10)
DEFAULT_SEARCH_SAMPLE_SIZE = 20_000
DEFAULT_SILHOUETTE_SAMPLE_SIZE = 5_000
DEFAULT_SILHOUETTE_TOLERANCE = 0.01
MIN_SAMPLE_SIZE = 100

ASSIGNMENT_COLUMNS = ("segment_id", "segment_name")


@dataclass(frozen=True)
class SegmentationParams:
    """The knobs of one run, as given (after validation)."""

    k: int | None = None
    k_range: tuple[int, int] = DEFAULT_K_RANGE
    random_state: int | None = 42
    n_init: int = 10
    max_iter: int = 300
    silhouette_sample_size: int | None = DEFAULT_SILHOUETTE_SAMPLE_SIZE
    search_sample_size: int | None = DEFAULT_SEARCH_SAMPLE_SIZE
    silhouette_tolerance: float = DEFAULT_SILHOUETTE_TOLERANCE
    id_column: str = DEFAULT_ID_COLUMN
    value_feature: str | None = None
    n_jobs: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SegmentationOutcome:
    """What a segmentation found, without the per-customer assignments.

    Shared by :class:`SegmentationResult` (in memory, with the assignments as a DataFrame) and
    :class:`segmentation.chunked.ChunkedSegmentationResult` (assignments kept on disk and read
    back in chunks), so reports, charts and summaries take either.

    Attributes:
        profiles: One row per segment (see :func:`segmentation.profiles.build_profiles`):
            ``segment_id``, ``segment_name``, ``size``, ``share``, ``<f>_mean`` per feature,
            ``age_std``/``sessions_sum``/``revenue_sum``/``revenue_count`` when present,
            ``<f>_z`` per feature.
        scores: One row per k tried: ``k``, ``inertia`` (on the search rows), ``silhouette``
            (on the silhouette sample; NaN only for a k with fewer distinct customers than k),
            ``is_chosen``. A forced k has a single row.
        chosen_k: Number of segments.
        reason: One line explaining the choice, e.g. "k=4: highest silhouette 0.712 (...)".
        was_k_forced: True when ``k`` was passed.
        features: Feature columns used, in order.
        value_feature: Feature that orders segment ids (descending mean).
        imputed_counts: Missing values filled with the feature mean, per feature.
        impute_values: The mean used for each feature.
        constant_features: Zero-variance features (they carry no weight).
        n_customers: Rows segmented.
        search_sample_size: Rows the k search ran on (== n_customers when not sampled).
        silhouette_sample_size: Rows each silhouette was computed on.
        refined_on_all_rows: True when the final model was refitted on all rows from the
            search centres (the search ran on a sample).
        final_inertia: Inertia of the final model over all rows (scaled space).
        centers: Final centres in original units (after imputation), indexed by segment_id.
        parameters: The parameters of the run.
        timings: Seconds per phase: ``prepare``, ``search``, ``final_fit``, ``profiles``,
            ``total``.
    """

    profiles: pd.DataFrame
    scores: pd.DataFrame
    chosen_k: int
    reason: str
    was_k_forced: bool
    features: tuple[str, ...]
    value_feature: str
    imputed_counts: dict[str, int]
    impute_values: dict[str, float]
    constant_features: tuple[str, ...]
    n_customers: int
    search_sample_size: int
    silhouette_sample_size: int
    refined_on_all_rows: bool
    final_inertia: float
    centers: pd.DataFrame
    parameters: SegmentationParams
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def segment_names(self) -> dict[int, str]:
        """``{segment_id: segment_name}``."""
        return dict(
            zip(
                self.profiles["segment_id"].astype(int),
                self.profiles["segment_name"].astype(str),
                strict=True,
            )
        )


@dataclass(frozen=True)
class SegmentationResult(SegmentationOutcome):
    """Outcome of :func:`segment_customers`: a :class:`SegmentationOutcome` plus

    Attributes:
        assignments: One row per input customer, in input row order and with the input index:
            ``<id_column>`` (``customer_id`` by default), ``segment_id`` (int, 0 = most
            valuable), ``segment_name`` (str).
    """

    assignments: pd.DataFrame = field(kw_only=True)

    def label(self, df: pd.DataFrame) -> pd.DataFrame:
        """Return a copy of ``df`` with ``segment_id`` and ``segment_name`` joined on the id.

        Customers of ``df`` that were not segmented get ``<NA>``. Other columns (for example
        ``acquisition_channel``) are kept, so segments can be cross-tabulated with them.
        """
        id_column = self.parameters.id_column
        lookup = self.assignments.set_index(id_column)[list(ASSIGNMENT_COLUMNS)]
        out = df.copy()
        ids = out[id_column]
        out["segment_id"] = ids.map(lookup["segment_id"]).astype("Int64")
        out["segment_name"] = ids.map(lookup["segment_name"])
        return out


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidParameterError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise InvalidParameterError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def _validate_params(params: SegmentationParams, features: tuple[str, ...]) -> SegmentationParams:
    if params.k is not None:
        _check_int("k", params.k, 2)
    k_range = params.k_range
    if (
        not isinstance(k_range, Sequence)
        or isinstance(k_range, str)
        or len(k_range) != 2
        or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in k_range)
    ):
        raise InvalidParameterError(f"k_range must be two integers (low, high), got {k_range!r}")
    low, high = int(k_range[0]), int(k_range[1])
    if low < 2 or high < low:
        raise InvalidParameterError(
            f"invalid k_range ({low}, {high}): need 2 <= low <= high (both inclusive)"
        )
    _check_int("n_init", params.n_init, 1)
    _check_int("max_iter", params.max_iter, 1)
    if params.random_state is not None:
        _check_int("random_state", params.random_state, 0)
    for name in ("search_sample_size", "silhouette_sample_size"):
        value = getattr(params, name)
        if value is not None:
            _check_int(name, value, MIN_SAMPLE_SIZE)
    tolerance = params.silhouette_tolerance
    if (
        isinstance(tolerance, bool)
        or not isinstance(tolerance, (int, float))
        or not (0.0 <= float(tolerance) < 1.0)
    ):
        raise InvalidParameterError(
            f"silhouette_tolerance must be a number in [0, 1), got {tolerance!r}"
        )
    if params.n_jobs is not None:
        _check_int("n_jobs", params.n_jobs, 1)
    if params.value_feature is not None and params.value_feature not in features:
        raise InvalidParameterError(
            f"value_feature {params.value_feature!r} is not one of the features"
        )
    return SegmentationParams(**{**params.to_dict(), "k_range": (low, high)})


def value_feature_of(features: tuple[str, ...], requested: str | None) -> str:
    """The feature whose mean orders segment ids: given, else revenue/monetary, else the first."""
    if requested is not None:
        return requested
    for candidate in VALUE_FEATURES:
        if candidate in features:
            return candidate
    log.info("no value feature among %s; ordering segments by %r", features, features[0])
    return features[0]


def checked_params(
    features: Sequence[str], id_column: str, **knobs: Any
) -> tuple[tuple[str, ...], SegmentationParams]:
    """The feature names and the validated parameters of one run (both entry points take the
    same keywords: :func:`segment_customers` and
    :func:`segmentation.chunked.segment_customer_chunks`)."""
    if not isinstance(id_column, str) or not id_column:
        raise InvalidParameterError(f"id_column must be a column name, got {id_column!r}")
    feature_names = check_feature_names(features, id_column)
    params = _validate_params(SegmentationParams(id_column=id_column, **knobs), feature_names)
    return feature_names, params


def candidate_ks(n_rows: int, params: SegmentationParams) -> list[int]:
    """The k values to score for ``n_rows`` customers; TooFewCustomersError when even the
    smallest needs more customers than there are."""
    low, high = params.k_range
    ks = [params.k] if params.k is not None else list(range(low, high + 1))
    needed = min(ks) + 1
    if n_rows < needed:
        what = f"k={params.k}" if params.k is not None else f"the smallest k={min(ks)} of k_range"
        raise TooFewCustomersError(
            f"only {n_rows} customers; {what} needs at least {needed} "
            "(more customers than segments)"
        )
    if params.k is None and max(ks) >= n_rows:
        ks = [k_ for k_ in ks if k_ < n_rows]
        log.info("only %d customers: k search limited to %d..%d", n_rows, ks[0], ks[-1])
    return ks


def segment_customers(
    df: pd.DataFrame,
    features: Sequence[str] = DEFAULT_FEATURES,
    *,
    k: int | None = None,
    k_range: tuple[int, int] = DEFAULT_K_RANGE,
    random_state: int | None = 42,
    n_init: int = 10,
    max_iter: int = 300,
    silhouette_sample_size: int | None = DEFAULT_SILHOUETTE_SAMPLE_SIZE,
    search_sample_size: int | None = DEFAULT_SEARCH_SAMPLE_SIZE,
    silhouette_tolerance: float = DEFAULT_SILHOUETTE_TOLERANCE,
    id_column: str = DEFAULT_ID_COLUMN,
    value_feature: str | None = None,
    n_jobs: int | None = None,
    on_fit: Callable[[KFit], None] | None = None,
) -> SegmentationResult:
    """Segment customers with k-means on standardised features.

    Args:
        df: One row per customer: ``id_column`` plus the feature columns; other columns are
            ignored (use :meth:`SegmentationResult.label` to join segments back). Not modified.
        features: Numeric feature columns. Missing values are imputed with the feature mean.
        k: Force this number of segments (skips the choice; its scores are still recorded).
        k_range: Inclusive ``(low, high)`` range of k to search when ``k`` is None.
        random_state: Seed for the samples and for ``KMeans``; None for a non-repeatable run.
        n_init: k-means++ initialisations per k (the best inertia is kept).
        max_iter: Maximum Lloyd iterations per run.
        silhouette_sample_size: Rows the silhouette is computed on (None: every search row;
            quadratic in time and memory, about 1 GB at 10,000 rows).
        search_sample_size: Rows the k search runs on (None: every row).
        silhouette_tolerance: k values within this silhouette of the best count as ties; the
            smallest of them is chosen.
        id_column: Customer id column (unique, non-null).
        value_feature: Feature that orders segment ids, highest mean first. Default: the
            first of ``revenue``/``monetary`` present, else the first feature.
        n_jobs: k values fitted at once, in threads (None: the CPUs this process may use).
            Does not change the result.
        on_fit: Called with each k's fit as it is scored (from a worker thread), for progress.

    Returns:
        A :class:`SegmentationResult`.

    Raises:
        SegmentationError: (a ``ValueError``) with a one-line message for empty input, a
            missing, non-numeric, infinite or entirely null column, duplicate ids, too few
            customers for k, identical customers, or an invalid parameter.
    """
    started = time.perf_counter()
    feature_names, params = checked_params(
        features,
        id_column,
        k=k,
        k_range=k_range,
        random_state=random_state,
        n_init=n_init,
        max_iter=max_iter,
        silhouette_sample_size=silhouette_sample_size,
        search_sample_size=search_sample_size,
        silhouette_tolerance=silhouette_tolerance,
        value_feature=value_feature,
        n_jobs=n_jobs,
    )
    timings: dict[str, float] = {}

    prepared = prepare_features(df, feature_names, params.id_column)
    n_rows = prepared.n_rows
    ks = candidate_ks(n_rows, params)
    timings["prepare"] = time.perf_counter() - started

    clustered = _cluster(prepared, ks, params, timings, on_fit)
    chosen = clustered.chosen

    phase = time.perf_counter()
    value = value_feature_of(feature_names, params.value_feature)
    mapping = segment_order(
        clustered.labels,
        chosen.k,
        prepared.raw[:, feature_names.index(value)],
        clustered.centers,
    )
    segment_ids = mapping[clustered.labels]

    profiles = build_profiles(prepared, segment_ids, chosen.k)
    names = name_segments(z_profiles(profiles, feature_names))
    profiles.insert(1, "segment_name", names)

    assignments = _assignments(df, prepared, segment_ids, names, params.id_column)
    centers = centers_frame(
        clustered.centers, mapping, prepared.scaler_scale, prepared.scaler_mean, feature_names
    )
    scores = scores_frame(clustered.fits, chosen.k)
    timings["profiles"] = time.perf_counter() - phase
    timings["total"] = time.perf_counter() - started
    log.info("customer segmentation complete: %s", clustered.reason)

    return SegmentationResult(
        assignments=assignments,
        profiles=profiles,
        scores=scores,
        chosen_k=chosen.k,
        reason=clustered.reason,
        was_k_forced=params.k is not None,
        features=feature_names,
        value_feature=value,
        imputed_counts=prepared.imputed_counts,
        impute_values=prepared.impute_values,
        constant_features=prepared.constant_features,
        n_customers=n_rows,
        search_sample_size=clustered.search.n_search,
        silhouette_sample_size=clustered.search.n_silhouette,
        refined_on_all_rows=clustered.search.positions is not None,
        final_inertia=clustered.final_inertia,
        centers=centers,
        parameters=params,
        timings=timings,
    )


def centers_frame(
    centers: np.ndarray,
    mapping: np.ndarray,
    scale: np.ndarray,
    mean: np.ndarray,
    features: tuple[str, ...],
) -> pd.DataFrame:
    """Final centres (scaled space, in cluster order) back in original units, in segment order."""
    k = int(centers.shape[0])
    return pd.DataFrame(
        centers[np.argsort(mapping)] * scale + mean,
        columns=list(features),
        index=pd.RangeIndex(k, name="segment_id"),
    )


def scores_frame(fits: Sequence[KFit], chosen_k: int) -> pd.DataFrame:
    """One row per k scored: k, inertia, silhouette, is_chosen."""
    return pd.DataFrame(
        {
            "k": [f.k for f in fits],
            "inertia": [f.inertia for f in fits],
            "silhouette": [f.silhouette for f in fits],
            "is_chosen": [f.k == chosen_k for f in fits],
        }
    )


@dataclass(frozen=True)
class SearchSample:
    """The rows the k search runs on and the rows each silhouette is computed on.

    Attributes:
        positions: Sorted row positions (canonical order) of the search sample; None when the
            search runs on every row (then the search fit is the final model).
        silhouette_positions: Positions within the search rows for the silhouette; None: all.
        n_search: Rows the search runs on.
        n_silhouette: Rows each silhouette is computed on.
    """

    positions: np.ndarray | None
    silhouette_positions: np.ndarray | None
    n_search: int
    n_silhouette: int


def draw_search_sample(n_rows: int, params: SegmentationParams) -> SearchSample:
    """The seeded samples of a run: from one generator, the search rows first, then the
    silhouette rows among them, so a run that knows only the row count (the chunked path, as
    rows stream past) draws the same positions as one holding every row."""
    rng = np.random.default_rng(params.random_state)
    positions = sample_positions(n_rows, params.search_sample_size, rng)
    n_search = n_rows if positions is None else int(positions.size)
    silhouette_positions = sample_positions(n_search, params.silhouette_sample_size, rng)
    n_silhouette = n_search if silhouette_positions is None else int(silhouette_positions.size)
    return SearchSample(positions, silhouette_positions, n_search, n_silhouette)


@contextmanager
def single_threaded_fits() -> Iterator[ThreadpoolController]:
    """Native code on one thread (see :func:`segmentation.kmeans.native_single_thread`), and
    sklearn's ConvergenceWarning silenced: duplicate customers can leave fewer distinct
    clusters than k, which the k search itself detects and reports."""
    controller = ThreadpoolController()
    with warnings.catch_warnings(), native_single_thread(controller):
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield controller


def search_k(
    search_x: np.ndarray,
    ks: list[int],
    params: SegmentationParams,
    sample: SearchSample,
    n_rows: int,
    controller: ThreadpoolController,
    on_fit: Callable[[KFit], None] | None = None,
) -> tuple[list[KFit], KFit, str]:
    """Score every k on the search rows and choose one (inside :func:`single_threaded_fits`)."""
    n_jobs = params.n_jobs if params.n_jobs is not None else _available_cpus()
    log.info(
        "scoring k=%s on %d of %d customers (silhouette on %d, %d at a time)",
        f"{ks[0]}..{ks[-1]}" if len(ks) > 1 else ks[0],
        sample.n_search,
        n_rows,
        sample.n_silhouette,
        min(n_jobs, len(ks)),
    )
    fits = score_k_values(
        search_x,
        ks,
        n_init=params.n_init,
        max_iter=params.max_iter,
        random_state=params.random_state,
        silhouette_positions=sample.silhouette_positions,
        n_jobs=n_jobs,
        controller=controller,
        on_fit=on_fit,
    )
    chosen, reason = _choose(fits, params)
    return fits, chosen, reason


@dataclass(frozen=True)
class _Clustering:
    fits: list[KFit]
    chosen: KFit
    reason: str
    labels: np.ndarray
    centers: np.ndarray
    final_inertia: float
    search: SearchSample


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _cluster(
    prepared: PreparedFeatures, ks: list[int], params: SegmentationParams, timings: dict[str, float],
    on_fit: Callable[[KFit], None] | None = None,
) -> _Clustering:
    """Search k on a sample, choose k, fit the final model (see :mod:`segmentation.kmeans`)."""
    phase = time.perf_counter()
    n_rows = prepared.n_rows
    sample = draw_search_sample(n_rows, params)
    positions = sample.positions
    search_x = prepared.scaled if positions is None else prepared.scaled[positions]
    with single_threaded_fits() as controller:
        fits, chosen, reason = search_k(search_x, ks, params, sample, n_rows, controller, on_fit)
        timings["search"] = time.perf_counter() - phase

        phase = time.perf_counter()
        if positions is None:
            labels, centers, inertia = chosen.labels, chosen.centers, chosen.inertia
        else:
            del search_x
            model = refine_on_all_rows(
                prepared.scaled,
                chosen.centers,
                max_iter=params.max_iter,
                random_state=params.random_state,
            )
            labels = model.labels_.astype(np.int32, copy=False)
            centers = np.asarray(model.cluster_centers_, dtype=np.float64)
            inertia = float(model.inertia_)
            log.info(
                "refined k=%d on all %d rows in %d iterations", chosen.k, n_rows, model.n_iter_
            )
    if np.unique(labels).size != chosen.k:  # pragma: no cover - defensive
        raise SegmentationError(f"the final fit left a segment empty at k={chosen.k}")
    timings["final_fit"] = time.perf_counter() - phase
    return _Clustering(
        fits=fits,
        chosen=chosen,
        reason=reason,
        labels=labels,
        centers=centers,
        final_inertia=inertia,
        search=sample,
    )


def _choose(fits: list[KFit], params: SegmentationParams) -> tuple[KFit, str]:
    if params.k is None:
        return choose_k(fits, params.silhouette_tolerance)
    (fit,) = fits
    if fit.n_nonempty < fit.k:
        raise TooFewCustomersError(
            f"only {fit.n_nonempty} distinct customer profiles, fewer than k={fit.k}"
        )
    return fit, f"k={fit.k}: forced by the caller (silhouette {fit.silhouette:.3f})"


def _assignments(
    df: pd.DataFrame,
    prepared: PreparedFeatures,
    segment_ids: np.ndarray,
    names: Sequence[str],
    id_column: str,
) -> pd.DataFrame:
    """Assignments in input row order, with the input index."""
    in_input_order = np.empty_like(segment_ids)
    in_input_order[prepared.order] = segment_ids
    name_lookup = np.asarray(names, dtype=object)
    return pd.DataFrame(
        {
            id_column: df[id_column],
            "segment_id": in_input_order.astype(np.int64),
            "segment_name": pd.Series(name_lookup[in_input_order], index=df.index, dtype="str"),
        },
        index=df.index,
    )
