"""What a failed or refused ingest leaves behind: a rejects path that is someone else's file is
refused before anything happens (exit 4); an encoding that is not a text codec is a config error
(exit 2); a failed load leaves no temporary folder, and no raw schema or load log when nothing
was loaded."""

from __future__ import annotations

import tempfile

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from reporting.contract import CUSTOMERS, LOAD_LOG, TableSpec
from reporting.errors import ConfigError, DataError, RefusedError, WarehouseError
from reporting.ingest import ingest_files
from reporting.settings import Settings, Target
from reporting.warehouse import Warehouse
from reporting.warehouse.duckdb import DuckDBWarehouse
from reporting.warehouse.mysql import MySQLWarehouse
from tests.ingest.helpers import PLAIN_CAMPAIGNS, campaigns_csv, ingest_app, mapping

ROW = ["x", "Email", "1.5", 10, 1, 0, "2", "2024-01-01"]
BAD_ROW = ["y", "Email", "not money", 10, 1, 0, "2", "2024-01-01"]


def invoke(*args: str):
    return CliRunner().invoke(ingest_app(), ["ingest", *args])


def plain_yml(tmp_path, **fmt):
    path = tmp_path / "plain.yml"
    path.write_text(yaml.safe_dump({**PLAIN_CAMPAIGNS, "format": fmt} if fmt else PLAIN_CAMPAIGNS), encoding="utf-8")
    return path


def duckdb_file(db) -> Settings:
    return Settings(target=Target.duckdb, duckdb_path=db)


def schema_exists(settings) -> bool:
    with Warehouse(settings) as wh:
        p = wh.placeholder
        return int(wh.scalar(f"select count(*) from information_schema.schemata where schema_name = {p}",
                             [settings.raw_schema])) > 0


# ---- --rejects ---------------------------------------------------------------------------------


def test_rejects_path_holding_another_file_is_refused_before_anything_is_loaded(tmp_path):
    data = campaigns_csv(tmp_path / "data.csv", [ROW, BAD_ROW])
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes, not to be lost\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    args = ["campaigns", str(data), "-m", str(plain_yml(tmp_path)), "--max-reject-pct", "60",
            "--duckdb-path", str(db), "-t", "duckdb"]
    result = invoke(*args, "--rejects", str(notes))
    assert result.exit_code == 4, result.output
    assert (f"error: {notes} exists and is not an mca rejects file (its first line is not line,reason,raw_line); "
            "refusing to overwrite it: choose another path with --rejects") in result.output
    assert notes.read_text(encoding="utf-8") == "my notes, not to be lost\n"
    result = invoke(*args, "--rejects", str(data))  # the input itself
    assert result.exit_code == 4 and data.read_text(encoding="utf-8").startswith("campaign_name,")
    default = tmp_path / "data.csv.rejects.csv"  # someone's file where the default rejects file goes
    default.write_text("keep me\n", encoding="utf-8")
    result = invoke(*args)
    assert result.exit_code == 4
    assert "refusing to overwrite it: move it, or choose a path with --rejects" in result.output
    assert default.read_text(encoding="utf-8") == "keep me\n"
    with pytest.raises(RefusedError):
        ingest_files(duckdb_file(db), "campaigns", [data], mapping(PLAIN_CAMPAIGNS), rejects=notes)
    assert not schema_exists(duckdb_file(db))


def test_mcas_own_rejects_file_and_an_empty_file_are_overwritten(tmp_path):
    data = campaigns_csv(tmp_path / "data.csv", [ROW, BAD_ROW])
    old = tmp_path / "old.rejects.csv"
    old.write_text("line,reason,raw_line\r\n9,old reason,old line\r\n", encoding="utf-8")
    empty = tmp_path / "empty.csv"
    empty.touch()
    for target in (old, empty):
        result = invoke("campaigns", str(data), "-m", str(plain_yml(tmp_path)), "--max-reject-pct", "60",
                        "--rejects", str(target), "--duckdb-path", str(tmp_path / f"{target.stem}.duckdb"),
                        "-t", "duckdb")
        assert result.exit_code == 0, result.output
        assert target.read_text(encoding="utf-8").splitlines()[1].startswith("3,cost (from cost): not a number")


# ---- encodings ---------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["hex", "rot13", "base64"])
def test_an_encoding_that_is_not_a_text_codec_is_a_config_error(tmp_path, encoding):
    with pytest.raises(ConfigError, match=rf"format.encoding: '{encoding}' is not a text encoding"):
        mapping({**PLAIN_CAMPAIGNS, "format": {"encoding": encoding}})
    data = campaigns_csv(tmp_path / "data.csv", [ROW])
    result = invoke("campaigns", str(data), "-m", str(plain_yml(tmp_path, encoding=encoding)),
                    "--duckdb-path", str(tmp_path / "w.duckdb"), "-t", "duckdb")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


# ---- what a failed load leaves behind ---------------------------------------------------------


@pytest.fixture
def temp_dir(tmp_path, monkeypatch):
    """A temp dir of the test's own, so that listing it shows only what this ingest left."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp


def users_customers(settings) -> None:
    """A customers table with a primary key, holding customer 1 already."""
    frame = pd.DataFrame({"customer_id": [1], "age": [50], "sessions": [1], "avg_session_duration": [None],
                          "pages_per_session": [None], "transactions": [1], "revenue": [9.0],
                          "acquisition_channel": ["FB"], "signup_date": [pd.Timestamp("2012-01-01")]})
    with Warehouse(settings) as wh:
        wh.replace_table(settings.raw_schema, TableSpec("customers", CUSTOMERS.columns, primary_key=("customer_id",)),
                         frame, comment="our CRM export")


def customers_file(path):
    path.write_text("id,age\n2,30\n1,40\n", encoding="utf-8")
    return path


CUSTOMERS_MAPPING = {"table": "customers", "columns": {
    "customer_id": "id", "age": "age", "sessions": None, "avg_session_duration": None, "pages_per_session": None,
    "transactions": None, "revenue": None, "acquisition_channel": None, "signup_date": None}}


def test_a_load_the_table_refuses_leaves_no_temporary_folder(make_settings, tmp_path, temp_dir):
    s = make_settings()
    users_customers(s)
    with pytest.raises(WarehouseError, match="nothing loaded"):  # customer 1 again: duplicate key
        ingest_files(s, "customers", [customers_file(tmp_path / "c.csv")], mapping(CUSTOMERS_MAPPING))
    assert sorted(p.name for p in temp_dir.iterdir()) == []


def test_a_load_that_fails_midway_leaves_no_temporary_folder_schema_or_log(make_settings, tmp_path, temp_dir,
                                                                          monkeypatch):
    s = make_settings()
    seen = []

    def write_then_fail(self, frame, spec, path):
        original_write(self, frame, spec, path)
        seen.append(sorted(p.name for p in temp_dir.iterdir()))
        raise OSError("No space left on device")

    def insert_fails(self, schema, spec, frame):
        seen.append([])
        raise RuntimeError("No space left on device")

    original_write = MySQLWarehouse._write_tsv
    monkeypatch.setattr(MySQLWarehouse, "_write_tsv", write_then_fail)
    monkeypatch.setattr(DuckDBWarehouse, "insert_frame", insert_fails)
    path = campaigns_csv(tmp_path / "a.csv", [ROW])
    with pytest.raises(WarehouseError, match="nothing loaded: No space left on device"):
        ingest_files(s, "campaigns", [path], mapping(PLAIN_CAMPAIGNS))
    assert len(seen) == 1
    if s.target.value == "mariadb":
        assert [name[:9] for name in seen[0]] == ["mca-load-"]  # it was there during the load
    assert sorted(p.name for p in temp_dir.iterdir()) == []
    assert not schema_exists(s)  # created for this load, taken back with it


def test_a_file_that_fails_to_read_creates_no_raw_schema_or_load_log(make_settings, tmp_path):
    s = make_settings()
    bad_header = tmp_path / "bad.csv"
    bad_header.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        ingest_files(s, "campaigns", [bad_header], mapping(PLAIN_CAMPAIGNS))
    rejected = campaigns_csv(tmp_path / "rejected.csv", [ROW, BAD_ROW])
    with pytest.raises(DataError, match="nothing loaded"):
        ingest_files(s, "campaigns", [rejected], mapping(PLAIN_CAMPAIGNS))
    assert not schema_exists(s)
    # and a load that works creates them
    [outcome] = ingest_files(s, "campaigns", [rejected], mapping(PLAIN_CAMPAIGNS), max_reject_pct=60)
    assert outcome.rows_loaded == 1
    with Warehouse(s) as wh:
        assert wh.table_exists(s.raw_schema, LOAD_LOG.name) and wh.table_exists(s.raw_schema, "campaigns")
