"""An independent pandas implementation of the warehouse rules, to check the SQL on larger data.

Deliberately written from the documented rules (README, model descriptions), not from the SQL.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

SEEDS = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"


def classify(raw: pd.DataFrame, as_of: dt.date, lookback_days: int = 365) -> pd.DataFrame:
    """Return raw rows with row_outcome, quarantine_reason and canonical channel."""
    f = raw.copy()
    aliases = pd.read_csv(SEEDS / "channel_aliases.csv")
    alias_map = dict(zip(aliases["alias"], aliases["channel"]))
    name = f["campaign_name"].astype("string").str.strip(" ")
    name = name.mask(name == "")
    f["campaign_key"] = name.str.lower()
    alias = f["channel"].astype("string").str.strip(" ").str.lower()
    alias = alias.mask(alias == "")
    f["channel_mapped"] = alias.map(alias_map)
    date = pd.to_datetime(f["date"])
    start = pd.Timestamp(as_of) - pd.Timedelta(days=lookback_days)
    reason = pd.Series(pd.NA, index=f.index, dtype="object")
    imp, clk, conv = (f[c].astype("Float64") for c in ("impressions", "clicks", "conversions"))
    rules = [
        ("missing_date", date.isna()),
        ("future_date", date > pd.Timestamp(as_of)),
        (None, date < start),
        ("missing_campaign_name", name.isna()),
        ("missing_cost", f["cost"].isna()),
        ("missing_revenue", f["revenue"].isna()),
        ("negative_cost", f["cost"] < 0),
        ("negative_revenue", f["revenue"] < 0),
        ("negative_count", (imp < 0).fillna(False) | (clk < 0).fillna(False) | (conv < 0).fillna(False)),
        ("clicks_above_impressions", (clk > imp).fillna(False)),
    ]
    decided = pd.Series(False, index=f.index)
    out_of_window = pd.Series(False, index=f.index)
    for label, cond in rules:
        cond = cond.fillna(False).astype(bool) & ~decided
        if label is None:
            out_of_window |= cond
        else:
            reason[cond] = label
        decided |= cond
    f["quarantine_reason"] = reason
    valid = ~decided
    counts = f.loc[valid & f["channel_mapped"].notna(), "channel_mapped"].value_counts()
    mode = sorted(counts[counts == counts.max()].index)[0] if len(counts) else "Other"
    # a missing channel: the campaign's own most frequent channel (ties alphabetical), else the mode
    own = (f.loc[valid & f["channel_mapped"].notna()].groupby(["campaign_key", "channel_mapped"]).size()
           .reset_index(name="n").sort_values(["campaign_key", "n", "channel_mapped"], ascending=[True, False, True])
           .drop_duplicates("campaign_key").set_index("campaign_key")["channel_mapped"])
    campaign_channel = f["campaign_key"].map(own)
    f["channel_imputed_from"] = pd.Series(pd.NA, index=f.index, dtype="object").mask(
        alias.isna(), campaign_channel.notna().map({True: "campaign", False: "overall"}))
    f["channel_final"] = f["channel_mapped"].where(
        f["channel_mapped"].notna(), alias.where(alias.isna(), "Other").fillna(campaign_channel).fillna(mode))
    # a campaign's identity includes the channel as exported (normalised), '' when missing
    f["channel_key"] = alias.fillna("")
    order = f.sort_values("id")
    dup = order[valid.loc[order.index]].duplicated(["campaign_key", "channel_key", "date"], keep="first")
    f["row_outcome"] = "kept"
    f.loc[out_of_window, "row_outcome"] = "out_of_window"
    f.loc[reason.notna(), "row_outcome"] = "quarantined"
    f.loc[dup[dup].index, "row_outcome"] = "duplicate"
    return f
