"""`mca-report ingest` through typer's CliRunner on a real DuckDB file: what it prints, exit codes."""

from __future__ import annotations

import shutil

import duckdb
from typer.testing import CliRunner

from tests.ingest.helpers import FIXTURES, MAPPINGS, PLAIN_CAMPAIGNS, campaigns_csv, ingest_app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(ingest_app(), ["ingest", *args])


def one_error_line(result) -> str:
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert "Traceback" not in result.output
    return errors[0]


def test_help_and_no_arguments():
    result = invoke("--help")
    assert result.exit_code == 0
    for option in ("--mapping", "--replace", "--max-reject-pct", "--rejects", "--target", "--duckdb-path"):
        assert option in result.output
    assert "campaigns" in result.output and "orders" in result.output
    assert "Usage" in invoke().output


def test_ingest_prints_counts_per_file_then_skips_the_same_content(tmp_path):
    db = tmp_path / "w.duckdb"
    src = shutil.copy(FIXTURES / "orders_ws.txt", tmp_path / "orders.txt")
    args = ["orders", str(src), "--mapping", str(MAPPINGS / "cdnow_orders.yml"), "--duckdb-path", str(db),
            "--target", "duckdb", "--max-reject-pct", "20"]
    first = invoke(*args)
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert lines[0] == f"ingest into mca_raw.orders on duckdb file {db}"
    assert lines[1].startswith("orders.txt: read 12, loaded 10, rejected 2 (load 1, ")
    assert lines[2] == f"  rejected lines: {tmp_path / 'orders.txt.rejects.csv'}"
    assert lines[3] == "  note: 1 lines repeat an earlier line exactly (loaded as they are)"

    again = invoke(*args)
    assert again.exit_code == 0
    assert "orders.txt: read 0, loaded 0, rejected 0, skipped: already loaded (load 1 of orders.txt on " in again.output
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from mca_raw.orders").fetchone()[0] == 10

    replaced = invoke(*args, "--replace")
    assert replaced.exit_code == 0
    assert "orders.txt: read 12, loaded 10, rejected 2 (load 2, " in replaced.output
    assert "replacing 10 rows of load 1" in replaced.output
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from mca_raw.orders").fetchone()[0] == 10


def test_several_files_print_a_total(tmp_path):
    a = campaigns_csv(tmp_path / "a.csv", [["x", "Email", "1", 10, 1, 0, "2", "2024-01-01"]])
    b = campaigns_csv(tmp_path / "b.csv", [["y", "Email", "1", 10, 1, 0, "2", "2024-01-02"]] * 2)
    mapping = tmp_path / "plain.yml"
    import yaml

    mapping.write_text(yaml.safe_dump(PLAIN_CAMPAIGNS), encoding="utf-8")
    result = invoke("campaigns", str(a), str(b), str(a), "-m", str(mapping), "--duckdb-path", str(tmp_path / "w.duckdb"),
                    "-t", "duckdb")
    assert result.exit_code == 0, result.output
    assert "a.csv: read 1, loaded 1, rejected 0 (load 1, ids 1-1, " in result.output
    assert "b.csv: read 2, loaded 2, rejected 0 (load 2, ids 2-3, " in result.output
    assert "a.csv: read 0, loaded 0, rejected 0, skipped: already loaded (load 1 " in result.output
    assert result.output.splitlines()[-1] == "total: read 3, loaded 3, rejected 0, skipped 1 of 3 files as already loaded"


def test_too_many_rejects_is_exit_6_with_one_line(tmp_path):
    src = shutil.copy(FIXTURES / "campaigns_eu.csv", tmp_path / "eu.csv")
    result = invoke("campaigns", str(src), "--mapping", str(FIXTURES / "campaigns_eu.yml"),
                    "--duckdb-path", str(tmp_path / "w.duckdb"), "-t", "duckdb")
    assert result.exit_code == 6
    line = one_error_line(result)
    assert line == (f"error: eu.csv: 5 of 10 lines rejected (50.0%), above the 1% limit; nothing loaded; "
                    f"see {tmp_path / 'eu.csv.rejects.csv'}")


def test_mapping_naming_a_column_the_file_lacks_is_exit_2(tmp_path):
    src = shutil.copy(FIXTURES / "campaigns_eu.csv", tmp_path / "eu.csv")
    result = invoke("campaigns", str(src), "--mapping", str(MAPPINGS / "online_ads_q2_2020.yml"),
                    "--duckdb-path", str(tmp_path / "w.duckdb"), "-t", "duckdb")
    assert result.exit_code == 2
    assert "column 'campaign_number' (used by campaign_name) is not in the header of eu.csv" in one_error_line(result)


def test_wrong_table_for_the_mapping_and_bad_limit(tmp_path):
    src = shutil.copy(FIXTURES / "orders_ws.txt", tmp_path / "o.txt")
    result = invoke("customers", str(src), "--mapping", str(MAPPINGS / "cdnow_orders.yml"),
                    "--duckdb-path", str(tmp_path / "w.duckdb"))
    assert result.exit_code == 2
    assert one_error_line(result) == "error: mapping cdnow_orders is for the orders table, not customers"
    result = invoke("orders", str(src), "--mapping", str(MAPPINGS / "cdnow_orders.yml"), "--max-reject-pct", "101")
    assert result.exit_code == 2  # typer's range check


def test_rejects_option_file_or_folder(tmp_path):
    src = shutil.copy(FIXTURES / "orders_ws.txt", tmp_path / "o.txt")
    out = tmp_path / "rejects"
    out.mkdir()
    result = invoke("orders", str(src), "--mapping", str(MAPPINGS / "cdnow_orders.yml"), "--max-reject-pct", "50",
                    "--rejects", str(out), "--duckdb-path", str(tmp_path / "w.duckdb"), "-t", "duckdb")
    assert result.exit_code == 0, result.output
    assert (out / "o.txt.rejects.csv").read_text(encoding="utf-8").splitlines()[:2] == [
        "line,reason,raw_line",
        "11,order_date (from date): not a date in format %Y%m%d: '1997-01-01', 00005 1997-01-01  1   10.00",
    ]
    two = invoke("orders", str(src), str(src), "--mapping", str(MAPPINGS / "cdnow_orders.yml"),
                 "--rejects", str(tmp_path / "r.csv"), "--duckdb-path", str(tmp_path / "w.duckdb"), "-t", "duckdb")
    assert two.exit_code == 2
    assert "must be a folder when several files are ingested" in one_error_line(two)
