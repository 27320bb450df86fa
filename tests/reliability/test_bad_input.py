"""The bad-input suite: each case with its expected outcome (quarantined with a reason, imputed
and flagged, or a clear error), and conservation checked after each.

Row-level cases share one build (each case is its own campaign, asserted by its own test);
cases about a whole table get a build of their own.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from typer.testing import CliRunner

from reporting.cli import app
from reporting.settings import Target
from reporting.warehouse import Warehouse
from tests.helpers import build, load_raw, read

AS_OF = dt.date(2025, 3, 31)
DAY = dt.date(2025, 3, 1)
COLUMNS = ["id", "campaign_name", "channel", "cost", "impressions", "clicks", "conversions", "revenue", "date"]
INJECTION = "Robert'); DROP TABLE campaigns;--"
QUOTES = 'He said "hi" \\ `tick` \'single\''
NON_LATIN = "販促キャンペーン 🚀 <b>bold</b> & Co"

ROWS = [
    (1, "Baseline", "Email", 100.0, 1000, 10, 1, 200.0, DAY),
    (2, "Neg cost", "Email", -1.0, 100, 1, 0, 5.0, DAY),
    (3, "Neg revenue", "Email", 1.0, 100, 1, 0, -5.0, DAY),
    (4, "Clicks over", "Email", 1.0, 10, 11, 0, 5.0, DAY),
    (5, "Attribution", "Email", 10.0, 100, 2, 5, 50.0, DAY),
    (6, None, "Email", 1.0, 10, 1, 0, 1.0, DAY),
    (7, "    ", "Email", 1.0, 10, 1, 0, 1.0, DAY),
    (8, "Pigeon post", "Carrier Pigeon", 3.0, 30, 3, 0, 1.0, DAY),
    (9, "Tomorrow", "Email", 1.0, 10, 1, 0, 1.0, AS_OF + dt.timedelta(days=30)),
    (10, "Last year", "Email", 1.0, 10, 1, 0, 1.0, AS_OF - dt.timedelta(days=400)),
    (11, "Huge", "Display", 1e12, 10**9, 10**6, 10**3, 3e12, DAY),
    (12, NON_LATIN, "social", 5.0, 50, 5, 1, 9.0, DAY),
    (13, INJECTION, "ppc", 4.0, 40, 4, 1, 8.0, DAY),
    (14, QUOTES, "push", 6.0, 60, 6, 1, 12.0, DAY),
    (15, "Twice", "Email", 7.0, 70, 7, 1, 14.0, DAY),
    (16, "twice ", "Email", 99.0, 990, 99, 9, 999.0, DAY),  # same campaign-day, different values
]


def frame(rows) -> pd.DataFrame:
    f = pd.DataFrame(list(rows), columns=COLUMNS)
    for col in ("impressions", "clicks", "conversions"):
        f[col] = f[col].astype("Int64")
    return f


def customers(n: int, identical: bool = False) -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": range(1, n + 1),
        "age": pd.array([40 if identical else 20 + i % 50 for i in range(n)], dtype="Int64"),
        "sessions": pd.array([5 if identical else 1 + i % 30 for i in range(n)], dtype="Int64"),
        "avg_session_duration": [100.0 if identical else 30.0 + i % 300 for i in range(n)],
        "pages_per_session": [3.0 if identical else 1.0 + (i % 9) for i in range(n)],
        "transactions": pd.array([1 if identical else i % 7 for i in range(n)], dtype="Int64"),
        "revenue": [50.0 if identical else float((i * 37) % 900) for i in range(n)],
        "acquisition_channel": ["Email"] * n,
        "signup_date": [dt.date(2024, 1, 1)] * n,
    })


def conserved(s, raw_rows: int) -> pd.Series:
    dq = read(s, "select * from {t}", "dq_data_quality").iloc[0]
    fact_rows = int(read(s, "select count(*) as n from {t}", "fct_campaign_daily").n[0])
    assert int(dq.rows_read) == raw_rows
    assert raw_rows == int(dq.rows_kept) + int(dq.rows_duplicate) + int(dq.rows_quarantined) + int(dq.rows_out_of_window)
    assert fact_rows == int(dq.rows_kept)
    return dq


def outcome(s, row_id: int) -> tuple[str, str | None]:
    r = read(s, f"select row_outcome, quarantine_reason from {{t}} where campaign_row_id = {row_id}", "int_campaigns__classified").iloc[0]
    return r.row_outcome, (r.quarantine_reason if isinstance(r.quarantine_reason, str) else None)


def fact_row(s, row_id: int) -> pd.Series:
    return read(s, f"select * from {{t}} where campaign_day_id = {row_id}", "fct_campaign_daily").iloc[0]


@pytest.fixture(scope="module", params=["duckdb", "mariadb", pytest.param("spark", marks=pytest.mark.spark)])
def rows_built(request, duckdb_settings_factory, server_settings_factory):
    if request.param == "duckdb":
        s = duckdb_settings_factory("bad")
    elif request.param == "spark":
        s = request.getfixturevalue("spark_settings_factory")("bad")
    else:
        s = server_settings_factory(Target.mariadb, "bad")
    load_raw(s, frame(ROWS), customers(50))
    assert build(s, AS_OF).success
    return s


def test_negative_cost_is_quarantined(rows_built):
    assert outcome(rows_built, 2) == ("quarantined", "negative_cost")
    conserved(rows_built, len(ROWS))


def test_negative_revenue_is_quarantined(rows_built):
    assert outcome(rows_built, 3) == ("quarantined", "negative_revenue")
    conserved(rows_built, len(ROWS))


def test_clicks_above_impressions_is_quarantined(rows_built):
    assert outcome(rows_built, 4) == ("quarantined", "clicks_above_impressions")
    conserved(rows_built, len(ROWS))


def test_conversions_above_clicks_is_kept_and_flagged(rows_built):
    r = fact_row(rows_built, 5)
    assert bool(int(r.is_conversions_above_clicks)) and float(r.conversion_rate) == pytest.approx(250.0)
    conserved(rows_built, len(ROWS))


def test_null_and_blank_names_are_quarantined(rows_built):
    assert outcome(rows_built, 6) == ("quarantined", "missing_campaign_name")
    assert outcome(rows_built, 7) == ("quarantined", "missing_campaign_name")
    conserved(rows_built, len(ROWS))


def test_unknown_channel_is_other_and_flagged(rows_built):
    r = fact_row(rows_built, 8)
    assert r.channel == "Other" and bool(int(r.is_channel_unknown)) and r.channel_raw == "Carrier Pigeon"
    conserved(rows_built, len(ROWS))


def test_future_date_is_quarantined_and_old_date_is_out_of_window(rows_built):
    assert outcome(rows_built, 9) == ("quarantined", "future_date")
    assert outcome(rows_built, 10) == ("out_of_window", None)
    dq = conserved(rows_built, len(ROWS))
    assert int(dq.rows_out_of_window) == 1


def test_costs_of_1e12_are_exact(rows_built):
    r = fact_row(rows_built, 11)
    assert float(r.cost) == 1e12 and float(r.revenue) == 3e12 and float(r.roi) == pytest.approx(200.0)
    total = read(rows_built, "select cost from {t}", "rpt_overall_performance").cost[0]
    assert float(total) == pytest.approx(1e12 + 100 + 10 + 3 + 5 + 4 + 6 + 7)
    conserved(rows_built, len(ROWS))


@pytest.mark.parametrize("row_id,name", [(12, NON_LATIN), (13, INJECTION), (14, QUOTES)])
def test_unusual_names_survive_verbatim(rows_built, row_id, name):
    assert fact_row(rows_built, row_id).campaign_name == name
    with Warehouse(rows_built) as wh:
        assert wh.table_exists(rows_built.raw_schema, "campaigns")
        assert int(wh.scalar(f"select count(*) from {wh.raw('campaigns')}")) == len(ROWS)
    conserved(rows_built, len(ROWS))


def test_duplicates_with_different_values_keep_the_first(rows_built):
    assert outcome(rows_built, 15) == ("kept", None)
    assert outcome(rows_built, 16) == ("duplicate", None)
    assert float(fact_row(rows_built, 15).cost) == 7.0
    conserved(rows_built, len(ROWS))


# ---- whole-table cases -----------------------------------------------------------------------

def test_empty_raw_tables_build_and_run_without_segments(duckdb_settings_factory, tmp_path):
    s = duckdb_settings_factory("empty")
    load_raw(s, frame([]), customers(0))
    assert build(s, AS_OF).success
    dq = conserved(s, 0)
    assert float(dq.completeness_pct) == 100.0 and int(dq.customers_read) == 0
    env = {"MCA_DUCKDB_PATH": str(s.duckdb_path)}
    seg = CliRunner().invoke(app, ["segment", "--out", str(tmp_path / "seg")], env=env)
    assert seg.exit_code == 6 and "no customers" in seg.output
    ran = CliRunner().invoke(app, ["run", "--skip-segments", "--out", str(tmp_path / "out"),
                                   "--as-of", AS_OF.isoformat()], env=env)
    assert ran.exit_code == 0, ran.output
    assert (tmp_path / "out" / "executive_summary.pdf").stat().st_size > 1000
    assert (tmp_path / "out" / "dashboards" / "fact_campaign_day.csv").read_text().count("\n") == 1


def test_a_single_row(duckdb_settings_factory):
    s = duckdb_settings_factory("single")
    load_raw(s, frame(ROWS[:1]), customers(5))
    assert build(s, AS_OF).success
    conserved(s, 1)
    bounds = read(s, "select * from {t}", "int_campaigns__outlier_bounds").iloc[0]
    assert float(bounds.cost_q1) == float(bounds.cost_q3) == 100.0
    r = fact_row(s, 1)
    assert not bool(int(r.is_cost_outlier)) and not bool(int(r.is_revenue_outlier))
    assert len(read(s, "select * from {t}", "dim_date")) == 1


def test_all_impressions_zero_and_identical_customers(duckdb_settings_factory, tmp_path):
    rows = [(i, f"Camp {i}", "Email", 10.0, 0, 0, 0, 15.0, DAY) for i in range(1, 6)]
    s = duckdb_settings_factory("zeroimp")
    load_raw(s, frame(rows), customers(20, identical=True))
    assert build(s, AS_OF).success
    conserved(s, 5)
    ctr = read(s, "select count(*) as n, count(ctr) as with_ctr from {t}", "fct_campaign_daily").iloc[0]
    assert int(ctr.n) == 5 and int(ctr.with_ctr) == 0
    assert pd.isna(read(s, "select ctr from {t}", "rpt_channel_performance").ctr[0])
    result = CliRunner().invoke(app, ["segment", "--out", str(tmp_path)], env={"MCA_DUCKDB_PATH": str(s.duckdb_path)})
    assert result.exit_code == 6 and "identical" in result.output


def test_null_channel_everywhere_and_fewer_customers_than_min_k(duckdb_settings_factory, tmp_path):
    rows = [(i, f"Camp {i}", None, 10.0, 100, 5, 1, 15.0, DAY) for i in range(1, 4)]
    s = duckdb_settings_factory("nochannel")
    load_raw(s, frame(rows), customers(2))
    assert build(s, AS_OF).success
    dq = conserved(s, 3)
    f = read(s, "select channel, is_channel_imputed from {t}", "fct_campaign_daily")
    assert set(f.channel) == {"Other"} and f.is_channel_imputed.astype(bool).all()
    assert int(dq.channel_imputed) == 3
    result = CliRunner().invoke(app, ["segment", "--out", str(tmp_path)], env={"MCA_DUCKDB_PATH": str(s.duckdb_path)})
    assert result.exit_code == 6 and "only 2" in result.output, result.output


def test_missing_required_column_is_named_before_any_model_runs(duckdb_settings_factory):
    s = duckdb_settings_factory("nocol")
    load_raw(s, frame(ROWS[:2]), customers(5))
    with Warehouse(s) as wh:
        wh.execute(f"alter table {wh.raw('customers')} drop column sessions")
    result = CliRunner().invoke(app, ["build"], env={"MCA_DUCKDB_PATH": str(s.duckdb_path)})
    assert result.exit_code == 3
    assert "mca_raw.customers lacks required column(s): sessions" in result.output
    with Warehouse(s) as wh:  # no model was built
        assert not wh.table_exists(s.schema, "fct_campaign_daily")
