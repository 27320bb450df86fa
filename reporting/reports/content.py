"""What both report formats show, chosen from a :class:`ReportData`: rows of raw values with
their kind, in display order. Formatting happens in the renderers (through
:mod:`reporting.reports.formatting`); nothing here recomputes a figure the marts computed.

Every data table is specified once here, as a :class:`TableSpec` (columns, heading, HTML id,
note, empty-state sentence), and both renderers draw any :class:`Table` from its spec: the PDF
in :func:`reporting.reports.pdf._table_block`, the HTML with the ``data_table`` macro of
``report.html.j2``. A new table is a spec here (listed in :data:`TABLES`), a :class:`Table`
field of :class:`ReportContent` filled in :func:`build_content` and listed in
:meth:`ReportContent.tables`, and its place in each layout (one ``_table_block`` call in
``pdf.py``, one ``data_table`` call under its heading in the template).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from reporting.report_data import NO_CAMPAIGN_DATA, NO_SEGMENT_DATA, ReportData, SegmentSummary
from reporting.reports.formatting import fmt_date, fmt_datetime, fmt_money, fmt_pct
from reporting.reports.executive import Executive, Recommendation, build_executive
from reporting.reports.narrative import headline_sentences

TITLE = "Marketing Campaign Analysis"
#: segment charts about the method (elbow and silhouette), shown in the appendix at the end
APPENDIX_CHARTS = ("k_selection",)
NO_RECOMMENDATION = ("No recommendation this period: no channel's ROI stands out from another's, "
                     "no campaign spent without converting and no channel's cost per conversion "
                     "rose sharply.")
TOP_CAMPAIGNS = 10
SEGMENTATION_NOT_RUN = "Segmentation did not run for this report, so there are no customer segments."


@dataclass(frozen=True)
class Column:
    """A table column: the field it shows, its heading and its value kind (see fmt_value)."""

    key: str
    label: str
    kind: str

    @property
    def is_numeric(self) -> bool:
        return self.kind not in {"text", "date", "bool"}


@dataclass(frozen=True)
class Item:
    """One labelled value: a key metric card or a data-quality line."""

    label: str
    value: Any
    kind: str
    note: str = ""
    level: int = 0  # 1 = a detail of the line above (indented)


@dataclass(frozen=True)
class TableSpec:
    """One report table, for both formats.

    ``heading`` is shown above the table (the layout picks its level; "" for none), ``note``
    under it when it has rows, and ``empty`` instead of it when it has none ("" shows the table
    with its header only). ``name_key`` is the column that names the row: the HTML gives its
    cells ``class="name"`` so long names wrap.
    """

    id: str
    columns: tuple[Column, ...]
    heading: str = ""
    note: str = ""
    empty: str = ""
    name_key: str | None = None

    @property
    def labels(self) -> list[str]:
        return [c.label for c in self.columns]


@dataclass(frozen=True)
class Table:
    """A :class:`TableSpec` with its rows: one dict of raw values per row, keyed by column."""

    spec: TableSpec
    rows: list[dict[str, Any]]

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.spec.columns


@dataclass(frozen=True)
class SegmentsContent:
    chosen_k: int
    reason: str
    n_customers: int
    features: tuple[str, ...]
    table: Table
    by_channel: Table | None


@dataclass(frozen=True)
class ExecutiveContent:
    """The report's first sections: what changed against the previous period, recommendations,
    winners and losers (reporting.reports.executive)."""

    period_text: str
    summary: list[str]
    change: Table
    channel_changes: Table
    risers: Table
    fallers: Table
    recommendations: list[Recommendation]
    ranking_note: str
    best_roi: Table
    worst_roi: Table
    best_profit: Table
    worst_profit: Table
    apart: list[str]

    def tables(self) -> list[Table]:
        return [self.change, self.channel_changes, self.risers, self.fallers, self.best_roi,
                self.worst_roi, self.best_profit, self.worst_profit]


@dataclass(frozen=True)
class ReportContent:
    title: str
    currency: str
    period_text: str
    run_text: str
    headlines: list[str]
    key_metrics: list[Item]
    activity: list[Item]
    channels: Table
    top_campaigns: Table
    quality: list[Item]
    segments: SegmentsContent | None
    meta: dict[str, str] = field(default_factory=dict)
    #: False when no raw campaigns table was loaded: the campaign parts (key metrics, channels,
    #: campaigns, charts) are left out and ``no_campaign_text`` says why
    has_campaign_data: bool = True
    no_campaign_text: str = NO_CAMPAIGN_DATA
    #: shown instead of the segments when there are none: why
    segments_note: str = SEGMENTATION_NOT_RUN
    #: the period comparison; None without campaign data or without rpt_period_comparison
    executive: ExecutiveContent | None = None
    executive_note: str = ""

    def tables(self) -> list[Table]:
        """Every data table the report shows, in report order."""
        out = self.executive.tables() if self.executive is not None else []
        out += [self.channels, self.top_campaigns] if self.has_campaign_data else []
        if self.segments is not None:
            out.append(self.segments.table)
            if self.segments.by_channel is not None:
                out.append(self.segments.by_channel)
        return out


CHANNEL_TABLE = TableSpec(
    id="channel-table",
    heading="Channel performance, ranked by ROI",
    columns=(
        Column("channel", "Channel", "text"),
        Column("cost", "Cost", "money"),
        Column("revenue", "Revenue", "money"),
        Column("profit", "Profit", "money"),
        Column("roi", "ROI", "pct"),
        Column("roas", "ROAS", "ratio"),
        Column("ctr", "CTR", "pct"),
        Column("conversion_rate", "Conv. rate", "pct"),
        Column("cpa", "CPA", "money"),
    ),
    name_key="channel",
    note="n/a: the ratio's denominator is zero (no cost, clicks, impressions or conversions).",
    empty="No channel data for this period.",
)
CAMPAIGN_TABLE = TableSpec(
    id="campaign-table",
    heading="Top campaigns by revenue",
    columns=(
        Column("campaign_name", "Campaign", "text"),
        Column("channel", "Channel", "text"),
        Column("cost", "Cost", "money"),
        Column("revenue", "Revenue", "money"),
        Column("roi", "ROI", "pct"),
        Column("roas", "ROAS", "ratio"),
    ),
    name_key="campaign_name",
    note="One row per campaign and channel; ROI and ROAS over the campaign's whole period on "
         "that channel.",
    empty="No campaigns in this period.",
)
SEGMENT_TABLE = TableSpec(
    id="segment-table",
    columns=(
        Column("segment", "Segment", "text"),
        Column("size", "Customers", "count"),
        Column("share", "Share", "share"),
        Column("revenue_mean", "Mean revenue", "money"),
        Column("acquisition_cost_per_customer", "Acquisition cost per customer", "money"),
    ),
    name_key="segment",
)
SEGMENT_CHANNEL_TABLE = TableSpec(
    id="segment-channel-table",
    heading="Segments by acquisition channel",
    columns=(
        Column("segment_name", "Segment", "text"),
        Column("channel", "Acquisition channel", "text"),
        Column("customers", "Customers", "count"),
        Column("revenue", "Revenue", "money"),
        Column("acquisition_cost", "Acquisition cost", "money"),
    ),
)
"""Left out of the report when segmentation has no acquisition channels (``by_channel`` None)."""

def _moves(id_: str, heading: str, empty: str) -> TableSpec:
    return TableSpec(
        id=id_, heading=heading, name_key="campaign_name", empty=empty,
        columns=(
            Column("campaign_name", "Campaign", "text"),
            Column("channel", "Channel", "text"),
            Column("revenue_current", "Revenue", "money"),
            Column("revenue_previous", "Previous", "money"),
            Column("revenue_change", "Change", "money"),
            Column("revenue_change_pct", "Change %", "change_pct"),
        ),
    )


def _ranking(id_: str, heading: str) -> TableSpec:
    return TableSpec(
        id=id_, heading=heading, name_key="campaign_name",
        empty="No campaign spent at least the minimum this period.",
        columns=(
            Column("campaign_name", "Campaign", "text"),
            Column("channel", "Channel", "text"),
            Column("cost_current", "Cost", "money"),
            Column("revenue_current", "Revenue", "money"),
            Column("profit_current", "Profit", "money"),
            Column("roi_current", "ROI", "pct"),
        ),
    )


CHANGE_TABLE = TableSpec(
    id="change-table",
    heading="This period against the previous",
    columns=(
        Column("metric", "Metric", "text"),
        Column("current", "This period", "figure"),
        Column("previous", "Previous period", "figure"),
        Column("change_pct", "Change", "change_pct"),
    ),
    name_key="metric",
    note="Change: relative to the previous period; n/a when the previous period had none.",
    empty="No figures for this period.",
)
CHANNEL_CHANGE_TABLE = TableSpec(
    id="channel-change-table",
    heading="Channels that rose and fell",
    columns=(
        Column("channel", "Channel", "text"),
        Column("revenue_current", "Revenue", "money"),
        Column("revenue_previous", "Previous", "money"),
        Column("revenue_change", "Change", "money"),
        Column("revenue_change_pct", "Change %", "change_pct"),
        Column("roi_current", "ROI", "pct"),
        Column("roi_previous", "Previous ROI", "pct"),
    ),
    name_key="channel",
    note="Recognised channels only, by revenue change; unrecognised channel names are reported "
         "apart below.",
    empty="No channel had figures in either period.",
)
RISERS_TABLE = _moves("campaign-risers", "Campaigns that added the most revenue",
                      "No campaign's revenue rose.")
FALLERS_TABLE = _moves("campaign-fallers", "Campaigns that lost the most revenue",
                       "No campaign's revenue fell.")
BEST_ROI_TABLE = _ranking("best-roi", "Best campaigns by ROI")
WORST_ROI_TABLE = _ranking("worst-roi", "Worst campaigns by ROI")
BEST_PROFIT_TABLE = _ranking("best-profit", "Most profitable campaigns")
WORST_PROFIT_TABLE = _ranking("worst-profit", "Least profitable campaigns")
EXECUTIVE_TABLES = (CHANGE_TABLE, CHANNEL_CHANGE_TABLE, RISERS_TABLE, FALLERS_TABLE,
                    BEST_ROI_TABLE, WORST_ROI_TABLE, BEST_PROFIT_TABLE, WORST_PROFIT_TABLE)

TABLES: tuple[TableSpec, ...] = (*EXECUTIVE_TABLES, CHANNEL_TABLE, CAMPAIGN_TABLE, SEGMENT_TABLE,
                                 SEGMENT_CHANNEL_TABLE)
"""Every table spec, in report order."""


def _table(spec: TableSpec, frame: pd.DataFrame) -> Table:
    """The spec's columns of every row of ``frame``, in its order."""
    rows = [{c.key: record.get(c.key) for c in spec.columns}
            for record in frame.to_dict("records")]
    return Table(spec, rows)


def _by_roi_rank(channels: pd.DataFrame) -> pd.DataFrame:
    """Channels in the mart's ROI rank order (1 = best)."""
    if channels.empty or "roi_rank" not in channels:
        return channels
    return channels.sort_values("roi_rank", kind="mergesort")


def period_text(data: ReportData) -> str:
    if not data.has_campaign_data:
        return "No campaign data loaded"
    first, last = data.period
    if first is None or last is None:
        return "No campaign days in the analysed window"
    return f"{fmt_date(first)} to {fmt_date(last)}"


def top_campaigns(data: ReportData, n: int = TOP_CAMPAIGNS) -> pd.DataFrame:
    """The ``n`` campaign rows (campaign and channel) with the highest revenue."""
    frame = data.campaigns
    if frame.empty:
        return frame
    return frame.sort_values(["revenue", "campaign_name"], ascending=[False, True],
                             na_position="last", kind="mergesort").head(n)


def key_metrics(data: ReportData) -> list[Item]:
    """Headline amounts, compact (exact figures are in the tables)."""
    o = data.overall
    return [
        Item("Total cost", o.get("cost"), "money_compact"),
        Item("Total revenue", o.get("revenue"), "money_compact"),
        Item("Total profit", o.get("profit"), "money_compact"),
        Item("ROI", o.get("roi"), "pct", "profit / cost"),
        Item("ROAS", o.get("roas"), "ratio", "revenue / cost"),
    ]


def activity(data: ReportData) -> list[Item]:
    o = data.overall
    return [
        Item("Campaigns", o.get("campaigns"), "count"),
        Item("Campaign-days", o.get("campaign_days"), "count"),
        Item("Impressions", o.get("impressions"), "compact"),
        Item("Clicks", o.get("clicks"), "compact"),
        Item("Conversions", o.get("conversions"), "quantity"),
        Item("CTR", o.get("ctr"), "pct", "clicks / impressions"),
        Item("Conversion rate", o.get("conversion_rate"), "pct", "conversions / clicks"),
        Item("CPC", o.get("cpc"), "money", "cost / clicks"),
        Item("CPA", o.get("cpa"), "money", "cost / conversions"),
    ]


def quality(data: ReportData) -> list[Item]:
    """Data-quality lines: where every raw row went, then flags. Zero quarantine reasons are
    left out (the total still counts every quarantined row)."""
    dq = data.data_quality
    customers = [
        Item("Customers read", dq.get("customers_read"), "count"),
        Item("Customers kept", dq.get("customers_kept"), "count"),
    ] if data.raw_tables.get("customers", True) else []
    if not data.has_campaign_data:
        return customers  # no campaign rows to account for
    items = [
        Item("Rows read", dq.get("rows_read"), "count"),
        Item("Rows kept", dq.get("rows_kept"), "count"),
        Item("Duplicates removed", dq.get("rows_duplicate"), "count",
             "same campaign and day; the first loaded row is kept"),
        Item("Quarantined", dq.get("rows_quarantined"), "count",
             f"{fmt_pct(dq.get('quarantined_pct'))} of rows read, kept aside with a reason"),
    ]
    labels = data.quarantine_labels()
    for reason, count in data.quarantined_by_reason().items():
        if count:
            items.append(Item(labels.get(reason, reason), count, "count", level=1))
    items += [
        Item("Outside the window", dq.get("rows_out_of_window"), "count",
             f"dated before {fmt_date(dq.get('window_start_date'))}"),
        Item("Every row accounted for", dq.get("is_conserved"), "bool",
             "read = kept + duplicates + quarantined + outside the window"),
        Item("Channel imputed", dq.get("channel_imputed"), "count",
             "missing channel set to the most frequent one"),
        Item("Impressions imputed", dq.get("impressions_imputed"), "count", "missing, set to 0"),
        Item("Clicks imputed", dq.get("clicks_imputed"), "count", "missing, set to 0"),
        Item("Conversions imputed", dq.get("conversions_imputed"), "count", "missing, set to 0"),
        Item("Unknown channels", dq.get("channel_unknown"), "count", "reported as Other"),
        Item("Conversions above clicks", dq.get("conversions_above_clicks"), "count",
             "kept and flagged"),
        Item("Outlier rows", dq.get("outlier_rows"), "count",
             "cost or revenue outside 1.5 x IQR; flagged, not removed"),
        Item("Cost outliers", dq.get("cost_outliers"), "count", level=1),
        Item("Revenue outliers", dq.get("revenue_outliers"), "count", level=1),
        Item("Completeness", dq.get("completeness_pct"), "pct", "non-missing raw values"),
    ]
    return items + customers


def _acquisition_cost_per_customer(by_channel: pd.DataFrame | None) -> dict[int, float]:
    """Per segment: the cost of acquiring its own customers (each customer at their acquisition
    channel's cost per acquired customer) over those customers: it differs between segments with
    their channel mix, where the channel's own figure is the same in every segment."""
    if by_channel is None or by_channel.empty or "acquisition_cost" not in by_channel:
        return {}
    known = by_channel.dropna(subset=["acquisition_cost"])
    sums = known.groupby("segment_id")[["acquisition_cost", "customers"]].sum()
    return {int(s): float(r.acquisition_cost) / float(r.customers)
            for s, r in sums.iterrows() if float(r.customers) > 0}


def segments(summary: SegmentSummary | None) -> SegmentsContent | None:
    if summary is None:
        return None
    profiles = summary.profiles.sort_values("segment_id", kind="mergesort")
    per_customer = _acquisition_cost_per_customer(summary.by_channel)
    rows = []
    for record in profiles.to_dict("records"):
        rows.append({
            "segment": f"{int(record['segment_id'])}: {record['segment_name']}",
            "size": record.get("size"),
            "share": record.get("share"),
            "revenue_mean": record.get("revenue_mean"),
            "acquisition_cost_per_customer": per_customer.get(int(record["segment_id"])),
        })
    by_channel = None
    if summary.by_channel is not None and not summary.by_channel.empty:
        by_channel = _table(SEGMENT_CHANNEL_TABLE, summary.by_channel)
    return SegmentsContent(
        chosen_k=summary.chosen_k,
        reason=summary.reason,
        n_customers=summary.n_customers,
        features=summary.features,
        table=Table(SEGMENT_TABLE, rows),
        by_channel=by_channel,
    )


def executive(data: ReportData) -> tuple[ExecutiveContent | None, str]:
    """The executive sections, or None and the sentence saying why there are none."""
    if not data.has_campaign_data:
        return None, ""
    ex: Executive = build_executive(data)
    if not ex.has_comparison:
        return None, ex.note
    change = Table(CHANGE_TABLE, [dict(row) for row in ex.overall])
    return ExecutiveContent(
        period_text=ex.period_text,
        summary=ex.summary,
        change=change,
        channel_changes=_table(CHANNEL_CHANGE_TABLE, ex.channels),
        risers=_table(RISERS_TABLE, ex.risers),
        fallers=_table(FALLERS_TABLE, ex.fallers),
        recommendations=ex.recommendations,
        ranking_note=(f"Campaigns that spent at least {fmt_money(ex.min_spend, data.currency)} "
                      f"this period (1% of its total cost), so a tiny campaign does not top the list."),
        best_roi=_table(BEST_ROI_TABLE, ex.best_roi),
        worst_roi=_table(WORST_ROI_TABLE, ex.worst_roi),
        best_profit=_table(BEST_PROFIT_TABLE, ex.best_profit),
        worst_profit=_table(WORST_PROFIT_TABLE, ex.worst_profit),
        apart=ex.apart,
    ), ""


def build_content(data: ReportData) -> ReportContent:
    """Everything a report shows, in order, as raw values with their kinds."""
    generated = data.generated_at
    executive_content, executive_note = executive(data)
    run_text = (f"As of {fmt_date(data.as_of)} · run {data.run_id} · "
                f"generated {fmt_datetime(generated) if isinstance(generated, dt.datetime) else generated}"
                f" · {data.target}")
    return ReportContent(
        title=TITLE,
        currency=data.currency,
        period_text=period_text(data),
        run_text=run_text,
        headlines=headline_sentences(data) if data.has_campaign_data else [NO_CAMPAIGN_DATA],
        key_metrics=key_metrics(data),
        activity=activity(data),
        channels=_table(CHANNEL_TABLE, _by_roi_rank(data.channels)),
        top_campaigns=_table(CAMPAIGN_TABLE, top_campaigns(data)),
        quality=quality(data),
        segments=segments(data.segments),
        meta={"run_id": data.run_id, "as_of": fmt_date(data.as_of), "target": data.target},
        has_campaign_data=data.has_campaign_data,
        segments_note=SEGMENTATION_NOT_RUN if data.has_customer_data else NO_SEGMENT_DATA,
        executive=executive_content,
        executive_note=executive_note,
    )


__all__ = [
    "APPENDIX_CHARTS", "CAMPAIGN_TABLE", "CHANNEL_TABLE", "EXECUTIVE_TABLES", "NO_RECOMMENDATION", "ExecutiveContent", "SEGMENT_CHANNEL_TABLE", "SEGMENT_TABLE", "TABLES",
    "Column", "Item", "ReportContent", "SegmentsContent", "TITLE", "Table", "TableSpec",
    "build_content", "period_text", "top_campaigns",
]
