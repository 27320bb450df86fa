"""What the reports show, read from the marts: the contract between the warehouse and renderers.

:func:`load_report_data` reads every figure from a mart (explicit columns, through
:class:`reporting.warehouse.Warehouse`); renderers only format. Nothing here recomputes in pandas
what SQL computed.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from reporting.warehouse import Warehouse

log = logging.getLogger(__name__)

OVERALL_COLUMNS = (
    "campaigns", "campaign_days", "first_date", "last_date", "cost", "revenue", "profit",
    "impressions", "clicks", "conversions", "ctr", "conversion_rate", "cpc", "cpa", "roas", "roi",
    "avg_roi", "avg_roas",
)
CHANNEL_COLUMNS = (
    "channel_id", "channel", "campaigns", "campaign_days", "cost", "revenue", "profit",
    "impressions", "clicks", "conversions", "ctr", "conversion_rate", "cpc", "cpa", "roas", "roi",
    "value_per_conversion", "avg_roi", "avg_roas", "avg_ctr", "avg_conversion_rate",
    "outlier_days", "roi_rank",
)
DAILY_COLUMNS = ("date_day", "campaign_days", "cost", "revenue", "profit", "impressions",
                 "clicks", "conversions", "roas", "roi")
CAMPAIGN_COLUMNS = ("campaign_key", "channel_id", "campaign_name", "channel", "first_date",
                    "last_date", "campaign_days", "cost", "revenue", "profit", "impressions",
                    "clicks", "conversions", "ctr", "conversion_rate", "cpa", "roas", "roi")
DATA_QUALITY_COLUMNS = (
    "as_of_date", "window_start_date", "base_currency", "first_date", "last_date", "rows_read", "rows_kept",
    "rows_duplicate", "rows_quarantined", "rows_out_of_window", "quarantined_pct",
    "is_conserved", "channel_imputed", "channel_unknown", "impressions_imputed", "clicks_imputed",
    "conversions_imputed", "conversions_above_clicks", "cost_outliers", "revenue_outliers",
    "outlier_rows", "completeness_pct", "customers_read", "customers_kept",
    "customers_duplicate", "customers_quarantined",
)
QUARANTINE_COLUMNS = ("reason", "check_order", "label", "quarantined_rows")
COMPARISON_COLUMNS = (
    "row_key", "level", "channel_id", "campaign_key", "channel", "campaign_name",
    "is_canonical_channel", "report_period", "current_start", "current_end", "previous_start",
    "previous_end", "is_previous_covered", "is_year_ago_covered",
    *(f"{m}_{s}" for m in ("cost", "revenue", "profit", "conversions")
      for s in ("current", "previous", "change", "change_pct")),
    "revenue_year_ago", "revenue_yoy_change_pct",
    *(f"{r}_{p}" for r in ("roas", "roi", "cpa") for p in ("current", "previous")),
    "campaign_days_current", "channel_imputed_current",
)
COMPARISON_TEXT = ("row_key", "level", "campaign_key", "channel", "campaign_name", "report_period",
                   "current_start", "current_end", "previous_start", "previous_end")
RAW_TABLE_NAMES = ("campaigns", "customers", "orders")

#: What the reports say instead of figures that do not exist (tests read them back).
NO_CAMPAIGN_DATA = ("There is no campaign data: no campaigns table was loaded, so this report has no "
                    "campaign figures.")
NO_SEGMENT_DATA = "There are no customer segments because no customer or order data was loaded."


@dataclass
class SegmentSummary:
    """Customer segments for the reports.

    ``profiles``: one row per segment, columns ``segment_id`` (0 = most valuable),
    ``segment_name``, ``size``, ``share`` (0-1), ``<feature>_mean`` per feature, ``revenue_sum``
    when revenue is a feature. ``scores``: ``k``, ``inertia``, ``silhouette``, ``is_chosen``.
    ``by_channel``: per segment and acquisition channel ``segment_id``, ``segment_name``,
    ``channel``, ``customers``, ``revenue``, ``cost_per_acquired_customer`` (may be empty).
    """

    profiles: pd.DataFrame
    scores: pd.DataFrame
    chosen_k: int
    reason: str
    features: tuple[str, ...]
    n_customers: int
    by_channel: pd.DataFrame = field(default_factory=pd.DataFrame)
    was_k_forced: bool = False
    run_id: str = ""


@dataclass
class ReportData:
    """Everything a report shows. Money is in ``currency`` units; percentages are in percent.

    ``overall``: rpt_overall_performance as a dict (OVERALL_COLUMNS; ratios may be None).
    ``channels``: rpt_channel_performance ordered by roi_rank (CHANNEL_COLUMNS).
    ``daily``: rpt_daily_revenue ordered by date_day (DAILY_COLUMNS), contiguous days.
    ``campaigns``: rpt_campaign_performance (CAMPAIGN_COLUMNS), one row per campaign and channel.
    ``data_quality``: dq_data_quality as a dict (DATA_QUALITY_COLUMNS), plus
    ``quarantined_<reason>`` for each campaign quarantine reason.
    ``quarantine``: the campaign rows of dq_quarantine_reasons in check order (QUARANTINE_COLUMNS):
    every reason with its label and count, 0 included.
    ``segments``: None when segmentation did not run.
    ``raw_tables``: per raw table (campaigns, customers, orders), whether it was loaded when the
    marts were built (dq_raw_tables).
    ``comparison``: rpt_period_comparison (COMPARISON_COLUMNS): the report period against the
    previous one, per level (overall, channel, campaign); empty for marts built before it existed.
    """

    run_id: str
    generated_at: dt.datetime
    as_of: dt.date
    target: str
    currency: str
    overall: dict[str, Any]
    channels: pd.DataFrame
    daily: pd.DataFrame
    campaigns: pd.DataFrame
    data_quality: dict[str, Any]
    segments: SegmentSummary | None = None
    quarantine: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(QUARANTINE_COLUMNS)))
    raw_tables: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(RAW_TABLE_NAMES, True))
    comparison: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(COMPARISON_COLUMNS)))

    @property
    def has_campaign_data(self) -> bool:
        """False when no raw campaigns table was loaded (not: a table with no rows in the window)."""
        return bool(self.raw_tables.get("campaigns", True))

    @property
    def has_customer_data(self) -> bool:
        """Whether a raw customers or orders table was loaded (something to segment)."""
        return bool(self.raw_tables.get("customers", True) or self.raw_tables.get("orders", False))

    @property
    def period(self) -> tuple[dt.date | None, dt.date | None]:
        return _to_date(self.overall.get("first_date")), _to_date(self.overall.get("last_date"))

    def quarantined_by_reason(self) -> dict[str, int]:
        """Campaign rows quarantined per reason, in the order the rules are checked."""
        return {str(r.reason): int(r.quarantined_rows) for r in self.quarantine.itertuples()}

    def quarantine_labels(self) -> dict[str, str]:
        """The reports' label of each campaign quarantine reason."""
        return {str(r.reason): str(r.label) for r in self.quarantine.itertuples()}


def _to_date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


DATE_KEYS = frozenset({"as_of_date", "window_start_date", "first_date", "last_date"})
FLOAT_KEYS = frozenset({
    "cost", "revenue", "profit", "ctr", "conversion_rate", "cpc", "cpa", "roas", "roi",
    "avg_roi", "avg_roas", "quarantined_pct", "completeness_pct",
})


def _row_dict(frame: pd.DataFrame) -> dict[str, Any]:
    """A one-row mart as a dict: dates as date, money and ratios as float, counts as int, text
    as text."""
    if frame.empty:
        return {}
    out: dict[str, Any] = {}
    for key, value in frame.iloc[0].to_dict().items():
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            out[key] = None
        elif key in DATE_KEYS:
            out[key] = _to_date(value)
        elif isinstance(value, str):
            out[key] = value.strip()  # text, such as the base currency's code
        elif key.startswith("is_"):
            out[key] = bool(value)
        elif key in FLOAT_KEYS:
            out[key] = float(value)
        else:
            out[key] = int(value)
    return out


def load_quarantine(wh: Warehouse) -> pd.DataFrame:
    """The campaign reasons of dq_quarantine_reasons, in check order (QUARANTINE_COLUMNS)."""
    every = wh.read_mart("dq_quarantine_reasons", ("source_table", *QUARANTINE_COLUMNS),
                         order_by=["source_table", "check_order"])
    frame = every.loc[every["source_table"] == "campaigns", list(QUARANTINE_COLUMNS)].copy()
    frame["check_order"] = pd.to_numeric(frame["check_order"]).astype("int64")
    frame["quarantined_rows"] = pd.to_numeric(frame["quarantined_rows"]).astype("int64")
    return frame.reset_index(drop=True)


def load_raw_tables(wh: Warehouse) -> dict[str, bool]:
    """Per raw table, whether it existed when the marts were built (dq_raw_tables). Marts built
    before that mart existed: whether the table exists in the raw schema now."""
    if wh.table_exists(wh.settings.schema, "dq_raw_tables"):
        frame = wh.read_mart("dq_raw_tables", ("table_name", "is_present"), order_by=["table_name"])
        found = {str(r.table_name).strip(): bool(int(r.is_present)) for r in frame.itertuples()}
        return {name: found.get(name, False) for name in RAW_TABLE_NAMES}
    return {name: wh.table_exists(wh.settings.raw_schema, name) for name in RAW_TABLE_NAMES}


def load_data_quality(wh: Warehouse, quarantine: pd.DataFrame | None = None) -> dict[str, Any]:
    """dq_data_quality as a dict (DATA_QUALITY_COLUMNS), with ``quarantined_<reason>`` per
    campaign quarantine reason (from dq_quarantine_reasons, or ``quarantine`` when given)."""
    dq = _row_dict(wh.read_mart("dq_data_quality", DATA_QUALITY_COLUMNS))
    reasons = load_quarantine(wh) if quarantine is None else quarantine
    dq.update({f"quarantined_{r.reason}": int(r.quarantined_rows) for r in reasons.itertuples()})
    return dq


def load_comparison(wh: Warehouse) -> pd.DataFrame:
    """rpt_period_comparison (COMPARISON_COLUMNS), measures as numbers, flags as bool, dates as
    date; empty when the marts were built before the mart existed."""
    if not wh.table_exists(wh.settings.schema, "rpt_period_comparison"):
        log.warning("rpt_period_comparison does not exist: the reports have no period comparison "
                    "(run `mca-report build`)")
        return pd.DataFrame(columns=list(COMPARISON_COLUMNS))
    frame = wh.read_mart("rpt_period_comparison", COMPARISON_COLUMNS, order_by=["row_key"],
                         numbers_except=COMPARISON_TEXT)
    for col in ("current_start", "current_end", "previous_start", "previous_end"):
        frame[col] = [_to_date(v) for v in frame[col]]
    for col in ("is_canonical_channel", "is_previous_covered", "is_year_ago_covered"):
        frame[col] = frame[col].fillna(0).astype(bool)
    return frame.reset_index(drop=True)


def load_report_data(
    wh: Warehouse,
    *,
    run_id: str,
    as_of: dt.date,
    currency: str = "Rs.",
    segments: SegmentSummary | None = None,
    generated_at: dt.datetime | None = None,
) -> ReportData:
    """Read the reporting marts into a :class:`ReportData`."""
    overall = _row_dict(wh.read_mart("rpt_overall_performance", OVERALL_COLUMNS))
    # every measure as a number (MySQL's decimals arrive as Decimals)
    channels = wh.read_mart("rpt_channel_performance", CHANNEL_COLUMNS, order_by=["roi_rank"],
                            numbers_except=("channel",))
    daily = wh.read_mart("rpt_daily_revenue", DAILY_COLUMNS, order_by=["date_day"], numbers_except=("date_day",))
    daily["date_day"] = pd.to_datetime(daily["date_day"]).dt.date
    campaigns = wh.read_mart("rpt_campaign_performance", CAMPAIGN_COLUMNS, order_by=["campaign_key", "channel_id"],
                             numbers_except=("campaign_key", "campaign_name", "channel", "first_date", "last_date"))
    quarantine = load_quarantine(wh)
    dq = load_data_quality(wh, quarantine)
    raw_tables = load_raw_tables(wh)
    comparison = load_comparison(wh)
    return ReportData(
        run_id=run_id,
        generated_at=generated_at or dt.datetime.now(dt.timezone.utc),
        as_of=as_of,
        target=wh.settings.target.value,
        # money in the marts is in the base currency the build converted to, whatever --currency says
        currency=dq.get("base_currency") or currency,
        overall=overall,
        channels=channels.reset_index(drop=True),
        daily=daily,
        campaigns=campaigns,
        data_quality=dq,
        segments=segments,
        quarantine=quarantine,
        raw_tables=raw_tables,
        comparison=comparison,
    )
