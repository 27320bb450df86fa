"""Exact values on small crafted inputs, on DuckDB, the real MariaDB server and local Spark.

One build per target serves every test in the module (a dbt build costs seconds). The same
assertions run on every target, and test_parity compares each warehouse with DuckDB, mart by
mart.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reporting.settings import Settings, Target
from tests import crafted
from tests.helpers import PARITY_MARTS, assert_same_marts, build, load_raw, read, read_all
from tests.helpers import read_parity_marts
from tests.helpers import as_bool as _bool
from tests.helpers import is_null as _isnull

TARGETS = ["duckdb", "mariadb", pytest.param("spark", marks=pytest.mark.spark)]
MODEL_FILES = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "dbt_project" / "models").rglob("*.sql"))


@pytest.fixture(scope="module")
def built(request, duckdb_settings_factory, server_settings_factory) -> dict[str, Settings]:
    """Load the crafted rows and build once per target; targets are built lazily."""
    cache: dict[str, Settings] = {}

    def get(target: str) -> Settings:
        if target not in cache:
            if target == "duckdb":
                s = duckdb_settings_factory("crafted")
            elif target == "spark":
                s = request.getfixturevalue("spark_settings_factory")("crafted")
            else:
                s = server_settings_factory(Target(target))
            load_raw(s, crafted.campaigns_frame(), crafted.CUSTOMERS)
            summary = build(s, crafted.AS_OF)
            assert summary.success
            cache[target] = s
        return cache[target]

    return get  # type: ignore[return-value]


@pytest.mark.parametrize("target", TARGETS)
def test_every_row_gets_its_expected_outcome(built, target):
    s = built(target)
    got = read(s, "select campaign_row_id, row_outcome, quarantine_reason from {t}", "int_campaigns__classified")
    outcomes = {int(r.campaign_row_id): (r.row_outcome, r.quarantine_reason if isinstance(r.quarantine_reason, str) else None)
                for r in got.itertuples()}
    assert outcomes == crafted.expected_outcomes()


@pytest.mark.parametrize("target", TARGETS)
def test_quarantine_lists_each_reason_with_values(built, target):
    s = built(target)
    q = read_all(s, "dq_quarantined_campaigns", "campaign_row_id")
    expected = {i: reason for i, (outcome, reason) in crafted.expected_outcomes().items() if outcome == "quarantined"}
    assert dict(zip(q.campaign_row_id.astype(int), q.quarantine_reason)) == expected
    neg = q[q.campaign_row_id == 11].iloc[0]
    assert float(neg.cost) == -5.0
    assert int(q[q.campaign_row_id == 19].iloc[0].clicks) == -1


@pytest.mark.parametrize("target", TARGETS)
def test_deduplication_keeps_lowest_id(built, target):
    s = built(target)
    d = read_all(s, "dq_duplicate_campaigns", "campaign_row_id")
    assert d.campaign_row_id.astype(int).tolist() == [2, 26, 31, 33]
    assert d.duplicate_of_row_id.astype(int).tolist() == [1, 1, 28, 32]
    assert d.channel.tolist() == ["Email", "Email", "Paid Search", "Paid Search"]
    fact = read(s, "select campaign_day_id, cost from {t} where campaign_key = 'alpha' order by date_day", "fct_campaign_daily")
    assert fact.campaign_day_id.astype(int).tolist() == [1, 3]
    assert fact.cost.astype(float).tolist() == [100.0, 10.0]
    # one campaign name on Google Ads, Facebook and Microsoft Ads the same day: three rows kept,
    # Google Ads and Microsoft Ads apart although both are Paid Search
    xi = read(s, "select campaign_day_id, channel_key, channel, cost from {t} where campaign_key = 'xi' "
                 "order by campaign_day_id", "fct_campaign_daily")
    assert xi.campaign_day_id.astype(int).tolist() == [28, 29, 30, 32]
    assert xi.channel_key.tolist() == ["google ads", "facebook", "bing ads", ""]
    assert xi.channel.tolist() == ["Paid Search", "Social Media", "Paid Search", "Paid Search"]
    assert xi.cost.astype(float).tolist() == [11.0, 13.0, 17.0, 5.0]
    totals = read(s, "select channel, cost, campaign_days from {t} where campaign_key = 'xi' order by channel",
                  "rpt_campaign_performance")
    assert totals.values.tolist() == [["Paid Search", 33.0, 3], ["Social Media", 13.0, 1]]


@pytest.mark.parametrize("target", TARGETS)
def test_channel_aliases_unknown_and_imputed(built, target):
    s = built(target)
    f = read(s, "select campaign_day_id, channel, channel_id, is_channel_imputed, is_channel_unknown from {t}", "fct_campaign_daily")
    f = f.set_index(f.campaign_day_id.astype(int))
    expected = {1: "Email", 3: "Social Media", 4: "Paid Search", 5: "Email", 6: "Other", 14: "Email",
                18: "Email", 21: "Social Media", 22: "Paid Search", 23: "Display", 24: "Display",
                25: "Email", 20: "Email", 27: "Mobile Push", 28: "Paid Search", 29: "Social Media",
                30: "Paid Search", 32: "Paid Search"}
    assert f.channel.to_dict() == expected
    assert sorted(i for i in f.index if _bool(f.loc[i, "is_channel_imputed"])) == [5, 32]
    # Gamma names no channel anywhere: the overall mode (Email: 7 valid rows); Xi's blank day
    # takes Xi's own channel (Paid Search, 3 of its 4 named rows), not the overall Email
    rules = read(s, "select campaign_day_id, channel_imputed_from from {t} where is_channel_imputed",
                 "fct_campaign_daily")
    assert dict(zip(rules.campaign_day_id.astype(int), rules.channel_imputed_from)) == {5: "overall", 32: "campaign"}
    assert [i for i in f.index if _bool(f.loc[i, "is_channel_unknown"])] == [6]
    assert int(f.loc[6, "channel_id"]) == 99


@pytest.mark.parametrize("target", TARGETS)
def test_count_imputation_flags(built, target):
    s = built(target)
    r = read(s, "select * from {t} where campaign_day_id = 18", "fct_campaign_daily").iloc[0]
    assert (int(r.impressions), int(r.clicks), int(r.conversions)) == (0, 0, 0)
    assert _bool(r.is_impressions_imputed) and _bool(r.is_clicks_imputed) and _bool(r.is_conversions_imputed)
    assert r.ctr is None or pd.isna(r.ctr)
    assert float(r.roi) == pytest.approx(100.0)
    other = read(s, "select * from {t} where campaign_day_id = 1", "fct_campaign_daily").iloc[0]
    assert not _bool(other.is_impressions_imputed)


@pytest.mark.parametrize("target", TARGETS)
def test_derived_metrics_including_zero_denominators(built, target):
    s = built(target)
    f = read(s, "select * from {t}", "fct_campaign_daily")
    f = f.set_index(f.campaign_day_id.astype(int))
    a = f.loc[1]
    assert float(a.profit) == 200.0
    assert float(a.ctr) == pytest.approx(5.0)
    assert float(a.conversion_rate) == pytest.approx(10.0)
    assert float(a.cpc) == pytest.approx(2.0)
    assert float(a.cpa) == pytest.approx(20.0)
    assert float(a.roas) == pytest.approx(3.0)
    assert float(a.roi) == pytest.approx(200.0)
    assert float(a.value_per_conversion) == pytest.approx(60.0)
    beta = f.loc[4]  # nothing at all: every ratio undefined, never 0
    for col in ("ctr", "conversion_rate", "cpc", "cpa", "roas", "roi", "value_per_conversion"):
        assert _isnull(beta[col]), col
    gamma = f.loc[5]  # impressions but no clicks
    assert float(gamma.ctr) == 0.0
    assert _isnull(gamma.conversion_rate) and _isnull(gamma.cpc) and _isnull(gamma.cpa)
    assert float(gamma.roi) == pytest.approx(-20.0)
    theta = f.loc[14]  # conversions above clicks: kept and flagged
    assert _bool(theta.is_conversions_above_clicks)
    assert float(theta.conversion_rate) == pytest.approx(300.0)
    assert [i for i in f.index if _bool(f.loc[i, "is_conversions_above_clicks"])] == [14]
    # small ratios keep their precision (MariaDB's int/int would round to 4 decimals)
    nu = f.loc[27]
    assert float(nu.ctr) == pytest.approx(1.0)
    assert float(nu.cost) == 1e12 and float(nu.revenue) == 2e12
    assert float(nu.roi) == pytest.approx(100.0)


@pytest.mark.parametrize("target", TARGETS)
def test_iqr_flags_match_pandas_quartiles(built, target):
    s = built(target)
    f = read(s, "select campaign_day_id, cost, revenue, is_cost_outlier, is_revenue_outlier from {t}", "fct_campaign_daily")
    for col in ("cost", "revenue"):
        values = f[col].astype(float)
        q1, q3 = values.quantile(0.25), values.quantile(0.75)
        lo, hi = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
        expected = sorted(int(i) for i, v in zip(f.campaign_day_id, values) if v < lo or v > hi)
        got = sorted(int(i) for i, flag in zip(f.campaign_day_id, f[f"is_{col}_outlier"]) if _bool(flag))
        assert got == expected, col
        bounds = read(s, "select * from {t}", "int_campaigns__outlier_bounds").iloc[0]
        assert float(bounds[f"{col}_q1"]) == pytest.approx(q1)
        assert float(bounds[f"{col}_q3"]) == pytest.approx(q3)
    flagged = set(int(i) for i, flag in zip(f.campaign_day_id, f.is_revenue_outlier) if _bool(flag))
    assert {20, 27} <= flagged  # 1,000,000 and 2e12 of revenue


@pytest.mark.parametrize("target", TARGETS)
def test_data_quality_mart_and_conservation(built, target):
    s = built(target)
    dq = read(s, "select * from {t}", "dq_data_quality").iloc[0]
    outcomes = list(crafted.expected_outcomes().values())
    assert int(dq.rows_read) == len(crafted.ROWS)
    assert int(dq.rows_kept) == sum(o == "kept" for o, _ in outcomes)
    assert int(dq.rows_duplicate) == 4
    assert int(dq.rows_quarantined) == sum(o == "quarantined" for o, _ in outcomes)
    assert int(dq.rows_out_of_window) == 1
    assert int(dq.rows_read) == int(dq.rows_kept) + int(dq.rows_duplicate) + int(dq.rows_quarantined) + int(dq.rows_out_of_window)
    assert _bool(dq.is_conserved)
    reasons = read(s, "select reason, check_order, quarantined_rows from {t} where source_table = 'campaigns' "
                      "order by check_order", "dq_quarantine_reasons")
    by_reason = dict(zip(reasons["reason"], reasons["quarantined_rows"].astype(int)))
    assert list(by_reason) == ["missing_date", "future_date", "missing_campaign_name", "missing_cost",
                               "missing_revenue", "negative_cost", "negative_revenue", "negative_count",
                               "clicks_above_impressions", "missing_fx_rate"]
    assert by_reason["missing_fx_rate"] == 0  # one currency, nothing to convert (tests/warehouse/test_currencies.py)
    assert by_reason["missing_campaign_name"] == 2
    for reason in ("missing_date", "future_date", "missing_cost", "missing_revenue", "negative_cost",
                   "negative_revenue", "negative_count", "clicks_above_impressions"):
        assert by_reason[reason] == 1, reason
    assert sum(by_reason.values()) == int(dq.rows_quarantined)
    assert int(dq.channel_imputed) == 2 and int(dq.channel_unknown) == 1
    assert int(dq.impressions_imputed) == 1 and int(dq.conversions_above_clicks) == 1
    # completeness over the 33 raw rows x 8 columns: nulls are the missing name (1; the blank
    # name counts as missing too), channel (3; the blank one too), cost (1), revenue (1), date (1),
    # 3 counts of row 18
    assert float(dq.completeness_pct) == pytest.approx(100 * (1 - 11 / (33 * 8)))
    assert str(dq.as_of_date)[:10] == crafted.AS_OF.isoformat()
    assert str(dq.window_start_date)[:10] == crafted.WINDOW_START.isoformat()
    fact_rows = int(read(s, "select count(*) as n from {t}", "fct_campaign_daily").n[0])
    assert fact_rows == int(dq.rows_kept)


@pytest.mark.parametrize("target", TARGETS)
def test_names_with_markup_quotes_and_accents_survive(built, target):
    s = built(target)
    c = read_all(s, "dim_campaign", "campaign_key")
    names = set(c.campaign_name)
    assert crafted.MARKUP_NAME in names
    assert crafted.QUOTE_NAME in names
    assert {"Café", "Cafe"} <= names  # accent-distinct names stay distinct on MariaDB too
    assert c[c.campaign_key == "alpha"].campaign_name.tolist() == ["Alpha"]
    assert int(c[c.campaign_key == "alpha"].active_days.iloc[0]) == 2


@pytest.mark.parametrize("target", TARGETS)
def test_channel_performance_is_ratio_of_sums(built, target):
    s = built(target)
    cp = read_all(s, "rpt_channel_performance", "roi_rank").set_index("channel")
    email_rows = [r for r in crafted.ROWS if r[0] in (1, 5, 14, 18, 20, 25)]
    cost = sum(r[3] for r in email_rows)
    revenue = sum(r[7] for r in email_rows)
    assert float(cp.loc["Email", "cost"]) == pytest.approx(cost)
    assert float(cp.loc["Email", "revenue"]) == pytest.approx(revenue)
    assert float(cp.loc["Email", "roi"]) == pytest.approx(100 * (revenue - cost) / cost)
    per_row_roi = [100 * (r[7] - r[3]) / r[3] for r in email_rows if r[3] > 0]
    assert float(cp.loc["Email", "avg_roi"]) == pytest.approx(np.mean(per_row_roi))
    assert cp.roi_rank.astype(int).tolist() == list(range(1, len(cp) + 1))
    # Other (row 6's " TV ", a name mca does not know) is reported but ranked after every channel
    assert cp.index[-1] == "Other" and float(cp.loc["Other", "cost"]) == pytest.approx(20.0)
    rois = [float(v) for v in cp.drop(index="Other").roi if not _isnull(v)]
    assert rois == sorted(rois, reverse=True)


@pytest.mark.parametrize("target", TARGETS)
def test_dim_date_is_contiguous_and_daily_revenue_zero_filled(built, target):
    s = built(target)
    d = read_all(s, "dim_date", "date_day")
    days = pd.to_datetime(d.date_day)
    assert days.min().date() == crafted.WINDOW_START and days.max().date() == crafted.D2
    assert len(d) == (crafted.D2 - crafted.WINDOW_START).days + 1
    assert (days.diff().dropna() == pd.Timedelta(days=1)).all()
    first = d.iloc[0]
    assert int(first.iso_day_of_week) == crafted.WINDOW_START.isoweekday()
    assert str(first.day_name) == crafted.WINDOW_START.strftime("%A")
    r = read_all(s, "rpt_daily_revenue", "date_day")
    assert len(r) == len(d)
    assert float(r.revenue.astype(float).sum()) == pytest.approx(
        sum(row[7] for row in crafted.ROWS if crafted.expected_outcomes()[row[0]][0] == "kept"))
    quiet = r[pd.to_datetime(r.date_day).dt.date == crafted.date_after_window_start()]
    assert int(quiet.campaign_days.iloc[0]) == 0 and float(quiet.revenue.iloc[0]) == 0.0


@pytest.mark.parametrize("target", TARGETS)
def test_customers_deduplicated_and_cleaned(built, target):
    s = built(target)
    c = read_all(s, "dim_customer", "customer_id").set_index("customer_id")
    assert c.index.astype(int).tolist() == [1, 2, 3, 4, 5, 6]
    assert _isnull(c.loc[3, "age"])  # 150 is impossible
    assert _isnull(c.loc[4, "sessions"])  # negative
    assert _bool(c.loc[3, "has_invalid_feature"]) and _bool(c.loc[4, "has_invalid_feature"])
    assert c.loc[1, "acquisition_channel"] == "Social Media"
    assert c.loc[3, "acquisition_channel"] == "Email"
    assert c.loc[4, "acquisition_channel"] == "Other"
    assert _isnull(c.loc[2, "acquisition_channel"])
    assert float(c.revenue.astype(float).sum()) == pytest.approx(6340.0)


@pytest.mark.parametrize("other", ["mariadb", pytest.param("spark", marks=pytest.mark.spark)])
def test_parity_with_duckdb_gives_the_same_marts(built, other):
    assert_same_marts(read_parity_marts(built("duckdb")), read_parity_marts(built(other)))


def test_parity_covers_every_mart():
    marts = {p.stem for p in (Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "marts").rglob("*.sql")}
    assert marts <= set(PARITY_MARTS)


def test_mysql_adapter_type_builds_the_same_models(server_settings_factory):
    """The `mysql` adapter type (for MySQL 8) builds, tests and generates docs against this
    MariaDB server too."""
    s = server_settings_factory(Target.mysql, "mysqltype")
    load_raw(s, crafted.campaigns_frame(), crafted.CUSTOMERS)
    summary = build(s, crafted.AS_OF)
    assert summary.success
    counts = summary.counts()
    assert counts["model"] == {"success": len(MODEL_FILES)}
    assert counts["test"].get("fail", 0) == 0 and counts["test"].get("error", 0) == 0
    from reporting.dbt_runner import run_dbt

    assert run_dbt(s, "docs generate", vars={"as_of": crafted.AS_OF.isoformat()}, quiet=True).success
    dq = read(s, "select rows_read, rows_kept from {t}", "dq_data_quality").iloc[0]
    kept = sum(outcome == "kept" for outcome, _ in crafted.expected_outcomes().values())
    assert kept == 18
    assert (int(dq.rows_read), int(dq.rows_kept)) == (33, kept)


@pytest.mark.parametrize("target", TARGETS)
def test_docs_generate_documents_every_model_and_the_report_lineage(built, target):
    import json

    from reporting.dbt_runner import run_dbt

    s = built(target)
    summary = run_dbt(s, "docs generate", vars={"as_of": crafted.AS_OF.isoformat()})
    assert summary.success
    target_dir = Path(os.environ.get("DBT_TARGET_PATH") or s.dbt_project_dir / "target")  # dbt honours it too
    manifest = json.loads((target_dir / "manifest.json").read_text())
    catalog = json.loads((target_dir / "catalog.json").read_text())
    models = {k: v for k, v in manifest["nodes"].items() if v["resource_type"] == "model"}
    assert len(models) == len(MODEL_FILES)
    for unique_id, node in models.items():
        assert node["description"].strip(), unique_id
        assert node["columns"], unique_id
        for name, col in node["columns"].items():
            assert col["description"].strip(), f"{unique_id}.{name}"
        # every column the warehouse has is documented
        cat = catalog["nodes"][unique_id]["columns"]
        assert {c.lower() for c in cat} == {c.lower() for c in node["columns"]}, unique_id
    exposures = manifest["exposures"]
    assert {e["name"] for e in exposures.values()} == {"executive_summary_pdf", "executive_summary_html", "powerbi_export",
                                                         "customer_segmentation"}
    pdf = next(e for e in exposures.values() if e["name"] == "executive_summary_pdf")
    assert "model.mca.rpt_channel_performance" in pdf["depends_on"]["nodes"]
