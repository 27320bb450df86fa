"""Segment ordering (stable, meaningful ids) and per-segment profiles."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from segmentation.features import PreparedFeatures
from segmentation.moments import Moments

log = logging.getLogger(__name__)

PROFILE_EXTRAS: Mapping[str, tuple[str, ...]] = {
    "age": ("std",),
    "sessions": ("sum",),
    "revenue": ("sum", "count"),
    "monetary": ("sum", "count"),
}
"""Aggregates beyond the mean, as in the seed pipeline (only for features that are present).

``<feature>_count`` counts the customers whose value was observed (not imputed), which is what
``pandas`` ``count`` gives on the raw column; every other statistic uses the imputed values.
"""


def segment_order(labels: np.ndarray, k: int, value: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Map sklearn cluster numbers to segment ids: ``segment_id = mapping[cluster]``.

    Segments are numbered by descending mean of the value feature, so segment 0 is the most
    valuable; ties go to the larger segment, then to the lexicographically larger centre. The
    order depends only on the partition, not on sklearn's arbitrary cluster numbers.
    """
    sizes = np.bincount(labels, minlength=k)
    value_sum = np.bincount(labels, weights=value, minlength=k)
    value_mean = np.divide(value_sum, sizes, out=np.zeros(k), where=sizes > 0)
    return rank_segments(sizes, value_mean, centers)


def rank_segments(sizes: np.ndarray, value_mean: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """:func:`segment_order` from each cluster's size and mean value (what the chunked path
    accumulates instead of holding every label)."""
    k = int(sizes.shape[0])

    def key(cluster: int) -> tuple[float, ...]:
        return (-value_mean[cluster], -sizes[cluster], *(-c for c in centers[cluster]))

    ranked = sorted(range(k), key=key)
    mapping = np.empty(k, dtype=np.int32)
    mapping[ranked] = np.arange(k, dtype=np.int32)
    return mapping


def build_profiles(prepared: PreparedFeatures, segment_ids: np.ndarray, k: int) -> pd.DataFrame:
    """One row per segment: size, share, feature means, seed extras, standardised means.

    Columns, in order: ``segment_id``, ``size``, ``share``, then
    ``<feature>_mean`` for every feature (unscaled, after imputation), then the extras of
    :data:`PROFILE_EXTRAS` for the features present (``age_std`` with ddof=1, NaN for a
    one-customer segment; ``sessions_sum``; ``revenue_sum``; ``revenue_count``), then
    ``<feature>_z`` for every feature (mean of the standardised values: the profile chart).
    The caller inserts ``segment_name`` (derived from the ``_z`` columns) after ``segment_id``.
    """
    features = prepared.features
    segments = pd.RangeIndex(k, name="segment_id")
    raw = pd.DataFrame(prepared.raw, columns=list(features), copy=False)
    grouped = raw.groupby(segment_ids, sort=True)

    def extra(feature: str, stat: str) -> np.ndarray:
        if stat == "std":
            return grouped[feature].std(ddof=1).reindex(segments).to_numpy()
        if stat == "sum":
            return grouped[feature].sum().reindex(segments).to_numpy()
        observed = ~prepared.imputed_mask[:, features.index(feature)]
        return np.bincount(segment_ids, weights=observed, minlength=k)

    scaled = pd.DataFrame(prepared.scaled, columns=list(features), copy=False)
    return assemble_profiles(
        features,
        np.bincount(segment_ids, minlength=k),
        grouped.mean().reindex(segments)[list(features)].to_numpy(),
        scaled.groupby(segment_ids, sort=True).mean().reindex(segments)[list(features)].to_numpy(),
        extra,
    )


def assemble_profiles(
    features: Sequence[str],
    sizes: np.ndarray,
    means: np.ndarray,
    z_means: np.ndarray,
    extra: Callable[[str, str], np.ndarray],
) -> pd.DataFrame:
    """The profile frame of :func:`build_profiles` from per-segment figures, in segment order.

    ``means`` and ``z_means`` are ``(k, p)``; ``extra(feature, stat)`` gives the
    :data:`PROFILE_EXTRAS` statistic ``stat`` (``std``, ``sum`` or ``count``) of ``feature`` per
    segment. One assembly for the in-memory and the chunked paths keeps their columns, order
    and types the same.
    """
    k = int(sizes.shape[0])
    out = pd.DataFrame(index=pd.RangeIndex(k, name="segment_id"))
    out["size"] = sizes.astype(np.int64)
    out["share"] = sizes / sizes.sum()
    for j, feature in enumerate(features):
        out[f"{feature}_mean"] = means[:, j]
    for feature in features:
        for stat in PROFILE_EXTRAS.get(feature, ()):
            values = extra(feature, stat)
            out[f"{feature}_{stat}"] = values.astype(np.int64) if stat == "count" else values
    for j, feature in enumerate(features):
        out[f"{feature}_z"] = z_means[:, j]
    return out.reset_index()


class ClusterMoments:
    """The figures of :func:`build_profiles` per cluster, gathered chunk by chunk.

    For each cluster: the customers, the :class:`~segmentation.moments.Moments` of the
    imputed values and of the standardised values (means, ``std`` with ddof=1, sums: merged
    with Chan's update, so they match a groupby over all rows to about 1e-12), and the values
    that were observed rather than imputed (``count``).
    """

    def __init__(self, k: int, n_features: int) -> None:
        self.k = k
        self.n_features = n_features
        self.sizes = np.zeros(k, dtype=np.int64)
        self.observed = np.zeros((k, n_features), dtype=np.int64)
        self.moments = [Moments(2 * n_features) for _ in range(k)]

    def add(self, labels: np.ndarray, raw: np.ndarray, missing: np.ndarray, scaled: np.ndarray) -> None:
        """One chunk: its cluster labels, imputed values, missing mask and standardised values."""
        self.sizes += np.bincount(labels, minlength=self.k)
        for j in range(self.n_features):
            self.observed[:, j] += np.bincount(labels, weights=~missing[:, j], minlength=self.k).astype(np.int64)
        both = np.hstack([raw, scaled])
        for cluster in np.unique(labels):
            self.moments[cluster].add(both[labels == cluster])

    def means(self, column: int) -> np.ndarray:
        """Mean imputed value of feature ``column`` per cluster (orders the segments)."""
        return np.array([m.mean[column] for m in self.moments])

    def profiles(self, features: Sequence[str], mapping: np.ndarray) -> pd.DataFrame:
        """The profile frame, in segment order (``segment_id = mapping[cluster]``)."""
        order = np.argsort(mapping)
        p = self.n_features
        moments = [self.moments[c] for c in order]
        means = np.array([m.mean[:p] for m in moments])
        stds = np.array([m.std(ddof=1)[:p] for m in moments])
        sums = np.array([m.total[:p] for m in moments])
        observed = self.observed[order]

        def extra(feature: str, stat: str) -> np.ndarray:
            j = list(features).index(feature)
            return {"std": stds, "sum": sums, "count": observed}[stat][:, j]

        return assemble_profiles(
            features, self.sizes[order], means, np.array([m.mean[p:] for m in moments]), extra
        )


def z_profiles(profiles: pd.DataFrame, features: Sequence[str]) -> list[dict[str, float]]:
    """Standardised feature means per segment (in segment order), for naming and charts."""
    return [
        {feature: float(row[f"{feature}_z"]) for feature in features}
        for _, row in profiles.iterrows()
    ]
