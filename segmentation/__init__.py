"""Customer segmentation: k-means on customer features, DataFrame in, result out.

>>> from segmentation import segment_customers, save_charts
>>> result = segment_customers(customers_df)            # doctest: +SKIP
>>> result.chosen_k, result.reason                      # doctest: +SKIP
>>> save_charts(result, Path("outputs/visualizations"))  # doctest: +SKIP

A pure library: no database, no environment, no printing; it logs through ``logging``.
"""

from segmentation.charts import (
    plot_k_selection,
    plot_segment_profiles,
    plot_segment_sizes,
    save_charts,
)
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
from segmentation.features import DEFAULT_FEATURES, DEFAULT_ID_COLUMN, RFM_FEATURES
from segmentation.naming import VOCABULARY
from segmentation.pipeline import (
    DEFAULT_K_RANGE,
    DEFAULT_SEARCH_SAMPLE_SIZE,
    DEFAULT_SILHOUETTE_SAMPLE_SIZE,
    DEFAULT_SILHOUETTE_TOLERANCE,
    SegmentationParams,
    SegmentationResult,
    segment_customers,
)

__all__ = [
    "DEFAULT_FEATURES",
    "DEFAULT_ID_COLUMN",
    "DEFAULT_K_RANGE",
    "DEFAULT_SEARCH_SAMPLE_SIZE",
    "DEFAULT_SILHOUETTE_SAMPLE_SIZE",
    "DEFAULT_SILHOUETTE_TOLERANCE",
    "RFM_FEATURES",
    "VOCABULARY",
    "AllNullFeatureError",
    "DuplicateCustomerError",
    "EmptyInputError",
    "InvalidFeatureError",
    "InvalidParameterError",
    "MissingColumnError",
    "NoVarianceError",
    "SegmentationError",
    "SegmentationParams",
    "SegmentationResult",
    "TooFewCustomersError",
    "plot_k_selection",
    "plot_segment_profiles",
    "plot_segment_sizes",
    "save_charts",
    "segment_customers",
]
