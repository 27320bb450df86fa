"""Money in several currencies, on DuckDB and MariaDB: every amount converted to the base
currency at the rate of its day (the latest earlier rate when the day has none) before any sum,
cost and revenue alike; a row without a rate quarantined with its own reason; one currency and
no base currency works as before; several currencies without a base currency fail the build."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal as D

import pandas as pd
import pytest

from reporting.contract import CAMPAIGNS, CUSTOMERS, FX_RATES, ORDERS, TableSpec
from reporting.settings import Target
from reporting.warehouse import MCA_TABLE_MARKER, Warehouse
from tests import crafted
from tests.helpers import build, read

AS_OF = dt.date(2024, 6, 30)
J1, J2, J3 = dt.date(2024, 6, 1), dt.date(2024, 6, 2), dt.date(2024, 6, 3)

# id, campaign, channel, currency, cost, impressions, clicks, conversions, revenue, date
ROWS = [
    (1, "A", "Google Ads", "EUR", 100, 1000, 50, 5, 300, J1),   # base: as it is
    (2, "B", "Google Ads", "USD", 100, 1000, 40, 4, 250, J1),   # USD 0.90 of J1: 90 / 225
    (3, "B", "Google Ads", "USD", 10, 100, 5, 1, 20, J2),       # J2 has no USD rate: J1's 0.90: 9 / 18
    (4, "B", "Google Ads", "usd", 20, 200, 8, 2, 40, J3),       # USD 0.95 of J3 (code upper-cased): 19 / 38
    (5, "C", "Facebook", "GBP", 30, 300, 6, 1, 60, J1),         # GBP's first rate is J2: quarantined
    (6, "C", "Facebook", "GBP", 50, 500, 10, 2, 100, J2),       # GBP 1.20: 60 / 120
    (7, "D", "Email", None, 5, 50, 2, 1, 10, J1),               # no currency: the base
    (8, "E", "Email", "JPY", 1000, 100, 5, 1, 2000, J2),        # no JPY rate at all: quarantined
    (9, "F", "Google Ads", "EUR", 7, 70, 7, 1, 14, J2),         # base, named
]
RATES = [(J1, "USD", 0.90), (J3, "USD", 0.95), (J2, "GBP", 1.20)]

CAMPAIGNS_WITH_CURRENCY = TableSpec(name="campaigns", columns=CAMPAIGNS.loaded_columns)
CUSTOMERS_WITH_CURRENCY = TableSpec(name="customers", columns=CUSTOMERS.loaded_columns)
ORDERS_WITH_CURRENCY = TableSpec(name="orders", columns=ORDERS.loaded_columns)


def _load(settings, rows=ROWS, rates=RATES) -> None:
    frame = pd.DataFrame([(i, n, ch, cur, c, im, cl, cv, r, d) for i, n, ch, cur, c, im, cl, cv, r, d in rows],
                         columns=["id", "campaign_name", "channel", "currency", "cost", "impressions", "clicks",
                                  "conversions", "revenue", "date"])
    frame = frame[[c.name for c in CAMPAIGNS_WITH_CURRENCY.columns]]
    with Warehouse(settings) as wh:
        wh.replace_table(settings.raw_schema, CAMPAIGNS_WITH_CURRENCY, frame, comment=f"{MCA_TABLE_MARKER} tests")
        wh.replace_table(settings.raw_schema, CUSTOMERS, crafted.CUSTOMERS, comment=f"{MCA_TABLE_MARKER} tests")
        if rates is not None:
            wh.replace_table(settings.raw_schema, FX_RATES,
                             pd.DataFrame(rates, columns=["rate_date", "currency", "rate_to_base"]),
                             comment=f"{MCA_TABLE_MARKER} tests")


@pytest.fixture(params=["duckdb", "mariadb"])
def settings(request, duckdb_settings_factory):
    tag = f"fx{request.node.name.split('[')[0][-12:]}"
    if request.param == "duckdb":
        return duckdb_settings_factory(tag)
    return request.getfixturevalue("server_settings_factory")(Target.mariadb, tag)


def _money(frame: pd.DataFrame, column: str) -> list[D]:
    return [D(str(v)).quantize(D("0.0001")) for v in frame[column]]


def _load_customers_and_orders(settings) -> None:
    """Customers and order lines in several currencies (one customer and one line without a rate)."""
    customers = crafted.CUSTOMERS.copy()
    customers["currency"] = ["USD", "JPY", None, "EUR", None, None]
    orders = pd.DataFrame({
        "customer_id": [1, 1, 2, 3],
        "order_date": [J1, J2, J1, J3],
        "quantity": pd.array([1, 2, 1, 1], dtype="Int64"),
        "amount": [10.0, 100.0, 10.0, 40.0],
        "currency": ["EUR", "USD", "GBP", "usd"],  # GBP's first rate is after J1
    })
    with Warehouse(settings) as wh:
        wh.replace_table(settings.raw_schema, CUSTOMERS_WITH_CURRENCY, customers[[c.name for c in CUSTOMERS.loaded_columns]],
                         comment=f"{MCA_TABLE_MARKER} tests")
        wh.replace_table(settings.raw_schema, ORDERS_WITH_CURRENCY, orders, comment=f"{MCA_TABLE_MARKER} tests")


def test_amounts_are_converted_at_the_rate_of_their_day_before_any_sum(settings):
    """Campaign money at the rate of its day; order lines at theirs and a customer's lifetime
    revenue at the as_of day's; a row without a rate quarantined (missing_fx_rate); then a new
    rate reclassifies the rows it converts on the next (not full) build. One warehouse, two
    builds per target."""
    _load(settings)
    _load_customers_and_orders(settings)
    build(replace(settings, base_currency="EUR"), AS_OF)

    fact = read(settings, "select campaign_day_id, currency, fx_rate, cost, revenue from {t} "
                          "order by campaign_day_id", "fct_campaign_daily")
    assert fact.campaign_day_id.astype(int).tolist() == [1, 2, 3, 4, 6, 7, 9]
    assert _money(fact, "cost") == [D(x) for x in ("100", "90", "9", "19", "60", "5", "7")]
    assert _money(fact, "revenue") == [D(x) for x in ("300", "225", "18", "38", "120", "10", "14")]
    assert [None if pd.isna(v) else v for v in fact.currency] == ["EUR", "USD", "USD", "USD", "GBP", None, "EUR"]
    assert [None if pd.isna(v) else float(v) for v in fact.fx_rate] == [None, 0.9, 0.9, 0.95, 1.2, None, None]

    quarantined = read(settings, "select campaign_row_id, quarantine_reason from {t} order by campaign_row_id",
                       "dq_quarantined_campaigns")
    assert quarantined.values.tolist() == [[5, "missing_fx_rate"], [8, "missing_fx_rate"]]

    # ratios of sums, both sides in euros: Paid Search 225 of cost, 595 of revenue, 13 conversions
    channels = read(settings, "select channel, cost, revenue, conversions, cpa, roas from {t} order by channel",
                    "rpt_channel_performance").set_index("channel")
    assert _money(channels, "cost") == [D("5"), D("225"), D("60")]  # Email, Paid Search, Social Media
    assert _money(channels, "revenue") == [D("10"), D("595"), D("120")]
    assert float(channels.loc["Paid Search", "cpa"]) == pytest.approx(225 / 13)
    assert float(channels.loc["Paid Search", "roas"]) == pytest.approx(595 / 225)
    overall = read(settings, "select cost, revenue, roas from {t}", "rpt_overall_performance").iloc[0]
    assert D(str(overall.cost)).quantize(D("0.01")) == D("290.00")
    assert D(str(overall.revenue)).quantize(D("0.01")) == D("725.00")
    assert float(overall.roas) == pytest.approx(2.5)
    dq = read(settings, "select rows_read, rows_kept, rows_quarantined from {t}", "dq_data_quality").iloc[0]
    assert (int(dq.rows_read), int(dq.rows_kept), int(dq.rows_quarantined)) == (9, 7, 2)

    # order lines and customers
    lines = read(settings, "select customer_id, row_outcome, quarantine_reason, amount from {t} "
                           "order by customer_id, order_date", "int_orders__classified")
    assert lines[["row_outcome", "quarantine_reason"]].fillna("").values.tolist() == [
        ["kept", ""], ["kept", ""], ["quarantined", "missing_fx_rate"], ["kept", ""]]
    assert _money(lines.iloc[[0, 1, 3]], "amount") == [D("10"), D("90"), D("38")]  # USD 0.90 on J2, 0.95 on J3
    rfm = read(settings, "select customer_id, monetary from {t} order by customer_id", "dim_customer_rfm")
    assert rfm.customer_id.astype(int).tolist() == [1, 3]
    assert _money(rfm, "monetary") == [D("100"), D("38")]

    people = read(settings, "select customer_id, row_outcome, quarantine_reason, revenue from {t} "
                            "order by customer_id", "int_customers__classified").set_index("customer_id")
    # customer 1's 250 USD at the latest USD rate on or before as_of (0.95 of J3)
    assert D(str(people.loc[1, "revenue"])).quantize(D("0.01")) == D("237.50")
    assert (people.loc[2, "row_outcome"], people.loc[2, "quarantine_reason"]) == ("quarantined", "missing_fx_rate")
    assert D(str(people.loc[4, "revenue"])).quantize(D("0.01")) == D("800.00")  # EUR, the base

    # a GBP rate for J1 arrives: row 5 is converted on the next build
    with Warehouse(settings) as wh:
        wh.execute(f"insert into {wh.raw('fx_rates')} (rate_date, currency, rate_to_base) "
                   f"values ({wh.placeholder}, {wh.placeholder}, {wh.placeholder})", [J1, "GBP", 1.10])
    build(replace(settings, base_currency="EUR"), AS_OF)  # not a full refresh
    row = read(settings, "select cost, revenue, fx_rate from {t} where campaign_day_id = 5", "fct_campaign_daily")
    assert _money(row, "cost") == [D("33")] and _money(row, "revenue") == [D("66")]
    assert float(row.fx_rate.iloc[0]) == pytest.approx(1.10)
    quarantined = read(settings, "select campaign_row_id from {t}", "dq_quarantined_campaigns")
    assert quarantined.campaign_row_id.astype(int).tolist() == [8]


def test_one_currency_without_a_base_currency_is_summed_as_it_is(settings):
    rows = [r[:3] + ("EUR",) + r[4:] for r in ROWS]
    _load(settings, rows, rates=None)
    build(settings, AS_OF)
    overall = read(settings, "select cost, revenue from {t}", "rpt_overall_performance").iloc[0]
    assert D(str(overall.cost)).quantize(D("0.01")) == D(sum(r[4] for r in ROWS)).quantize(D("0.01"))
    assert D(str(overall.revenue)).quantize(D("0.01")) == D(sum(r[8] for r in ROWS)).quantize(D("0.01"))


def test_several_currencies_without_a_base_currency_fail_the_build(settings):
    _load(settings, rates=None)
    summary = build(settings, AS_OF, raise_on_failure=False)
    assert not summary.success
    failed = {n.unique_id.split(".")[2] for n in summary.failures()}
    assert failed == {"assert_one_currency_without_base_currency"}


def test_run_with_a_base_currency_prints_its_code_and_the_converted_totals(duckdb_settings_factory, tmp_path):
    """The CLI end to end: --base-currency reaches the models, the marts record it, and the
    reports print its code (not the --currency label) beside the converted figures; a `report`
    from the same marts keeps it."""
    from typer.testing import CliRunner

    from reporting.cli import app

    s = duckdb_settings_factory("fxcli")
    _load(s)
    out = tmp_path / "out"
    common = ["--duckdb-path", str(s.duckdb_path), "--as-of", AS_OF.isoformat(), "--out", str(out)]
    result = CliRunner().invoke(app, ["run", "--base-currency", "eur", "--skip-segments", "--quiet",
                                      "--max-quarantine-pct", "50", *common])
    assert result.exit_code == 0, result.output
    assert "rows read 9, kept 7" in result.output and "quarantined 2" in result.output
    html = (out / "executive_summary.html").read_text(encoding="utf-8")
    assert "EUR 725.00" in html and "EUR 290.00" in html
    assert "Rs." not in html
    result = CliRunner().invoke(app, ["report", "--format", "html", "--force", *common])
    assert result.exit_code == 0, result.output
    assert "EUR 725.00" in (out / "executive_summary.html").read_text(encoding="utf-8")

    bad = CliRunner().invoke(app, ["build", "--base-currency", "EURO", "--duckdb-path", str(s.duckdb_path)])
    assert bad.exit_code == 2 and "ISO 4217 code such as EUR or USD, got 'EURO'" in bad.output


def test_rates_load_with_the_committed_mapping(settings, tmp_path):
    from pathlib import Path

    from reporting.ingest import ingest_files, load_mapping

    path = tmp_path / "rates.csv"
    path.write_text("date,currency,rate_to_base\n2024-05-01,USD,0.9312\n2024-05-01, gbp ,1.1705\n"
                    "2024-05-02,USD,0.93\n2024-05-03,XX,1\n", encoding="utf-8")
    mapping = load_mapping(Path(__file__).resolve().parents[2] / "mappings" / "fx_rates.yml")
    [outcome] = ingest_files(settings, "fx_rates", [path], mapping, max_reject_pct=30)
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (4, 3, 1)
    with Warehouse(settings) as wh:
        rates = wh.query(f"select rate_date, currency, rate_to_base from {wh.raw('fx_rates')} "
                         "order by rate_date, currency")
    assert [(str(d)[:10], c, float(r)) for d, c, r in rates.itertuples(index=False)] == [
        ("2024-05-01", "GBP", 1.1705), ("2024-05-01", "USD", 0.9312), ("2024-05-02", "USD", 0.93)]
