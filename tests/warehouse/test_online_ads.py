"""Public data: online_ads_q2_2020 (display ads, April-June 2020) mapped onto the raw contract.

Per campaign, the fact's totals must equal the reference numbers of shared/data/README.md less
exactly the rows the models report as duplicates or quarantined. Skips when the folder is absent.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from reporting.settings import Target
from tests.helpers import build, load_raw, read

AS_OF = dt.date(2020, 6, 30)
# shared/data/README.md: per campaign (cost, revenue), and the all-rows totals
REFERENCE = {"camp 1": (150_688.58, 230_535.36), "camp 2": (17_037.35, 34_890.42), "camp 3": (7_467.07, 10_838.79)}
TOTAL_COST, TOTAL_REVENUE, TOTAL_CLICKS = 175_192.9957, 276_264.5621, 2_492_837
MONTHS = {"April": 4, "May": 5, "June": 6}


def map_online_ads(path) -> pd.DataFrame:
    src = pd.read_csv(path, keep_default_na=False, dtype=str).iloc[:, :12]
    name = (src["campaign_number"] + " | " + src["user_engagement"] + " | " + src["banner"]
            + " | " + src["placement"])
    frame = pd.DataFrame({
        "id": range(1, len(src) + 1),
        "campaign_name": name,
        "channel": "Display",
        "cost": pd.to_numeric(src["cost"]),
        "impressions": pd.to_numeric(src["displays"]).astype("Int64"),
        "clicks": pd.to_numeric(src["clicks"]).astype("Int64"),
        "conversions": pd.to_numeric(src["post_click_conversions"]).astype("Int64"),
        "revenue": pd.to_numeric(src["revenue"]),
        "date": [dt.date(2020, MONTHS[m], int(d)) for m, d in zip(src["month"], src["day"])],
    })
    return frame


@pytest.fixture(scope="module")
def ads(shared_data) -> pd.DataFrame:
    frame = map_online_ads(shared_data / "online_ads_q2_2020" / "online_advertising_performance_data.csv")
    assert len(frame) == 15_408
    # the mapping itself reproduces the published reference numbers
    assert frame["cost"].sum() == pytest.approx(TOTAL_COST, abs=1e-6)
    assert frame["revenue"].sum() == pytest.approx(TOTAL_REVENUE, abs=1e-6)
    assert int(frame["clicks"].sum()) == TOTAL_CLICKS
    return frame


EMPTY_CUSTOMERS = pd.DataFrame({
    "customer_id": pd.Series(dtype="int64"), "age": pd.Series(dtype="Int64"),
    "sessions": pd.Series(dtype="Int64"), "avg_session_duration": pd.Series(dtype="float"),
    "pages_per_session": pd.Series(dtype="float"), "transactions": pd.Series(dtype="Int64"),
    "revenue": pd.Series(dtype="float"), "acquisition_channel": pd.Series(dtype="object"),
    "signup_date": pd.Series(dtype="object"),
})


@pytest.mark.shared_data
@pytest.mark.parametrize("target", ["duckdb", "mariadb"])
def test_campaign_totals_match_reference_less_reported_rows(target, ads, duckdb_settings_factory,
                                                           server_settings_factory):
    s = duckdb_settings_factory("ads") if target == "duckdb" else server_settings_factory(Target.mariadb, "ads")
    load_raw(s, ads, EMPTY_CUSTOMERS)
    assert build(s, AS_OF).success

    def by_campaign(sql: str, mart: str) -> pd.DataFrame:
        f = read(s, sql, mart)
        f["campaign"] = f["campaign_name"].str.split(" | ", regex=False).str[0]
        return f.groupby("campaign")[["cost", "revenue"]].sum().astype(float)

    fact = by_campaign("select campaign_name, cost, revenue from {t}", "fct_campaign_daily")
    dups = by_campaign("select campaign_name, cost, revenue from {t}", "dq_duplicate_campaigns")
    quar = by_campaign("select campaign_name, cost, revenue from {t}", "dq_quarantined_campaigns")
    for campaign, (cost, revenue) in REFERENCE.items():
        removed_cost = dups["cost"].get(campaign, 0.0) + quar["cost"].get(campaign, 0.0)
        removed_revenue = dups["revenue"].get(campaign, 0.0) + quar["revenue"].get(campaign, 0.0)
        assert fact.loc[campaign, "cost"] + removed_cost == pytest.approx(cost, abs=0.005)
        assert fact.loc[campaign, "revenue"] + removed_revenue == pytest.approx(revenue, abs=0.005)

    dq = read(s, "select * from {t}", "dq_data_quality").iloc[0]
    assert int(dq.rows_read) == 15_408
    assert int(dq.rows_duplicate) == 5  # the five exact duplicate rows at the end of the file
    reasons = read(s, "select reason, quarantined_rows from {t} where source_table = 'campaigns'", "dq_quarantine_reasons")
    by_reason = dict(zip(reasons["reason"], reasons["quarantined_rows"].astype(int)))
    assert int(dq.rows_quarantined) == 2 and by_reason["clicks_above_impressions"] == 2
    assert sum(by_reason.values()) == 2
    # README: conversions > clicks in 329 rows of the file; the fact flags those it kept
    assert int((ads["conversions"] > ads["clicks"]).sum()) == 329
    removed = read(s, "select count(*) as n from {t} where conversions > clicks", "dq_duplicate_campaigns").n[0]
    removed += read(s, "select count(*) as n from {t} where conversions > clicks", "dq_quarantined_campaigns").n[0]
    assert int(dq.conversions_above_clicks) == 329 - int(removed)
    assert int(dq.rows_kept) == 15_408 - 5 - 2
    # displays = 0 in 22 rows: CTR undefined there, never 0 or infinite
    assert int((ads["impressions"] == 0).sum()) == 22
    zero = read(s, "select count(*) as n, count(ctr) as with_ctr from {t} where impressions = 0", "fct_campaign_daily").iloc[0]
    removed_zero = read(s, "select count(*) as n from {t} where impressions = 0", "dq_quarantined_campaigns").n[0]
    removed_zero += read(s, "select count(*) as n from {t} where impressions = 0", "dq_duplicate_campaigns").n[0]
    assert int(zero.n) == 22 - int(removed_zero) and int(zero.n) > 0
    assert int(zero.with_ctr) == 0
