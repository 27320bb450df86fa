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


def _text(value: str, bell: bool) -> str:
    literal = "'" + value.replace("\\", "\\\\").replace("'", "''").replace("\t", "\\t") + "'"
    return f"concat({literal}, char(7))" if bell else literal


def _fill_wide(wh: Warehouse, schema: str, rows: int) -> str:
    """``rows`` rows of every export kind, in reverse id order, with NULLs, non-ASCII text,
    control characters and cells a spreadsheet would run as formulas."""
    wh.ensure_schema(schema)
    t = wh.relation(schema, "export_check")
    wh.execute(f"drop table if exists {t}")
    wh.execute(f"create table {t} (id bigint, amount decimal(20, 4), day date, name varchar(64), "
               f"ratio double, flag integer)")
    starts = ["", "=", "+", "-", "@", "\t"]
    for lo in range(rows, 0, -10_000):
        values = ", ".join(
            f"({i}, {'null' if i % 7 == 0 else f'{i * 1.5:.4f}'}, "
            f"{'null' if i % 11 == 0 else repr((dt.date(2026, 1, 1) + dt.timedelta(days=i % 300)).isoformat())}, "
            f"{'null' if i % 13 == 0 else _text(starts[i % 6] + 'név ' + str(i) + (' 広告' if i % 5 == 0 else ''), i % 17 == 0)}, "
            f"{'null' if i % 3 == 0 else i / 7}, {i % 2})"
            for i in range(lo, max(lo - 10_000, 0), -1)
        )
        wh.execute(f"insert into {t} values {values}")
    return t


@pytest.mark.mariadb
def test_mysql_arrow_export_equals_the_row_by_row_export(server_settings_factory, tmp_path):
    """The export from a server streams Arrow batches (connectorx) into DuckDB; without
    connectorx it goes row by row. Both must write the same bytes (CSV) and the same typed rows
    (Parquet), in the query's order: 30,000 rows are enough for DuckDB to work in parallel."""
    import duckdb

    settings = server_settings_factory(tag="arrow_export")
    rows = 30_000
    kinds = {"id": "int64", "amount": "decimal", "day": "date", "name": "string", "ratio": "double",
             "flag": "boolean"}
    written = {}
    with Warehouse(settings) as wh:
        t = _fill_wide(wh, settings.schema, rows)
        sql = f"select id, amount, day, name, ratio, flag from {t} order by id"
        assert wh.arrow_reader(sql) is not None, "connectorx is a dependency: the fast path must be taken"
        for way in ("arrow", "rows"):
            folder = tmp_path / way
            folder.mkdir()
            if way == "rows":
                wh.arrow_reader = lambda sql, chunk_rows=0, **_: None  # type: ignore[method-assign]
            outputs = [ExportFile(folder / "both.csv", list(kinds), kinds),
                       ExportFile(folder / "both.parquet", list(kinds), kinds),
                       ExportFile(folder / "alone.csv", ["id", "name"], kinds)]
            counts = wh.export(sql, outputs[:2], chunk_rows=1_000) + wh.export(sql, outputs[2:], chunk_rows=1_000)
            assert counts == [rows] * 3
            written[way] = folder
    for name in ("both.csv", "alone.csv"):
        assert (written["arrow"] / name).read_bytes() == (written["rows"] / name).read_bytes(), name
    con = duckdb.connect()
    fast, slow = (con.execute(f"select * from read_parquet('{written[w] / 'both.parquet'}')").fetchall()
                  for w in ("arrow", "rows"))
    assert fast == slow
    assert [r[0] for r in fast] == list(range(1, rows + 1))
    back = pd.read_csv(written["arrow"] / "both.csv", keep_default_na=False, dtype=str)
    assert back["id"].astype(int).tolist() == list(range(1, rows + 1))
    by_id = back.set_index(back["id"].astype(int))
    assert by_id.loc[10, "name"] == "'@név 10 広告"  # 10 % 6 == 4: starts with '@', made text
    assert by_id.loc[34, "name"] == "'@név 34"  # and its control character dropped
    assert by_id.loc[12, "name"] == "név 12"
    assert by_id.loc[13, "name"] == ""  # NULL
    assert by_id.loc[8, "amount"] == "12.0000" and by_id.loc[14, "amount"] == ""
    assert by_id.loc[1, "flag"] == "true" and by_id.loc[2, "flag"] == "false"
    assert by_id.loc[11, "day"] == "" and by_id.loc[1, "day"] == "2026-01-02"


@pytest.mark.mariadb
@pytest.mark.parametrize("page_rows", [7_000, 10_000])  # a short last page; full pages only
def test_a_paged_export_writes_what_an_unpaged_one_does(server_settings_factory, tmp_path, monkeypatch, page_rows):
    """With a page key the server's rows are read a page of the key at a time (connectorx
    would otherwise buffer a whole table ahead of a slow writer): the files are byte for byte
    those of one read, every row once and in order, and each page is its own read (30,000 rows
    in pages of 7,000 are five reads; in pages of 10,000, three and an empty fourth)."""
    import connectorx
    import duckdb

    import reporting.warehouse.mysql as engine

    settings = server_settings_factory(tag=f"paged_{page_rows}")
    rows = 30_000
    kinds = {"id": "int64", "amount": "decimal", "day": "date", "name": "string", "ratio": "double",
             "flag": "boolean"}
    monkeypatch.setattr(engine, "EXPORT_PAGE_ROWS", page_rows)
    reads: list[str] = []
    real = connectorx.read_sql

    def counted(url, sql, **kwargs):
        reads.append(sql)
        return real(url, sql, **kwargs)

    monkeypatch.setattr(connectorx, "read_sql", counted)
    written = {}
    with Warehouse(settings) as wh:
        t = _fill_wide(wh, settings.schema, rows)
        wh.execute(f"alter table {t} add primary key (id)")  # a page key is an indexed key
        # a join with qualified columns, as the dim_customer export has
        sql = (f"select a.id, a.amount, a.day, a.name, a.ratio, b.flag from {t} a "
               f"left join {t} b on a.id = b.id order by a.id")
        for way, key in (("one", None), ("paged", "id")):
            folder = tmp_path / way
            folder.mkdir()
            reads.clear()
            outputs = [ExportFile(folder / "rows.csv", list(kinds), kinds),
                       ExportFile(folder / "rows.parquet", list(kinds), kinds)]
            assert wh.export(sql, outputs, chunk_rows=1_000, page_key=key) == [rows, rows]
            written[way] = (folder, len(reads))
        with pytest.raises(ValueError, match="page_key 'name' is not an integer column"):
            wh.arrow_reader(sql, page_key="name")
    assert written["one"][1] == 1
    assert written["paged"][1] == -(-rows // page_rows) + (rows % page_rows == 0)
    assert (written["paged"][0] / "rows.csv").read_bytes() == (written["one"][0] / "rows.csv").read_bytes()
    con = duckdb.connect()
    one, paged = (con.execute(f"select * from read_parquet('{written[w][0] / 'rows.parquet'}')").fetchall()
                  for w in ("one", "paged"))
    assert paged == one and [r[0] for r in paged] == list(range(1, rows + 1))
    back = pd.read_csv(written["paged"][0] / "rows.csv", keep_default_na=False, dtype=str)
    assert back["id"].astype(int).tolist() == list(range(1, rows + 1))


@pytest.mark.mariadb
def test_arrow_reader_errors_are_one_clear_line_without_the_password(server_settings_factory):
    import dataclasses

    from reporting.errors import WarehouseError

    settings = server_settings_factory(tag="arrow_errors")
    with pytest.raises(WarehouseError) as failed:
        Warehouse(settings).arrow_reader("select * from no_such_schema_here.nope")
    assert str(failed.value) == ("reading from mariadb at root@127.0.0.1:3306 failed: MySqlError { ERROR 1146 "
                                 "(42S02): Table 'no_such_schema_here.nope' doesn't exist }")
    # a connection error quotes the URL, which holds the password, plain or URL-encoded
    secret = dataclasses.replace(settings, password="s3cret-pw:@/x")
    said = Warehouse(secret).scrub("timed out: mysql://root:s3cret-pw%3A%40%2Fx@127.0.0.1:3306 (s3cret-pw:@/x)")
    assert said == "timed out: mysql://root:***@127.0.0.1:3306 (***)"


@pytest.mark.mariadb
def test_export_goes_row_by_row_when_connectorx_cannot_connect(server_settings_factory, tmp_path, monkeypatch, caplog):
    """PyMySQL connects where connectorx may not (MySQL 8's authentication without TLS, for
    one; there is no MySQL 8 here, so its failure is injected with connectorx's own message):
    the export still writes every file, row by row, and connectorx is tried once, not per file."""
    import logging

    import connectorx

    settings = server_settings_factory(tag="arrow_fallback")
    tries = []

    def cannot_connect(*args, **kwargs):
        tries.append(args)
        raise RuntimeError("timed out waiting for connection: MySqlError { ERROR 1045 (28000): Access denied }")

    monkeypatch.setattr(connectorx, "read_sql", cannot_connect)
    with Warehouse(settings) as wh, caplog.at_level(logging.WARNING):
        t = _fill_wide(wh, settings.schema, 2_000)
        sql = f"select id, name from {t} order by id"
        for name in ("a.csv", "b.csv"):
            [written] = wh.export(sql, [ExportFile(tmp_path / name, ["id", "name"], {"id": "int64"})])
            assert written == 2_000
    assert len(tries) == 1
    assert "exporting row by row" in caplog.text
    back = pd.read_csv(tmp_path / "b.csv", keep_default_na=False, dtype=str)
    assert back["id"].astype(int).tolist() == list(range(1, 2_001))
    assert back.loc[back["id"] == "10", "name"].item() == "'@név 10 広告"


@pytest.mark.mariadb
def test_reading_a_mart_as_numbers_through_arrow_equals_the_row_by_row_read(server_settings_factory, monkeypatch):
    """``read_mart(numbers_except=...)`` on MySQL/MariaDB reads connectorx's Arrow columns (the
    reports' campaign and comparison marts, without a Python object per value): the same frame,
    values and dtypes, as PyMySQL's rows through ``as_numbers``, NULLs in every type included,
    and an empty mart too."""
    import connectorx

    from reporting.warehouse.base import as_numbers

    read_sql, arrow_reads = connectorx.read_sql, []
    monkeypatch.setattr(connectorx, "read_sql", lambda *a, **k: arrow_reads.append(a[1]) or read_sql(*a, **k))
    settings = server_settings_factory(tag="numbers")
    text = ("name", "day")
    columns = ("id", "name", "day", "amount", "ratio", "flag", "small", "maybe")
    with Warehouse(settings) as wh:
        wh.ensure_schema(settings.schema)
        t = wh.mart("numbers_check")
        wh.execute(f"create table {t} (id bigint primary key, name varchar(64), day date, amount decimal(38, 10), "
                   "ratio double, flag boolean, small int, maybe bigint)")
        rows = ", ".join(
            f"({i}, {'null' if i % 13 == 0 else repr('név ' + str(i) + (' 広告' if i % 5 == 0 else ''))}, "
            f"{'null' if i % 11 == 0 else repr((dt.date(2026, 1, 1) + dt.timedelta(days=i % 300)).isoformat())}, "
            f"{'null' if i % 7 == 0 else f'{i * 1234567.0123456789:.10f}'}, {'null' if i % 3 == 0 else i / 7}, "
            f"{i % 2}, {i % 17 - 8}, {'null' if i % 4 == 0 else i * 10**12})"
            for i in range(1, ROWS + 1))
        wh.execute(f"insert into {t} values {rows}")
        wh.execute(f"create table {wh.mart('numbers_empty')} like {t}")

        fast = wh.read_mart("numbers_check", columns, order_by=["id"], numbers_except=text)
        assert len(arrow_reads) == 1 and "numbers_check" in arrow_reads[0]  # the real reader, only watched
        rowwise = as_numbers(wh.read_mart("numbers_check", columns, order_by=["id"]), text)
        empty = wh.read_mart("numbers_empty", columns, numbers_except=text)
        wh._arrow_unavailable = True  # as when connectorx cannot connect: PyMySQL's rows
        fallback = wh.read_mart("numbers_check", columns, order_by=["id"], numbers_except=text)
    assert len(arrow_reads) == 2  # the empty mart's; none for the fallback

    pd.testing.assert_frame_equal(fast, rowwise, check_exact=True)
    pd.testing.assert_frame_equal(fallback, rowwise, check_exact=True)
    assert fast["id"].tolist() == list(range(1, ROWS + 1))
    assert fast["amount"].dtype == "float64" and fast["maybe"].dtype == "float64"  # NULLs: NaN
    assert fast["small"].dtype == "int64" and fast["flag"].dtype == "int64"
    assert fast.loc[fast["id"] == 8, "amount"].item() == float("9876536.0987654312")
    assert fast.loc[fast["id"] == 14, "amount"].isna().item()
    assert fast.loc[fast["id"] == 10, "name"].item() == "név 10 広告"
    assert fast.loc[fast["id"] == 12, "day"].item() == dt.date(2026, 1, 13)
    assert fast["name"].isna().sum() == ROWS // 13
    assert list(empty.columns) == list(columns) and empty.empty
