"""Warehouse.replace_table_chunks on real DuckDB and MariaDB: a table replaced from a stream of
DataFrames is swapped in only whole; a load that fails part way (a bad chunk, or the stream
itself raising) leaves the previous table as it was and no staging table behind. And
`make_sample_data` in small chunks loads exactly the generator's rows."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from reporting import jobs
from reporting.contract import Column, ColumnType, TableSpec
from reporting.sample_data import generate_campaigns, generate_customers
from reporting.settings import Target
from reporting.warehouse import MCA_TABLE_MARKER, Warehouse

SPEC = TableSpec(
    name="things",
    columns=(Column("id", ColumnType.bigint, nullable=False), Column("label", ColumnType.text, 20),
             Column("amount", ColumnType.money)),
    primary_key=("id",),
)
END = dt.date(2026, 6, 30)


@pytest.fixture(params=["duckdb", "mariadb"])
def settings(request, duckdb_settings_factory):
    tag = request.node.originalname.split("_")[1][:12]
    if request.param == "duckdb":
        return duckdb_settings_factory(tag)
    request.getfixturevalue("mariadb_reachable")
    return request.getfixturevalue("server_settings_factory")(Target.mariadb, tag)


def _rows(first: int, n: int, label: str = "new") -> pd.DataFrame:
    ids = range(first, first + n)
    return pd.DataFrame({"id": list(ids), "label": [f"{label} {i}" for i in ids],
                         "amount": [i / 4 for i in ids]})


def _chunks(n_chunks: int, size: int):
    for k in range(n_chunks):
        yield _rows(1 + k * size, size)


def _table(wh: Warehouse, schema: str) -> pd.DataFrame:
    frame = wh.query(f"select id, label, amount from {wh.relation(schema, SPEC.name)} order by id")
    return frame.astype({"id": "int64", "amount": "float64"})


def _load_previous(wh: Warehouse, schema: str) -> pd.DataFrame:
    old = _rows(1, 5, label="old")
    assert wh.replace_table(schema, SPEC, old, comment=f"{MCA_TABLE_MARKER} previous") == 5
    return old


def _staging_left(wh: Warehouse, schema: str) -> bool:
    return wh.table_exists(schema, f"{SPEC.name}__mca_new")


def test_chunks_are_loaded_and_swapped_in(settings):
    schema = settings.raw_schema
    with Warehouse(settings) as wh:
        _load_previous(wh, schema)
        loaded = wh.replace_table_chunks(schema, SPEC, _chunks(7, 300), comment=f"{MCA_TABLE_MARKER} chunks")
        assert loaded == 2_100
        got = _table(wh, schema)
        pd.testing.assert_frame_equal(got, pd.concat(list(_chunks(7, 300)), ignore_index=True),
                                      check_dtype=False)
        assert wh.table_comment(schema, SPEC.name) == f"{MCA_TABLE_MARKER} chunks"
        assert not _staging_left(wh, schema)
        # no chunks at all: an empty table
        assert wh.replace_table_chunks(schema, SPEC, iter(()), comment=f"{MCA_TABLE_MARKER} empty") == 0
        assert _table(wh, schema).empty


def test_a_chunk_that_fails_to_load_leaves_the_previous_table(settings):
    schema = settings.raw_schema

    def bad_third_chunk():
        yield _rows(1, 300)
        yield _rows(301, 300)
        yield _rows(450, 300)  # ids 450..600 were in the second chunk: the primary key refuses it
        yield _rows(1_000, 300)

    with Warehouse(settings) as wh:
        old = _load_previous(wh, schema)
        with pytest.raises(Exception):
            wh.replace_table_chunks(schema, SPEC, bad_third_chunk(), comment=f"{MCA_TABLE_MARKER} chunks")
        pd.testing.assert_frame_equal(_table(wh, schema), old, check_dtype=False)
        assert wh.table_comment(schema, SPEC.name) == f"{MCA_TABLE_MARKER} previous"
        assert not _staging_left(wh, schema)


def test_a_stream_that_raises_midway_leaves_the_previous_table(settings):
    schema = settings.raw_schema

    def broken():
        yield _rows(1, 300)
        yield _rows(301, 300)
        raise RuntimeError("generator broke")

    def lacking_a_column():
        yield _rows(1, 300)
        yield _rows(301, 300).drop(columns=["id"])

    with Warehouse(settings) as wh:
        old = _load_previous(wh, schema)
        with pytest.raises(RuntimeError, match="generator broke"):
            wh.replace_table_chunks(schema, SPEC, broken(), comment=f"{MCA_TABLE_MARKER} chunks")
        with pytest.raises(ValueError, match="lacks columns"):
            wh.replace_table_chunks(schema, SPEC, lacking_a_column(), comment=f"{MCA_TABLE_MARKER} chunks")
        pd.testing.assert_frame_equal(_table(wh, schema), old, check_dtype=False)
        assert wh.table_comment(schema, SPEC.name) == f"{MCA_TABLE_MARKER} previous"
        assert not _staging_left(wh, schema)
        # and where there was no table, there is none after a failed load
        wh.drop_table(schema, SPEC.name)
        with pytest.raises(RuntimeError):
            wh.replace_table_chunks(schema, SPEC, broken(), comment=f"{MCA_TABLE_MARKER} chunks")
        assert not wh.table_exists(schema, SPEC.name) and not _staging_left(wh, schema)


def test_duckdb_memory_limit_is_restored_after_a_chunked_load(duckdb_settings_factory):
    settings = duckdb_settings_factory("limit")
    with Warehouse(settings) as wh:
        before = wh.scalar("select current_setting('memory_limit')")
        wh.replace_table_chunks(settings.raw_schema, SPEC, _chunks(3, 100), comment=f"{MCA_TABLE_MARKER} x")
        assert wh.scalar("select current_setting('memory_limit')") == before
        # a limit set before is restored as DuckDB reports it (to 0.1 of its unit), after a failure too
        wh.execute("set memory_limit = '3GB'")
        set_before = wh.scalar("select current_setting('memory_limit')")
        with pytest.raises(RuntimeError, match="stop"):
            wh.replace_table_chunks(settings.raw_schema, SPEC, _raising(), comment=f"{MCA_TABLE_MARKER} x")
        after = wh.scalar("select current_setting('memory_limit')")
        assert after.split()[1] == set_before.split()[1]
        assert float(after.split()[0]) == pytest.approx(float(set_before.split()[0]), abs=0.11)


def _raising():
    yield _rows(1, 10)
    raise RuntimeError("stop")


def test_sample_data_in_chunks_loads_the_generators_rows(settings):
    jobs.make_sample_data(settings, rows=12_345, customers=1_234, seed=9, end_date=END, chunk_rows=1_000)
    campaigns = generate_campaigns(12_345, seed=9, end_date=END)
    customers = generate_customers(1_234, seed=9, end_date=END)
    with Warehouse(settings) as wh:
        raw_campaigns = wh.query(f"select * from {wh.raw('campaigns')} order by {wh.quote('id')}")
        raw_customers = wh.query(f"select * from {wh.raw('customers')} order by {wh.quote('customer_id')}")
    assert raw_campaigns["id"].astype("int64").tolist() == campaigns["id"].tolist()
    for col in ("impressions", "clicks", "conversions"):
        assert raw_campaigns[col].astype("Int64").equals(campaigns[col]), col
    for col in ("cost", "revenue"):
        pd.testing.assert_series_equal(raw_campaigns[col].astype("float64"), campaigns[col], check_names=False)
    assert raw_campaigns["campaign_name"].fillna("<null>").tolist() == campaigns["campaign_name"].fillna("<null>").tolist()
    assert raw_campaigns["channel"].fillna("<null>").tolist() == campaigns["channel"].fillna("<null>").tolist()
    assert pd.to_datetime(raw_campaigns["date"]).dt.date.tolist() == campaigns["date"].tolist()
    assert raw_customers["customer_id"].astype("int64").tolist() == customers["customer_id"].tolist()
    assert raw_customers["age"].astype("Int64").equals(customers["age"])
