"""`mca-report sample-data --rows 20000` then `mca-report run` on local Spark write the same Power
BI files as the same two commands on DuckDB: money to the cent (the same text), counts and keys
exactly, ratios to 1e-9 relative (Spark and DuckDB may add the same doubles in another order).
Also the run's outputs and manifest on Spark."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reporting.cli import app
from reporting.jobs import run_segmentation
from reporting.settings import Settings
from reporting.warehouse import Warehouse
from segmentation import ChunkedSegmentationResult
from tests.helpers import assert_same_marts, read, read_parity_marts

pytestmark = [pytest.mark.spark, pytest.mark.slow]

AS_OF = dt.date(2026, 6, 30)
ROWS = 20_000


def _env(s: Settings) -> dict[str, str]:
    return {"MCA_TARGET": s.target.value, "MCA_RAW_SCHEMA": s.raw_schema, "MCA_SCHEMA": s.schema,
            "MCA_DUCKDB_PATH": str(s.duckdb_path), "MCA_SPARK_DIR": str(s.spark_dir),
            "MCA_SPARK_METHOD": "session"}


def _sample_and_run(s: Settings, out: Path) -> str:
    runner = CliRunner()
    loaded = runner.invoke(app, ["sample-data", "--rows", str(ROWS), "--end-date", AS_OF.isoformat()], env=_env(s))
    assert loaded.exit_code == 0, loaded.output
    result = runner.invoke(app, ["run", "--out", str(out), "--as-of", AS_OF.isoformat()], env=_env(s))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def runs(spark_settings_factory, duckdb_settings_factory, tmp_path_factory):
    spark, duck = spark_settings_factory("sample"), duckdb_settings_factory("sample")
    out = tmp_path_factory.mktemp("runs")
    outputs = {"spark": _sample_and_run(spark, out / "spark"), "duckdb": _sample_and_run(duck, out / "duckdb")}
    return out / "spark", out / "duckdb", outputs, (spark, duck)


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _metadata_kinds(folder: Path) -> dict[tuple[str, str], str]:
    meta = json.loads((folder / "dashboards" / "powerbi_metadata.json").read_text())
    return {(t["file"], c["name"]): c.get("type", "") for t in meta["tables"] for c in t["columns"]}


def test_spark_run_writes_every_output(runs):
    spark_out, _, outputs, _ = runs
    assert "rows read 20,000" in outputs["spark"]
    for name in ("executive_summary.pdf", "executive_summary.html", "dashboards/fact_campaign_day.csv",
                 "dashboards/fact_campaign_day.parquet", "dashboards/powerbi_metadata.json"):
        assert (spark_out / name).stat().st_size > 0, name
    manifest = json.loads(sorted((spark_out / "runs").glob("*.json"))[-1].read_text())
    assert manifest["status"] == "success"
    assert manifest["target"].startswith("spark")
    assert manifest["data_quality"]["rows_read"] == ROWS


def test_powerbi_files_equal_duckdbs_to_the_cent(runs):
    spark_out, duck_out, _, _ = runs
    files = sorted(p.name for p in (duck_out / "dashboards").glob("*.csv"))
    assert {"fact_campaign_day.csv", "dim_campaign.csv", "dim_channel.csv", "dim_date.csv", "dim_customer.csv",
            "dim_segment.csv", "channel_performance_powerbi.csv", "roi_analysis_powerbi.csv"} <= set(files)
    assert files == sorted(p.name for p in (spark_out / "dashboards").glob("*.csv"))
    compared = 0
    for name in files:
        head_d, rows_d = _rows(duck_out / "dashboards" / name)
        head_s, rows_s = _rows(spark_out / "dashboards" / name)
        assert head_s == head_d, name
        assert len(rows_s) == len(rows_d), name
        for n, (rs, rd) in enumerate(zip(rows_s, rows_d)):
            for col, vs, vd in zip(head_d, rs, rd):
                if col == "run_id":  # each run has its own id
                    continue
                if vs == vd:
                    compared += 1
                    continue
                # only floating-point ratios may differ, and only in their last digits: money
                # (4 decimals), counts, keys, dates and names must be the same text
                assert "." in vs and "." in vd and len(vs.split(".")[1]) > 4, f"{name} row {n} {col}: {vs!r} vs {vd!r}"
                assert math.isclose(float(vs), float(vd), rel_tol=1e-9), f"{name} row {n} {col}: {vs!r} vs {vd!r}"
                compared += 1
    assert compared > ROWS * 5  # the fact alone has about 20K rows of a dozen columns


def test_segments_and_metadata_match(runs):
    spark_out, duck_out, _, _ = runs
    assert _metadata_kinds(spark_out) == _metadata_kinds(duck_out)
    _, seg_s = _rows(spark_out / "dashboards" / "customer_segments_powerbi.csv")
    _, seg_d = _rows(duck_out / "dashboards" / "customer_segments_powerbi.csv")
    assert len(seg_s) == ROWS // 10
    assert seg_s == seg_d  # the same customers, features and k-means segments (seeded)


def test_every_mart_equals_duckdbs_column_by_column(runs):
    """After the two runs (segments included), every mart on Spark has DuckDB's rows and values."""
    *_, (spark, duck) = runs
    expected = read_parity_marts(duck)
    assert len(expected["fct_campaign_daily"]) > ROWS * 0.9 and len(expected["dim_segment"]) >= 2
    assert_same_marts(expected, read_parity_marts(spark))


def test_chunked_segmentation_on_spark_writes_the_runs_segments(runs):
    """The streamed path (used above 100,000 customers) on Spark, forced here on the run's 2,000
    customers in chunks of 500: it reads Spark's Arrow batches, writes customer_segments a chunk
    at a time, and gives every customer the segment the run's in-memory path gave it."""
    *_, (spark, _) = runs
    query = "select customer_id, segment_id, segment_name from {t} order by customer_id"
    before = read(spark, query, "customer_segments")
    with Warehouse(spark) as wh:
        run = run_segmentation(wh, run_id="chunked", in_memory_max=0, chunk_rows=500)
    assert isinstance(run.result, ChunkedSegmentationResult)
    assert run.rows_read == run.rows_written == ROWS // 10
    after = read(spark, query, "customer_segments")
    assert after.customer_id.astype(int).tolist() == before.customer_id.astype(int).tolist()
    assert after.segment_id.astype(int).tolist() == before.segment_id.astype(int).tolist()
    assert after.segment_name.tolist() == before.segment_name.tolist()
    assert before.segment_id.nunique() >= 2
