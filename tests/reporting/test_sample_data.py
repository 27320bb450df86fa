"""The sample-data generator: deterministic, realistic and dirty in the documented ways."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from reporting.sample_data import generate_campaigns, generate_customers

END = dt.date(2025, 12, 31)


def test_same_seed_same_rows_and_other_seed_other_rows():
    a = generate_campaigns(5_000, seed=7, end_date=END)
    b = generate_campaigns(5_000, seed=7, end_date=END)
    c = generate_campaigns(5_000, seed=8, end_date=END)
    pd.testing.assert_frame_equal(a, b)
    assert not a["cost"].equals(c["cost"])
    pd.testing.assert_frame_equal(generate_customers(500, seed=7, end_date=END),
                                  generate_customers(500, seed=7, end_date=END))


def test_campaigns_are_dirty_in_the_documented_proportions():
    n = 20_000
    f = generate_campaigns(n, seed=42, end_date=END)
    assert len(f) == n
    assert f["id"].tolist() == list(range(1, n + 1))
    dates = pd.to_datetime(f["date"])
    assert dates.max().date() <= END and dates.min().date() > END - dt.timedelta(days=365)
    key = f["campaign_name"].str.strip().str.lower()
    dup_share = f.assign(k=key).duplicated(["k", "date"]).mean()
    assert 0.004 <= dup_share <= 0.007
    channels = set(f["channel"].dropna())
    assert {"FB", "Google Ads", "newsletter"} <= channels  # aliases
    assert any(c != c.strip() for c in channels)  # padded
    assert f["channel"].isna().sum() > 0
    assert f["impressions"].isna().sum() > 0 and f["conversions"].isna().sum() > 0
    assert (f["cost"] < 0).sum() > 0
    assert (f["clicks"].astype("float") > f["impressions"].astype("float")).sum() > 0
    assert f["campaign_name"].isna().sum() > 0
    # revenue outliers: a handful of days far above the usual
    assert (f["revenue"] > 10 * f["revenue"].median()).sum() >= 0.002 * n


def test_customers_have_features_nulls_and_channel_spellings():
    c = generate_customers(2_000, seed=1, end_date=END)
    assert c["customer_id"].is_unique and len(c) == 2_000
    assert c["age"].isna().sum() == 20
    assert c["acquisition_channel"].isna().sum() == 200
    assert c["age"].dropna().between(18, 85).all()
    assert (c["revenue"] >= 0).all()


def test_zero_rows():
    assert len(generate_campaigns(0, seed=1, end_date=END)) == 0
    assert len(generate_customers(0, seed=1, end_date=END)) == 0
