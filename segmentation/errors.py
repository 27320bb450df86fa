"""Exceptions raised by the segmentation library.

Every error is a :class:`SegmentationError`, itself a :class:`ValueError`, so callers can catch
one class. Each message is a single line that names the problem (and the column, where there is
one), fit to be shown to a user as is.
"""

from __future__ import annotations

__all__ = [
    "AllNullFeatureError",
    "DuplicateCustomerError",
    "EmptyInputError",
    "InvalidFeatureError",
    "InvalidParameterError",
    "MissingColumnError",
    "NoVarianceError",
    "SegmentationError",
    "TooFewCustomersError",
]


class SegmentationError(ValueError):
    """Base class: the input or the parameters cannot be segmented."""


class EmptyInputError(SegmentationError):
    """The input frame has no rows."""


class MissingColumnError(SegmentationError):
    """A required column (the id column or a feature) is absent."""

    def __init__(self, message: str, columns: tuple[str, ...]) -> None:
        super().__init__(message)
        self.columns = columns


class AllNullFeatureError(SegmentationError):
    """A feature has no value at all, so it cannot be imputed."""

    def __init__(self, message: str, column: str) -> None:
        super().__init__(message)
        self.column = column


class InvalidFeatureError(SegmentationError):
    """A feature column is not numeric or holds infinite values."""

    def __init__(self, message: str, column: str) -> None:
        super().__init__(message)
        self.column = column


class DuplicateCustomerError(SegmentationError):
    """The id column is null or not unique (one row per customer is expected)."""


class TooFewCustomersError(SegmentationError):
    """There are too few customers (or distinct customers) for the requested k."""


class NoVarianceError(SegmentationError):
    """Every customer has the same feature values: there is nothing to segment."""


class InvalidParameterError(SegmentationError):
    """A parameter (k, k_range, a sample size, ...) is out of range."""
