"""One real warehouse for the report tests, built once per session.

5,000 sample rows and 800 customers (seeded) go into a DuckDB file, the campaign with the
highest raw revenue is renamed to a name full of markup and CJK (:data:`MARKUP_NAME`), dbt
builds the marts, customers are segmented, and the charts, PDF and HTML are written once; the
tests read what was written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from reporting.jobs import build_warehouse, make_sample_data
from reporting.report_data import ReportData, load_report_data
from reporting.reports import render_charts, write_html, write_pdf
from reporting.segment_store import summarize
from reporting.settings import Settings, Target, resolve_settings
from reporting.warehouse import Warehouse
from segmentation import DEFAULT_FEATURES, save_charts, segment_customers

AS_OF = dt.date(2026, 6, 30)
RUN_ID = "test-run"
MARKUP_NAME = '<script>alert(1)</script> & "Q4" 日本'
GENERATED_AT = dt.datetime(2026, 7, 1, 6, 0, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class BuiltReports:
    settings: Settings
    data: ReportData
    charts: dict[str, Path]
    segment_charts: dict[str, Path]
    pdf: Path
    html: Path
    out_dir: Path
    renamed_campaign_key: str


def rename_top_campaign(settings: Settings, new_name: str) -> str:
    """Give every raw row of the campaign with the highest total revenue ``new_name``; return
    the campaign's old key (trimmed, lower-cased name, as the models compare names)."""
    conn = duckdb.connect(str(settings.duckdb_path))
    try:
        table = f"{settings.raw_schema}.campaigns"
        key = conn.execute(
            f"select lower(trim(campaign_name)) as k from {table} "
            "where campaign_name is not null and trim(campaign_name) <> '' and revenue >= 0 "
            "group by 1 order by sum(revenue) desc, 1 limit 1"
        ).fetchone()[0]
        conn.execute(f"update {table} set campaign_name = ? where lower(trim(campaign_name)) = ?",
                     [new_name, key])
    finally:
        conn.close()
    return key


def build_reports(base: Path, markup_name: str | None = MARKUP_NAME) -> BuiltReports:
    """Sample data -> (rename) -> dbt build -> segments -> charts, PDF and HTML under ``base``."""
    settings = Settings(target=Target.duckdb, duckdb_path=base / "r.duckdb",
                        dbt_project_dir=resolve_settings(target=Target.duckdb).dbt_project_dir)
    make_sample_data(settings, rows=5000, customers=800, seed=7, end_date=AS_OF)
    old_key = rename_top_campaign(settings, markup_name) if markup_name else ""
    build_warehouse(settings, as_of=AS_OF, quiet=True)
    with Warehouse(settings) as wh:
        customers = wh.query(
            f"select customer_id, {', '.join(DEFAULT_FEATURES)} from {wh.mart('dim_customer')} "
            "order by customer_id"
        )
        result = segment_customers(customers, k_range=(2, 6))
        data = load_report_data(wh, run_id=RUN_ID, as_of=AS_OF, segments=summarize(result),
                                generated_at=GENERATED_AT)
    out = base / "out"
    charts = render_charts(data, out / "charts")
    segment_charts = save_charts(result, out / "segment_charts")
    pdf = write_pdf(data, charts, out / "executive_summary.pdf", segment_charts=segment_charts)
    html = write_html(data, charts, out / "executive_summary.html", segment_charts=segment_charts)
    return BuiltReports(settings=settings, data=data, charts=charts,
                        segment_charts=segment_charts, pdf=pdf, html=html, out_dir=out,
                        renamed_campaign_key=old_key)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltReports:
    return build_reports(tmp_path_factory.mktemp("reports"))
