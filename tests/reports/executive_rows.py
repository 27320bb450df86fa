"""Hand-made raw campaign rows with a known previous and current 30-day period (as of
2024-06-30: current 2024-06-01..06-30, previous 2024-05-02..05-31, year ago 2023-06-01..06-30),
and the figures they must give, worked out by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd

AS_OF = dt.date(2024, 6, 30)
PREV = dt.date(2024, 5, 10)
CUR = dt.date(2024, 6, 10)
YEAR_AGO = dt.date(2023, 6, 1)  # the year-ago period's first day: covered with lookback_days 400
BEFORE = dt.date(2024, 4, 1)  # in no period
LOOKBACK_DAYS = 400

# id, campaign_name, channel, cost, impressions, clicks, conversions, revenue, date
ROWS: list[tuple] = [
    # previous period
    (1, "Alpha", "Email", 100.0, 1000, 100, 10, 400.0, PREV),
    (2, "Beta", "Facebook", 200.0, 2000, 200, 20, 1000.0, PREV),
    (3, "Gamma", "Google Ads", 50.0, 500, 50, 5, 100.0, PREV),
    (4, "Delta", "TV", 10.0, 100, 10, 1, 20.0, PREV),  # unknown channel: Other
    (5, "Eta", "Email", 5.0, 50, 5, 1, 10.0, PREV),
    # current period
    (6, "Alpha", "Email", 100.0, 1000, 100, 10, 900.0, CUR),  # revenue rose 500
    (7, "Beta", "Facebook", 200.0, 2000, 200, 10, 600.0, CUR),  # revenue fell 400, CPA 10 -> 20
    (8, "Gamma", "Google Ads", 50.0, 500, 50, 5, 175.0, CUR),
    (9, "Delta", "TV", 10.0, 100, 10, 1, 30.0, CUR),
    (10, "Zeta", "Display", 40.0, 400, 40, 0, 0.0, CUR),  # spend, no conversion
    (11, "Eta", None, 5.0, 50, 5, 1, 10.0, CUR),  # channel imputed from the campaign: Email
    # a year earlier, and a day in no period
    (12, "Alpha", "Email", 80.0, 800, 80, 8, 200.0, YEAR_AGO),
    (13, "Alpha", "Email", 999.0, 9990, 999, 99, 999.0, BEFORE),
]
COLUMNS = ["id", "campaign_name", "channel", "cost", "impressions", "clicks", "conversions",
           "revenue", "date"]


def campaigns_frame() -> pd.DataFrame:
    frame = pd.DataFrame(ROWS, columns=COLUMNS)
    for col in ("impressions", "clicks", "conversions"):
        frame[col] = frame[col].astype("Int64")
    return frame
