"""Nothing to report is a failure, not a set of empty reports: a run (or `report`) whose window
keeps no row of a campaigns table that has rows ends with exit 6 and one line, and the previous
reports stay byte for byte; `report --as-of` for a date the marts were not built for likewise.
The run still writes its failed manifest to OUT/runs (history, as for every failed run)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

from tests.reliability.test_faults import cli

END = dt.date(2025, 6, 30)
ROWS = 200


def digest(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (the run manifests and the marker included) and its hash."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def reported(duckdb_settings_factory, tmp_path_factory):
    """200 sample rows ending END, one successful run into OUT, and OUT's files then."""
    s = duckdb_settings_factory("empty_window")
    loaded = cli(s, "sample-data", "--rows", str(ROWS), "--customers", "100", "--end-date", END.isoformat(), "--quiet")
    assert loaded.exit_code == 0, loaded.output
    out = tmp_path_factory.mktemp("reports") / "out"
    first = cli(s, "run", "--as-of", END.isoformat(), "--out", str(out), "--skip-segments", "--quiet")
    assert first.exit_code == 0, first.output
    return s, out, digest(out)


def test_a_run_whose_window_keeps_no_campaign_row_fails_and_keeps_the_reports(reported):
    s, out, before = reported
    assert {"executive_summary.pdf", "executive_summary.html", "dashboards/fact_campaign_day.csv"} <= set(before)
    result = cli(s, "run", "--as-of", "2030-01-01", "--out", str(out), "--skip-segments", "--quiet")
    assert result.exit_code == 6
    failed = sorted(set(digest(out)) - set(before))
    assert len(failed) == 1 and failed[0].startswith("runs/")  # the failed run's manifest, nothing else
    run_id = failed[0][len("runs/"):-len(".json")]
    reason = (f"no campaign rows in the window 2029-01-01..2030-01-01: 0 of {ROWS} rows kept ({ROWS} out of "
              "window, 0 quarantined, 0 duplicates); check --as-of; no report was written")
    assert result.output.splitlines() == [  # the alert's log line (as for every failed run), the error
        f"ERROR: ALERT: mca run {run_id} on {s.describe()} failed at quality: {reason}",
        f"error: {reason} (run {run_id}; manifest {out / failed[0]})",
    ]
    after = digest(out)
    del after[failed[0]]
    assert after == before  # every previous file, byte for byte
    manifest = json.loads((out / failed[0]).read_text())
    assert manifest["status"] == "failed"
    assert [(st["name"], st["status"]) for st in manifest["stages"]] == [("build", "ok"), ("quality", "failed")]
    assert manifest["data_quality"]["rows_read"] == ROWS and manifest["data_quality"]["rows_kept"] == 0

    # the marts are now those of 2030: `report` refuses them too rather than writing zeros
    again = cli(s, "report", "--out", str(out))
    assert again.exit_code == 6
    assert again.output == (
        f"error: no campaign rows in the window 2029-01-01..2030-01-01: 0 of {ROWS} rows kept ({ROWS} out of "
        "window, 0 quarantined, 0 duplicates); check --as-of; no report was written\n"
    )
    assert digest(out) == {**before, failed[0]: digest(out)[failed[0]]}


def test_report_for_a_date_the_marts_were_not_built_for_writes_nothing(reported):
    s, out, _ = reported
    assert cli(s, "build", "--as-of", END.isoformat(), "--quiet").exit_code == 0
    before = digest(out)
    result = cli(s, "report", "--out", str(out), "--as-of", "2025-07-01")
    assert result.exit_code == 6
    assert result.output == ("error: the marts were built for --as-of 2025-06-30, not 2025-07-01; run "
                             "`mca-report build --as-of 2025-07-01` first, or leave --as-of out\n")
    assert digest(out) == before  # no file changed, none added (not even a manifest)
