"""Small hand-made raw tables where every row's fate and every metric is known in advance."""

from __future__ import annotations

import datetime as dt

import pandas as pd

AS_OF = dt.date(2024, 6, 30)
WINDOW_START = AS_OF - dt.timedelta(days=365)  # 2023-07-01
D1 = dt.date(2024, 6, 1)
D2 = dt.date(2024, 6, 2)
D3 = dt.date(2024, 6, 3)

MARKUP_NAME = "<script>alert(1)</script> & \"Q4\" 日本"
QUOTE_NAME = "O'Brien's `Sale` \\ 🚀"

# id, campaign_name, channel, cost, impressions, clicks, conversions, revenue, date, expected outcome, reason
ROWS: list[tuple] = [
    (1, "Alpha", "Email", 100.0, 1000, 50, 5, 300.0, D1, "kept", None),
    (2, "alpha ", "email", 999.0, 9, 9, 9, 999.0, D1, "duplicate", None),  # same campaign-day, higher id
    (3, "  Alpha", "FB", 10.0, 100, 10, 1, 5.0, D2, "kept", None),
    (4, "Beta", "Google Ads", 0.0, 0, 0, 0, 0.0, D1, "kept", None),  # every denominator zero
    (5, "Gamma", None, 50.0, 500, 0, 0, 40.0, D1, "kept", None),  # channel imputed
    (6, "Delta", " TV ", 20.0, 200, 4, 0, 0.0, D1, "kept", None),  # unknown channel -> Other
    (7, None, "Email", 1.0, 10, 1, 0, 1.0, D1, "quarantined", "missing_campaign_name"),
    (8, "   ", "Email", 1.0, 10, 1, 0, 1.0, D1, "quarantined", "missing_campaign_name"),
    (9, "Eps", "Email", None, 10, 1, 0, 1.0, D1, "quarantined", "missing_cost"),
    (10, "Eps", "Email", 1.0, 10, 1, 0, None, D2, "quarantined", "missing_revenue"),
    (11, "Eps", "Email", -5.0, 10, 1, 0, 1.0, D3, "quarantined", "negative_cost"),
    (12, "Zeta", "Email", 5.0, 10, 1, 0, -1.0, D1, "quarantined", "negative_revenue"),
    (13, "Eta", "Email", 5.0, 10, 20, 0, 1.0, D1, "quarantined", "clicks_above_impressions"),
    (14, "Theta", "newsletter", 10.0, 100, 10, 30, 90.0, D1, "kept", None),  # conversions > clicks
    (15, "Iota", "Email", 5.0, 10, 1, 0, 1.0, None, "quarantined", "missing_date"),
    (16, "Iota", "Email", 5.0, 10, 1, 0, 1.0, AS_OF + dt.timedelta(days=1), "quarantined", "future_date"),
    (17, "Iota", "Email", 5.0, 10, 1, 0, 1.0, WINDOW_START - dt.timedelta(days=1), "out_of_window", None),
    (18, "Kappa", " EMAIL ", 30.0, None, None, None, 60.0, D1, "kept", None),  # counts imputed
    (19, "Lambda", "Email", 5.0, 10, -1, 0, 1.0, D1, "quarantined", "negative_count"),
    (20, "Mu", "Email", 40.0, 400, 8, 2, 1_000_000.0, D1, "kept", None),  # revenue outlier
    (21, MARKUP_NAME, "social", 12.0, 120, 6, 1, 24.0, D1, "kept", None),
    (22, QUOTE_NAME, "Paid_Search", 8.0, 80, 4, 2, 16.0, D1, "kept", None),
    (23, "Café", "Display", 7.0, 70, 7, 0, 0.0, D1, "kept", None),
    (24, "Cafe", "display", 9.0, 90, 9, 1, 18.0, D1, "kept", None),  # not the same campaign as Café
    (25, "Iota", "Email", 5.0, 10, 1, 0, 1.0, WINDOW_START, "kept", None),  # first day of the window
    (26, "Alpha", "Email", 3.0, 30, 3, 1, 6.0, D1, "duplicate", None),
    (27, "Nu", "Mobile Push", 1e12, 1000, 10, 1, 2e12, D1, "kept", None),  # very large money
    # the same campaign and day on two platforms: two campaigns, even of one canonical channel
    (28, "Xi", "Google Ads", 11.0, 110, 11, 1, 22.0, D1, "kept", None),
    (29, "Xi", "Facebook", 13.0, 130, 13, 2, 26.0, D1, "kept", None),
    (30, "Xi", "bing ads", 17.0, 170, 17, 3, 34.0, D1, "kept", None),
    (31, "xi ", " google ads", 19.0, 190, 19, 4, 38.0, D1, "duplicate", None),  # Google Ads again
    # a day without a channel takes its campaign's most frequent channel (Xi: Paid Search, 2 of 3)
    (32, "Xi", None, 5.0, 50, 5, 0, 10.0, D2, "kept", None),
    (33, "Xi", "", 6.0, 60, 6, 0, 12.0, D2, "duplicate", None),  # no channel again: its duplicate
]

COLUMNS = ["id", "campaign_name", "channel", "cost", "impressions", "clicks", "conversions",
           "revenue", "date"]


def campaigns_frame() -> pd.DataFrame:
    frame = pd.DataFrame([r[:9] for r in ROWS], columns=COLUMNS)
    for col in ("impressions", "clicks", "conversions"):
        frame[col] = frame[col].astype("Int64")
    return frame


def expected_outcomes() -> dict[int, tuple[str, str | None]]:
    return {r[0]: (r[9], r[10]) for r in ROWS}


CUSTOMERS = pd.DataFrame(
    {
        "customer_id": [1, 2, 3, 4, 5, 6],
        "age": pd.array([34, None, 150, 45, 28, 61], dtype="Int64"),
        "sessions": pd.array([10, 5, 7, -3, 2, 40], dtype="Int64"),
        "avg_session_duration": [120.0, 60.0, None, 300.0, 45.0, 500.0],
        "pages_per_session": [3.5, 2.0, 4.0, 6.0, 1.5, 9.0],
        "transactions": pd.array([2, 0, 1, 4, 0, 12], dtype="Int64"),
        "revenue": [250.0, 0.0, 90.0, 800.0, 0.0, 5200.0],
        "acquisition_channel": ["FB", None, "newsletter", "Carrier Pigeon", "Google Ads", "push"],
        "signup_date": [dt.date(2023, 1, 5), None, dt.date(2022, 3, 1), dt.date(2024, 1, 1),
                        dt.date(2024, 5, 1), dt.date(2021, 7, 9)],
    }
)


def date_after_window_start() -> dt.date:
    """A day inside the fact's range with no campaign rows (between the window start and D1)."""
    return WINDOW_START + dt.timedelta(days=1)
