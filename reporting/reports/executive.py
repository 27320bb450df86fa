"""The executive part of both reports, from rpt_period_comparison: what changed against the
previous period, winners and losers, the channels reported apart, and recommendations.

Figures come from the mart; this module picks rows, orders them and writes sentences. A
recommendation is emitted only when the data meets its condition, with its numbers and the
assumption it rests on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from reporting.report_data import ReportData
from reporting.reports.formatting import (
    fmt_change_pct,
    fmt_date,
    fmt_money,
    fmt_money_compact,
    fmt_pct,
    fmt_ratio,
    is_missing,
)

log = logging.getLogger(__name__)

#: A campaign spending less than this share of the period's total cost (percent) is left out of
#: the winners and losers, so a campaign with 2 of spend does not top the ROI list.
MIN_SPEND_PCT = 1.0
#: A channel's CPA rising more than this (percent) period over period is flagged.
CPA_RISE_PCT = 20.0
MOVERS = 5
RANKED = 5
PERIOD_NAMES = {"7d": "the last 7 days", "30d": "the last 30 days", "90d": "the last 90 days",
                "mtd": "the month to date", "qtd": "the quarter to date"}


@dataclass(frozen=True)
class ExecutiveOptions:
    min_spend_pct: float = MIN_SPEND_PCT
    cpa_rise_pct: float = CPA_RISE_PCT


@dataclass(frozen=True)
class Recommendation:
    title: str
    text: str
    assumption: str


@dataclass
class Executive:
    """What the "What changed", "Recommendations" and "Winners and losers" sections show.
    ``has_comparison`` False: the mart is missing or empty, ``note`` says so."""

    has_comparison: bool
    period_text: str = ""
    summary: list[str] = field(default_factory=list)
    overall: list[dict[str, Any]] = field(default_factory=list)
    channels: pd.DataFrame = field(default_factory=pd.DataFrame)
    risers: pd.DataFrame = field(default_factory=pd.DataFrame)
    fallers: pd.DataFrame = field(default_factory=pd.DataFrame)
    min_spend: float | None = None
    best_roi: pd.DataFrame = field(default_factory=pd.DataFrame)
    worst_roi: pd.DataFrame = field(default_factory=pd.DataFrame)
    best_profit: pd.DataFrame = field(default_factory=pd.DataFrame)
    worst_profit: pd.DataFrame = field(default_factory=pd.DataFrame)
    apart: list[str] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)
    note: str = ""


def _num(value: Any) -> float | None:
    return None if is_missing(value) else float(value)


def _sorted(frame: pd.DataFrame, by: str, ascending: bool) -> pd.DataFrame:
    keys = [by, "campaign_name", "channel"] if "campaign_name" in frame else [by, "channel"]
    keys = [k for k in keys if k in frame]
    return frame.sort_values(keys, ascending=[ascending] + [True] * (len(keys) - 1),
                             na_position="last", kind="mergesort")


def period_description(row: pd.Series) -> str:
    period = str(row.get("report_period") or "")
    name = PERIOD_NAMES.get(period, period)
    return (f"{name[0].upper()}{name[1:]} ({fmt_date(row.get('current_start'))} to "
            f"{fmt_date(row.get('current_end'))}) against the previous period of the same length "
            f"({fmt_date(row.get('previous_start'))} to {fmt_date(row.get('previous_end'))})")


def _change_phrase(current: Any, previous: Any, change_pct: Any, currency: str) -> str:
    cur, prev = fmt_money_compact(current, currency), fmt_money_compact(previous, currency)
    if is_missing(change_pct):
        return f"{cur} (none in the previous period)" if not _num(previous) else f"{cur}, was {prev}"
    return f"{cur}, {fmt_change_pct(change_pct)} from {prev}"


def build_executive(data: ReportData, options: ExecutiveOptions | None = None) -> Executive:
    options = options or ExecutiveOptions()
    comp = data.comparison
    if comp is None or comp.empty or not (comp["level"] == "overall").any():
        return Executive(has_comparison=False,
                         note="There is no period comparison: the marts were built before it "
                              "existed. Run `mca-report build` (or `run`) to add it.")
    cur = data.currency
    o = comp[comp["level"] == "overall"].iloc[0]
    channels = comp[comp["level"] == "channel"]
    campaigns = comp[comp["level"] == "campaign"]
    canonical = channels[channels["is_canonical_channel"].astype(bool)]
    out = Executive(has_comparison=True, period_text=period_description(o))

    # ---- what changed ------------------------------------------------------------------------
    out.overall = [
        {"metric": label, "current": fmt(o[f"{key}_current"]), "previous": fmt(o[f"{key}_previous"]),
         "change_pct": o.get(f"{key}_change_pct") if key != "roas" else _rel(o["roas_current"], o["roas_previous"])}
        for label, key, fmt in (
            ("Revenue", "revenue", lambda v: fmt_money_compact(v, cur)),
            ("Cost", "cost", lambda v: fmt_money_compact(v, cur)),
            ("Profit", "profit", lambda v: fmt_money_compact(v, cur)),
            ("ROAS", "roas", fmt_ratio),
        )
    ]
    summary = [f"Revenue {_change_phrase(o['revenue_current'], o['revenue_previous'], o['revenue_change_pct'], cur)}; "
               f"cost {_change_phrase(o['cost_current'], o['cost_previous'], o['cost_change_pct'], cur)}; "
               f"profit {_change_phrase(o['profit_current'], o['profit_previous'], o['profit_change_pct'], cur)}."]
    if not bool(o.get("is_previous_covered")):
        summary.append("The data does not reach back to the start of the previous period, so its "
                       "figures are partial.")
    moved = canonical[canonical["revenue_change"].fillna(0) != 0]
    rose = _sorted(moved[moved["revenue_change"] > 0], "revenue_change", False)
    fell = _sorted(moved[moved["revenue_change"] < 0], "revenue_change", True)
    parts = []
    if not rose.empty:
        parts.append("Channels whose revenue rose: " + ", ".join(
            f"{r.channel} ({fmt_change_pct(r.revenue_change_pct)})" for r in rose.itertuples()) + ".")
    if not fell.empty:
        parts.append("Channels whose revenue fell: " + ", ".join(
            f"{r.channel} ({fmt_change_pct(r.revenue_change_pct)})" for r in fell.itertuples()) + ".")
    summary += parts or ["No channel's revenue changed."]
    out.summary = summary
    out.channels = _sorted(canonical, "revenue_change", False)
    out.risers = _sorted(campaigns[campaigns["revenue_change"] > 0], "revenue_change", False).head(MOVERS)
    out.fallers = _sorted(campaigns[campaigns["revenue_change"] < 0], "revenue_change", True).head(MOVERS)

    # ---- winners and losers ------------------------------------------------------------------
    total_cost = _num(o["cost_current"]) or 0.0
    out.min_spend = total_cost * options.min_spend_pct / 100.0
    spent = campaigns[(campaigns["cost_current"] > 0) & (campaigns["cost_current"] >= out.min_spend)]
    with_roi = spent[spent["roi_current"].notna()]
    out.best_roi = _sorted(with_roi, "roi_current", False).head(RANKED)
    out.worst_roi = _sorted(with_roi, "roi_current", True).head(RANKED)
    out.best_profit = _sorted(spent, "profit_current", False).head(RANKED)
    out.worst_profit = _sorted(spent, "profit_current", True).head(RANKED)
    out.apart = _apart(channels, o, cur)

    # ---- recommendations ---------------------------------------------------------------------
    out.recommendations = [r for r in (
        _shift_budget(canonical, out.min_spend, cur),
        _pause(campaigns, cur),
        _rising_cpa(canonical, options.cpa_rise_pct, cur),
    ) if r is not None]
    return out


def _rel(current: Any, previous: Any) -> float | None:
    """Relative change of two ratios the mart computed (ROAS, CPA), in percent."""
    cur, prev = _num(current), _num(previous)
    if cur is None or prev is None or prev == 0:
        return None
    return (cur - prev) / abs(prev) * 100.0


def _apart(channels: pd.DataFrame, o: pd.Series, currency: str) -> list[str]:
    out = []
    other = channels[~channels["is_canonical_channel"].astype(bool)]
    if not other.empty and (other["cost_current"].fillna(0).sum() or other["revenue_current"].fillna(0).sum()):
        r = other.iloc[0]
        out.append(f"{r['channel']}: {fmt_money(r['cost_current'], currency)} of cost and "
                   f"{fmt_money(r['revenue_current'], currency)} of revenue this period came from "
                   "channel names mca does not recognise; they are shown apart, not ranked among "
                   "the channels.")
    imputed = _num(o.get("channel_imputed_current")) or 0
    if imputed:
        days = int(imputed)
        out.append(f"{days:,} campaign-day{'s' if days != 1 else ''} of this period had no channel "
                   "in the export and took their campaign's most frequent channel (else the most "
                   "frequent overall); their figures count in that channel.")
    return out


def _shift_budget(channels: pd.DataFrame, min_spend: float | None, currency: str) -> Recommendation | None:
    eligible = channels[(channels["cost_current"] > 0) & channels["roi_current"].notna()]
    if min_spend:
        eligible = eligible[eligible["cost_current"] >= min_spend]
    if len(eligible) < 2:
        return None
    best = _sorted(eligible, "roi_current", False).iloc[0]
    worst = _sorted(eligible, "roi_current", True).iloc[0]
    if not best["roi_current"] > worst["roi_current"]:
        return None
    return Recommendation(
        title="Shift budget",
        text=(f"Consider moving part of the budget from {worst['channel']} (ROI "
              f"{fmt_pct(worst['roi_current'])} on {fmt_money(worst['cost_current'], currency)} of "
              f"spend this period) to {best['channel']} (ROI {fmt_pct(best['roi_current'])} on "
              f"{fmt_money(best['cost_current'], currency)})."),
        assumption=(f"Assumes {best['channel']} keeps a similar return on more spend; move a "
                    "small share first and compare next period."),
    )


def _pause(campaigns: pd.DataFrame, currency: str) -> Recommendation | None:
    idle = campaigns[(campaigns["cost_current"] > 0) & (campaigns["conversions_current"].fillna(0) == 0)]
    if idle.empty:
        return None
    idle = _sorted(idle, "cost_current", False)
    shown = idle.head(10)
    listed = "; ".join(f"{r.campaign_name} ({r.channel}, {fmt_money(r.cost_current, currency)})"
                       for r in shown.itertuples())
    more = f"; and {len(idle) - len(shown)} more" if len(idle) > len(shown) else ""
    n = len(idle)
    return Recommendation(
        title="Pause campaigns without conversions",
        text=(f"Consider pausing {n} campaign{'s' if n != 1 else ''} that spent "
              f"{fmt_money(idle['cost_current'].sum(), currency)} this period with no conversion: "
              f"{listed}{more}."),
        assumption="Assumes their conversions are tracked and not merely delayed.",
    )


def _rising_cpa(channels: pd.DataFrame, threshold: float, currency: str) -> Recommendation | None:
    rows = []
    for r in channels.itertuples():
        change = _rel(r.cpa_current, r.cpa_previous)
        if change is not None and change > threshold:
            rows.append((change, r))
    if not rows:
        return None
    rows.sort(key=lambda item: (-item[0], str(item[1].channel)))
    listed = "; ".join(f"{r.channel}: {fmt_money(r.cpa_previous, currency)} to "
                       f"{fmt_money(r.cpa_current, currency)} ({fmt_change_pct(change)})"
                       for change, r in rows)
    return Recommendation(
        title="Watch rising cost per conversion",
        text=f"Cost per conversion rose more than {threshold:g}% on: {listed}.",
        assumption="One period's rise may be noise; look at the channel's bids and audiences if it "
                   "persists next period.",
    )
