"""Count, mean and spread of columns seen chunk by chunk, merged exactly as if seen at once.

The chunked path (:mod:`segmentation.chunked`) never holds every customer, so each statistic it
needs (the imputation means, the k-means tolerance, the segment profiles) is kept as a running
count, mean and sum of squared deviations from the mean (M2) per column, and every chunk is
merged in with Chan, Golub and LeVeque's pairwise update (1979, "Updating formulae and a
pairwise algorithm for computing sample variances")::

    n = n_a + n_b;  d = mean_b - mean_a
    mean = mean_a + d * n_b / n
    M2 = M2_a + M2_b + d**2 * n_a * n_b / n

Summing squares instead (``sum(x**2) - n * mean**2``) cancels catastrophically when the mean is
large against the spread (ages around 40 with a spread of 1 keep only about 12 of 16 digits
after a million rows); the merge keeps each chunk's deviations from its own mean, so the result
agrees with a two-pass computation over all rows to a few units in the last place.

Why not ``StandardScaler.partial_fit``: it merges sums, and a chunk in which a column has no
value at all leaves that column's mean NaN for good (``NaN * 0``) -- a chunk of customers
without session data is an ordinary chunk here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Moments:
    """Running count, mean and M2 of ``n_columns`` columns; NaN values are skipped per column.

    Attributes:
        count: Values seen per column (float64, so the merge never overflows an integer).
        mean: Mean of the values seen per column (0.0 for a column without values).
        m2: Sum of squared deviations from ``mean`` per column.
    """

    n_columns: int
    count: np.ndarray = field(init=False)
    mean: np.ndarray = field(init=False)
    m2: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.count = np.zeros(self.n_columns)
        self.mean = np.zeros(self.n_columns)
        self.m2 = np.zeros(self.n_columns)

    def add(self, x: np.ndarray) -> None:
        """Merge the rows of ``x`` (``(n, n_columns)`` float64; NaN = no value) in."""
        if x.shape[0] == 0:
            return
        missing = np.isnan(x)
        if missing.any():
            count_b = (~missing).sum(axis=0).astype(np.float64)
            mean_b = np.divide(np.nansum(x, axis=0), count_b, out=np.zeros(self.n_columns),
                               where=count_b > 0)
            m2_b = np.nansum((x - mean_b) ** 2, axis=0)
        else:
            count_b = np.full(self.n_columns, float(x.shape[0]))
            mean_b = x.mean(axis=0)
            m2_b = ((x - mean_b) ** 2).sum(axis=0)
        self.merge(count_b, mean_b, m2_b)

    def merge(self, count_b: np.ndarray, mean_b: np.ndarray, m2_b: np.ndarray) -> None:
        """Chan's pairwise update with another set of moments (columns without values in
        either set keep the other's)."""
        total = self.count + count_b
        seen = total > 0
        delta = mean_b - self.mean
        share_b = np.divide(count_b, total, out=np.zeros(self.n_columns), where=seen)
        self.mean = np.where(seen, self.mean + delta * share_b, self.mean)
        self.m2 = self.m2 + m2_b + delta**2 * self.count * share_b
        self.count = total

    @property
    def variance(self) -> np.ndarray:
        """Population variance (ddof=0) per column; NaN for a column without values."""
        return np.divide(self.m2, self.count, out=np.full(self.n_columns, np.nan),
                         where=self.count > 0)

    def std(self, ddof: int = 1) -> np.ndarray:
        """Standard deviation with ``ddof``; NaN where fewer than ``ddof + 1`` values were seen
        (pandas' ``std()`` of a single value)."""
        n = self.count - ddof
        return np.sqrt(np.divide(self.m2, n, out=np.full(self.n_columns, np.nan), where=n > 0))

    @property
    def total(self) -> np.ndarray:
        """Sum of the values seen per column."""
        return self.mean * self.count
