"""Segmentation of customers that arrive in chunks and are never all in memory.

:func:`segment_customer_chunks` is :func:`segmentation.segment_customers` for a stream of
DataFrames sorted by customer id (a warehouse read in batches): the same validation, imputation,
scaling, seeded k search, refinement on every customer, segment order, profiles and names, with
memory that does not grow with the number of customers. The customers go to a temporary folder
as they stream past (:class:`RowStore`), and every later step reads them back one chunk at a time:

1. **Scan** (the stream): :class:`~segmentation.features.FeatureScan` checks each chunk (the
   in-memory path's errors, in its order) and gathers the row count, the missing values and
   the mean of the observed values of each feature; the rows are written to disk as they are.
2. **Scale** (one pass over the disk): the imputed values fit a ``StandardScaler`` chunk by
   chunk (``partial_fit``), and the k-search sample is picked up: the positions
   :func:`~segmentation.pipeline.draw_search_sample` draws for that row count and seed, so the
   sample is the rows the in-memory path would search.
3. **Search**: k is scored and chosen on the sample by the in-memory path's own code.
4. **Refine** (one pass per Lloyd iteration): :func:`~segmentation.kmeans.refine_in_chunks`.
5. **Profile** (one pass): sizes, means, the seed's extras and the standardised means per
   cluster (:class:`~segmentation.profiles.ClusterMoments`), and the final inertia.
6. **Assign**: :meth:`ChunkedSegmentationResult.assignment_chunks` reads the ids and labels
   back in chunks, with segment ids and names, for the caller to write where it wants.

The results equal the in-memory path's but for floating-point order: sums are merged chunk by
chunk instead of over one array, so means and centres can differ in the last digits (see
DECISIONLOG, "Chunked segmentation").

Disk: ``n x (8 p + 12)`` bytes in the temporary folder (``TMPDIR``, or ``workdir``), 60 MB for
1M customers and 6 features; removed when the ``with`` block ends, error or not.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.preprocessing import StandardScaler

from segmentation.errors import SegmentationError
from segmentation.features import DEFAULT_FEATURES, DEFAULT_ID_COLUMN, FeatureScan, ScannedFeatures
from segmentation.kmeans import KFit, chunked_tolerance, refine_in_chunks
from segmentation.naming import name_segments
from segmentation.pipeline import (
    DEFAULT_K_RANGE,
    DEFAULT_SEARCH_SAMPLE_SIZE,
    DEFAULT_SILHOUETTE_SAMPLE_SIZE,
    DEFAULT_SILHOUETTE_TOLERANCE,
    SearchSample,
    SegmentationOutcome,
    SegmentationParams,
    candidate_ks,
    centers_frame,
    checked_params,
    draw_search_sample,
    scores_frame,
    search_k,
    single_threaded_fits,
    value_feature_of,
)
from segmentation.profiles import ClusterMoments, rank_segments, z_profiles

log = logging.getLogger(__name__)

DEFAULT_CHUNK_ROWS = 100_000
"""Rows per chunk read back from disk: about 5 MB of values at 6 features, and 8 MB of
distances at k=10 while labelling."""


class RowStore:
    """The customers of one chunked segmentation on disk, in arrival (customer id) order.

    Three flat binary files in ``folder``: the ids, the feature values as read (float64, NaN
    where missing, ``n x p``) and one int32 label per customer. They are appended to while the
    stream is read, then read and written back a window of rows at a time through a
    ``numpy.memmap`` of that window only: a mapping of the whole file would count every page
    it touched in the process's resident memory, which would again grow with the customers.
    """

    def __init__(self, folder: Path, n_features: int) -> None:
        self.folder = folder
        self.n_features = n_features
        self.n_rows = 0
        self.id_dtype: np.dtype | None = None
        self._ids = folder / "ids.bin"
        self._values = folder / "values.bin"
        self._labels = folder / "labels.bin"
        self._ids.touch()
        self._values.touch()

    def append(self, ids: np.ndarray, values: np.ndarray) -> None:
        """Add rows at the end (ids keep the dtype of the first rows; a null id among later
        ones cannot be cast, but then the stream is refused and the ids are never read)."""
        if self.id_dtype is None:
            self.id_dtype = ids.dtype
        with self._ids.open("ab") as out, np.errstate(invalid="ignore"):
            np.ascontiguousarray(ids, dtype=self.id_dtype).tofile(out)
        with self._values.open("ab") as out:
            np.ascontiguousarray(values, dtype=np.float64).tofile(out)
        self.n_rows += int(values.shape[0])

    def spans(self, chunk_rows: int) -> Iterator[slice]:
        """Consecutive row ranges of at most ``chunk_rows`` rows covering every row."""
        for start in range(0, self.n_rows, chunk_rows):
            yield slice(start, min(start + chunk_rows, self.n_rows))

    def values(self, rows: slice) -> np.ndarray:
        """The feature values of ``rows`` (a copy, NaN where missing)."""
        return self._read(self._values, np.dtype(np.float64), rows, (self.n_features,))

    def ids(self, rows: slice) -> np.ndarray:
        return self._read(self._ids, np.dtype(self.id_dtype), rows, ())

    def labels(self, rows: slice) -> np.ndarray:
        return self._read(self._labels, np.dtype(np.int32), rows, ())

    def write_labels(self, rows: slice, labels: np.ndarray) -> None:
        if not self._labels.exists():
            with self._labels.open("wb") as out:  # sized once; unwritten slots read as 0
                out.truncate(self.n_rows * np.dtype(np.int32).itemsize)
        window = self._window(self._labels, np.dtype(np.int32), rows, (), mode="r+")
        window[:] = labels
        del window  # no flush: later reads map the same page cache, and the file is temporary

    def _read(self, path: Path, dtype: np.dtype, rows: slice, tail: tuple[int, ...]) -> np.ndarray:
        window = self._window(path, dtype, rows, tail, mode="r")
        copy = np.array(window)
        del window  # unmapped here, so its pages leave this process's resident memory
        return copy

    def _window(self, path: Path, dtype: np.dtype, rows: slice, tail: tuple[int, ...],
                mode: str) -> np.memmap:
        width = dtype.itemsize * int(np.prod(tail, dtype=np.int64))
        return np.memmap(path, dtype=dtype, mode=mode, offset=rows.start * width,
                         shape=(rows.stop - rows.start, *tail))


@dataclass(frozen=True)
class Scaling:
    """How stored values become the standardised matrix: gaps filled with the feature mean,
    then the scaler fitted on the imputed values (constant features set to exactly 0, as in
    :func:`segmentation.features.prepare_features`)."""

    impute_values: np.ndarray
    scaler: StandardScaler
    constant: np.ndarray

    def impute(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(imputed values, missing mask)``."""
        missing = np.isnan(values)
        return np.where(missing, self.impute_values, values), missing

    def scale(self, imputed: np.ndarray) -> np.ndarray:
        scaled = self.scaler.transform(imputed)
        scaled[:, self.constant] = 0.0
        return scaled


@dataclass
class ScaledRows:
    """The stored rows as the standardised matrix, chunk by chunk, with their label slots
    (the :class:`segmentation.kmeans.RowChunks` that the chunked Lloyd loop reads)."""

    store: RowStore
    scaling: Scaling
    chunk_rows: int

    def chunks(self) -> Iterator[tuple[slice, np.ndarray, np.ndarray, np.ndarray]]:
        """``(rows, imputed, missing, scaled)`` for every chunk, in order."""
        for span in self.store.spans(self.chunk_rows):
            imputed, missing = self.scaling.impute(self.store.values(span))
            yield span, imputed, missing, self.scaling.scale(imputed)

    def scaled_chunks(self) -> Iterator[tuple[slice, np.ndarray]]:
        for span, _, _, scaled in self.chunks():
            yield span, scaled

    def read_labels(self, rows: slice) -> np.ndarray:
        return self.store.labels(rows)

    def write_labels(self, rows: slice, labels: np.ndarray) -> None:
        self.store.write_labels(rows, labels)


@dataclass(frozen=True)
class ChunkedSegmentationResult(SegmentationOutcome):
    """Outcome of :func:`segment_customer_chunks`: a
    :class:`~segmentation.pipeline.SegmentationOutcome` whose assignments stay on disk.

    :meth:`assignment_chunks` reads them back while the ``with`` block of
    :func:`segment_customer_chunks` is open; the folder is gone after it.
    """

    store: RowStore = field(kw_only=True, repr=False, compare=False)
    mapping: np.ndarray = field(kw_only=True, repr=False, compare=False)
    chunk_rows: int = field(kw_only=True, default=DEFAULT_CHUNK_ROWS)

    def assignment_chunks(self, chunk_rows: int | None = None) -> Iterator[pd.DataFrame]:
        """The assignments in customer id order, ``chunk_rows`` at a time: ``<id_column>``,
        ``segment_id`` (int64, 0 = most valuable) and ``segment_name``."""
        if not self.store.folder.exists():
            raise SegmentationError("the assignments were removed when the segmentation's "
                                    "with block ended; read them inside it")
        names = np.asarray(self.profiles["segment_name"].astype(str).tolist(), dtype=object)
        for span in self.store.spans(chunk_rows or self.chunk_rows):
            segment_ids = self.mapping[self.store.labels(span)].astype(np.int64)
            yield pd.DataFrame({
                self.parameters.id_column: self.store.ids(span),
                "segment_id": segment_ids,
                "segment_name": pd.Series(names[segment_ids], dtype="str"),
            })


@contextmanager
def segment_customer_chunks(
    chunks: Iterable[pd.DataFrame],
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
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    workdir: Path | None = None,
) -> Iterator[ChunkedSegmentationResult]:
    """Segment customers streamed in chunks; use as ``with segment_customer_chunks(...) as r``.

    Args:
        chunks: DataFrames of ``id_column`` plus the feature columns, in ascending order of a
            numeric customer id across chunks (a warehouse's ``order by customer_id``). Read
            once.
        chunk_rows: Rows per chunk when the stored customers are read back.
        workdir: Folder for the temporary files (default: the system's temporary folder).
        Every other argument is :func:`segmentation.segment_customers`' own.

    Yields:
        A :class:`ChunkedSegmentationResult`, whose assignments can be read inside the block.

    Raises:
        SegmentationError: as :func:`segmentation.segment_customers`, for the same rows; also
            when ids go down (the stream is not sorted) or are not numeric.
    """
    started = time.perf_counter()
    feature_names, params = checked_params(
        features, id_column, k=k, k_range=k_range, random_state=random_state, n_init=n_init,
        max_iter=max_iter, silhouette_sample_size=silhouette_sample_size,
        search_sample_size=search_sample_size, silhouette_tolerance=silhouette_tolerance,
        value_feature=value_feature, n_jobs=n_jobs,
    )
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise SegmentationError(f"chunk_rows must be a positive integer, got {chunk_rows!r}")
    with tempfile.TemporaryDirectory(prefix="mca-segments-", dir=workdir) as folder:
        store = RowStore(Path(folder), len(feature_names))
        yield _segment_stored(chunks, store, feature_names, params, chunk_rows, on_fit, started)


def _segment_stored(
    chunks: Iterable[pd.DataFrame],
    store: RowStore,
    features: tuple[str, ...],
    params: SegmentationParams,
    chunk_rows: int,
    on_fit: Callable[[KFit], None] | None,
    started: float,
) -> ChunkedSegmentationResult:
    """The steps of the module docstring, on customers kept in ``store``."""
    timings: dict[str, float] = {}
    scanned = _scan(chunks, store, features, params.id_column)
    ks = candidate_ks(scanned.n_rows, params)
    sample = draw_search_sample(scanned.n_rows, params)
    rows, search_x = _scale(store, scanned, features, sample, chunk_rows)
    timings["prepare"] = time.perf_counter() - started

    phase = time.perf_counter()
    with single_threaded_fits() as controller:
        fits, chosen, reason = search_k(search_x, ks, params, sample, scanned.n_rows, controller, on_fit)
        del search_x
        timings["search"] = time.perf_counter() - phase
        phase = time.perf_counter()
        centers = _final_centers(rows, chosen, sample, params)
        moments, inertia = _profile_pass(rows, centers, chosen.k)
    if sample.positions is None:
        inertia = chosen.inertia  # the search fit is the final model, as in memory
    if int(np.count_nonzero(moments.sizes)) != chosen.k:  # pragma: no cover - defensive
        raise SegmentationError(f"the final fit left a segment empty at k={chosen.k}")
    timings["final_fit"] = time.perf_counter() - phase

    phase = time.perf_counter()
    value = value_feature_of(features, params.value_feature)
    mapping = rank_segments(moments.sizes, moments.means(features.index(value)), centers)
    profiles = moments.profiles(features, mapping)
    profiles.insert(1, "segment_name", name_segments(z_profiles(profiles, features)))
    scaler = rows.scaling.scaler
    timings["profiles"] = time.perf_counter() - phase
    timings["total"] = time.perf_counter() - started
    log.info("customer segmentation complete: %s", reason)
    return ChunkedSegmentationResult(
        profiles=profiles,
        scores=scores_frame(fits, chosen.k),
        chosen_k=chosen.k,
        reason=reason,
        was_k_forced=params.k is not None,
        features=features,
        value_feature=value,
        imputed_counts=scanned.imputed_counts,
        impute_values=scanned.impute_values,
        constant_features=scanned.constant_features,
        n_customers=scanned.n_rows,
        search_sample_size=sample.n_search,
        silhouette_sample_size=sample.n_silhouette,
        refined_on_all_rows=sample.positions is not None,
        final_inertia=inertia,
        centers=centers_frame(centers, mapping, np.asarray(scaler.scale_, dtype=np.float64),
                              np.asarray(scaler.mean_, dtype=np.float64), features),
        parameters=params,
        timings=timings,
        store=store,
        mapping=mapping,
        chunk_rows=chunk_rows,
    )


def _scan(chunks: Iterable[pd.DataFrame], store: RowStore, features: tuple[str, ...],
          id_column: str) -> ScannedFeatures:
    """Step 1: check and count the stream, keeping its rows on disk. A stream left early (an
    error) is closed at once, so what its reader holds (a connection, an engine's memory
    setting) is given back while the reader's warehouse is still open."""
    scan = FeatureScan(features, id_column)
    stream = iter(chunks)
    try:
        for chunk in stream:
            kept = scan.add(chunk)
            if kept is not None:
                store.append(*kept)
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    return scan.finish()


def _scale(store: RowStore, scanned: ScannedFeatures, features: tuple[str, ...],
           sample: SearchSample, chunk_rows: int) -> tuple[ScaledRows, np.ndarray]:
    """Step 2: fit the scaler on the imputed values and pick up the search sample (its rows
    are standardised once the scaler has seen every row, by the same transform)."""
    impute_values = np.array([scanned.impute_values[f] for f in features])
    constant = np.array([f in scanned.constant_features for f in features])
    scaler = StandardScaler()
    picked: list[np.ndarray] = []
    for span in store.spans(chunk_rows):
        imputed = np.where(np.isnan(values := store.values(span)), impute_values, values)
        scaler.partial_fit(imputed)
        if sample.positions is None:
            picked.append(imputed)
        else:
            lo, hi = np.searchsorted(sample.positions, [span.start, span.stop])
            picked.append(imputed[sample.positions[lo:hi] - span.start])
    scaling = Scaling(impute_values, scaler, constant)
    return ScaledRows(store, scaling, chunk_rows), np.ascontiguousarray(scaling.scale(np.concatenate(picked)))


def _final_centers(rows: ScaledRows, chosen: KFit, sample: SearchSample,
                   params: SegmentationParams) -> np.ndarray:
    """Step 4: the search fit's own labels when it saw every row, else Lloyd on every row from
    its centres (labels written to the store either way)."""
    if sample.positions is None:
        for span in rows.store.spans(rows.chunk_rows):
            rows.write_labels(span, chosen.labels[span])
        return chosen.centers
    tol = chunked_tolerance(rows)
    refit = refine_in_chunks(rows, chosen.centers, max_iter=params.max_iter, tol=tol)
    log.info("refined k=%d on all %d rows in %d iterations", chosen.k, rows.store.n_rows, refit.n_iter)
    return refit.centers


def _profile_pass(rows: ScaledRows, centers: np.ndarray, k: int) -> tuple[ClusterMoments, float]:
    """Step 5: the profile figures per cluster and the inertia of the final model."""
    moments = ClusterMoments(k, rows.store.n_features)
    inertia = 0.0
    for span, imputed, missing, scaled in rows.chunks():
        labels = rows.read_labels(span)
        moments.add(labels, imputed, missing, scaled)
        inertia += float(((scaled - centers[labels]) ** 2).sum())
    return moments, inertia


__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "ChunkedSegmentationResult",
    "RowStore",
    "segment_customer_chunks",
]
