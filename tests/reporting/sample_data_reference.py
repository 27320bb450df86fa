"""The whole-frame sample generator as it was before chunking (commit f7916d6), kept verbatim as
the reference the chunked generator must reproduce row for row. Not used by mca itself."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

# channel: (spellings as exported, mean impressions/day, CTR, conversion rate, CPC, order value)
CHANNEL_PROFILES: dict[str, tuple[list[str], float, float, float, float, float]] = {
    "Email": (["Email", "email", " EMAIL ", "newsletter", "E-mail"], 8_000, 0.035, 0.045, 6.0, 1_450.0),
    "Social Media": (["Social Media", "social", "FB", "Facebook", "instagram ", "Social media"], 40_000, 0.012, 0.020, 9.0, 1_300.0),
    "Paid Search": (["Paid Search", "Google Ads", "search", "PPC", "bing ads"], 15_000, 0.040, 0.038, 22.0, 1_700.0),
    "Display": (["Display", "display ", "Banner", "programmatic", "DISPLAY"], 90_000, 0.004, 0.012, 11.0, 1_150.0),
    "Mobile Push": (["Mobile Push", "push", "mobile", "Push Notification"], 20_000, 0.020, 0.025, 4.5, 900.0),
}
UNKNOWN_CHANNELS = ["TV", "Affiliate", "Podcast"]
THEMES = [
    "Spring Sale", "Summer Clearance", "Back to School", "Diwali Offers", "Black Friday",
    "New Year", "Loyalty Rewards", "Brand Awareness", "Retargeting", "Product Launch",
    "Festive Bundle", "App Install", "Win-back", "Referral Boost", "Weekend Flash",
]


@dataclass(frozen=True)
class SampleData:
    campaigns: pd.DataFrame
    customers: pd.DataFrame


def generate_campaigns(rows: int, *, seed: int = 42, end_date: dt.date) -> pd.DataFrame:
    """``rows`` campaign-day rows ending at ``end_date`` (ids 1..rows in load order)."""
    if rows < 0:
        raise ValueError("rows must be >= 0")
    columns = ["id", "campaign_name", "channel", "cost", "impressions", "clicks",
               "conversions", "revenue", "date"]
    if rows == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    rng = np.random.default_rng(seed)
    n_dupes = int(round(rows * 0.005))
    n_unique = rows - n_dupes

    # campaigns run over contiguous stretches of days inside the 365-day window
    channels = list(CHANNEL_PROFILES)
    names: list[str] = []
    chan: list[str] = []
    days: list[np.ndarray] = []
    total = 0
    i = 0
    while total < n_unique:
        # campaigns may have started before the window or run past its end; clipping them to the
        # window keeps the number of live campaigns per day even across the year
        length = int(rng.integers(14, 366))
        start = int(rng.integers(-length + 14, 366 - 14))
        end = min(start + length, 365)
        start = max(start, 0)
        length = end - start
        c = channels[int(rng.integers(0, len(channels)))]
        theme = THEMES[int(rng.integers(0, len(THEMES)))]
        names.append(f"{theme} {c.split()[0]} #{i + 1:05d}")
        chan.append(c)
        take = min(length, n_unique - total)
        days.append(np.arange(start, start + take))
        total += take
        i += 1
    counts = np.array([len(d) for d in days])
    campaign_idx = np.repeat(np.arange(len(names)), counts)
    day_offset = np.concatenate(days)
    base = pd.Timestamp(end_date) - pd.Timedelta(days=365)
    dates = base + pd.to_timedelta(day_offset + 1, unit="D")

    channel_of_row = np.array(chan, dtype=object)[campaign_idx]
    profile = {c: CHANNEL_PROFILES[c] for c in channels}
    mean_impr = np.array([profile[c][1] for c in channel_of_row])
    ctr = np.array([profile[c][2] for c in channel_of_row])
    cvr = np.array([profile[c][3] for c in channel_of_row])
    cpc = np.array([profile[c][4] for c in channel_of_row])
    aov = np.array([profile[c][5] for c in channel_of_row])

    # a campaign-level quality multiplier makes some campaigns better than others
    quality = rng.lognormal(0.0, 0.35, size=len(names))[campaign_idx]
    impressions = rng.poisson(mean_impr * rng.lognormal(0.0, 0.5, size=n_unique)).astype(np.int64)
    clicks = rng.binomial(impressions, np.clip(ctr * quality, 0, 0.9)).astype(np.int64)
    conversions = rng.binomial(clicks, np.clip(cvr * quality, 0, 0.9)).astype(np.int64)
    cost = np.round(clicks * cpc * rng.lognormal(0.0, 0.2, size=n_unique) + 1.0, 2)
    revenue = np.round(conversions * aov * rng.lognormal(0.0, 0.3, size=n_unique), 2)

    # spellings as exported
    spellings = np.array(
        [profile[c][0][int(k) % len(profile[c][0])]
         for c, k in zip(channel_of_row, rng.integers(0, 60, size=n_unique))],
        dtype=object,
    )
    name_arr = np.array(names, dtype=object)[campaign_idx]

    frame = pd.DataFrame({
        "campaign_name": name_arr,
        "channel": spellings,
        "cost": cost,
        "impressions": pd.array(impressions, dtype="Int64"),
        "clicks": pd.array(clicks, dtype="Int64"),
        "conversions": pd.array(conversions, dtype="Int64"),
        "revenue": revenue,
        "date": dates.date,
    })
    # load order: by day, then campaign (as a daily export would arrive)
    frame = frame.sort_values(["date", "campaign_name"], kind="stable").reset_index(drop=True)

    def pick(share: float) -> np.ndarray:
        k = int(round(n_unique * share))
        return rng.choice(n_unique, size=k, replace=False) if k else np.array([], dtype=int)

    outliers = pick(0.003)
    typical = max(float(frame["revenue"].median()), 1000.0)
    frame.loc[outliers, "revenue"] = (rng.uniform(10, 40, size=len(outliers)) * typical).round(2)
    frame.loc[pick(0.004), "channel"] = None
    unknown = pick(0.002)
    frame.loc[unknown, "channel"] = rng.choice(UNKNOWN_CHANNELS, size=len(unknown))
    for col in ("impressions", "clicks", "conversions"):
        frame.loc[pick(0.01), col] = pd.NA
    padded = pick(0.01)
    frame.loc[padded, "campaign_name"] = "  " + frame.loc[padded, "campaign_name"].astype(str) + " "
    neg = pick(0.001)
    frame.loc[neg, "cost"] = -frame.loc[neg, "cost"].abs() - 1
    over = pick(0.001)
    frame.loc[over, "clicks"] = frame.loc[over, "impressions"].fillna(0) + rng.integers(1, 50, size=len(over))
    frame.loc[pick(0.0005), "campaign_name"] = None
    frame.loc[pick(0.0005), "revenue"] = np.nan

    # duplicates: re-exported rows, appended later, values drifted a little
    if n_dupes:
        src = rng.choice(n_unique, size=n_dupes, replace=False)
        dupes = frame.iloc[src].copy()
        dupes["cost"] = (dupes["cost"] * rng.uniform(0.9, 1.1, size=n_dupes)).round(2)
        dupes["revenue"] = (dupes["revenue"] * rng.uniform(0.9, 1.1, size=n_dupes)).round(2)
        frame = pd.concat([frame, dupes], ignore_index=True)
    frame.insert(0, "id", np.arange(1, len(frame) + 1, dtype=np.int64))
    return frame


# segment archetypes for customers: (share, age mean, sessions, duration s, pages, transactions, order value)
CUSTOMER_ARCHETYPES = [
    (0.40, 29, 6, 140, 3.5, 0.6, 900.0),     # young browsers, rarely buy
    (0.30, 41, 14, 260, 5.5, 3.0, 1_600.0),  # regular buyers
    (0.18, 52, 26, 420, 8.0, 9.0, 2_600.0),  # loyal high-value
    (0.12, 35, 2, 60, 1.8, 0.1, 700.0),      # dormant sign-ups
]


def generate_customers(n: int, *, seed: int = 42, end_date: dt.date) -> pd.DataFrame:
    """``n`` customers with behavioural features drawn from four archetypes, a little dirty."""
    if n < 0:
        raise ValueError("customers must be >= 0")
    rng = np.random.default_rng(seed + 1)
    shares = np.array([a[0] for a in CUSTOMER_ARCHETYPES])
    kind = rng.choice(len(CUSTOMER_ARCHETYPES), size=n, p=shares / shares.sum())
    arche = np.array([a[1:] for a in CUSTOMER_ARCHETYPES])[kind]
    age = np.clip(rng.normal(arche[:, 0], 8), 18, 85).round().astype(np.int64)
    sessions = rng.poisson(arche[:, 1]).astype(np.int64)
    duration = np.round(rng.gamma(4.0, arche[:, 2] / 4.0), 1)
    pages = np.round(rng.gamma(6.0, arche[:, 3] / 6.0), 2)
    transactions = rng.poisson(arche[:, 4]).astype(np.int64)
    revenue = np.round(transactions * arche[:, 5] * rng.lognormal(0.0, 0.25, size=n), 2)
    channels = list(CHANNEL_PROFILES)
    acq_channel = np.array(
        [CHANNEL_PROFILES[channels[c]][0][int(k) % len(CHANNEL_PROFILES[channels[c]][0])]
         for c, k in zip(rng.integers(0, len(channels), size=n), rng.integers(0, 60, size=n))],
        dtype=object,
    )
    signup = pd.Timestamp(end_date) - pd.to_timedelta(rng.integers(0, 3 * 365, size=n), unit="D")
    frame = pd.DataFrame({
        "customer_id": np.arange(1, n + 1, dtype=np.int64),
        "age": pd.array(age, dtype="Int64"),
        "sessions": pd.array(sessions, dtype="Int64"),
        "avg_session_duration": duration,
        "pages_per_session": pages,
        "transactions": pd.array(transactions, dtype="Int64"),
        "revenue": revenue,
        "acquisition_channel": acq_channel,
        "signup_date": signup.date,
    })
    if n:
        for col, share in (("age", 0.01), ("avg_session_duration", 0.005), ("pages_per_session", 0.005)):
            k = int(round(n * share))
            frame.loc[rng.choice(n, size=k, replace=False), col] = pd.NA if col == "age" else np.nan
        k = int(round(n * 0.10))
        frame.loc[rng.choice(n, size=k, replace=False), "acquisition_channel"] = None
        k = int(round(n * 0.05))
        frame.loc[rng.choice(n, size=k, replace=False), "signup_date"] = None
    return frame


def generate(rows: int, customers: int, *, seed: int, end_date: dt.date) -> SampleData:
    return SampleData(
        campaigns=generate_campaigns(rows, seed=seed, end_date=end_date),
        customers=generate_customers(customers, seed=seed, end_date=end_date),
    )
