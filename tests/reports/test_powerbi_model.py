"""The Power BI export as a model: measures instead of per-row ratios, units and dbt descriptions
in the metadata, one relationship path between any two tables, dim_date's labels, the .pbids
file, and Parquet equal to CSV. Five hand-made campaign-days over two Decembers, built with dbt
on DuckDB and on the real MariaDB server, exported with export_powerbi."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from reporting.powerbi import MEASURES, MEASURES_FILE, PBIDS_FILE, STAR_SCHEMA, UNITS, export_powerbi
from reporting.segment_store import ensure_segments_table
from reporting.settings import Settings, Target
from reporting.warehouse import Warehouse
from tests import crafted
from tests.helpers import build, load_raw

AS_OF = dt.date(2026, 1, 5)
LOOKBACK_DAYS = 400  # the window starts 2024-12-01: two Decembers
ROWS = [  # id, campaign, channel, cost, impressions, clicks, conversions, revenue, date
    (1, "Alpha", "Email", 100.00, 1000, 50, 5, 300.00, dt.date(2024, 12, 2)),
    (2, "Alpha", "Email", 10.10, 100, 10, 1, 5.05, dt.date(2024, 12, 30)),
    (3, "Beta", "Google Ads", 0.00, 0, 0, 0, 0.00, dt.date(2025, 6, 15)),
    (4, "Gamma", "Facebook", 20.50, 200, 4, 0, 0.00, dt.date(2025, 12, 31)),
    (5, "Alpha", "Google Ads", 33.33, 300, 30, 3, 99.99, dt.date(2026, 1, 4)),
]
NUMERIC = {"int64", "double", "decimal"}


@pytest.fixture(scope="module", params=["duckdb", "mariadb"])
def exported(request, duckdb_settings_factory, server_settings_factory, tmp_path_factory):
    s: Settings = (duckdb_settings_factory("pbi") if request.param == "duckdb"
                   else server_settings_factory(Target.mariadb, "pbi"))
    campaigns = pd.DataFrame(ROWS, columns=crafted.COLUMNS)
    load_raw(s, campaigns, crafted.CUSTOMERS)
    assert build(s, AS_OF, extra_vars={"lookback_days": LOOKBACK_DAYS}).success
    folder = tmp_path_factory.mktemp("pbi") / "dashboards"
    with Warehouse(s) as wh:
        ensure_segments_table(wh)
        export_powerbi(wh, folder, run_id="test", generated_at=dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc))
    meta = json.loads((folder / "powerbi_metadata.json").read_text(encoding="utf-8"))
    return s, folder, meta


def _csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def test_fact_has_no_per_row_ratio_and_measures_are_ratios_of_sums(exported):
    s, folder, meta = exported
    header, rows = _csv(folder / "fact_campaign_day.csv")
    assert not {"ctr", "conversion_rate", "cpc", "cpa", "roas", "roi", "value_per_conversion"} & set(header)
    assert header == ["campaign_day_id", "date_day", "channel_id", "campaign_key", "cost", "revenue", "profit",
                      "impressions", "clicks", "conversions", "is_cost_outlier", "is_revenue_outlier",
                      "is_channel_imputed", "is_channel_unknown"]
    # evaluate each measure of measures.dax on the CSV as Power BI would, and compare with the mart
    dax = (folder / MEASURES_FILE).read_text(encoding="utf-8")
    formulas = dict(re.findall(r"^([A-Z][\w ]*?) = (.+)$", dax, re.M))
    assert formulas == {m.name: m.expression for m in MEASURES}
    assert [m["name"] for m in meta["measures"]] == [m.name for m in MEASURES]
    fact = pd.DataFrame(rows, columns=header)
    values: dict[str, Decimal | None] = {}
    for name, expr in formulas.items():
        if m := re.fullmatch(r"SUM \( fact_campaign_day\[(\w+)\] \)", expr):
            values[name] = sum(Decimal(v) for v in fact[m.group(1)])
        elif expr == "COUNTROWS ( fact_campaign_day )":
            values[name] = Decimal(len(fact))
        else:
            num, den = re.fullmatch(r"DIVIDE \( \[([\w ]+)\], \[([\w ]+)\] \)", expr).groups()
            values[name] = values[num] / values[den] if values[den] else None
    assert values["Total Cost"] == Decimal("163.93") and values["Total Revenue"] == Decimal("405.04")
    assert values["Total Profit"] == Decimal("241.11") and values["Campaign Days"] == 5
    assert values["CTR"] == Decimal("0.05875")  # 94 / 1600, shown as 5.88 % by its format
    with Warehouse(s) as wh:
        overall = wh.query(f"select ctr, conversion_rate, cpc, cpa, roas, roi "
                           f"from {wh.mart('rpt_overall_performance')}").iloc[0]
    for measure, column, scale in (("CTR", "ctr", 100), ("Conversion Rate", "conversion_rate", 100),
                                   ("CPC", "cpc", 1), ("CPA", "cpa", 1), ("ROAS", "roas", 1),
                                   ("ROI", "roi", 100)):
        assert float(values[measure]) * scale == pytest.approx(float(overall[column]), rel=1e-12), measure
    assert values["Value per Conversion"] == Decimal("405.04") / 9
    by_name = {m["name"]: m for m in meta["measures"]}
    assert by_name["CTR"]["format_string"] == "0.00%" and by_name["CTR"]["unit"] == "fraction"
    assert by_name["Total Cost"] == {"name": "Total Cost", "table": "fact_campaign_day",
                                     "expression": "SUM ( fact_campaign_day[cost] )", "unit": "currency",
                                     "format_string": "#,0.00", "description": "Spend."}
    # a zero denominator: Beta's day alone has no impressions, clicks, conversions or cost
    beta = fact[fact.campaign_key == "beta"]
    assert sum(int(v) for v in beta.impressions) == 0  # DIVIDE gives blank there, like the mart's NULL


def test_every_numeric_column_has_a_unit_and_every_column_its_dbt_description(exported):
    _, folder, meta = exported
    tables = {t["name"]: t for t in meta["tables"]}
    assert list(tables) == [t.name for t in STAR_SCHEMA]
    for table in meta["tables"]:
        header, _ = _csv(folder / table["file"])
        assert [c["name"] for c in table["columns"]] == header
        for col in table["columns"]:
            assert col["description"], (table["name"], col["name"])
            if col["type"] in NUMERIC:
                assert col["unit"] in UNITS and col["format_string"], (table["name"], col["name"])
            else:
                assert "unit" not in col
    cost = next(c for c in tables["fact_campaign_day"]["columns"] if c["name"] == "cost")
    assert cost == {"name": "cost", "type": "decimal", "powerbi_data_type": "Decimal",
                    "description": "Spend, in the base currency (converted at the rate of its day when the row "
                                   "was in another; see currency and fx_rate), as a decimal(20,4). Never imputed: "
                                   "a row without cost is quarantined.",
                    "unit": "currency", "summarize_by": "sum", "format_string": "#,0.00"}
    ym = next(c for c in tables["dim_date"]["columns"] if c["name"] == "year_month_label")
    assert ym["sort_by_column"] == "year_month_sort" and ym["powerbi_data_type"] == "String"
    sort_key = next(c for c in tables["dim_date"]["columns"] if c["name"] == "year_month_sort")
    assert sort_key["unit"] == "calendar" and sort_key["summarize_by"] == "none"


def test_relationships_form_a_forest_on_existing_columns(exported):
    _, folder, meta = exported
    headers = {t["name"]: _csv(folder / t["file"])[0] for t in meta["tables"]}
    parent = {name: name for name in headers}

    def root(n: str) -> str:
        while parent[n] != n:
            n = parent[n]
        return n

    edges = 0
    for r in meta["relationships"]:
        assert r["from_column"] in headers[r["from_table"]] and r["to_column"] in headers[r["to_table"]], r
        assert r["cardinality"] == "many-to-one" and r["is_active"] is True
        a, b = root(r["from_table"]), root(r["to_table"])
        assert a != b, f"{r} closes a cycle: two paths between {r['from_table']} and {r['to_table']}"
        parent[a] = b
        edges += 1
    components = len({root(n) for n in headers})
    assert edges == len(headers) - components
    assert components == 1  # one model: every table reachable
    assert "first_channel_id" in headers["dim_campaign"]
    assert not [r for r in meta["relationships"] if r["from_column"] == "first_channel_id"]


def test_dim_date_labels_on_known_days(exported):
    _, folder, _ = exported
    header, rows = _csv(folder / "dim_date.csv")
    days = {r[0]: dict(zip(header, r)) for r in rows}
    assert (min(days), max(days), len(days)) == ("2024-12-02", "2026-01-04", 399)
    cols = ("year_number", "quarter_number", "month_number", "month_name", "year_quarter_label", "year_quarter_sort",
            "year_month_label", "year_month_sort", "iso_year", "iso_week", "iso_year_week_label", "iso_year_week_sort")
    expected = {
        "2024-12-02": ("2024", "4", "12", "December", "2024-Q4", "20244", "2024-12", "202412", "2024", "49", "2024-W49", "202449"),
        "2024-12-29": ("2024", "4", "12", "December", "2024-Q4", "20244", "2024-12", "202412", "2024", "52", "2024-W52", "202452"),
        "2024-12-30": ("2024", "4", "12", "December", "2024-Q4", "20244", "2024-12", "202412", "2025", "1", "2025-W01", "202501"),
        "2025-12-31": ("2025", "4", "12", "December", "2025-Q4", "20254", "2025-12", "202512", "2026", "1", "2026-W01", "202601"),
        "2026-01-04": ("2026", "1", "1", "January", "2026-Q1", "20261", "2026-01", "202601", "2026", "1", "2026-W01", "202601"),
    }
    for day, values in expected.items():
        assert tuple(days[day][c] for c in cols) == values, day
    for day, row in days.items():  # every day agrees with Python's ISO calendar
        y, w, _ = dt.date.fromisoformat(day).isocalendar()
        assert row["iso_year_week_label"] == f"{y}-W{w:02d}" and row["year_month_label"] == day[:7], day
    assert {r["year_month_label"] for r in days.values() if r["month_number"] == "12"} == {"2024-12", "2025-12"}


def test_parquet_equals_csv_row_for_row(exported):
    _, folder, meta = exported
    for table in meta["tables"]:
        header, rows = _csv(folder / table["file"])
        parquet = pq.read_table(folder / table["parquet_file"])
        assert parquet.column_names == header, table["name"]
        kinds = {c["name"]: c["type"] for c in table["columns"]}
        got = parquet.to_pylist()
        assert len(got) == len(rows) == table["rows"], table["name"]
        for text_row, value_row in zip(rows, got):
            for col, text in zip(header, text_row):
                value, kind = value_row[col], kinds[col]
                where = (table["name"], col, text, value)
                if text == "" and kind != "string":
                    assert value is None, where
                elif kind == "decimal":  # money: exact, so to the cent
                    assert isinstance(value, Decimal) and Decimal(text) == value, where
                elif kind == "int64":
                    assert value == int(text), where
                elif kind == "double":
                    assert value == float(text), where
                elif kind == "boolean":
                    assert text == ("true" if value else "false"), where
                elif kind == "date":
                    assert value.isoformat() == text, where
                else:
                    assert (value or "") == text.lstrip("'") or value == text, where


def test_pbids_only_for_the_server_and_without_credentials(exported):
    s, folder, meta = exported
    if s.target == Target.duckdb:
        assert not (folder / PBIDS_FILE).exists()
        assert meta["connection"]["pbids_file"] is None and "no DuckDB connector" in meta["connection"]["note"]
        return
    text = (folder / PBIDS_FILE).read_text(encoding="utf-8")
    assert json.loads(text) == {"version": "0.1", "connections": [{
        "details": {"protocol": "mysql", "address": {"server": f"{s.host}:{s.port}", "database": s.schema}},
        "options": {}, "mode": "Import"}]}
    assert s.user not in text and "password" not in text.lower() and "user" not in text.lower()
    assert meta["connection"]["pbids_file"] == PBIDS_FILE
