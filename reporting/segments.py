"""Segmentation in the warehouse: read customer features from the marts, run the segmentation
library, write the assignments back as ``customer_segments`` and summarise them for reports."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pandas as pd

from reporting.report_data import SegmentSummary
from segmentation import DEFAULT_FEATURES, SegmentationResult

log = logging.getLogger(__name__)


def summarize(result: SegmentationResult, by_channel: pd.DataFrame | None = None) -> SegmentSummary:
    """The part of a segmentation result the reports show."""
    return SegmentSummary(
        profiles=result.profiles.copy(),
        scores=result.scores.copy(),
        chosen_k=int(result.chosen_k),
        reason=str(result.reason),
        features=tuple(result.features),
        n_customers=int(result.n_customers),
        by_channel=by_channel if by_channel is not None else pd.DataFrame(
            columns=["segment_id", "segment_name", "channel", "customers", "revenue",
                     "cost_per_acquired_customer"]
        ),
    )


FEATURE_SETS: dict[str, Sequence[str]] = {"behavioural": DEFAULT_FEATURES}
