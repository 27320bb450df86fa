"""The report's charts, drawn off-screen with matplotlib's Agg canvas.

Figures are built as :class:`matplotlib.figure.Figure` with a
:class:`~matplotlib.backends.backend_agg.FigureCanvasAgg` (never through ``pyplot``), so no
display is needed and nothing stays in pyplot's global figure list; each figure is cleared after
it is written.

Every chart is always written. When its data is empty (no days, no channels, no campaign with a
defined ROI) the PNG is a placeholder that says "No data" and why; :func:`render_charts` returns
all five paths either way.

:data:`CHARTS` is the one list of the report's charts: key, file name, title, caption and group
(:data:`REPORT` charts drawn here, :data:`SEGMENT` charts drawn by
:func:`segmentation.save_charts`, whose file names it reads from
:data:`segmentation.charts.CHART_FILES`). :func:`render_charts`, the HTML figures and the PDF
captions all read it, so a new report chart is one drawing function and one entry there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from reporting.report_data import ReportData
from reporting.reports.fonts import matplotlib_font_family
from segmentation.charts import CHART_FILES as SEGMENT_CHART_FILES
from segmentation.charts import save_figure

log = logging.getLogger(__name__)

DPI = 130
COST_COLOR = "#E67E22"
REVENUE_COLOR = "#2E86C1"
ACCENT_COLOR = "#C0392B"
ROLLING_DAYS = 7
TAIL_IQR_MULTIPLIER = 3.0
"""ROI charts show values within Q1 - 3 IQR .. Q3 + 3 IQR; campaigns beyond are drawn at the
edge and counted in a note."""


def _style(data: ReportData) -> dict[str, object]:
    names = [data.currency, *data.channels["channel"].astype(str),
             *data.campaigns["channel"].astype(str)]
    return {
        "font.family": matplotlib_font_family(names),
        "font.size": 10,
        "axes.titlesize": 12,
        "axes.titleweight": "bold",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "legend.frameon": False,
    }


def _new_figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def compact_amount(value: float) -> str:
    """1234567 -> ``1.2M``; 12500 -> ``12.5K``; 950 -> ``950``."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    for threshold, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= threshold:
            text = f"{value / threshold:,.1f}".removesuffix(".0")
            return f"{sign}{text}{suffix}"
    return f"{sign}{value:,.0f}"


def money_formatter(currency: str) -> FuncFormatter:
    return FuncFormatter(lambda value, _pos: f"{currency} {compact_amount(value)}")


def percent_formatter(decimals: int = 0) -> FuncFormatter:
    return FuncFormatter(lambda value, _pos: f"{value:,.{decimals}f}%")


def _no_data(title: str, reason: str) -> Figure:
    figure = _new_figure(9.0, 3.2)
    ax = figure.subplots()
    ax.set_axis_off()
    ax.set_title(title)
    ax.text(0.5, 0.5, f"No data\n{reason}", ha="center", va="center", fontsize=13,
            color="#555555", transform=ax.transAxes)
    return figure


def _readable_range(values: np.ndarray) -> tuple[float, float, int, int]:
    """Range that keeps the chart readable: Tukey fences at 3 IQR, never narrower than the
    data's inner part. Returns (low, high, count below, count above)."""
    q1, q3 = np.percentile(values, [25, 75])
    iqr = q3 - q1
    low, high = float(values.min()), float(values.max())
    if iqr > 0:
        low = max(low, q1 - TAIL_IQR_MULTIPLIER * iqr)
        high = min(high, q3 + TAIL_IQR_MULTIPLIER * iqr)
    return low, high, int((values < low).sum()), int((values > high).sum())


def _tail_note(below: int, above: int, low: float, high: float) -> str:
    parts = []
    if above:
        parts.append(f"{above} above {high:,.0f}%")
    if below:
        parts.append(f"{below} below {low:,.0f}%")
    return f"Beyond the scale, drawn at the edge: {', '.join(parts)}" if parts else ""


# ---- charts ------------------------------------------------------------------------------


def plot_revenue_trend(data: ReportData, title: str) -> Figure:
    """Daily revenue and cost (thin lines) with their 7-day rolling means (bold)."""
    daily = data.daily
    if daily.empty:
        return _no_data(title, "no campaign days in the analysed window")
    days = pd.to_datetime(daily["date_day"])
    figure = _new_figure(10.0, 4.4)
    ax = figure.subplots()
    for column, color, label in (("revenue", REVENUE_COLOR, "Revenue"),
                                 ("cost", COST_COLOR, "Cost")):
        values = pd.to_numeric(daily[column], errors="coerce")
        ax.plot(days, values, color=color, linewidth=0.8, alpha=0.35, label=f"{label}, daily")
        if len(values) >= ROLLING_DAYS:
            rolling = values.rolling(ROLLING_DAYS, min_periods=ROLLING_DAYS).mean()
            ax.plot(days, rolling, color=color, linewidth=2.2,
                    label=f"{label}, {ROLLING_DAYS}-day mean")
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.yaxis.set_major_formatter(money_formatter(data.currency))
    ax.set_ylim(bottom=0)
    ax.set_xlim(days.iloc[0], days.iloc[-1])
    ax.set_ylabel(f"Amount per day ({data.currency})")
    ax.set_title(title)
    ax.legend(loc="upper left", ncols=2, fontsize=9)
    return figure


def _channel_labels(channels: pd.DataFrame) -> list[str]:
    return [str(name) for name in channels["channel"]]


def plot_cost_vs_revenue_by_channel(data: ReportData, title: str) -> Figure:
    """Grouped bars: cost and revenue per channel, channels in ROI rank order."""
    channels = data.channels
    if channels.empty:
        return _no_data(title, "no channel has campaign days in the window")
    labels = _channel_labels(channels)
    positions = np.arange(len(labels))
    width = 0.38
    figure = _new_figure(10.0, 4.6)
    ax = figure.subplots()
    cost = pd.to_numeric(channels["cost"], errors="coerce").fillna(0).to_numpy()
    revenue = pd.to_numeric(channels["revenue"], errors="coerce").fillna(0).to_numpy()
    bars_cost = ax.bar(positions - width / 2, cost, width, color=COST_COLOR, label="Cost")
    bars_rev = ax.bar(positions + width / 2, revenue, width, color=REVENUE_COLOR, label="Revenue")
    for bars in (bars_cost, bars_rev):
        ax.bar_label(bars, labels=[compact_amount(v) for v in bars.datavalues], padding=2,
                     fontsize=8)
    ax.set_xticks(positions, labels=labels, rotation=20 if len(labels) > 6 else 0,
                  ha="right" if len(labels) > 6 else "center")
    ax.yaxis.set_major_formatter(money_formatter(data.currency))
    ax.set_ylabel(f"Amount ({data.currency})")
    ax.set_xlabel("Channel (best ROI first)")
    ax.margins(y=0.12)
    ax.grid(axis="x", visible=False)
    ax.set_title(title)
    ax.legend(loc="upper right")
    return figure


def _campaign_roi(data: ReportData) -> pd.DataFrame:
    frame = data.campaigns[["channel", "roi"]].copy()
    frame["roi"] = pd.to_numeric(frame["roi"], errors="coerce")
    return frame[np.isfinite(frame["roi"])]


def plot_roi_distribution(data: ReportData, title: str) -> Figure:
    """Histogram of campaign ROI (one value per campaign and channel), with the overall ROI
    (ratio of sums) marked; extreme tails are drawn in the edge bins and counted."""
    roi = _campaign_roi(data)["roi"].to_numpy(dtype=float)
    if roi.size == 0:
        return _no_data(title, "no campaign with a defined ROI (all without cost)")
    low, high, below, above = _readable_range(roi)
    shown = np.clip(roi, low, high)
    figure = _new_figure(10.0, 4.4)
    ax = figure.subplots()
    bins = int(np.clip(np.sqrt(roi.size) * 2, 5, 40))
    ax.hist(shown, bins=bins, color=REVENUE_COLOR, edgecolor="white")
    overall = data.overall.get("roi")
    if overall is not None and np.isfinite(overall):
        ax.axvline(float(np.clip(overall, low, high)), color=ACCENT_COLOR, linestyle="--",
                   linewidth=1.5, label=f"Overall ROI {overall:,.1f}%")
    median = float(np.median(roi))
    ax.axvline(float(np.clip(median, low, high)), color="#555555", linestyle=":", linewidth=1.5,
               label=f"Median campaign {median:,.1f}%")
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("ROI (profit / cost)")
    ax.set_ylabel("Campaign-channel pairs")
    ax.set_title(f"{title} ({roi.size:,} campaign-channel pairs)")
    ax.legend(loc="upper right")
    note = _tail_note(below, above, low, high)
    if note:
        ax.text(0.99, 0.70, note, transform=ax.transAxes, ha="right", va="top", fontsize=8,
                color="#555555")
    return figure


def plot_roi_by_channel(data: ReportData, title: str) -> Figure:
    """Box plot of campaign ROI per channel (channels in ROI rank order), points overlaid."""
    roi = _campaign_roi(data)
    order = [c for c in data.channels["channel"] if c in set(roi["channel"])]
    order += sorted(set(roi["channel"]) - set(order))
    if not order:
        return _no_data(title, "no campaign with a defined ROI (all without cost)")
    values = roi["roi"].to_numpy(dtype=float)
    low, high, below, above = _readable_range(values)
    groups = [np.clip(roi.loc[roi["channel"] == c, "roi"].to_numpy(dtype=float), low, high)
              for c in order]
    figure = _new_figure(10.0, 4.6)
    ax = figure.subplots()
    ax.boxplot(groups, tick_labels=[str(c) for c in order], showfliers=False, widths=0.55,
               medianprops={"color": ACCENT_COLOR, "linewidth": 1.8},
               boxprops={"color": "#34495E"}, whiskerprops={"color": "#34495E"},
               capprops={"color": "#34495E"})
    rng = np.random.default_rng(0)  # jitter only; seeded so the picture is reproducible
    for i, group in enumerate(groups, start=1):
        ax.scatter(i + rng.uniform(-0.12, 0.12, len(group)), group, s=16, alpha=0.6,
                   color=REVENUE_COLOR, zorder=3)
    overall = data.overall.get("roi")
    if overall is not None and np.isfinite(overall):
        ax.axhline(float(np.clip(overall, low, high)), color="#555555", linestyle="--",
                   linewidth=1, label=f"Overall ROI {overall:,.1f}%")
        ax.legend(loc="upper right")
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_ylabel("Campaign ROI")
    ax.set_xlabel("Channel (best ROI first)")
    if len(order) > 6:
        ax.tick_params(axis="x", labelrotation=20)
    ax.grid(axis="x", visible=False)
    ax.set_title(title)
    note = _tail_note(below, above, low, high)
    if note:
        figure.text(0.01, 0.005, note, fontsize=8, color="#555555")
    return figure


def plot_ctr_conversion_by_channel(data: ReportData, title: str) -> Figure:
    """Two panels of horizontal bars: CTR and conversion rate per channel; n/a when undefined."""
    channels = data.channels
    if channels.empty:
        return _no_data(title, "no channel has campaign days in the window")
    labels = _channel_labels(channels)
    positions = np.arange(len(labels))
    figure = _new_figure(10.0, 1.6 + 0.45 * len(labels))
    axes = figure.subplots(1, 2, sharey=True)
    panels = (("ctr", "CTR (clicks / impressions)", REVENUE_COLOR),
              ("conversion_rate", "Conversion rate (conversions / clicks)", "#27AE60"))
    for ax, (column, label, color) in zip(axes, panels, strict=True):
        values = pd.to_numeric(channels[column], errors="coerce").to_numpy(dtype=float)
        finite = np.isfinite(values)
        ax.barh(positions[finite], values[finite], color=color, height=0.6)
        top = float(np.nanmax(values)) if finite.any() else 1.0
        for y, value in zip(positions, values, strict=True):
            text = f" {value:.2f}%" if np.isfinite(value) else " n/a"
            ax.annotate(text, xy=(value if np.isfinite(value) else 0, y), va="center",
                        fontsize=8)
        ax.set_xlim(0, max(top, 0.01) * 1.25)
        ax.xaxis.set_major_formatter(percent_formatter(1))
        ax.set_title(label, fontsize=10)
        ax.grid(axis="y", visible=False)
    axes[0].set_yticks(positions, labels=labels)
    axes[0].invert_yaxis()
    figure.suptitle(title, fontsize=12, fontweight="bold")
    return figure


# ---- the registry -----------------------------------------------------------------------

REPORT = "report"
"""Group of the campaign report's charts, drawn by :func:`render_charts`."""
SEGMENT = "segment"
"""Group of the segment charts, drawn by :func:`segmentation.save_charts`."""


@dataclass(frozen=True)
class ChartSpec:
    """One chart: its key (as in :func:`render_charts`' or :func:`segmentation.save_charts`'
    result), file name, title (drawn in the picture by ``draw`` and shown in the HTML), caption
    (under it in the PDF and the HTML) and group. ``draw(data, title)`` draws a :data:`REPORT`
    chart; segment charts have none here."""

    key: str
    file: str
    title: str
    caption: str
    group: str
    draw: Callable[[ReportData, str], Figure] | None = None


CHARTS: tuple[ChartSpec, ...] = (
    ChartSpec(
        "revenue_trend", "revenue_trend.png", "Daily revenue and cost",
        "Thin lines: daily totals; bold lines: 7-day rolling means.",
        REPORT, plot_revenue_trend),
    ChartSpec(
        "cost_vs_revenue_by_channel", "cost_vs_revenue_by_channel.png",
        "Cost and revenue by channel",
        "Channels in ROI rank order, best first.",
        REPORT, plot_cost_vs_revenue_by_channel),
    ChartSpec(
        "roi_distribution", "roi_distribution.png", "Campaign ROI distribution",
        "ROI of each campaign on each channel over the period; dashed line: the overall ROI "
        "(total profit / total cost).",
        REPORT, plot_roi_distribution),
    ChartSpec(
        "roi_by_channel", "roi_by_channel.png", "Campaign ROI by channel",
        "Each dot is a campaign on that channel; boxes span the middle half, the red line is "
        "the median.",
        REPORT, plot_roi_by_channel),
    ChartSpec(
        "ctr_conversion_by_channel", "ctr_conversion_by_channel.png",
        "CTR and conversion rate by channel",
        "CTR = clicks / impressions; conversion rate = conversions / clicks; n/a when the "
        "denominator is zero.",
        REPORT, plot_ctr_conversion_by_channel),
    ChartSpec(
        "k_selection", SEGMENT_CHART_FILES["k_selection"], "Choosing the number of segments",
        "Inertia and silhouette for each k tried; the circle marks the chosen k.",
        SEGMENT),
    ChartSpec(
        "sizes", SEGMENT_CHART_FILES["sizes"], "Segment sizes",
        "Customers per segment.",
        SEGMENT),
    ChartSpec(
        "profiles", SEGMENT_CHART_FILES["profiles"], "Segment profiles",
        "Feature means per segment, in standard deviations from all customers' mean.",
        SEGMENT),
)
"""Every chart of the report, in report order within each group."""


def charts_in(group: str) -> tuple[ChartSpec, ...]:
    """The registry's charts of ``group`` (:data:`REPORT` or :data:`SEGMENT`), in order."""
    return tuple(c for c in CHARTS if c.group == group)


def chart_spec(group: str, key: str) -> ChartSpec | None:
    """The registry entry for ``key`` in ``group``, None for a chart it does not know."""
    return next((c for c in CHARTS if c.group == group and c.key == key), None)


CHART_FILES: dict[str, str] = {c.key: c.file for c in charts_in(REPORT)}
"""Report chart key -> file name written by :func:`render_charts`, in report order."""


def render_charts(data: ReportData, out_dir: Path) -> dict[str, Path]:
    """Write the :data:`REPORT` charts of :data:`CHARTS` as PNG into ``out_dir`` (created if
    needed), each with its phone copy in ``out_dir/phone`` (:func:`segmentation.charts.save_figure`).

    Returns ``{key: path}`` for every key of :data:`CHART_FILES`, in report order. A chart
    without data is still written, as a "No data" placeholder.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    with matplotlib.rc_context(_style(data)):
        for spec in charts_in(REPORT):
            if spec.draw is None:
                raise TypeError(f"report chart {spec.key!r} has no drawing function")
            path = out_dir / spec.file
            figure = spec.draw(data, spec.title)
            try:
                save_figure(figure, path, DPI, facecolor="white")
            finally:
                figure.clear()
            written[spec.key] = path
            log.info("wrote %s", path)
    return written
