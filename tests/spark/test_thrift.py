"""One `dbt build` through a Spark Thrift Server this module starts and stops.

The crafted raw rows go into a fresh local catalogue through mca's own Spark session, in a
separate process: the embedded Derby metastore takes one JVM at a time, and this process may
hold a Spark session on the test session's shared catalogue already. The server is then
started on that catalogue from pyspark's own distribution (tests/spark/thrift_server.py), dbt
builds through it with the profile's thrift method, and the marts read back through the server
(PyHive) are those DuckDB builds from the same rows.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from reporting.settings import Settings, SparkMethod, Target, resolve_settings
from tests import crafted
from tests.helpers import PARITY_MARTS, assert_same_marts, build, in_key_order, load_raw, read_parity_marts
from tests.spark import thrift_server

pytestmark = [pytest.mark.spark, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
MODEL_FILES = sorted(p.stem for p in (ROOT / "dbt_project" / "models").rglob("*.sql"))

#: Loads the crafted rows into the catalogue the settings (JSON, argv[1]) name, with mca's own
#: Spark session, and ends: the JVM, and with it the Derby metastore, is gone when it returns.
_LOAD = """
import json, sys
from pathlib import Path
from reporting.settings import Settings, Target
from tests import crafted
from tests.helpers import load_raw
args = json.loads(sys.argv[1])
settings = Settings(target=Target.spark, spark_dir=Path(args["spark_dir"]),
                    raw_schema=args["raw_schema"], schema=args["schema"])
load_raw(settings, crafted.campaigns_frame(), crafted.CUSTOMERS)
"""


def _load_in_another_process(settings: Settings, timeout: float = 300.0) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    args = json.dumps({"spark_dir": str(settings.spark_dir), "raw_schema": settings.raw_schema,
                       "schema": settings.schema})
    done = subprocess.run([sys.executable, "-c", _LOAD, args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, f"loading the crafted rows failed:\n{done.stderr[-3000:]}"


@pytest.fixture(scope="module")
def thrift(spark_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings for dbt's thrift method on a server over a fresh catalogue holding the crafted
    raw rows. ``spark_dir`` (the shared catalogue, unused) brings the skip when pyspark or Java
    is missing."""
    home = tmp_path_factory.mktemp("spark-thrift")
    base = resolve_settings(target=Target.spark, environ={})
    local = Settings(target=Target.spark, spark_dir=home / "catalogue", raw_schema="mcatest_thrift_raw",
                     schema="mcatest_thrift", dbt_project_dir=base.dbt_project_dir)
    _load_in_another_process(local)
    with thrift_server.running(local, home / "thrift-server.log") as server:
        yield replace(local, spark_method=SparkMethod.thrift, host=server.host, port=server.port,
                      user="mca")


def _read_through(settings: Settings, marts: dict[str, str]) -> dict[str, pd.DataFrame]:
    """``select * from <mart> order by <column>`` for each mart, through the server (one
    connection)."""
    from pyhive import hive

    frames = {}
    conn = hive.connect(host=settings.host, port=settings.port, username=settings.user)
    try:
        cursor = conn.cursor()
        for mart, order_by in marts.items():
            cursor.execute(f"select * from `{settings.schema}`.`{mart}` order by {order_by}")
            rows = cursor.fetchall()
            # HiveServer2 sends dates as text (PyHive converts decimals and timestamps only)
            dates = {i for i, d in enumerate(cursor.description) if d[1] == "DATE_TYPE"}
            rows = [tuple(dt.date.fromisoformat(v) if i in dates and v is not None else v
                          for i, v in enumerate(row)) for row in rows]
            frames[mart] = pd.DataFrame.from_records(rows, columns=[d[0] for d in cursor.description])
    finally:
        conn.close()
    return frames


def test_dbt_build_through_a_thrift_server_gives_the_duckdb_marts(thrift, duckdb_settings_factory):
    summary = build(thrift, crafted.AS_OF)
    assert summary.success, summary.error
    counts = summary.counts()
    assert counts["model"] == {"success": len(MODEL_FILES)}
    assert counts["test"].get("fail", 0) == 0 and counts["test"].get("error", 0) == 0, counts
    assert not summary.failures()
    # the statements went through the server, and the marts are in its catalogue
    log = (thrift.spark_dir.parent / "thrift-server.log").read_text(errors="replace")
    assert '"node_id": "model.mca.fct_campaign_daily"' in log
    assert (thrift.spark_dir / "warehouse" / f"{thrift.schema}.db" / "fct_campaign_daily").is_dir()

    duck = duckdb_settings_factory("crafted")
    load_raw(duck, crafted.campaigns_frame(), crafted.CUSTOMERS)
    assert build(duck, crafted.AS_OF).counts() == counts

    expected = read_parity_marts(duck)
    got = _read_through(thrift, PARITY_MARTS)
    assert_same_marts(expected, {mart: in_key_order(got[mart], order_by) for mart, order_by in PARITY_MARTS.items()})
