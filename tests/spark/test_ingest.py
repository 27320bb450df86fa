"""`mca-report ingest --target spark`: a user's export appends to the raw table on Spark, the
same content is skipped, and replacing an earlier load (a DELETE, which Spark's Parquet tables
do not take) is refused with nothing lost."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from reporting.cli import app
from reporting.warehouse import Warehouse
from tests.ingest.helpers import FIXTURES, MAPPINGS

pytestmark = [pytest.mark.spark]


def test_ingest_appends_skips_and_refuses_a_replacement(spark_settings_factory, tmp_path):
    s = spark_settings_factory("ingest")
    env = {"MCA_TARGET": "spark", "MCA_RAW_SCHEMA": s.raw_schema, "MCA_SCHEMA": s.schema,
           "MCA_SPARK_DIR": str(s.spark_dir)}
    src = shutil.copy(FIXTURES / "orders_ws.txt", tmp_path / "orders.txt")
    args = ["ingest", "orders", str(src), "--mapping", str(MAPPINGS / "cdnow_orders.yml"), "--max-reject-pct", "20"]
    runner = CliRunner()

    first = runner.invoke(app, args, env=env)
    assert first.exit_code == 0, first.output
    assert "orders.txt: read 12, loaded 10, rejected 2 (load 1, " in first.output

    again = runner.invoke(app, args, env=env)
    assert again.exit_code == 0, again.output
    assert "orders.txt: read 0, loaded 0, rejected 0, skipped: already loaded (load 1 of orders.txt" in again.output

    replaced = runner.invoke(app, [*args, "--replace"], env=env)
    assert replaced.exit_code != 0
    errors = [line for line in replaced.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "take no DELETE; nothing loaded" in errors[0], replaced.output

    with Warehouse(s) as wh:
        assert int(wh.scalar(f"select count(*) from {wh.raw('orders')}")) == 10
        loads = wh.query(f"select load_id, rows_loaded from {wh.raw('_mca_load_log')} order by load_id")
        assert loads.values.tolist() == [[1, 10]]
        assert wh.column_types(s.raw_schema, "orders")["_mca_load_id"] in {"bigint", "int"}
