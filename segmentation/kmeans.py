"""K-means: scoring k, choosing k, and the final fit.

Design (measured on a 2-core machine, 1,000,000 customers x 6 features)
-----------------------------------------------------------------------
The seed pipeline fits ``KMeans(n_init=10)`` for k = 2..10 on all rows and scores each k by
silhouette. Silhouette is quadratic in time and memory (a 10,000-row silhouette costs about
1 GB of pairwise distances), and nine full ``n_init=10`` fits on 1M rows take minutes. So:

1. **Search sample.** The k search runs on a deterministic sample of ``search_sample_size`` rows
   (default 20,000) drawn without replacement with ``numpy.random.default_rng(random_state)``
   from the rows in canonical order (sorted by customer id). With fewer rows than that, the
   search uses every row. Each k gets ``KMeans(init="k-means++", n_init, max_iter,
   random_state)``; nine k values on 100K rows took 7-15 s (two at a time, see "Threads").
2. **Silhouette sample.** The silhouette of every k is computed on one fixed sub-sample of the
   search rows (``silhouette_sample_size``, default 5,000, same generator), the same rows for
   every k so that the scores are comparable. The pairwise distances of those rows are computed
   once for all k (:func:`silhouettes`), in blocks of at most
   :data:`SILHOUETTE_BLOCK_MB`, after the fits.
3. **Final fit.** When the search used every row, the search model for the chosen k is the final
   model. Otherwise Lloyd's algorithm is run on *all* rows starting from the search model's
   centres (``n_init=1``). Measured at 1M rows this converges in a few iterations (under 2 s)
   and reaches the same or a lower inertia than a fresh ``n_init=10`` fit on all rows (which
   takes 7-15 s per k), while only assigning rows to the sample centres (``predict``) leaves
   1-5 % of the customers in a different segment than the converged fit. The search sample
   fixes the starting point, so the labels are deterministic for a given ``random_state``.
   Customers that are not all in memory (:mod:`segmentation.chunked`) get the same loop one
   pass over the rows per iteration (:func:`refine_in_chunks`), with flat memory.

Memory: everything is float64. At 1M x 6 the raw and the scaled matrices are 48 MB each, the
search sample is one copy of at most ``search_sample_size`` rows, and sklearn's ``KMeans``
copies its input once to centre it (``copy_x``; not disabled, because the search threads share
one sample). Measured peak: about 200-330 MB above the memory held by the input frame.

Threads: native code runs single-threaded (:func:`native_single_thread`) and the k values of the
search are fitted ``n_jobs`` at a time in worker threads instead. Each worker runs without
synchronising with the other, so a busy core slows the search down in proportion instead of
stalling every Lloyd iteration: with another process using one core, sklearn's OpenMP
parallelism made the search 5x (100K rows) to 50x (420 rows) slower than this scheme.

Choosing k
----------
See :func:`choose_k`: highest silhouette, with a tolerance that prefers the smaller k.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
from sklearn.cluster import KMeans
from threadpoolctl import ThreadpoolController

from segmentation.errors import TooFewCustomersError

log = logging.getLogger(__name__)

SILHOUETTE_BLOCK_MB = 4
"""Upper bound (MB) for one block of pairwise distances while computing the silhouettes. Small
blocks reuse the same memory: on 5,000 rows, 64 MB blocks took 0.7 s on a process's first call
(every block fresh memory from the system) against 0.14 s for 4 MB blocks."""


@dataclass(frozen=True)
class KFit:
    """One k-means fit of the search.

    Attributes:
        k: Number of clusters asked for.
        centers: ``(k, p)`` centres in the scaled feature space.
        labels: Cluster of every search row (0..k-1, in sklearn's arbitrary order).
        inertia: Sum of squared distances to the closest centre, over the search rows.
        silhouette: Mean silhouette on the silhouette sample; NaN if undefined (fewer distinct
            customers than k, or fewer than two clusters in the silhouette sample).
        n_iter: Lloyd iterations of the best of the ``n_init`` runs.
        n_nonempty: Number of clusters that received at least one row.
    """

    k: int
    centers: np.ndarray
    labels: np.ndarray
    inertia: float
    silhouette: float
    n_iter: int
    n_nonempty: int

    @property
    def is_valid(self) -> bool:
        """True when all k clusters are used and the silhouette is defined."""
        return self.n_nonempty == self.k and math.isfinite(self.silhouette)


def sample_positions(n_rows: int, size: int | None, rng: np.random.Generator) -> np.ndarray | None:
    """Sorted positions of a sample of ``size`` rows, or None when every row is used."""
    if size is None or n_rows <= size:
        return None
    return np.sort(rng.choice(n_rows, size=size, replace=False))


def fit_kmeans(
    x: np.ndarray,
    k: int,
    *,
    n_init: int,
    max_iter: int,
    random_state: int | None,
    init: str | np.ndarray = "k-means++",
) -> KMeans:
    """Fit ``KMeans`` (``n_init`` is forced to 1 when ``init`` is an array of centres)."""
    model = KMeans(
        n_clusters=k,
        init=init,
        n_init=n_init if isinstance(init, str) else 1,
        max_iter=max_iter,
        random_state=random_state,
    )
    return model.fit(x)


@contextmanager
def native_single_thread(controller: ThreadpoolController) -> Iterator[None]:
    """Limit BLAS (process-wide) and OpenMP (this thread) to one thread; restore on exit.

    Why: sklearn's Lloyd loop is OpenMP-parallel with a barrier per iteration. When another
    process keeps one of the two cores busy, every iteration waits for a descheduled thread:
    measured at 100K rows, k=2..10 took 41 s with two OpenMP threads against 9.5 s with one,
    and 8 s with two k values fitted at once, one thread each (see :func:`score_k_values`).
    """
    with controller.limit(limits=1):
        yield


def silhouettes(x: np.ndarray, labelings: Sequence[np.ndarray], positions: np.ndarray | None) -> list[float]:
    """The mean silhouette of each labelling of ``x`` (restricted to ``positions``), from one
    pass over the pairwise distances; NaN where it is undefined (fewer than two clusters in
    the rows, or as many clusters as rows).

    Equal to sklearn's ``silhouette_score`` (euclidean) for each labelling, computed as sklearn
    computes it (squared norms minus twice the dot product, clipped at zero, each row's
    distance to itself zero; a customer alone in its cluster scores 0), but the distances are
    computed once for every k instead of once per k. Each row's summed distance to every
    cluster of every labelling comes from one matrix product of a block of distances with the
    labellings' one-hot columns. Measured on 5,000 rows and k = 2..10: 0.2 s against 1.7 s for
    nine ``silhouette_score`` calls, the scores equal to 1e-16. A block of distances holds at
    most :data:`SILHOUETTE_BLOCK_MB`.
    """
    if not labelings:
        return []
    if positions is not None:
        x = x[positions]
        labelings = [labels[positions] for labels in labelings]
    n = int(x.shape[0])
    # each labelling's clusters as columns 0..m-1 of its own (absent clusters take none)
    encoded = [np.unique(labels, return_inverse=True, return_counts=True) for labels in labelings]
    sizes = [int(values.size) for values, _, _ in encoded]
    offsets = np.cumsum([0, *sizes])
    onehot = np.zeros((n, int(offsets[-1])))
    rows = np.arange(n)
    for offset, (_, codes, _) in zip(offsets, encoded):
        onehot[rows, offset + codes.reshape(-1)] = 1.0
    sums = np.empty_like(onehot)
    squared = np.einsum("ij,ij->i", x, x)
    block = max(1, SILHOUETTE_BLOCK_MB * 2**20 // (8 * max(n, 1)))
    for start in range(0, n, block):
        stop = min(n, start + block)
        d = squared[start:stop, None] - 2.0 * (x[start:stop] @ x.T) + squared[None, :]
        np.maximum(d, 0.0, out=d)
        np.sqrt(d, out=d)
        d[np.arange(stop - start), np.arange(start, stop)] = 0.0
        sums[start:stop] = d @ onehot
    scores = []
    for offset, size, (_, codes, counts) in zip(offsets, sizes, encoded):
        if size < 2 or size > n - 1:
            scores.append(math.nan)
            continue
        codes = codes.reshape(-1)
        part = sums[:, offset:offset + size]
        own = counts[codes]
        intra = part[rows, codes] / np.maximum(own - 1, 1)
        means = part / counts
        means[rows, codes] = np.inf
        nearest = means.min(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            each = (nearest - intra) / np.maximum(intra, nearest)
        scores.append(float(np.mean(np.nan_to_num(np.where(own > 1, each, 0.0)))))
    return scores


def _fit(x: np.ndarray, k: int, *, n_init: int, max_iter: int, random_state: int | None) -> KFit:
    """One k of the search, its silhouette still to be computed (NaN)."""
    model = fit_kmeans(x, k, n_init=n_init, max_iter=max_iter, random_state=random_state)
    labels = model.labels_.astype(np.int32, copy=False)
    n_nonempty = int(np.unique(labels).size)
    if n_nonempty < k:
        log.info("k=%d: only %d distinct clusters found, k skipped", k, n_nonempty)
    return KFit(
        k=k,
        centers=np.asarray(model.cluster_centers_, dtype=np.float64),
        labels=labels,
        inertia=float(model.inertia_),
        silhouette=math.nan,
        n_iter=int(model.n_iter_),
        n_nonempty=n_nonempty,
    )


def score_k_values(
    x: np.ndarray,
    ks: Sequence[int],
    *,
    n_init: int,
    max_iter: int,
    random_state: int | None,
    silhouette_positions: np.ndarray | None,
    n_jobs: int,
    controller: ThreadpoolController,
    on_fit: Callable[[KFit], None] | None = None,
) -> list[KFit]:
    """Fit k-means for every k in ``ks`` on ``x``, ``n_jobs`` k at a time, then score every fit
    by its silhouette on the rows at ``silhouette_positions`` (:func:`silhouettes`, one pass for
    all k); ``on_fit`` is called with each scored fit, in ``ks`` order.

    Each k runs in its own worker thread with single-threaded native code (sklearn's Cython
    loops release the GIL), so the fits do not share OpenMP barriers. The fits are independent
    and seeded, so the result is identical for any ``n_jobs``; it is returned in ``ks`` order.
    The caller must hold :func:`native_single_thread` (it limits BLAS for the whole process).
    A k whose fit left a cluster empty keeps a NaN silhouette (it is skipped by :func:`choose_k`).
    """

    def one(k: int) -> KFit:
        with controller.limit(limits=1, user_api="openmp"):  # OpenMP limits are per thread
            return _fit(x, k, n_init=n_init, max_iter=max_iter, random_state=random_state)

    if n_jobs <= 1 or len(ks) == 1:
        fits = [one(k) for k in ks]
    else:
        with ThreadPoolExecutor(max_workers=min(n_jobs, len(ks)), thread_name_prefix="kmeans") as ex:
            fits = list(ex.map(one, ks))
    complete = [f for f in fits if f.n_nonempty == f.k]
    scores = dict(zip((f.k for f in complete), silhouettes(x, [f.labels for f in complete], silhouette_positions)))
    scored = []
    for fit in fits:
        fit = replace(fit, silhouette=scores.get(fit.k, math.nan))
        log.debug("k=%d inertia=%.1f silhouette=%.4f iterations=%d", fit.k, fit.inertia, fit.silhouette,
                  fit.n_iter)
        if on_fit is not None:
            on_fit(fit)
        scored.append(fit)
    return scored


def choose_k(fits: Sequence[KFit], tolerance: float) -> tuple[KFit, str]:
    """Pick k by silhouette and explain the choice in one line.

    Rule: take the highest mean silhouette over the candidate k values; among the k values whose
    silhouette is within ``tolerance`` of that maximum, choose the smallest k.

    Why: the silhouette compares, for every customer, the distance to its own segment with the
    distance to the nearest other one, so it rewards segments that are both compact and apart,
    is bounded in [-1, 1] and does not depend on k by construction. Inertia always falls as k
    grows, so the elbow is a judgement call, not a rule; it is recorded for the chart only.
    The tolerance absorbs the sampling noise of a silhouette estimated on a few thousand rows
    (about +-0.005 at 5,000 rows), and when two k values separate customers equally well the
    smaller one gives segments that are larger and easier to act on. On data without cluster
    structure the silhouette tends to favour k=2; pass ``k`` to force a finer split.

    Raises:
        TooFewCustomersError: no k had a defined silhouette (fewer distinct customers than the
            smallest k).
    """
    valid = [f for f in fits if f.is_valid]
    if not valid:
        smallest = min(f.k for f in fits)
        distinct = max(f.n_nonempty for f in fits)
        raise TooFewCustomersError(
            f"only {distinct} distinct customer profiles, fewer than the smallest k={smallest}"
        )
    best = max(valid, key=lambda f: (f.silhouette, -f.k))
    near_best = [f for f in valid if f.silhouette >= best.silhouette - tolerance]
    chosen = min(near_best, key=lambda f: f.k)
    others = sorted((f for f in valid if f.k != chosen.k), key=lambda f: (-f.silhouette, f.k))
    if chosen.k == best.k:
        if others:
            runner = others[0]
            reason = (
                f"k={chosen.k}: highest silhouette {chosen.silhouette:.3f} "
                f"(next best k={runner.k}: {runner.silhouette:.3f})"
            )
        else:
            reason = f"k={chosen.k}: only candidate, silhouette {chosen.silhouette:.3f}"
    else:
        reason = (
            f"k={chosen.k}: silhouette {chosen.silhouette:.3f} is within {tolerance:g} of the "
            f"highest (k={best.k}: {best.silhouette:.3f}); the smaller k is preferred"
        )
    return chosen, reason


def refine_on_all_rows(
    x: np.ndarray, centers: np.ndarray, *, max_iter: int, random_state: int | None
) -> KMeans:
    """Run Lloyd's algorithm on every row, starting from ``centers`` (one deterministic run)."""
    return fit_kmeans(
        x,
        int(centers.shape[0]),
        n_init=1,
        max_iter=max_iter,
        random_state=random_state,
        init=centers,
    )


class RowChunks(Protocol):
    """The standardised rows of a chunked segmentation, read back in order, with one label
    slot per row (:class:`segmentation.chunked.ScaledRows` keeps both on disk)."""

    def scaled_chunks(self) -> Iterator[tuple[slice, np.ndarray]]:
        """``(rows, x)`` for consecutive row ranges, ``x`` the rows' standardised values."""
        ...

    def read_labels(self, rows: slice) -> np.ndarray: ...

    def write_labels(self, rows: slice, labels: np.ndarray) -> None: ...


@dataclass(frozen=True)
class ChunkedRefit:
    """Outcome of :func:`refine_in_chunks`: final centres, Lloyd iterations run, and whether
    the labels stopped changing (else the centre shift fell within the tolerance, or
    ``max_iter`` ran out). The labels are in the :class:`RowChunks`' label slots."""

    centers: np.ndarray
    n_iter: int
    converged_strictly: bool


def nearest_centers(x: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Index of the nearest centre of each row (the first of equals).

    The distance is sklearn's Lloyd loop's own, ``||c||^2 - 2 x.c`` (the ``||x||^2`` term is
    the same for every centre), so a near-tie is decided as the in-memory refinement decides it;
    ``pairwise_distances_argmin`` adds ``||x||^2`` and rounds differently.
    """
    distances = (centers * centers).sum(axis=1) - 2.0 * (x @ centers.T)
    return distances.argmin(axis=1).astype(np.int32)


def chunked_tolerance(rows: RowChunks, tol: float = 1e-4) -> float:
    """sklearn's KMeans tolerance for the rows: ``tol`` times the mean of the columns'
    (population) variances, the variances merged chunk by chunk."""
    from segmentation.moments import Moments

    moments: Moments | None = None
    for _, x in rows.scaled_chunks():
        moments = moments or Moments(x.shape[1])
        moments.add(x)
    return 0.0 if moments is None else float(np.mean(moments.variance)) * tol


@dataclass
class _LloydPass:
    """What one pass over every row gathers: per-cluster sums and counts for the new centres,
    and how many labels changed."""

    sums: np.ndarray
    counts: np.ndarray
    changed: int


def _lloyd_pass(rows: RowChunks, centers: np.ndarray, *, first: bool) -> _LloydPass:
    """Label every row with its nearest centre (written to the label slots) and sum the rows
    per cluster, in row order, chunk by chunk."""
    k, p = centers.shape
    sums = np.zeros((k, p))
    counts = np.zeros(k)
    changed = 0
    for span, x in rows.scaled_chunks():
        labels = nearest_centers(x, centers)
        if first:
            changed += labels.size
        else:
            changed += int(np.count_nonzero(labels != rows.read_labels(span)))
        rows.write_labels(span, labels)
        counts += np.bincount(labels, minlength=k)
        for j in range(p):
            sums[:, j] += np.bincount(labels, weights=x[:, j], minlength=k)
    return _LloydPass(sums, counts, changed)


def _farthest_rows(
    rows: RowChunks, centers: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``n`` rows farthest from the centre of their label, farthest first (earlier rows
    first among equals): their squared distances, values and labels."""
    best_d, best_x, best_label = np.empty(0), np.empty((0, centers.shape[1])), np.empty(0, np.int32)
    for span, x in rows.scaled_chunks():
        labels = rows.read_labels(span)
        distance = ((x - centers[labels]) ** 2).sum(axis=1)
        take = np.argsort(-distance, kind="stable")[:n]
        best_d = np.concatenate([best_d, distance[take]])
        best_x = np.concatenate([best_x, x[take]])
        best_label = np.concatenate([best_label, labels[take]])
        keep = np.argsort(-best_d, kind="stable")[:n]
        best_d, best_x, best_label = best_d[keep], best_x[keep], best_label[keep]
    return best_d, best_x, best_label


def _relocate_empty_clusters(rows: RowChunks, centers: np.ndarray, step: _LloydPass) -> None:
    """sklearn's ``_relocate_empty_clusters_dense``: each empty cluster takes one of the rows
    farthest from their centre (farthest first), which leaves its old cluster; the row's label
    is not changed (the next pass relabels every row). Costs one more pass, only when a cluster
    is empty."""
    empty = np.flatnonzero(step.counts == 0)
    if empty.size == 0:
        return
    distance, far_x, far_label = _farthest_rows(rows, centers, int(empty.size))
    if distance.size == 0 or distance.max() == 0:
        return  # more clusters than distinct rows: nothing to move
    for cluster, x, old in zip(empty, far_x, far_label):
        step.sums[old] -= x
        step.sums[cluster] = x
        step.counts[cluster] = 1.0
        step.counts[old] -= 1.0


def refine_in_chunks(
    rows: RowChunks, centers: np.ndarray, *, max_iter: int, tol: float
) -> ChunkedRefit:
    """Lloyd's algorithm on every row from ``centers``, one pass over the rows per iteration.

    The loop is sklearn's ``_kmeans_single_lloyd``: each iteration labels the rows with the
    current centres and moves each centre to the mean of its rows (an empty cluster takes the
    farthest row); it stops when no label changed (strict convergence) or when the squared
    centre shifts sum to at most ``tol`` (:func:`chunked_tolerance`), else after ``max_iter``;
    without strict convergence the rows are labelled once more with the final centres. What
    differs (see DECISIONLOG): the rows are not centred on their mean first (standardised rows
    are centred already), and the per-cluster sums are added chunk by chunk rather than in one
    running sum, so centres can differ from sklearn's in the last digits.
    """
    centers = np.array(centers, dtype=np.float64)
    strict = False
    for i in range(max_iter):
        step = _lloyd_pass(rows, centers, first=i == 0)
        _relocate_empty_clusters(rows, centers, step)
        new_centers = np.zeros_like(centers)
        filled = step.counts > 0
        new_centers[filled] = step.sums[filled] * (1.0 / step.counts[filled])[:, None]
        shift = np.sqrt(((new_centers - centers) ** 2).sum(axis=1))
        centers = new_centers
        if i > 0 and step.changed == 0:
            strict = True
            break
        if (shift**2).sum() <= tol:
            break
    if not strict:
        for span, x in rows.scaled_chunks():
            rows.write_labels(span, nearest_centers(x, centers))
    return ChunkedRefit(centers=centers, n_iter=i + 1, converged_strictly=strict)
