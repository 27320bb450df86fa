"""`report` labels the marts with the date they were built for, refuses another one and leaves
the previous reports as they were; dates no warehouse can hold are refused up front."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from pypdf import PdfReader

from reporting import jobs
from tests.reliability.test_faults import cli

BUILT = dt.date(2026, 2, 14)


def digest(folder) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "runs" not in p.parts}


def test_report_uses_the_marts_date_and_refuses_another(duckdb_settings_factory, tmp_path):
    s = duckdb_settings_factory("asof")
    jobs.make_sample_data(s, rows=1_500, customers=150, end_date=BUILT)
    assert cli(s, "build", "--as-of", BUILT.isoformat()).exit_code == 0
    out = tmp_path / "out"
    first = cli(s, "report", "--out", str(out), "--format", "pdf")  # no --as-of: the marts' date
    assert first.exit_code == 0, first.output
    text = PdfReader(out / "executive_summary.pdf").pages[0].extract_text()
    assert "As of 14 Feb 2026" in text or "2026-02-14" in text, text[:400]
    manifest = json.loads(next((out / "runs").glob("*.json")).read_text())
    assert manifest["as_of"] == BUILT.isoformat()
    before = digest(out)
    other = cli(s, "report", "--out", str(out), "--as-of", "2026-06-01")
    assert other.exit_code == 6
    assert "built for --as-of 2026-02-14, not 2026-06-01" in other.output
    assert digest(out) == before  # the previous reports, byte for byte


def test_dates_out_of_any_warehouse_range_are_refused(duckdb_settings_factory, tmp_path):
    s = duckdb_settings_factory("range")
    for args in (["build", "--as-of", "0001-01-01"], ["run", "--as-of", "1900-12-31", "--out", str(tmp_path)],
                 ["sample-data", "--end-date", "0001-01-01"]):
        result = cli(s, *args)
        assert result.exit_code == 2, (args, result.output)
        assert "is out of range: use a date from 1901-01-01 to 9999-12-31" in result.output
    assert not s.duckdb_path.exists()  # refused before anything was opened
