"""Fractional conversions (Google Ads' data-driven attribution credits 4.25 of a conversion) on
DuckDB and MariaDB: exact decimals in the raw table, through dbt into the fact (sum and CPA), and
an existing campaigns table whose conversions column is still a whole-number type: widened when
mca created it, refused with the ALTER TABLE to run when a user did, untouched for whole values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from reporting.contract import CAMPAIGNS, Column, ColumnType, TableSpec
from reporting.dbt_runner import run_dbt
from reporting.errors import RefusedError
from reporting.ingest import ingest_files
from reporting.warehouse import MCA_TABLE_MARKER, Warehouse
from tests.ingest.helpers import mapping

HEADER = "Campaign,Day,Cost,Impr.,Clicks,Conversions,Conv. value"
LINES = [
    "Brand Search,2024-05-01,12.50,1000,40,4.25,100.00",
    "Brand Search,2024-05-02,7.50,500,20,0.5,20.00",
    "Generic Search,2024-05-01,30.00,3000,60,3,90.00",
]
GOOGLE_LIKE = mapping({
    "table": "campaigns",
    "columns": {"campaign_name": "Campaign", "channel": {"const": "Google Ads"}, "cost": "Cost",
                "impressions": "Impr.", "clicks": "Clicks", "conversions": "Conversions",
                "revenue": "Conv. value", "date": "Day"},
}, name="google_like")


def write(tmp_path, lines, name="google.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def raw_conversions(settings) -> list[Decimal | None]:
    with Warehouse(settings) as wh:
        frame = wh.query(f"select conversions from {wh.raw('campaigns')} order by id")
    return [None if v is None or v != v else Decimal(str(v)) for v in frame["conversions"].tolist()]


def conversions_type(settings) -> str:
    with Warehouse(settings) as wh:
        p = wh.placeholder
        return str(wh.scalar("select data_type from information_schema.columns where table_schema = "
                             f"{p} and table_name = 'campaigns' and column_name = 'conversions'",
                             [settings.raw_schema])).lower()


def test_fractional_conversions_load_exactly_and_reach_the_fact(make_settings, tmp_path):
    s = make_settings()
    [outcome] = ingest_files(s, "campaigns", [write(tmp_path, LINES)], GOOGLE_LIKE)
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (3, 3, 0)
    assert raw_conversions(s) == [Decimal("4.25"), Decimal("0.5"), Decimal("3")]
    assert conversions_type(s).startswith("decimal")

    summary = run_dbt(s, "build", vars={"as_of": "2024-05-31"}, args=["--select", "+fct_campaign_daily", "--indirect-selection", "cautious"],
                      quiet=True)
    assert summary.success
    with Warehouse(s) as wh:
        fact = wh.query(f"select campaign_key, date_day, conversions, cpa from {wh.mart('fct_campaign_daily')} "
                        "order by campaign_key, date_day")
        total = wh.query(f"select sum(conversions) as conversions, sum(cost) as cost "
                         f"from {wh.mart('fct_campaign_daily')}").iloc[0]
    # by hand: 4.25 + 0.5 + 3 = 7.75 conversions; 12.50 + 7.50 + 30.00 = 50.00 cost
    assert Decimal(str(total.conversions)) == Decimal("7.75")
    assert Decimal(str(total.cost)) == Decimal("50")
    assert [Decimal(str(v)) for v in fact["conversions"]] == [Decimal("4.25"), Decimal("0.5"), Decimal("3")]
    # CPA = cost / conversions: 12.50 / 4.25, 7.50 / 0.5, 30.00 / 3
    assert [round(float(v), 6) for v in fact["cpa"]] == [round(12.5 / 4.25, 6), 15.0, 10.0]


def old_campaigns_table(settings, comment: str) -> None:
    """A campaigns table as mca before 2024 made it (or a user does): conversions bigint."""
    columns = tuple(Column(c.name, ColumnType.bigint) if c.name == "conversions" else c for c in CAMPAIGNS.columns)
    with Warehouse(settings) as wh:
        wh.ensure_schema(settings.raw_schema)
        wh.create_table(settings.raw_schema, TableSpec("campaigns", columns, primary_key=("id",)), comment=comment)
        wh.execute(f"insert into {wh.raw('campaigns')} (id, campaign_name, channel, cost, impressions, clicks, "
                   f"conversions, revenue, {wh.quote('date')}) values (1, 'Old', 'Email', 1, 10, 2, 7, 5, "
                   f"{wh.placeholder})", [dt.date(2024, 4, 30)])


def test_whole_conversions_load_into_an_old_whole_number_column_unchanged(make_settings, tmp_path):
    s = make_settings()
    old_campaigns_table(s, comment="our own table")
    whole = [LINES[2], "Generic Search,2024-05-02,10.00,900,30,2.0,40.00"]
    [outcome] = ingest_files(s, "campaigns", [write(tmp_path, whole)], GOOGLE_LIKE)
    assert outcome.rows_loaded == 2
    assert conversions_type(s) == "bigint"  # not altered
    assert raw_conversions(s) == [Decimal(7), Decimal(3), Decimal(2)]


def test_fractional_conversions_into_a_users_whole_number_column_are_refused(make_settings, tmp_path):
    s = make_settings()
    old_campaigns_table(s, comment="our own table")
    with pytest.raises(RefusedError) as err:
        ingest_files(s, "campaigns", [write(tmp_path, LINES)], GOOGLE_LIKE)
    message = str(err.value)
    assert "\n" not in message
    expected_alter = ("alter table mca_raw_{}.campaigns alter column \"conversions\" type decimal(20, 4)"
                      if s.target.value == "duckdb" else
                      "alter table `{}`.`campaigns` modify column `conversions` decimal(20,4)")
    with Warehouse(s) as wh:
        alter = wh.change_type_sql(s.raw_schema, "campaigns", CAMPAIGNS["conversions"])
    assert message == (f"google.csv has fractional conversions (4.25 on line 2) but {s.raw_schema}.campaigns."
                       f"conversions holds whole numbers (bigint) and mca did not create the table, so nothing "
                       f"was loaded; widen the column first: {alter}")
    assert "conversions" in alter and "decimal(20" in alter and expected_alter  # the engine's own syntax
    assert conversions_type(s) == "bigint" and raw_conversions(s) == [Decimal(7)]
    # the ALTER TABLE the message gives works, and then the file loads
    with Warehouse(s) as wh:
        wh.execute(alter)
    [outcome] = ingest_files(s, "campaigns", [write(tmp_path, LINES)], GOOGLE_LIKE)
    assert outcome.rows_loaded == 3
    assert raw_conversions(s) == [Decimal(7), Decimal("4.25"), Decimal("0.5"), Decimal(3)]


def test_fractional_conversions_widen_a_column_mca_created(make_settings, tmp_path, caplog):
    s = make_settings()
    old_campaigns_table(s, comment=f"{MCA_TABLE_MARKER} sample-data")
    with caplog.at_level("WARNING", logger="reporting.ingest.loader"):
        [outcome] = ingest_files(s, "campaigns", [write(tmp_path, LINES)], GOOGLE_LIKE)
    assert outcome.rows_loaded == 3
    assert conversions_type(s).startswith("decimal")
    assert raw_conversions(s) == [Decimal(7), Decimal("4.25"), Decimal("0.5"), Decimal(3)]
    assert [r.getMessage() for r in caplog.records] == [
        f"widened {s.raw_schema}.campaigns.conversions from bigint to "
        f"{'decimal(20, 4)' if s.target.value == 'duckdb' else 'decimal(20,4)'} (lossless) to load the "
        "fractional conversions of google.csv"]
    with Warehouse(s) as wh:  # still mca's table
        assert wh.table_comment(s.raw_schema, "campaigns") == f"{MCA_TABLE_MARKER} sample-data"


def test_conversions_round_half_to_even_like_money(make_settings, tmp_path):
    s = make_settings()
    lines = ["A,2024-05-01,1,1,1,0.33335,1", "B,2024-05-01,1,1,1,0.33325,1", "C,2024-05-01,1,1,1,1.5e-1,1"]
    ingest_files(s, "campaigns", [write(tmp_path, lines)], GOOGLE_LIKE)
    assert raw_conversions(s) == [Decimal("0.3334"), Decimal("0.3332"), Decimal("0.15")]


def test_reports_print_conversions_whole_or_with_their_decimals():
    from reporting.reports.formatting import fmt_value

    assert [fmt_value(v, "quantity", "EUR") for v in (Decimal("89.0000"), 7.75, Decimal("12345.2500"), 0, None)] == [
        "89", "7.75", "12,345.25", "0", "n/a"]
