"""One lock for everything that writes: concurrent ingests queue instead of deadlocking, an
ingest or a build during a run waits for it or is refused, and a run that loses its lock stops."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pymysql
import pytest

from reporting import jobs
from reporting.contract import LOAD_LOG
from reporting.settings import Settings, Target
from reporting.warehouse import Warehouse
from tests.ingest.helpers import PLAIN_CAMPAIGNS, campaigns_csv, mapping
from tests.reliability.test_faults import cli, env_for

D = dt.date(2026, 3, 31)


def rows_of(day: dt.date, n: int, tag: str) -> list[list[object]]:
    return [[f"{tag} {i}", "Email", "10.5", 1000, 20, 2, "50.25", day.isoformat()] for i in range(n)]


def counts(s: Settings) -> tuple[int, int]:
    with Warehouse(s) as wh:
        return (int(wh.scalar(f"select count(*) from {wh.raw('campaigns')}")),
                int(wh.scalar(f"select count(*) from {wh.raw(LOAD_LOG.name)}")))


def lock_holder(s: Settings) -> int | None:
    with Warehouse(s) as wh:
        return wh.scalar("select is_used_lock(%s)", [f"mca_run:{s.schema}"[:64]])


@pytest.mark.mariadb
def test_two_ingests_at_once_queue_instead_of_deadlocking(server_settings_factory, tmp_path):
    s = server_settings_factory(Target.mariadb, "ingest2")
    files = [campaigns_csv(tmp_path / f"f{i}.csv", rows_of(D, 4_000, f"file {i}")) for i in range(2)]
    files.append(files[0])  # the same content twice: one of the two loads it
    outcomes: list[object] = []
    errors: list[Exception] = []

    def ingest(path: Path) -> None:
        try:
            outcomes.extend(jobs.ingest(s, "campaigns", [path], mapping(PLAIN_CAMPAIGNS), wait_seconds=60,
                                        rejects=tmp_path / f"{path.stem}-{threading.get_ident()}.rejects.csv"))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=ingest, args=(path,)) for path in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(o.status for o in outcomes) == ["loaded", "loaded", "skipped"]
    assert counts(s) == (8_000, 2)  # nothing lost, nothing twice
    with Warehouse(s) as wh:
        ids = wh.query(f"select min(id) as lo, max(id) as hi, count(distinct id) as n from {wh.raw('campaigns')}").iloc[0]
    assert (int(ids.lo), int(ids.hi), int(ids.n)) == (1, 8_000, 8_000)


@pytest.mark.mariadb
def test_ingest_and_build_during_a_run(server_settings_factory, tmp_path):
    s = server_settings_factory(Target.mariadb, "duringrun")
    jobs.make_sample_data(s, rows=20_000, customers=500, end_date=D)
    env = {**os.environ, **env_for(s)}
    run = subprocess.Popen([sys.executable, "-m", "reporting.cli", "run", "--out", str(tmp_path / "out"),
                            "--as-of", D.isoformat()], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    deadline = time.monotonic() + 60
    while lock_holder(s) is None and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert run.poll() is None, "the run ended before the test could start"
    # a build for another date is refused at once instead of replacing the run's marts
    build = cli(s, "build", "--as-of", "2026-01-31")
    assert build.exit_code == 8 and "another mca command holds the lock" in build.output
    # an ingest waits for the run, then loads: the run's conservation test never sees it
    path = campaigns_csv(tmp_path / "late.csv", rows_of(D, 50, "late"))
    ingest = cli(s, "ingest", "campaigns", str(path), "--mapping", str(_plain_mapping(tmp_path)))
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err[-3000:]
    assert ingest.exit_code == 0, ingest.output
    assert "loaded 50" in ingest.output
    assert counts(s)[0] == 20_050
    with Warehouse(s) as wh:
        as_of = wh.scalar(f"select as_of_date from {wh.mart('dq_data_quality')}")
        read = int(wh.scalar(f"select rows_read from {wh.mart('dq_data_quality')}"))
    assert str(as_of)[:10] == D.isoformat() and read == 20_000  # the run's data, whole


def _plain_mapping(tmp_path: Path) -> Path:
    import yaml

    path = tmp_path / "plain.yml"
    path.write_text(yaml.safe_dump(PLAIN_CAMPAIGNS), encoding="utf-8")
    return path


@pytest.mark.mariadb
def test_a_run_that_loses_its_lock_stops_at_once(server_settings_factory, tmp_path):
    s = server_settings_factory(Target.mariadb, "lostlock")
    jobs.make_sample_data(s, rows=20_000, customers=500, end_date=D)
    env = {**os.environ, **env_for(s)}
    run = subprocess.Popen([sys.executable, "-m", "reporting.cli", "run", "--out", str(tmp_path / "out"),
                            "--as-of", D.isoformat()], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    deadline = time.monotonic() + 60
    holder = None
    while holder is None and run.poll() is None and time.monotonic() < deadline:
        holder = lock_holder(s)
        time.sleep(0.05)
    assert holder is not None, "the run never took its lock"
    other = pymysql.connect(host=s.host, port=s.port, user=s.user, password=s.password, autocommit=True)
    try:
        with other.cursor() as cur:
            cur.execute(f"kill connection {int(holder)}")  # the lock goes with its connection ...
            cur.execute("select get_lock(%s, 10)", [f"mca_run:{s.schema}"[:64]])  # ... and another takes it
            assert cur.fetchone()[0] == 1
        started = time.monotonic()
        out, err = run.communicate(timeout=120)
        stopped_after = time.monotonic() - started
    finally:
        other.close()
    assert run.returncode == 8, err[-3000:]
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "the run lock was lost" in errors[0]
    assert stopped_after < 60  # at once: the watcher checks every few seconds and cancels dbt
    assert not (tmp_path / "out" / "executive_summary.pdf").exists()
