"""The mca-report CLI through typer's CliRunner, against real DuckDB files and MariaDB."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import duckdb
import pytest
from typer.testing import CliRunner

from reporting.cli import app

runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


def assert_one_line_error(result) -> None:
    """Exactly one error line, and no traceback."""
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert "Traceback" not in result.output


def test_help_lists_every_command():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("run", "sample-data", "build", "segment", "report", "ingest", "docs"):
        assert command in result.output


def test_cli_loads_without_scikit_learn_or_matplotlib():
    """scikit-learn and matplotlib cost seconds to import; only segmenting and charting need them."""
    code = ("import sys, reporting.cli, segmentation; "
            "from segmentation import DEFAULT_FEATURES, SegmentationError; "
            "print(sorted(m for m in ('sklearn', 'matplotlib', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    code = "import segmentation, sys; segmentation.segment_customers; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_no_arguments_shows_help():
    result = invoke()
    assert "Usage" in result.output
    assert "sample-data" in result.output


def test_unknown_target_is_a_usage_error():
    result = invoke("build", "--target", "postgres")
    assert result.exit_code == 2


def test_sample_data_loads_and_reports_counts(tmp_path):
    db = tmp_path / "cli.duckdb"
    result = invoke("sample-data", "--rows", "2000", "--customers", "300", "--end-date", "2025-06-30",
                    "--duckdb-path", str(db))
    assert result.exit_code == 0, result.output
    assert "loaded 2,000 rows into mca_raw.campaigns" in result.output
    assert "loaded 300 rows into mca_raw.customers" in result.output
    con = duckdb.connect(str(db))
    count, first, last = con.execute("select count(*), min(date), max(date) from mca_raw.campaigns").fetchone()
    assert count == 2000
    assert dt.date(2024, 6, 30) < first <= last <= dt.date(2025, 6, 30)
    con.close()


def test_sample_data_refuses_to_replace_a_users_table(tmp_path):
    db = tmp_path / "user.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema mca_raw")
    con.execute("create table mca_raw.campaigns (id bigint, campaign_name varchar)")
    con.execute("insert into mca_raw.campaigns values (1, 'mine')")
    con.close()
    result = invoke("sample-data", "--rows", "100", "--duckdb-path", str(db))
    assert result.exit_code == 4
    assert "not created by mca" in result.output and "--force" in result.output
    assert_one_line_error(result)
    con = duckdb.connect(str(db))
    assert con.execute("select * from mca_raw.campaigns").fetchall() == [(1, "mine")]
    assert con.execute("select count(*) from duckdb_tables() where table_name = 'customers'").fetchone() == (0,)
    con.close()
    forced = invoke("sample-data", "--rows", "100", "--force", "--duckdb-path", str(db))
    assert forced.exit_code == 0, forced.output
    con = duckdb.connect(str(db))
    assert con.execute("select count(*) from mca_raw.campaigns").fetchone() == (100,)
    con.close()


def test_build_names_a_missing_raw_column_before_running_dbt(tmp_path):
    db = tmp_path / "broken.duckdb"
    assert invoke("sample-data", "--rows", "100", "--duckdb-path", str(db)).exit_code == 0
    con = duckdb.connect(str(db))
    con.execute("alter table mca_raw.campaigns drop column conversions")
    con.close()
    result = invoke("build", "--duckdb-path", str(db))
    assert result.exit_code == 3
    assert "mca_raw.campaigns lacks required column(s): conversions" in result.output
    assert_one_line_error(result)


def test_build_without_raw_tables_says_what_to_do(tmp_path):
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()  # a warehouse without raw tables (a missing file is refused, exit 2)
    result = invoke("build", "--duckdb-path", str(db))
    assert result.exit_code == 3
    assert "mca-report sample-data" in result.output


def test_bad_as_of_is_a_usage_error(tmp_path):
    result = invoke("build", "--as-of", "31/12/2025", "--duckdb-path", str(tmp_path / "x.duckdb"))
    assert result.exit_code == 2
    assert result.output == "error: --as-of '31/12/2025' does not match the format YYYY-MM-DD (e.g. 2026-11-24)\n"


def test_unreachable_server_fails_with_host_and_port_and_no_password(tmp_path):
    env = {"MCA_DB_HOST": "127.0.0.1", "MCA_DB_PORT": "1", "MCA_CONNECT_TRIES": "2",
           "DBT_ENV_SECRET_MCA_DB_PASSWORD": "s3cret-pw"}
    result = invoke("sample-data", "--rows", "10", "--target", "mariadb", env=env)
    assert result.exit_code == 3
    assert "127.0.0.1:1" in result.output and "after 2 tries" in result.output
    assert "s3cret-pw" not in result.output


def test_sample_data_refuses_to_replace_ingested_tables(tmp_path):
    """Rows `ingest` loaded from a user's files are not sample data to throw away."""
    db = tmp_path / "ingested.duckdb"
    assert invoke("sample-data", "--rows", "50", "--duckdb-path", str(db)).exit_code == 0
    con = duckdb.connect(str(db))
    con.execute("comment on table mca_raw.customers is 'created by mca ingest'")
    con.close()
    result = invoke("sample-data", "--rows", "50", "--duckdb-path", str(db))
    assert result.exit_code == 4
    assert "created by mca ingest" in result.output
