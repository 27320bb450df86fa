"""Each raw table is optional: `mca-report run` with campaigns only, customers only and orders only,
on DuckDB (through the CLI) and MariaDB (through the library), on a few dozen hand-made rows.

campaigns only  -> the campaign reports, no segments; the reports say why there are none
customers only  -> behavioural segments; the reports say there is no campaign data
orders only     -> RFM segments; the reports say there is no campaign data
no raw table    -> one line, exit 3
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from reporting import jobs
from reporting.cli import app
from reporting.contract import CAMPAIGNS, CUSTOMERS, ORDERS
from reporting.report_data import NO_CAMPAIGN_DATA, NO_SEGMENT_DATA
from reporting.settings import Settings, Target
from reporting.warehouse import MCA_TABLE_MARKER, Warehouse

AS_OF = dt.date(2026, 6, 30)
CASES = ("campaigns", "customers", "orders")
CAMPAIGN_CHARTS = {"revenue_trend.png", "cost_vs_revenue_by_channel.png", "roi_distribution.png",
                   "roi_by_channel.png", "ctr_conversion_by_channel.png"}
SEGMENT_CHARTS = {"segment_k_selection.png", "segment_sizes.png", "segment_profiles.png"}


def campaign_rows() -> pd.DataFrame:
    """12 valid rows, no duplicates: 3 campaigns x 4 days in the window, two channels."""
    rows = []
    for i in range(12):
        campaign = i % 3
        rows.append({
            "id": i + 1,
            "campaign_name": f"Campaign {campaign}",
            "channel": "Email" if campaign < 2 else "Social Media",
            "cost": Decimal(f"{100 + 7 * i}.25"),
            "impressions": 1000 + i,
            "clicks": 50 + i,
            "conversions": 5,
            "revenue": Decimal(f"{300 + 11 * i}.50"),
            "date": AS_OF - dt.timedelta(days=1 + i // 3),
        })
    return pd.DataFrame(rows)


def customer_rows() -> pd.DataFrame:
    """40 customers in two far-apart groups."""
    rows = []
    for i in range(40):
        big = i < 10
        rows.append({
            "customer_id": 1000 + i,
            "age": 30 + i % 7,
            "sessions": (80 if big else 5) + i % 3,
            "avg_session_duration": (600.0 if big else 60.0) + i,
            "pages_per_session": (12.0 if big else 2.0) + (i % 4) / 4,
            "transactions": (30 if big else 1) + i % 2,
            "revenue": Decimal(f"{(9000 if big else 50) + i}.00"),
            "acquisition_channel": "Email" if i % 2 else "FB",
            "signup_date": dt.date(2025, 1, 1) + dt.timedelta(days=i),
        })
    return pd.DataFrame(rows)


def order_rows() -> pd.DataFrame:
    """30 purchase lines of 12 customers (7 of them buy three times)."""
    rows = []
    for i in range(30):
        customer = 1 + i % 12
        rows.append({
            "customer_id": customer,
            "order_date": AS_OF - dt.timedelta(days=5 + (i * 37) % 300),
            "quantity": 1 + i % 3,
            "amount": Decimal(f"{10 + customer * 13 + i}.75"),
        })
    return pd.DataFrame(rows)


TABLES = {"campaigns": (CAMPAIGNS, campaign_rows), "customers": (CUSTOMERS, customer_rows),
          "orders": (ORDERS, order_rows)}


def _env(s: Settings) -> dict[str, str]:
    return {"MCA_TARGET": s.target.value, "MCA_RAW_SCHEMA": s.raw_schema, "MCA_SCHEMA": s.schema,
            "MCA_DUCKDB_PATH": str(s.duckdb_path), "MCA_DB_USER": s.user,
            "DBT_ENV_SECRET_MCA_DB_PASSWORD": s.password}


def load(s: Settings, table: str) -> None:
    spec, rows = TABLES[table]
    with Warehouse(s) as wh:
        wh.ensure_schema(s.raw_schema)
        wh.replace_table(s.raw_schema, spec.as_created(), rows(), comment=f"{MCA_TABLE_MARKER} test")


@pytest.fixture(scope="module", params=[f"{t}-{c}" for t in ("duckdb", "mariadb") for c in CASES])
def finished(request, duckdb_settings_factory, tmp_path_factory):
    """(case, target, settings, out, manifest, cli output) of one run with only one raw table."""
    target, case = request.param.split("-")
    if target == "duckdb":
        s = duckdb_settings_factory(f"only_{case}")
    else:
        s = request.getfixturevalue("server_settings_factory")(Target.mariadb, f"only_{case}")
    load(s, case)
    out = tmp_path_factory.mktemp("out") / "reports"
    output = ""
    if target == "duckdb":  # the CLI, with its exit code and messages
        result = CliRunner().invoke(app, ["run", "--out", str(out), "--as-of", AS_OF.isoformat(), "--k", "2"],
                                    env=_env(s))
        assert result.exit_code == 0, result.output
        output = result.output
        [path] = (out / "runs").glob("*.json")
        manifest = json.loads(path.read_text())
    else:  # the library call
        outcome = jobs.run_all(s, out=out, as_of=AS_OF, k=2)
        assert outcome.manifest.status == "success", outcome.manifest.error
        manifest = json.loads(outcome.manifest_path.read_text())
    return case, target, s, out, manifest, output


def _text(out: Path) -> tuple[str, str]:
    html = (out / "executive_summary.html").read_text(encoding="utf-8")
    pdf = " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(out / "executive_summary.pdf").pages)
    return html, pdf


def test_the_run_names_the_raw_tables_it_found(finished):
    case, target, s, _, manifest, output = finished
    absent = ", ".join(t for t in CASES if t != case)
    line = f"raw tables in {s.raw_schema}: found {case}; absent {absent}"
    assert manifest["dbt"]["raw_tables"] == line
    if target == "duckdb":
        assert line in output


def test_outputs_that_apply_exist_and_the_others_say_so(finished):
    case, _, _, out, manifest, _ = finished
    html, pdf = _text(out)
    charts = {p.name for p in (out / "visualizations").glob("*.png")}
    metadata = json.loads((out / "dashboards" / "powerbi_metadata.json").read_text())
    assert metadata["raw_tables"] == {t: t == case for t in CASES}
    stages = {st["name"]: st for st in manifest["stages"]}
    if case == "campaigns":
        assert NO_SEGMENT_DATA in html and NO_SEGMENT_DATA in pdf
        assert NO_CAMPAIGN_DATA not in html and NO_CAMPAIGN_DATA not in pdf
        assert charts == CAMPAIGN_CHARTS
        assert metadata["notes"] == [NO_SEGMENT_DATA]
        assert stages["segment"]["status"] == "skipped"
        assert stages["segment"]["detail"] == {"reason": "no customer or order data was loaded"}
        assert 'id="channel-table"' in html and "Campaign 2" in html
    else:
        assert NO_CAMPAIGN_DATA in html and NO_CAMPAIGN_DATA in pdf
        assert NO_SEGMENT_DATA not in html and NO_SEGMENT_DATA not in pdf
        # no campaign figures presented as real ones: no key metrics, channel or campaign tables
        for part in ('id="key-metrics"', 'id="channel-table"', 'id="campaign-table"', "Total Revenue"):
            assert part not in html
        assert "Total Revenue" not in pdf and "Channel performance" not in pdf
        assert charts == SEGMENT_CHARTS
        assert metadata["notes"] == [NO_CAMPAIGN_DATA]
        assert metadata["campaigns_count"] == 0
        assert stages["segment"]["status"] == "ok"
        assert stages["segment"]["detail"]["feature_set"] == ("behavioural" if case == "customers" else "rfm")
        assert 'id="segment-table"' in html and "customers in 2 segments" in pdf
    assert stages["quality"]["status"] == "ok"


def test_exact_values(finished):
    case, _, s, out, manifest, _ = finished
    with Warehouse(s) as wh:
        if case == "campaigns":
            rows = campaign_rows()
            overall = wh.read_mart("rpt_overall_performance", ("campaigns", "campaign_days", "cost", "revenue"))
            assert int(overall.at[0, "campaigns"]) == 3 and int(overall.at[0, "campaign_days"]) == 12
            assert Decimal(str(overall.at[0, "cost"])).quantize(Decimal("0.01")) == sum(rows["cost"])
            assert Decimal(str(overall.at[0, "revenue"])).quantize(Decimal("0.01")) == sum(rows["revenue"])
            channels = wh.read_mart("rpt_channel_performance", ("channel", "cost"), order_by=["channel"])
            email = rows[rows["channel"] == "Email"]["cost"]
            assert channels["channel"].tolist() == ["Email", "Social Media"]
            assert Decimal(str(channels.at[0, "cost"])).quantize(Decimal("0.01")) == sum(email)
            assert int(wh.scalar(f"select count(*) from {wh.mart('customer_segments')}")) == 0
            with (out / "dashboards" / "fact_campaign_day.csv").open(encoding="utf-8") as fh:
                assert sum(1 for _ in fh) == 1 + 12
            assert manifest["data_quality"]["rows_read"] == 12 and manifest["data_quality"]["rows_kept"] == 12
        else:
            expected = (customer_rows() if case == "customers" else order_rows())["customer_id"]
            segments = wh.query(f"select customer_id, segment_id from {wh.mart('customer_segments')} "
                                "order by customer_id")
            assert [int(c) for c in segments["customer_id"]] == sorted({int(c) for c in expected})
            sizes = wh.read_mart("dim_segment", ("segment_id", "customers"), order_by=["segment_id"])
            assert sorted(int(n) for n in sizes["customers"]) == sorted(
                int(n) for n in segments["segment_id"].value_counts())
            assert sum(int(n) for n in sizes["customers"]) == expected.nunique()
            assert wh.scalar(f"select count(*) from {wh.mart('fct_campaign_daily')}") == 0
            overall = wh.read_mart("rpt_overall_performance", ("campaigns", "cost"))
            assert int(overall.at[0, "campaigns"]) == 0
            assert manifest["segmentation"]["customers"] == expected.nunique()
            if case == "customers":
                # the two groups as built: 10 big spenders and 30 others
                assert sorted(manifest["segmentation"]["sizes"].values()) == [10, 30]
            else:
                assert int(wh.scalar(f"select count(*) from {wh.mart('dim_customer_rfm')}")) == 12
            assert manifest["data_quality"]["rows_read"] == 0


def test_no_raw_table_at_all_is_one_line_exit_3(tmp_path):
    db = tmp_path / "nothing.duckdb"
    s = Settings(target=Target.duckdb, duckdb_path=db, raw_schema="mca_raw", schema="mca_analytics")
    with Warehouse(s) as wh:
        wh.ensure_schema("mca_raw")  # a raw schema, but none of the three tables
    result = CliRunner().invoke(app, ["build"], env=_env(s))
    assert result.exit_code == 3
    assert result.output.strip().splitlines() == [
        "building on duckdb file " + str(db),
        "error: no raw table found in mca_raw on duckdb file " + str(db) + " (looked for campaigns, customers, "
        "orders); load data first (e.g. `mca-report sample-data` or `mca-report ingest`)",
    ]
