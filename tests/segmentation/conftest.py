"""Fixtures shared by the segmentation tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from segmentation_data import make_persona_customers

from segmentation import SegmentationResult, segment_customers


@pytest.fixture(scope="session")
def personas() -> tuple[pd.DataFrame, np.ndarray]:
    return make_persona_customers()


@pytest.fixture(scope="session")
def persona_result(personas: tuple[pd.DataFrame, np.ndarray]) -> SegmentationResult:
    frame, _ = personas
    return segment_customers(frame)
