"""The warehouse's bulk readers: the fast MySQL path (mysql-connector's C extension), its PyMySQL
fallback and DuckDB's COPY return the same values, in order, NULLs and text intact."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import mysql.connector
import pandas as pd
import pytest

from reporting.warehouse import ExportFile, Warehouse

ROWS = 2_345  # more than one chunk of 1,000 below, and not a multiple of it


def _fill(wh: Warehouse, schema: str) -> None:
    wh.ensure_schema(schema)
    t = wh.relation(schema, "reader_check")
    wh.execute(f"drop table if exists {t}")
    wh.execute(f"create table {t} (id bigint, amount decimal(20, 4), day date, name varchar(64), "
               f"ratio double)")
    values = ", ".join(
        f"({i}, {'null' if i % 7 == 0 else f'{i * 1.5:.4f}'}, "
        f"{'null' if i % 11 == 0 else repr((dt.date(2026, 1, 1) + dt.timedelta(days=i % 300)).isoformat())}, "
        f"{'null' if i % 13 == 0 else repr('név ' + str(i) + (' 広告' if i % 5 == 0 else ''))}, "
        f"{'null' if i % 3 == 0 else i / 7})"
        for i in range(ROWS, 0, -1)
    )
    wh.execute(f"insert into {t} values {values}")


def _read(wh: Warehouse, schema: str) -> pd.DataFrame:
    t = wh.relation(schema, "reader_check")
    chunks = list(wh.iter_query(f"select id, amount, day, name, ratio from {t} order by id", chunk_rows=1_000))
    assert [len(c) for c in chunks] == [1_000, 1_000, 345]
    frame = pd.concat(chunks, ignore_index=True)
    frame["amount"] = pd.to_numeric(frame["amount"].map(lambda v: None if v is None else Decimal(v)))
    frame["day"] = pd.to_datetime(frame["day"])
    frame["ratio"] = pd.to_numeric(frame["ratio"])
    return frame


FAST_READ = """
import sys
import reporting  # first, as mca-report does, so mysql-connector's C extension loads
import mysql.connector
from reporting.settings import resolve_settings
from reporting.warehouse import Warehouse
sys.path.insert(0, sys.argv[1])
from test_readers import _read
assert mysql.connector.HAVE_CEXT, "C extension not loaded"
settings = resolve_settings()
with Warehouse(settings) as wh:
    sys.stdout.write(_read(wh, settings.schema).to_csv(index=False))
"""


@pytest.mark.mariadb
def test_mysql_fast_reader_and_fallback_agree(server_settings_factory, monkeypatch):
    settings = server_settings_factory()
    monkeypatch.setattr(mysql.connector, "HAVE_CEXT", False)  # in here: the PyMySQL fallback
    with Warehouse(settings) as wh:
        _fill(wh, settings.schema)
        slow = _read(wh, settings.schema)
    env = {**os.environ, "MCA_TARGET": "mariadb", "MCA_SCHEMA": settings.schema,
           "MCA_RAW_SCHEMA": settings.raw_schema}
    proc = subprocess.run([sys.executable, "-c", FAST_READ, str(Path(__file__).parent)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout == slow.to_csv(index=False)
    assert slow["id"].tolist() == list(range(1, ROWS + 1))
    assert slow.loc[slow["id"] == 10, "name"].item() == "név 10 広告"
    assert slow.loc[slow["id"] == 14, "amount"].isna().item()
    assert slow.loc[slow["id"] == 8, "amount"].item() == 12.0
    assert slow["name"].isna().sum() == ROWS // 13


def test_duckdb_copy_keeps_the_query_order(duckdb_settings_factory, tmp_path):
    settings = duckdb_settings_factory("readers")
    path = tmp_path / "out.csv"
    with Warehouse(settings) as wh:
        _fill(wh, settings.schema)
        t = wh.relation(settings.schema, "reader_check")
        [written] = wh.export(f"select id, name from {t} order by id",
                              [ExportFile(path, ["id", "name"], {"id": "int64"})])
    back = pd.read_csv(path)
    assert written == ROWS
    assert back["id"].tolist() == list(range(1, ROWS + 1))
    assert back.loc[back["id"] == 10, "name"].item() == "név 10 広告"
