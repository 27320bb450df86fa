"""Charts of a segmentation result, rendered off-screen with matplotlib's Agg canvas.

Figures are built with :class:`matplotlib.figure.Figure` and an explicit
:class:`~matplotlib.backends.backend_agg.FigureCanvasAgg`, never through ``pyplot``: nothing is
registered in pyplot's global figure list, no display is needed, and a figure is freed as soon
as it goes out of scope (:func:`save_charts` also clears each figure after writing it).
"""

from __future__ import annotations

import logging
import math
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator

if TYPE_CHECKING:  # a type only: drawing needs matplotlib, not scikit-learn
    from segmentation.pipeline import SegmentationOutcome

log = logging.getLogger(__name__)

CHART_FILES: dict[str, str] = {
    "k_selection": "segment_k_selection.png",
    "sizes": "segment_sizes.png",
    "profiles": "segment_profiles.png",
}
"""Chart key -> file name written by :func:`save_charts`."""

DPI = 120
CHOSEN_COLOR = "#d62728"

PHONE_DIR = "phone"
"""Sub-folder, beside a chart's PNG, of its phone-sized copy (same file name)."""
PHONE_WIDTH_IN = 4.0
PHONE_DPI = 180
"""A phone copy is 4 in at 180 dpi = 720 px: a 360 px wide screen at 2x, so its text (9-12 pt
= 11-15 CSS px) stays legible where the desktop picture would be shrunk 3-4 times."""


def _new_figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def phone_path(path: Path) -> Path:
    """Where :func:`save_figure` writes the phone copy of the chart at ``path``."""
    path = Path(path)
    return path.parent / PHONE_DIR / path.name


def _fit_for_phone(figure: Figure) -> None:
    """Re-lay ``figure`` for a phone, in place: :data:`PHONE_WIDTH_IN` wide, two side-by-side
    panels stacked, titles wrapped, category labels that would overlap turned."""
    panels = [ax for ax in figure.axes if ax.get_subplotspec() is not None
              and ax.get_label() != "<colorbar>"]
    width, height = figure.get_size_inches()
    shape = panels[0].get_subplotspec().get_gridspec().get_geometry() if panels else (1, 1)
    if len(panels) == 2 and shape == (1, 2):
        grid = figure.add_gridspec(2, 1)
        for row, ax in enumerate(panels):
            ax.set_subplotspec(grid[row, 0])
            ax.yaxis.set_tick_params(labelleft=True)
        height = height * 1.6
    figure.set_size_inches(PHONE_WIDTH_IN, min(max(height, 3.0), 7.5))
    texts = [figure._suptitle] if figure._suptitle is not None else []
    for ax in figure.axes:
        texts += [ax.title, ax._left_title, ax._right_title]
    for text in texts:
        text.set_wrap(True)
    for ax in panels:  # long category names (segments) on two lines, not half the width
        if isinstance(ax.yaxis.get_major_locator(), FixedLocator):
            names = [t.get_text() for t in ax.get_yticklabels()]
            if any(len(name) > 18 for name in names):
                ax.set_yticks(ax.get_yticks(), labels=[textwrap.fill(n, 18) for n in names])
    # lay the figure out without painting it: only the tick labels' extents are needed
    figure.draw_without_rendering()
    renderer = figure.canvas.get_renderer()
    for ax in panels:
        labels = [t for t in ax.get_xticklabels() if t.get_text() and t.get_visible()]
        boxes = [t.get_window_extent(renderer) for t in labels]
        if any(a.x1 + 2 > b.x0 for a, b in zip(boxes, boxes[1:], strict=False)):
            for label in labels:
                label.set_rotation(35)
                label.set_horizontalalignment("right")
                label.set_rotation_mode("anchor")


def save_figure(figure: Figure, path: Path, dpi: int, **savefig: object) -> Path:
    """Write ``figure`` to ``path`` at ``dpi``, then a phone copy (:func:`phone_path`) re-laid
    by :func:`_fit_for_phone`; the HTML report shows that copy on narrow screens."""
    path = Path(path)
    figure.savefig(path, dpi=dpi, **savefig)
    phone = phone_path(path)
    phone.parent.mkdir(parents=True, exist_ok=True)
    _fit_for_phone(figure)
    figure.savefig(phone, dpi=PHONE_DPI, **savefig)
    return path


def _segment_labels(result: SegmentationOutcome) -> list[str]:
    return [
        f"{int(sid)}: {name}"
        for sid, name in zip(
            result.profiles["segment_id"], result.profiles["segment_name"], strict=True
        )
    ]


def plot_k_selection(result: SegmentationOutcome) -> Figure:
    """Elbow (inertia) and silhouette curves over k, with the chosen k marked."""
    scores = result.scores
    ks = scores["k"].to_numpy(dtype=int)
    figure = _new_figure(11.0, 4.5)
    ax_inertia, ax_silhouette = figure.subplots(1, 2)
    panels = (
        (ax_inertia, "inertia", "Inertia (search rows)", "Elbow method", "tab:blue"),
        (ax_silhouette, "silhouette", "Mean silhouette", "Silhouette", "tab:green"),
    )
    chosen = scores.loc[scores["is_chosen"]].iloc[0]
    for ax, column, ylabel, title, color in panels:
        values = scores[column].to_numpy(dtype=float)
        finite = np.isfinite(values)
        ax.plot(ks[finite], values[finite], marker="o", color=color)
        ax.axvline(result.chosen_k, color=CHOSEN_COLOR, linestyle="--", linewidth=1)
        if math.isfinite(float(chosen[column])):
            ax.plot(
                [result.chosen_k],
                [float(chosen[column])],
                linestyle="none",
                marker="o",
                markersize=11,
                markerfacecolor="none",
                markeredgecolor=CHOSEN_COLOR,
                markeredgewidth=2,
                label=f"chosen k={result.chosen_k}",
            )
            ax.legend(loc="best")
        ax.set_xticks(ks)
        ax.set_xlabel("k (number of segments)")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(alpha=0.3)
    forced = " (forced)" if result.was_k_forced else ""
    figure.suptitle(f"Choosing k{forced}: {result.reason}", fontsize=10)
    return figure


def plot_segment_sizes(result: SegmentationOutcome) -> Figure:
    """Horizontal bars: customers per segment, annotated with count and share."""
    profiles = result.profiles
    labels = _segment_labels(result)
    sizes = profiles["size"].to_numpy(dtype=float)
    shares = profiles["share"].to_numpy(dtype=float)
    figure = _new_figure(9.0, 1.2 + 0.55 * len(labels))
    ax = figure.subplots()
    positions = np.arange(len(labels))
    ax.barh(positions, sizes, color="tab:blue")
    ax.set_yticks(positions, labels=labels)
    ax.invert_yaxis()
    for y, (size, share) in enumerate(zip(sizes, shares, strict=True)):
        ax.annotate(
            f" {int(size):,} ({share:.1%})",
            xy=(size, y),
            va="center",
            fontsize=9,
        )
    ax.set_xlim(0, sizes.max() * 1.25)
    ax.set_xlabel("customers")
    ax.set_title(f"Segment sizes ({result.n_customers:,} customers, k={result.chosen_k})")
    ax.grid(axis="x", alpha=0.3)
    return figure


def plot_segment_profiles(result: SegmentationOutcome) -> Figure:
    """Heatmap of standardised feature means (z) per segment, values written in the cells."""
    features = list(result.features)
    labels = _segment_labels(result)
    z = result.profiles[[f"{f}_z" for f in features]].to_numpy(dtype=float)
    limit = max(1.0, float(np.nanmax(np.abs(z))) if z.size else 1.0)
    figure = _new_figure(max(7.0, 1.1 * len(features) + 4.0), 1.6 + 0.55 * len(labels))
    ax = figure.subplots()
    image = ax.imshow(z, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    ax.set_xticks(np.arange(len(features)), labels=features, rotation=30, ha="right")
    ax.set_yticks(np.arange(len(labels)), labels=labels)
    for (row, col), value in np.ndenumerate(z):
        color = "white" if abs(value) > 0.6 * limit else "black"
        ax.text(col, row, f"{value:+.2f}", ha="center", va="center", fontsize=8, color=color)
    figure.colorbar(image, ax=ax, label="z: std devs from the mean")
    ax.set_title("Segment profiles: standardised feature means")
    return figure


def save_charts(result: SegmentationOutcome, out_dir: Path) -> dict[str, Path]:
    """Write the three charts as PNG into ``out_dir`` (created if needed).

    Returns:
        ``{"k_selection": ..., "sizes": ..., "profiles": ...}`` paths, file names as in
        :data:`CHART_FILES`.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    builders = {
        "k_selection": plot_k_selection,
        "sizes": plot_segment_sizes,
        "profiles": plot_segment_profiles,
    }
    written: dict[str, Path] = {}
    for key, build in builders.items():
        path = out_dir / CHART_FILES[key]
        figure = build(result)
        try:
            save_figure(figure, path, DPI)
        finally:
            figure.clear()
        written[key] = path
        log.info("wrote %s", path)
    return written
