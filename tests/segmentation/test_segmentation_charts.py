"""PNG charts written off-screen."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.image import imread

from segmentation import (
    SegmentationResult,
    plot_segment_profiles,
    save_charts,
    segment_customers,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _check_png(path: Path, min_width: int, min_height: int) -> None:
    assert path.read_bytes()[:8] == PNG_MAGIC
    assert path.stat().st_size > 5_000
    height, width, channels = imread(path).shape
    assert width >= min_width
    assert height >= min_height
    assert channels in (3, 4)


def test_save_charts_writes_three_pngs(persona_result: SegmentationResult, tmp_path: Path) -> None:
    out_dir = tmp_path / "charts" / "nested"
    written = save_charts(persona_result, out_dir)
    assert written == {
        "k_selection": out_dir / "segment_k_selection.png",
        "sizes": out_dir / "segment_sizes.png",
        "profiles": out_dir / "segment_profiles.png",
    }
    _check_png(written["k_selection"], min_width=1200, min_height=500)  # 11 x 4.5 in at 120 dpi
    _check_png(written["sizes"], min_width=1000, min_height=300)
    _check_png(written["profiles"], min_width=800, min_height=300)


def test_charts_leave_no_pyplot_figures(persona_result: SegmentationResult, tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    save_charts(persona_result, tmp_path)
    assert plt.get_fignums() == before


def test_profile_chart_labels_segments_and_features(persona_result: SegmentationResult) -> None:
    figure = plot_segment_profiles(persona_result)
    heatmap = figure.axes[0]
    rows = [label.get_text() for label in heatmap.get_yticklabels()]
    columns = [label.get_text() for label in heatmap.get_xticklabels()]
    names = persona_result.profiles["segment_name"].tolist()
    assert rows == [f"{i}: {name}" for i, name in enumerate(names)]
    assert columns == list(persona_result.features)
    cell_values = [float(text.get_text()) for text in heatmap.texts]
    expected = persona_result.profiles[[f"{f}_z" for f in persona_result.features]]
    assert np.allclose(cell_values, expected.to_numpy().ravel(), atol=0.005)


def test_charts_for_a_forced_k(personas: tuple[pd.DataFrame, np.ndarray], tmp_path: Path) -> None:
    frame, _ = personas
    result = segment_customers(frame, k=3)
    written = save_charts(result, tmp_path)
    for path in written.values():
        _check_png(path, min_width=500, min_height=200)
