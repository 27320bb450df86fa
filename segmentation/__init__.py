"""Customer segmentation: k-means on customer features, DataFrame in, result out.

>>> from segmentation import segment_customers, save_charts
>>> result = segment_customers(customers_df)            # doctest: +SKIP
>>> result.chosen_k, result.reason                      # doctest: +SKIP
>>> save_charts(result, Path("outputs/visualizations"))  # doctest: +SKIP

Customers that do not fit in memory arrive in chunks sorted by id instead (a warehouse read in
batches); the assignments stay on disk until read back::

    with segment_customer_chunks(frames) as result:      # doctest: +SKIP
        for part in result.assignment_chunks(): ...

A pure library: no database, no environment, no printing; it logs through ``logging``.
"""

import importlib
from typing import TYPE_CHECKING, Any

from segmentation.errors import (
    AllNullFeatureError,
    DuplicateCustomerError,
    EmptyInputError,
    InvalidFeatureError,
    InvalidParameterError,
    MissingColumnError,
    NoVarianceError,
    SegmentationError,
    TooFewCustomersError,
)

# The modules behind these names pull in scikit-learn and matplotlib (about 2.5 s of imports).
# They load on first use, so a program that only needs the feature lists or the errors (every
# mca-report command but `segment` and `run`, and `--help`) does not pay for them.
_LAZY = {
    "plot_k_selection": "segmentation.charts",
    "plot_segment_profiles": "segmentation.charts",
    "plot_segment_sizes": "segmentation.charts",
    "save_charts": "segmentation.charts",
    "DEFAULT_FEATURES": "segmentation.features",
    "DEFAULT_ID_COLUMN": "segmentation.features",
    "RFM_FEATURES": "segmentation.features",
    "VOCABULARY": "segmentation.naming",
    "DEFAULT_K_RANGE": "segmentation.pipeline",
    "DEFAULT_SEARCH_SAMPLE_SIZE": "segmentation.pipeline",
    "DEFAULT_SILHOUETTE_SAMPLE_SIZE": "segmentation.pipeline",
    "DEFAULT_SILHOUETTE_TOLERANCE": "segmentation.pipeline",
    "SegmentationParams": "segmentation.pipeline",
    "SegmentationResult": "segmentation.pipeline",
    "segment_customers": "segmentation.pipeline",
    "SegmentationOutcome": "segmentation.pipeline",
    "ChunkedSegmentationResult": "segmentation.chunked",
    "DEFAULT_CHUNK_ROWS": "segmentation.chunked",
    "segment_customer_chunks": "segmentation.chunked",
}

if TYPE_CHECKING:
    from segmentation.chunked import (
        DEFAULT_CHUNK_ROWS,
        ChunkedSegmentationResult,
        segment_customer_chunks,
    )
    from segmentation.charts import (
        plot_k_selection,
        plot_segment_profiles,
        plot_segment_sizes,
        save_charts,
    )
    from segmentation.features import DEFAULT_FEATURES, DEFAULT_ID_COLUMN, RFM_FEATURES
    from segmentation.naming import VOCABULARY
    from segmentation.pipeline import (
        DEFAULT_K_RANGE,
        DEFAULT_SEARCH_SAMPLE_SIZE,
        DEFAULT_SILHOUETTE_SAMPLE_SIZE,
        DEFAULT_SILHOUETTE_TOLERANCE,
        SegmentationOutcome,
        SegmentationParams,
        SegmentationResult,
        segment_customers,
    )


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'segmentation' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "DEFAULT_FEATURES",
    "DEFAULT_ID_COLUMN",
    "DEFAULT_K_RANGE",
    "DEFAULT_SEARCH_SAMPLE_SIZE",
    "DEFAULT_SILHOUETTE_SAMPLE_SIZE",
    "DEFAULT_SILHOUETTE_TOLERANCE",
    "RFM_FEATURES",
    "VOCABULARY",
    "AllNullFeatureError",
    "ChunkedSegmentationResult",
    "DuplicateCustomerError",
    "EmptyInputError",
    "InvalidFeatureError",
    "InvalidParameterError",
    "MissingColumnError",
    "NoVarianceError",
    "SegmentationError",
    "SegmentationOutcome",
    "SegmentationParams",
    "SegmentationResult",
    "TooFewCustomersError",
    "plot_k_selection",
    "plot_segment_profiles",
    "plot_segment_sizes",
    "save_charts",
    "segment_customer_chunks",
    "segment_customers",
]
