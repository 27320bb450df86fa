"""`mca-report sample-data --rows 100000` then `dbt build`, twice, on every target.

The marts are checked against an independent pandas implementation of the rules
(tests/reference.py) on the same 100K rows: outcome counts and per-channel totals.
"""

from __future__ import annotations

import datetime as dt

import pytest

from reporting import jobs
from reporting.sample_data import generate_campaigns
from reporting.settings import Target
from tests.helpers import build, read
from tests.reference import classify

END = dt.date(2026, 6, 30)
ROWS = 100_000


@pytest.fixture(scope="module")
def expected():
    raw = generate_campaigns(ROWS, seed=42, end_date=END)
    return classify(raw, END)


def _settings(target, duckdb_settings_factory, server_settings_factory):
    if target == "duckdb":
        return duckdb_settings_factory("sample")
    return server_settings_factory(Target(target), "sample")


@pytest.mark.slow
@pytest.mark.parametrize("target", ["duckdb", "mariadb", "mysql"])
def test_sample_data_builds_twice_and_matches_pandas(target, expected, duckdb_settings_factory,
                                                    server_settings_factory):
    s = _settings(target, duckdb_settings_factory, server_settings_factory)
    jobs.make_sample_data(s, rows=ROWS, seed=42, end_date=END)
    first = build(s, END)
    second = build(s, END)  # idempotent: a rebuild on the same data passes the same tests
    for summary in (first, second):
        assert summary.success
        assert summary.counts()["test"] == {"pass": first.counts()["test"]["pass"]}

    dq = read(s, "select * from {t}", "dq_data_quality").iloc[0]
    outcomes = expected["row_outcome"].value_counts()
    assert int(dq.rows_read) == ROWS
    assert int(dq.rows_kept) == outcomes.get("kept", 0)
    assert int(dq.rows_duplicate) == outcomes.get("duplicate", 0)
    assert int(dq.rows_quarantined) == outcomes.get("quarantined", 0)
    assert int(dq.rows_duplicate) == pytest.approx(0.005 * ROWS, rel=0.1)
    reasons = expected["quarantine_reason"].value_counts()
    counted = read(s, "select reason, quarantined_rows from {t} where source_table = 'campaigns'",
                   "dq_quarantine_reasons")
    by_reason = dict(zip(counted["reason"], counted["quarantined_rows"].astype(int)))
    for reason, n in reasons.items():
        assert by_reason[reason] == n, reason
    assert sum(by_reason.values()) == outcomes.get("quarantined", 0)

    kept = expected[expected["row_outcome"] == "kept"]
    by_channel = kept.groupby("channel_final")[["cost", "revenue"]].sum()
    cp = read(s, "select channel, cost, revenue, roi from {t}", "rpt_channel_performance").set_index("channel")
    assert sorted(cp.index) == sorted(by_channel.index)
    for channel, row in by_channel.iterrows():
        assert float(cp.loc[channel, "cost"]) == pytest.approx(row["cost"], rel=1e-12)
        assert float(cp.loc[channel, "revenue"]) == pytest.approx(row["revenue"], rel=1e-12)
        assert float(cp.loc[channel, "roi"]) == pytest.approx(100 * (row["revenue"] - row["cost"]) / row["cost"])
