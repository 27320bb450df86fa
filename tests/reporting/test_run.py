"""`mca-report run` end to end on 100,000 sample rows, on DuckDB and MariaDB: every output is
written, read back and compared with the marts; failed runs leave the previous reports intact;
no credential reaches any file."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path

import duckdb
import pandas as pd
import pymysql
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from reporting import jobs
from reporting.cli import app
from reporting.reports.formatting import fmt_money, fmt_money_compact, fmt_pct
from reporting.settings import Settings, Target
from reporting.warehouse import Warehouse
from tests.helpers import read

AS_OF = dt.date(2026, 6, 30)
PASSWORD = "pw-Secret-4711"


def _env(s: Settings) -> dict[str, str]:
    return {"MCA_TARGET": s.target.value, "MCA_RAW_SCHEMA": s.raw_schema, "MCA_SCHEMA": s.schema,
            "MCA_DUCKDB_PATH": str(s.duckdb_path), "MCA_DB_USER": s.user,
            "DBT_ENV_SECRET_MCA_DB_PASSWORD": s.password}


@pytest.fixture(scope="module")
def mariadb_user(server_settings_factory):
    """A MariaDB user with a password, allowed only on this module's schemas."""
    s = server_settings_factory(Target.mariadb, "run")
    user = f"mca_t{abs(hash(s.schema)) % 10_000_000}"
    root = pymysql.connect(host=s.host, port=s.port, user=s.user, password=s.password)
    with root.cursor() as cur:
        cur.execute(f"drop user if exists '{user}'@'%'")
        cur.execute(f"create user '{user}'@'%' identified by '{PASSWORD}'")
        for schema in (s.raw_schema, s.schema):
            cur.execute(f"grant all privileges on `{schema}`.* to '{user}'@'%'")
    yield Settings(target=Target.mariadb, host=s.host, port=s.port, user=user, password=PASSWORD,
                   raw_schema=s.raw_schema, schema=s.schema, dbt_project_dir=s.dbt_project_dir)
    with root.cursor() as cur:
        cur.execute(f"drop user if exists '{user}'@'%'")
    root.close()


@pytest.fixture(scope="module", params=["duckdb", "mariadb"])
def finished_run(request, duckdb_settings_factory, tmp_path_factory):
    s = duckdb_settings_factory("run") if request.param == "duckdb" else request.getfixturevalue("mariadb_user")
    out = tmp_path_factory.mktemp("out") / "reports"
    runner = CliRunner()
    loaded = runner.invoke(app, ["sample-data", "--rows", "100000", "--end-date", AS_OF.isoformat()], env=_env(s))
    assert loaded.exit_code == 0, loaded.output
    result = runner.invoke(app, ["run", "--out", str(out), "--as-of", AS_OF.isoformat()], env=_env(s))
    assert result.exit_code == 0, result.output
    return s, out, result.output


def test_every_output_is_written(finished_run):
    s, out, output = finished_run
    for name in ("executive_summary.pdf", "executive_summary.html"):
        assert (out / name).stat().st_size > 10_000
    charts = {p.name for p in (out / "visualizations").glob("*.png")}
    assert {"revenue_trend.png", "cost_vs_revenue_by_channel.png", "roi_distribution.png",
            "roi_by_channel.png", "ctr_conversion_by_channel.png", "segment_k_selection.png",
            "segment_sizes.png", "segment_profiles.png"} <= charts
    dashboards = {p.name for p in (out / "dashboards").iterdir()}
    star = ("fact_campaign_day", "dim_date", "dim_channel", "dim_campaign", "dim_segment", "dim_customer")
    assert {"channel_performance_powerbi.csv", "customer_segments_powerbi.csv", "roi_analysis_powerbi.csv",
            "powerbi_metadata.json", "measures.dax", *(f"{t}.csv" for t in star), *(f"{t}.parquet" for t in star),
            *(["mca_marts.pbids"] if s.target != Target.duckdb else [])} == dashboards
    assert not list(out.glob(".staging-*")) and not list(out.glob(".replaced-*"))
    manifests = list((out / "runs").glob("*.json"))
    assert len(manifests) == 1
    assert f"manifest {manifests[0]}" in output


def test_manifest_records_stages_dbt_and_quality(finished_run):
    s, out, _ = finished_run
    m = json.loads(next((out / "runs").glob("*.json")).read_text())
    assert m["status"] == "success" and m["as_of"] == AS_OF.isoformat()
    assert [st["name"] for st in m["stages"]] == ["build", "quality", "segment", "reports", "publish"]
    assert all(st["status"] == "ok" and st["seconds"] >= 0 for st in m["stages"])
    parts = m["stages"][3]["detail"]["seconds"]
    assert list(parts) == ["read", "charts", "pdf", "html", "powerbi", "powerbi_fact"]
    assert 0 < parts["powerbi_fact"] < parts["powerbi"]  # the fact's files are part of the export
    build = m["stages"][0]
    assert build["rows_in"] == 100_000
    dq = read(s, "select rows_read, rows_kept, rows_duplicate, rows_quarantined from {t}", "dq_data_quality").iloc[0]
    assert build["rows_out"] == int(dq.rows_kept)
    assert m["data_quality"]["rows_duplicate"] == int(dq.rows_duplicate)
    assert m["data_quality"]["rows_quarantined"] == int(dq.rows_quarantined)
    assert m["dbt"]["success"] and m["dbt"]["counts"]["test"].get("fail", 0) == 0
    assert m["dbt"]["counts"]["model"] == {"success": len(list((s.dbt_project_dir / "models").rglob("*.sql")))}
    seg = m["segmentation"]
    assert sum(seg["sizes"].values()) == seg["customers"] == 10_000
    listed = {o["path"] for o in m["outputs"]}
    assert "executive_summary.pdf" in listed and "dashboards/fact_campaign_day.csv" in listed
    for o in m["outputs"]:
        assert (out / o["path"]).stat().st_size == o["bytes"]


def test_pdf_and_html_show_the_marts_numbers(finished_run):
    s, out, _ = finished_run
    overall = read(s, "select cost, revenue from {t}", "rpt_overall_performance").iloc[0]
    channels = read(s, "select channel, roi from {t}", "rpt_channel_performance")
    text = "\n".join(page.extract_text() for page in PdfReader(out / "executive_summary.pdf").pages)
    html = (out / "executive_summary.html").read_text(encoding="utf-8")
    # headline amounts are compact (Rs. 2.42 B); exact amounts are in the tables
    for needle in (fmt_money_compact(float(overall.cost), "Rs."), fmt_money_compact(float(overall.revenue), "Rs.")):
        assert needle in text and needle in html
    for row in channels.itertuples():
        assert fmt_pct(float(row.roi)) in text and fmt_pct(float(row.roi)) in html, row.channel


def test_powerbi_export_reloads_with_the_marts_totals_and_keys_join(finished_run):
    s, out, _ = finished_run
    d = out / "dashboards"
    fact = pd.read_csv(d / "fact_campaign_day.csv", encoding="utf-8")
    overall = read(s, "select cost, revenue, campaign_days from {t}", "rpt_overall_performance").iloc[0]
    assert len(fact) == int(overall.campaign_days)
    assert fact["cost"].sum() == pytest.approx(float(overall.cost), rel=1e-12)
    assert fact["revenue"].sum() == pytest.approx(float(overall.revenue), rel=1e-12)
    dates = pd.read_csv(d / "dim_date.csv")
    days = pd.to_datetime(dates["date_day"], format="%Y-%m-%d")
    assert days.is_monotonic_increasing and (days.diff().dropna() == pd.Timedelta(days=1)).all()
    assert set(fact["date_day"]) <= set(dates["date_day"])
    assert set(fact["channel_id"]) <= set(pd.read_csv(d / "dim_channel.csv")["channel_id"])
    campaigns = pd.read_csv(d / "dim_campaign.csv", keep_default_na=False)
    assert set(fact["campaign_key"]) <= set(campaigns["campaign_key"])
    assert campaigns["campaign_key"].is_unique
    customers = pd.read_csv(d / "dim_customer.csv")
    segments = pd.read_csv(d / "dim_segment.csv")
    assert set(customers["segment_id"].dropna().astype(int)) <= set(segments["segment_id"])
    assert customers["segment_id"].notna().all()
    meta = json.loads((d / "powerbi_metadata.json").read_text(encoding="utf-8"))
    assert meta["campaigns_count"] == len(fact) and meta["customers_count"] == len(customers)


def test_parquet_files_read_back_equal_the_csvs(finished_run):
    import duckdb

    _, out, _ = finished_run
    d = out / "dashboards"
    for table in ("fact_campaign_day", "dim_date", "dim_channel", "dim_campaign", "dim_segment", "dim_customer"):
        csv = pd.read_csv(d / f"{table}.csv", keep_default_na=False, na_values=[""], dtype=str)
        parquet = duckdb.sql(f"select * from read_parquet('{d / table}.parquet')").df()
        assert list(parquet.columns) == list(csv.columns), table
        assert len(parquet) == len(csv), table
        for col in csv.columns:
            left = [None if pd.isna(v) else v for v in csv[col].tolist()]
            right = [None if v is None or (not isinstance(v, str) and pd.isna(v)) else v
                     for v in parquet[col].astype(object).tolist()]
            assert [_same(a, b) for a, b in zip(left, right)] == [True] * len(left), (table, col)


def _same(text, value) -> bool:
    """Whether a CSV cell and a Parquet value are the same value."""
    import datetime as _dt
    from decimal import Decimal

    if text is None or value is None:
        return text is None and value is None
    if isinstance(value, bool):
        return text == ("true" if value else "false")
    if isinstance(value, (_dt.date, pd.Timestamp)):
        return text == pd.Timestamp(value).date().isoformat()
    if isinstance(value, (Decimal, int)):
        return Decimal(text) == Decimal(value)
    if isinstance(value, float):
        return float(text) == value
    return text == str(value)



def test_no_credentials_in_any_output_or_log(finished_run):
    s, out, output = finished_run
    if not s.password:
        pytest.skip("duckdb has no password")
    assert PASSWORD not in output
    for path in out.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path
    log = s.dbt_project_dir / "logs" / "dbt.log"
    if log.exists():
        assert PASSWORD not in log.read_text(errors="replace")


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "runs" not in p.parts}


def test_failed_run_leaves_previous_reports_and_writes_a_failed_manifest(finished_run):
    s, out, _ = finished_run
    before = _digest(out)
    with Warehouse(s) as wh:
        wh.execute(f"alter table {wh.raw('campaigns')} rename column revenue to revenue_usd")
    try:
        result = CliRunner().invoke(app, ["run", "--out", str(out), "--as-of", AS_OF.isoformat()], env=_env(s))
    finally:
        with Warehouse(s) as wh:
            wh.execute(f"alter table {wh.raw('campaigns')} rename column revenue_usd to revenue")
    assert result.exit_code == 3
    assert "lacks required column(s): revenue" in result.output
    assert _digest(out) == before
    failed = [json.loads(p.read_text()) for p in (out / "runs").glob("*.json")]
    failed = [m for m in failed if m["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["stages"][0]["status"] == "failed"
    assert "revenue" in failed[0]["error"]


def test_report_command_rewrites_one_format_from_the_marts(finished_run, tmp_path):
    s, out, _ = finished_run
    other = tmp_path / "pdf-only"
    result = CliRunner().invoke(app, ["report", "--format", "pdf", "--out", str(other), "--as-of", AS_OF.isoformat()], env=_env(s))
    assert result.exit_code == 0, result.output
    assert (other / "executive_summary.pdf").exists()
    assert not (other / "executive_summary.html").exists() and not (other / "dashboards").exists()
    text = "\n".join(p.extract_text() for p in PdfReader(other / "executive_summary.pdf").pages)
    names = read(s, "select segment_name from {t}", "dim_segment").segment_name.tolist()
    assert names and all(name in text for name in names)


def test_refuses_an_output_folder_with_someone_elses_files(tmp_path, duckdb_settings_factory):
    s = duckdb_settings_factory("refuse")
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("do not delete")
    duckdb.connect(str(s.duckdb_path)).close()  # a warehouse (a missing file is refused first, exit 2)
    result = CliRunner().invoke(app, ["report", "--out", str(folder)], env=_env(s))
    assert result.exit_code == 4
    assert "did not write" in result.output
    assert (folder / "notes.txt").read_text() == "do not delete"
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
