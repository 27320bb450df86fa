"""Faults against the real servers: unreachable database, connections killed mid-run, an
unwritable output folder, concurrent runs, webhook alerts, and reruns that must agree."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pymysql
import pytest
from typer.testing import CliRunner

from reporting import jobs
from reporting.cli import app
from reporting.warehouse import run_lock
from reporting.settings import Settings, Target
from tests.helpers import read

AS_OF = dt.date(2026, 3, 31)
MARTS = ("fct_campaign_daily", "rpt_channel_performance", "rpt_daily_revenue", "dq_data_quality",
         "rpt_overall_performance", "dim_customer")


def env_for(s: Settings, **extra: str) -> dict[str, str]:
    env = {"MCA_TARGET": s.target.value, "MCA_RAW_SCHEMA": s.raw_schema, "MCA_SCHEMA": s.schema,
           "MCA_DUCKDB_PATH": str(s.duckdb_path), "MCA_DB_USER": s.user,
           "DBT_ENV_SECRET_MCA_DB_PASSWORD": s.password}
    env.update(extra)
    return env


def cli(s: Settings, *args: str, **extra: str):
    return CliRunner().invoke(app, list(args), env=env_for(s, **extra))


def snapshot(s: Settings) -> dict[str, pd.DataFrame]:
    out = {}
    for mart in MARTS:
        frame = read(s, "select * from {t}", mart)
        out[mart] = frame.sort_values(list(frame.columns[:1])).reset_index(drop=True)
    return out


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "runs" not in p.parts}


def test_unreachable_server_retries_then_fails_clearly_in_bounded_time(tmp_path):
    s = Settings(target=Target.mariadb, host="127.0.0.1", port=1)
    started = time.monotonic()
    result = cli(s, "run", "--out", str(tmp_path / "out"), MCA_DB_PORT="1", MCA_CONNECT_TRIES="3")
    elapsed = time.monotonic() - started
    assert result.exit_code == 3
    assert "127.0.0.1:1" in result.output and "after 3 tries" in result.output
    assert elapsed < 30
    assert "Traceback" not in result.output


def test_unwritable_output_folder_is_a_clear_error(duckdb_settings_factory):
    s = duckdb_settings_factory("unwritable")
    jobs.make_sample_data(s, rows=500, customers=100, end_date=AS_OF)
    result = cli(s, "run", "--out", "/proc/mca-cannot-write-here", "--as-of", AS_OF.isoformat())
    assert result.exit_code == 2
    assert "cannot write to output folder /proc/mca-cannot-write-here" in result.output


class _Hook(http.server.BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 - the stdlib's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_quarantine_gate_fails_the_run_and_posts_an_alert(duckdb_settings_factory, tmp_path):
    s = duckdb_settings_factory("gate")
    jobs.make_sample_data(s, rows=2000, customers=200, end_date=AS_OF)  # 0.3% quarantined
    _Hook.received.clear()  # test_interruption posts to the same class in the same process
    server = http.server.HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        result = cli(s, "run", "--out", str(tmp_path / "out"), "--as-of", AS_OF.isoformat(),
                     "--max-quarantine-pct", "0.1", "--alert-webhook", url)
    finally:
        server.shutdown()
    assert result.exit_code == 7
    assert "above the limit of 0.1%" in result.output
    assert len(_Hook.received) == 1
    alert = _Hook.received[0]
    assert "failed at quality" in alert["text"] and alert["mca"]["stage"] == "quality"
    manifest = json.loads(Path(alert["mca"]["manifest"]).read_text())
    assert manifest["status"] == "failed" and manifest["stages"][-1]["name"] == "quality"
    # a webhook that cannot be reached never masks the original failure
    dead = cli(s, "run", "--out", str(tmp_path / "out"), "--as-of", AS_OF.isoformat(),
               "--max-quarantine-pct", "0.1", "--alert-webhook", "http://127.0.0.1:9/nothing-listens")
    assert dead.exit_code == 7 and "above the limit of 0.1%" in dead.output
    errors = [line for line in dead.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "quarantined" in errors[0]
    # the same data passes under the default 5% limit
    ok = cli(s, "run", "--out", str(tmp_path / "out"), "--as-of", AS_OF.isoformat())
    assert ok.exit_code == 0, ok.output


@pytest.mark.parametrize("target", ["duckdb", "mariadb"])
def test_a_second_run_on_the_same_warehouse_exits_clearly(target, duckdb_settings_factory,
                                                          server_settings_factory, tmp_path):
    s = duckdb_settings_factory("lock") if target == "duckdb" else server_settings_factory(Target.mariadb, "lock")
    if target == "duckdb":
        import duckdb

        duckdb.connect(str(s.duckdb_path)).close()  # a warehouse that exists (a missing file is exit 2)
    with run_lock(s):
        started = time.monotonic()
        result = cli(s, "run", "--out", str(tmp_path / "out"), "--wait", "1")
        waited = time.monotonic() - started
    assert result.exit_code == 8
    assert "another mca command" in result.output
    assert waited >= 0.9
    assert not (tmp_path / "out" / "executive_summary.pdf").exists()


def test_rerun_on_unchanged_input_gives_the_same_marts_and_numbers(duckdb_settings_factory, tmp_path):
    s = duckdb_settings_factory("rerun")
    jobs.make_sample_data(s, rows=3000, customers=400, end_date=AS_OF)
    outs = []
    for i in range(2):
        out = tmp_path / f"out{i}"
        result = cli(s, "run", "--out", str(out), "--as-of", AS_OF.isoformat())
        assert result.exit_code == 0, result.output
        outs.append((out, snapshot(s)))
    (out_a, marts_a), (out_b, marts_b) = outs
    for mart in MARTS:
        # exact for keys, counts and decimal money; doubles such as avg_roi may differ in the
        # last bits because DuckDB aggregates in parallel in no fixed order
        pd.testing.assert_frame_equal(marts_a[mart], marts_b[mart], check_exact=False, rtol=1e-12)
    ma = json.loads(next((out_a / "runs").glob("*.json")).read_text())
    mb = json.loads(next((out_b / "runs").glob("*.json")).read_text())
    assert ma["data_quality"] == mb["data_quality"] and ma["segmentation"] == mb["segmentation"]
    da, db = out_a / "dashboards", out_b / "dashboards"
    for name in ("fact_campaign_day.csv", "dim_date.csv", "dim_campaign.csv", "dim_customer.csv",
                 "customer_segments_powerbi.csv"):
        assert (da / name).read_bytes() == (db / name).read_bytes(), name
    pd.testing.assert_frame_equal(pd.read_csv(da / "channel_performance_powerbi.csv"),
                                  pd.read_csv(db / "channel_performance_powerbi.csv"), rtol=1e-12)
    # the report numbers, as printed, are identical
    from pypdf import PdfReader

    def numbers(folder: Path) -> list[str]:
        import re

        text = "\n".join(p.extract_text() for p in PdfReader(folder / "executive_summary.pdf").pages)
        return re.findall(r"Rs\. [0-9,.-]+|-?[0-9,]+\.[0-9]{2}%", text)

    assert numbers(out_a) == numbers(out_b) and len(numbers(out_a)) > 20


@pytest.fixture
def killable_user(server_settings_factory):
    s = server_settings_factory(Target.mariadb, "kill")
    user = f"mca_k{os.getpid() % 100000}"
    root = pymysql.connect(host=s.host, port=s.port, user=s.user, password=s.password, autocommit=True)
    with root.cursor() as cur:
        cur.execute(f"drop user if exists '{user}'@'%'")
        cur.execute(f"create user '{user}'@'%' identified by 'k1ll-me'")
        for schema in (s.raw_schema, s.schema):
            cur.execute(f"grant all privileges on `{schema}`.* to '{user}'@'%'")
    yield Settings(target=Target.mariadb, host=s.host, port=s.port, user=user, password="k1ll-me",
                   raw_schema=s.raw_schema, schema=s.schema, dbt_project_dir=s.dbt_project_dir), root
    with root.cursor() as cur:
        cur.execute(f"drop user if exists '{user}'@'%'")
    root.close()


def test_connection_killed_mid_run_keeps_reports_and_a_rerun_agrees(killable_user, tmp_path):
    s, root = killable_user
    out = tmp_path / "out"
    assert cli(s, "sample-data", "--rows", "20000", "--end-date", AS_OF.isoformat()).exit_code == 0
    first = cli(s, "run", "--out", str(out), "--as-of", AS_OF.isoformat())
    assert first.exit_code == 0, first.output
    before_files, before_marts = digest(out), snapshot(s)

    # kill every connection of the run's user while the run is under way (retries included)
    env = {**os.environ, **env_for(s), "MCA_CONNECT_TRIES": "2"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "reporting.cli", "run", "--out", str(out), "--as-of", AS_OF.isoformat()],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    killed = 0
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        with root.cursor() as cur:
            cur.execute("select id from information_schema.processlist where user = %s", [s.user])
            for (conn_id,) in cur.fetchall():
                try:
                    cur.execute(f"kill connection {int(conn_id)}")
                    killed += 1
                except pymysql.err.OperationalError:
                    pass  # already gone
        time.sleep(0.05)
    stdout, stderr = proc.communicate(timeout=60)
    assert killed > 0
    assert proc.returncode != 0, stdout + stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in stderr
    assert digest(out) == before_files  # previous reports intact

    again = cli(s, "run", "--out", str(out), "--as-of", AS_OF.isoformat())
    assert again.exit_code == 0, again.output
    after = snapshot(s)
    for mart in MARTS:
        pd.testing.assert_frame_equal(before_marts[mart], after[mart], check_exact=False, rtol=1e-12)
