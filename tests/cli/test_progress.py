"""Progress: a live display on a terminal (dbt nodes done of total, the k values tried), one line
per stage without one, nothing with --quiet. `run` is driven through a real pseudo-terminal."""

from __future__ import annotations

import datetime as dt
import os
import pty
import re
import subprocess
import sys

import pytest

from reporting import jobs

D = dt.date(2026, 3, 31)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(scope="module")
def warehouse(duckdb_settings_factory):
    s = duckdb_settings_factory("progress")
    jobs.make_sample_data(s, rows=3_000, customers=300, end_date=D)
    return s


def _env(s) -> dict[str, str]:
    return {**os.environ, "MCA_TARGET": "duckdb", "MCA_DUCKDB_PATH": str(s.duckdb_path), "COLUMNS": "150",
            "MCA_RAW_SCHEMA": s.raw_schema, "MCA_SCHEMA": s.schema}


def _run_in_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "reporting.cli", *args], stdin=slave, stdout=slave,
                            stderr=slave, env=env, close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=300), b"".join(chunks).decode("utf-8", errors="replace")


def test_a_terminal_shows_dbt_nodes_done_of_total_and_the_k_values(warehouse, tmp_path):
    code, screen = _run_in_terminal(["run", "--out", str(tmp_path / "out"), "--as-of", D.isoformat()],
                                    _env(warehouse))
    text = ANSI.sub("", screen)
    assert code == 0, text[-2000:]
    nodes = [(int(a), int(b)) for a, b in re.findall(r"(\d+)/(\d+) nodes", text)]
    assert nodes, text[-2000:]
    totals = {total for _, total in nodes}
    assert len(totals) == 1 and totals.pop() >= 40  # every node of the routine build
    assert max(done for done, _ in nodes) > 0  # it moved while the build ran
    assert re.search(r"dbt (model|test): \w+", text)  # the node running now
    assert re.search(r"segmentation: k=\d+ scored", text) and re.search(r"\d+/9 k", text)
    assert "reports ok" in text and "manifest " in text


def test_without_a_terminal_one_line_per_stage_and_quiet_shows_none(warehouse, tmp_path):
    env = _env(warehouse)
    plain = subprocess.run([sys.executable, "-m", "reporting.cli", "run", "--out", str(tmp_path / "out"),
                            "--as-of", D.isoformat()], env=env, capture_output=True, text=True, timeout=300)
    assert plain.returncode == 0, plain.stderr[-2000:]
    assert not ANSI.search(plain.stderr) and " nodes" not in plain.stderr
    stages = [line.split(" (")[0] for line in plain.stderr.splitlines() if line.startswith("  ")]
    assert stages == ["  dbt build ...", "  dbt build ok", "  quality gate ok", "  segmentation ...",
                      "  segmentation ok", "  reports ...", "  reports ok", "  publish ok"]
    quiet = subprocess.run([sys.executable, "-m", "reporting.cli", "run", "--quiet", "--out", str(tmp_path / "out"),
                            "--as-of", D.isoformat()], env=env, capture_output=True, text=True, timeout=300)
    assert quiet.returncode == 0, quiet.stderr[-2000:]
    assert quiet.stderr.strip() == ""
    assert quiet.stdout.splitlines()[0].startswith("rows read ")
