"""Seeded synthetic customers for the segmentation tests (imported by conftest and tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmentation import DEFAULT_FEATURES

# Four well-separated personas in realistic units:
# age, sessions, avg_session_duration (s), pages_per_session, transactions, revenue
PERSONAS: dict[str, tuple[float, ...]] = {
    "big_spender": (45.0, 30.0, 400.0, 8.0, 12.0, 1500.0),
    "young_browser": (22.0, 20.0, 500.0, 10.0, 1.0, 40.0),
    "dormant": (62.0, 2.0, 60.0, 2.0, 0.2, 10.0),
    "regular": (35.0, 8.0, 200.0, 4.0, 3.0, 200.0),
}
SIZES: dict[str, int] = {"big_spender": 60, "young_browser": 140, "dormant": 100, "regular": 120}
# noise as a share of each feature's spread across personas: small, so clusters are separated
NOISE = np.array([2.0, 1.5, 20.0, 0.4, 0.4, 30.0])


def make_persona_customers(seed: int = 11, scale: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Customers drawn around the four personas; returns (frame, true persona per row)."""
    rng = np.random.default_rng(seed)
    blocks = []
    truth = []
    for persona, centre in PERSONAS.items():
        n = SIZES[persona] * scale
        blocks.append(rng.normal(centre, NOISE, size=(n, len(centre))))
        truth.extend([persona] * n)
    values = np.abs(np.vstack(blocks))
    n_total = values.shape[0]
    order = rng.permutation(n_total)  # interleave personas in the input
    frame = pd.DataFrame(values[order], columns=list(DEFAULT_FEATURES))
    frame.insert(0, "customer_id", rng.permutation(np.arange(10_000, 10_000 + n_total)))
    frame["acquisition_channel"] = rng.choice(["Email", "Display", "Paid Search"], size=n_total)
    return frame, np.asarray(truth, dtype=object)[order]
