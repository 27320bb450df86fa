"""Headline sentences for the top of both reports, written from the marts' figures."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from reporting.report_data import ReportData
from reporting.reports.formatting import (
    fmt_date,
    fmt_money,
    fmt_money_compact,
    fmt_pct,
    fmt_ratio,
    is_missing,
)

log = logging.getLogger(__name__)

TREND_WINDOW_DAYS = 30
FLAT_CHANGE_PCT = 0.05
"""A change smaller than this (in percent) is reported as flat."""

#: dim_channel's channel for names the channel_aliases seed does not know (channel_group Unknown):
#: reported, never ranked as if it were a channel.
OTHER_CHANNEL = "Other"


def headline_sentences(data: ReportData) -> list[str]:
    """Two or three sentences: the period's totals, the best and worst channel by ROI (the
    marts' ``roi_rank``), and the revenue trend (the last 30 days against the 30 before, or the
    second half of the period against the first when it is shorter than 60 days)."""
    sentences = [_totals_sentence(data), _channel_sentence(data)]
    trend = revenue_trend_sentence(data.daily, data.currency)
    if trend:
        sentences.append(trend)
    return [s for s in sentences if s]


def _totals_sentence(data: ReportData) -> str:
    o = data.overall
    first, last = data.period
    if first is None or last is None or is_missing(o.get("campaigns")):
        return "No campaign days fall in the analysed window."
    campaigns = int(o["campaigns"])
    noun = "campaign" if campaigns == 1 else "campaigns"
    return (
        f"From {fmt_date(first)} to {fmt_date(last)}, {campaigns:,} {noun} cost "
        f"{fmt_money_compact(o.get('cost'), data.currency)} and brought "
        f"{fmt_money_compact(o.get('revenue'), data.currency)} in revenue: ROI "
        f"{fmt_pct(o.get('roi'))}, ROAS {fmt_ratio(o.get('roas'))}."
    )


def _channel_sentence(data: ReportData) -> str:
    channels = data.channels
    if channels.empty:
        return ""
    ranked = channels.sort_values("roi_rank", kind="mergesort")
    other = ranked[ranked["channel"] == OTHER_CHANNEL]
    ranked = ranked[ranked["channel"] != OTHER_CHANNEL]  # not a channel: never best or worst
    defined = ranked[ranked["roi"].notna()]
    undefined = len(ranked) - len(defined)
    if defined.empty:
        return "No channel had any cost, so no channel has an ROI."
    tail = f" {undefined} channel{'s' if undefined != 1 else ''} had no cost, so no ROI." \
        if undefined else ""
    if not other.empty:
        tail += (f" Rows whose channel name mca does not recognise ({fmt_money_compact(other.iloc[0].get('cost'), data.currency)}"
                 f" of cost) are reported as {OTHER_CHANNEL} and not ranked; add their names to the"
                 " channel_aliases seed to count them in a channel.")
    best = defined.iloc[0]
    if len(defined) == 1:
        return f"{best['channel']} was the only channel with an ROI: {fmt_pct(best['roi'])}.{tail}"
    worst = defined.iloc[-1]
    return (
        f"{best['channel']} had the highest ROI ({fmt_pct(best['roi'])}, ROAS "
        f"{fmt_ratio(best['roas'])}) and {worst['channel']} the lowest ({fmt_pct(worst['roi'])}, "
        f"ROAS {fmt_ratio(worst['roas'])}) of {len(defined)} channels.{tail}"
    )


def _sum(frame: pd.DataFrame, column: str) -> float:
    return float(pd.to_numeric(frame[column], errors="coerce").fillna(0).sum())


def revenue_trend_sentence(daily: pd.DataFrame, currency: str) -> str:
    """Revenue of the latest window against the window before it, from the daily mart.

    Windows are 30 days when there are at least 60 days; otherwise the two halves of the
    period (a middle day of an odd count is left out). Fewer than 2 days: no sentence.
    """
    if daily is None or len(daily) < 2:
        return ""
    days = daily.sort_values("date_day", kind="mergesort")
    if len(days) >= 2 * TREND_WINDOW_DAYS:
        size = TREND_WINDOW_DAYS
        recent_label, earlier_label = f"the last {size} days", f"the previous {size} days"
        earlier = days.iloc[-2 * size:-size]
    else:
        size = len(days) // 2
        recent_label, earlier_label = "the second half of the period", "the first half"
        earlier = days.iloc[:size]
    recent = days.iloc[-size:]
    recent_span = f"({fmt_date(recent['date_day'].iloc[0])} to {fmt_date(recent['date_day'].iloc[-1])})"
    now, before = _sum(recent, "revenue"), _sum(earlier, "revenue")
    now_text, before_text = fmt_money(now, currency), fmt_money(before, currency)
    if before == 0:
        if now == 0:
            return f"There was no revenue in {recent_label} {recent_span} nor in {earlier_label}."
        return (f"Revenue was {now_text} in {recent_label} {recent_span}, up from none in "
                f"{earlier_label}.")
    change = (now - before) / before * 100.0
    if abs(change) < FLAT_CHANGE_PCT:
        return (f"Revenue was flat: {now_text} in {recent_label} {recent_span} against "
                f"{before_text} in {earlier_label}.")
    verb = "rose" if change > 0 else "fell"
    return (f"Revenue {verb} {fmt_pct(abs(change))} in {recent_label} {recent_span} to "
            f"{now_text}, from {before_text} in {earlier_label}.")


def best_and_worst_channel(data: ReportData) -> tuple[Any, Any]:
    """Names of the best and worst channel by ROI (roi_rank order), None when undefined."""
    defined = data.channels.sort_values("roi_rank", kind="mergesort")
    defined = defined[defined["roi"].notna() & (defined["channel"] != OTHER_CHANNEL)]
    if defined.empty:
        return None, None
    return defined.iloc[0]["channel"], defined.iloc[-1]["channel"]
