"""A failed or interrupted build leaves every table as it was (macros/build/): connections killed
on the real MariaDB during the full plan's CREATE TABLE ... AS SELECT (as_of moved back, a raw
row edited in place, --full-refresh), with one try and with three; a build process killed
outright on DuckDB; and `report` refusing marts whose build did not finish."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
import threading
import time

import pandas as pd
import pymysql
import pytest

from reporting import jobs
from reporting.errors import BuildError
from reporting.settings import Settings, Target
from reporting.warehouse import Warehouse

D = dt.date(2026, 3, 31)
ROWS = 8_000
PASSWORD = "b3side-and-swap"


def tables(s: Settings) -> dict[str, pd.DataFrame]:
    """Every table of the analytics schema but the build journal, row for row (sorted)."""
    with Warehouse(s) as wh:
        names = wh.query(
            "select table_name from information_schema.tables where table_schema = %s "
            "and table_type = 'BASE TABLE' and table_name not like 'mca\\_build\\_%%'",
            [s.schema],
        )["table_name"].tolist()
        out = {}
        for name in sorted(names):
            frame = wh.query(f"select * from {wh.mart(name)}")
            out[name] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return out


def assert_same(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> None:
    assert sorted(before) == sorted(after)
    for name in before:
        pd.testing.assert_frame_equal(before[name], after[name], check_exact=True, obj=name)


def last_build_status(s: Settings) -> str:
    with Warehouse(s) as wh:
        return str(wh.scalar(f"select status from {wh.mart('mca_build_log')} order by started_at desc"))


@pytest.fixture(scope="module")
def killable(server_settings_factory):
    """Settings for a user of its own (so its connections can be told apart and killed), and a
    root connection to kill them with; the warehouse loaded and built once at D for the module's
    tests, each of which starts from a finished build."""
    s = server_settings_factory(Target.mariadb, "atomic")
    user = f"mca_a{os.getpid() % 100000}"
    root = pymysql.connect(host=s.host, port=s.port, user=s.user, password=s.password, autocommit=True)
    with root.cursor() as cur:
        cur.execute(f"drop user if exists '{user}'@'%'")
        cur.execute(f"create user '{user}'@'%' identified by '{PASSWORD}'")
        for schema in (s.raw_schema, s.schema):
            cur.execute(f"grant all privileges on `{schema}`.* to '{user}'@'%'")
    settings = Settings(target=Target.mariadb, host=s.host, port=s.port, user=user, password=PASSWORD,
                        raw_schema=s.raw_schema, schema=s.schema, dbt_project_dir=s.dbt_project_dir,
                        connect_tries=1)
    jobs.make_sample_data(settings, rows=ROWS, customers=300, end_date=D)
    jobs.build_warehouse(settings, as_of=D, quiet=True)
    yield settings, root
    with root.cursor() as cur:
        cur.execute(f"drop user if exists '{user}'@'%'")
    root.close()


def build_killing(s: Settings, root, table: str, *, times: int, statement: str = "create",
                  on_kill=None, **kwargs) -> tuple[Exception | None, int]:
    """Run a build while killing, up to ``times`` times, the connection that runs the CREATE TABLE
    ... AS SELECT of ``table``'s successor (``statement="rename"``: the rename that swaps it in);
    returns the build's error (None when it ended well) and the number of kills. ``on_kill`` is
    called after each kill."""
    outcome: dict[str, Exception | None] = {"error": None}

    def target() -> None:
        try:
            jobs.build_warehouse(s, quiet=True, retry_wait_seconds=0.05, **kwargs)
        except Exception as exc:  # noqa: BLE001 - handed to the test
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    kills = 0
    try:
        with root.cursor() as cur:
            while thread.is_alive():
                if kills < times:
                    try:
                        cur.execute("select id, info from information_schema.processlist where user = %s",
                                    [s.user])
                    except pymysql.err.MySQLError:
                        continue  # the server could not list them this once: look again
                    for conn_id, info in cur.fetchall():
                        text = (info or "").lower()
                        matches = ("create" in text and " as" in text) if statement == "create" \
                            else f"{statement} table" in text
                        if f"`{table}__mca_new`" in text and matches:
                            try:
                                cur.execute(f"kill connection {int(conn_id)}")
                                kills += 1
                            except pymysql.err.OperationalError:
                                pass  # it finished meanwhile
                            if on_kill is not None:
                                on_kill()
                time.sleep(0.005)
    finally:
        thread.join()  # never leave a build running into the next test
    return outcome["error"], kills


def edit_a_raw_row(s: Settings) -> None:
    with Warehouse(s) as wh:
        wh.execute(f"update {wh.raw('campaigns')} set cost = cost + 1 where {wh.quote('id')} = 7")


SCENARIOS = {
    # an earlier as_of forces the full plan (the old code dropped both tables first)
    "as_of_backwards": ("int_campaigns__classified", dict(as_of=D - dt.timedelta(days=1)), None),
    # a raw row edited in place: the checksum forces the full plan (the old code emptied the fact)
    "edited_raw_row": ("fct_campaign_daily", dict(as_of=D), edit_a_raw_row),
    "full_refresh": ("fct_campaign_daily", dict(as_of=D, full_refresh=True), None),
}


@pytest.mark.mariadb
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_a_killed_full_build_leaves_every_table_as_it_was_and_a_retry_completes(killable, scenario):
    s, root = killable
    table, kwargs, change = SCENARIOS[scenario]
    if change is not None:
        change(s)
    before = tables(s)

    error, kills = build_killing(s, root, table, times=1, **kwargs)
    assert kills == 1
    assert isinstance(error, BuildError)
    assert "Lost connection" in str(error) or "2013" in str(error), str(error)  # the cause is named
    assert_same(before, tables(s))  # row for row, and no __mca_ table left behind
    assert last_build_status(s) == "failed"

    retried = dataclasses.replace(s, connect_tries=3)
    error, kills = build_killing(retried, root, table, times=1, **kwargs)
    assert kills == 1 and error is None
    assert last_build_status(s) == "success"
    after = tables(s)
    assert not [t for t in after if "__mca_" in t]
    with Warehouse(s) as wh:
        dq = wh.query(f"select rows_read, is_conserved from {wh.mart('dq_data_quality')}").iloc[0]
    assert int(dq.rows_read) == ROWS and bool(dq.is_conserved)


@pytest.mark.mariadb
def test_a_killed_append_build_is_undone(killable):
    # an append build changes the two incremental tables in place: what it deleted, updated and
    # inserted is undone when a later node fails (here the connection of the outlier fences,
    # which run after the classified rows were appended)
    s, root = killable
    jobs.build_warehouse(s, as_of=D, quiet=True)
    before = tables(s)
    # the fences' CREATE TABLE takes milliseconds at this size, too short to catch reliably; their
    # swap is held instead: a transaction that read the fences keeps a shared metadata lock, so
    # the build's RENAME waits (after the classified rows were appended) until it is killed
    holder = pymysql.connect(host=root.host, port=root.port, user=root.user, password=root.password,
                             autocommit=False)
    release = threading.Timer(120, holder.rollback)  # never a hang: without the kill, the build goes on
    try:
        with holder.cursor() as cur:
            cur.execute(f"select count(*) from `{s.schema}`.`int_campaigns__outlier_bounds`")
        release.start()
        error, kills = build_killing(s, root, "int_campaigns__outlier_bounds", times=1, statement="rename",
                                     on_kill=holder.rollback, as_of=D + dt.timedelta(days=1))
    finally:
        release.cancel()
        holder.close()
    assert kills == 1 and isinstance(error, BuildError)
    assert_same(before, tables(s))


def test_a_build_process_killed_outright_is_put_back_by_the_next_build(duckdb_settings_factory, tmp_path):
    s = duckdb_settings_factory("killed")
    jobs.make_sample_data(s, rows=ROWS, customers=300, end_date=D)
    jobs.build_warehouse(s, as_of=D, quiet=True)
    with Warehouse(s) as wh:
        names = wh.query("select table_name from duckdb_tables() where schema_name = ?", [s.schema])["table_name"]
        before = {n: wh.query(f"select * from {wh.mart(n)}") for n in names if not n.startswith("mca_build_")}
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "MCA_TARGET": "duckdb", "MCA_DUCKDB_PATH": str(s.duckdb_path),
           "MCA_RAW_SCHEMA": s.raw_schema, "MCA_SCHEMA": s.schema}
    proc = subprocess.Popen([sys.executable, "-m", "reporting.cli", "build", "--as-of",
                             (D - dt.timedelta(days=1)).isoformat(), "-v"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in proc.stdout:  # kill it once the fact's successor is being built
        if "fct_campaign_daily" in line and "START" in line:
            proc.kill()
            break
    proc.wait(timeout=60)
    assert proc.returncode != 0
    with Warehouse(s) as wh:
        left = wh.query("select table_name from duckdb_tables() where schema_name = ? and table_name like '%__mca_%'",
                        [s.schema])["table_name"].tolist()
    assert left, "the kill came too late to leave anything behind"
    # reports refuse marts a build was replacing
    with pytest.raises(BuildError, match="did not finish"):
        jobs.report_only(s, out=tmp_path / "out", formats=(jobs.ReportFormat.html,))
    # the next build puts every table back first, then builds as asked
    jobs.build_warehouse(s, as_of=D, quiet=True)
    with Warehouse(s) as wh:
        after = {n: wh.query(f"select * from {wh.mart(n)}") for n in before}
        log = wh.query(f"select status from {wh.mart('mca_build_log')} order by started_at")["status"].tolist()
    assert log[-2:] == ["interrupted", "success"]
    for name, frame in before.items():
        cols = list(frame.columns)
        # exact but for doubles that DuckDB sums in parallel, in no fixed order
        pd.testing.assert_frame_equal(frame.sort_values(cols).reset_index(drop=True),
                                      after[name].sort_values(cols).reset_index(drop=True),
                                      check_exact=False, rtol=1e-12, obj=name)
