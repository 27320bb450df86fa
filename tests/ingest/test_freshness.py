"""`mca-report freshness` on DuckDB and the real MariaDB server: real ingest, real
`dbt source freshness` on _mca_loaded_at, through typer's CliRunner for the lines and exit codes."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from typer.testing import CliRunner

from reporting.contract import LOADED_AT_COLUMN
from reporting.ingest import ingest_files
from reporting.jobs import make_sample_data
from reporting.settings import Settings, Target
from reporting.warehouse import Warehouse
from tests.ingest.helpers import PLAIN_CAMPAIGNS, campaigns_csv, ingest_app, mapping

runner = CliRunner()


def freshness(s: Settings, *args: str):
    """`mca-report freshness` on ``s``'s warehouse (a server's schemas through the environment)."""
    where = ["--duckdb-path", str(s.duckdb_path)] if s.target is Target.duckdb else []
    env = {"MCA_RAW_SCHEMA": s.raw_schema, "MCA_SCHEMA": s.schema}
    return runner.invoke(ingest_app(), ["freshness", "--target", s.target.value, *where, *args], env=env)


def test_freshness_of_sample_data_then_an_ingest_then_a_stale_load(make_settings, tmp_path):
    s = make_settings()
    make_sample_data(s, rows=60, customers=100, seed=1, end_date=dt.date(2026, 6, 30))

    # sample rows have no load time: reported, not an error (dbt is not asked: it would call a
    # NULL newest load infinitely old)
    sample = freshness(s)
    assert sample.exit_code == 0, sample.output
    assert sample.output.splitlines() == [
        "campaigns: no load time (no row loaded by ingest (sample data))",
        "customers: no load time (no row loaded by ingest (sample data))",
        "orders: no load time (no table)",
        "fx_rates: no load time (no table)",
    ]

    path = campaigns_csv(tmp_path / "c.csv", [["Spring", "Email", "10.5", 100, 5, 1, "20", "2026-06-01"],
                                             ["Spring", "Email", "11.5", 120, 6, 2, "25", "2026-06-02"]])
    before = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    [outcome] = ingest_files(s, "campaigns", [path], mapping(PLAIN_CAMPAIGNS))
    with Warehouse(s) as wh:
        stamps = wh.query(f"select {wh.quote(LOADED_AT_COLUMN)} as at, count(*) as n from {wh.raw('campaigns')} "
                          f"group by {wh.quote(LOADED_AT_COLUMN)} order by n")
        logged = wh.scalar(f"select loaded_at from {wh.raw('_mca_load_log')} where load_id = {outcome.load_id}")
    # the 60 sample rows keep NULL; the 2 ingested rows carry the load log's loaded_at, to the second
    assert stamps["n"].tolist() == [2, 60]
    loaded_at = pd.Timestamp(stamps["at"].iloc[0]).to_pydatetime()
    assert pd.isna(stamps["at"].iloc[1])
    assert loaded_at.replace(microsecond=0) == pd.Timestamp(logged).to_pydatetime().replace(microsecond=0)
    assert before - dt.timedelta(seconds=1) <= loaded_at <= dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)

    fresh = freshness(s)
    assert fresh.exit_code == 0, fresh.output
    lines = fresh.output.splitlines()
    assert lines[0] == f"campaigns: fresh (last load {loaded_at:%Y-%m-%d %H:%M} UTC, 0.0 days ago)"
    assert lines[1:] == ["customers: no load time (no row loaded by ingest (sample data))",
                         "orders: no load time (no table)", "fx_rates: no load time (no table)"]

    with Warehouse(s) as wh:
        column = wh.quote(LOADED_AT_COLUMN)
        wh.execute(f"update {wh.raw('campaigns')} set {column} = {column} - interval 10 day "
                   f"where {column} is not null")
    stale = freshness(s)
    assert stale.exit_code == 9, stale.output
    assert stale.output.splitlines()[0] == (
        f"campaigns: error (last load {loaded_at - dt.timedelta(days=10):%Y-%m-%d %H:%M} UTC, 10.0 days ago)")
    assert stale.output.splitlines()[-1] == "error: campaigns: past the freshness error threshold"

    # the thresholds are dbt vars: 10 days is past --warn-days 2 but within --error-days 30
    warned = freshness(s, "--error-days", "30")
    assert warned.exit_code == 0, warned.output
    assert warned.output.splitlines()[0].startswith("campaigns: warn (last load ")
