"""Incremental builds give exactly what a full refresh gives, and really only reclassify what changed.

A history is built at as_of D; then a day is appended (as the daily load does), with late rows
that test every rule an append must keep: a late duplicate of an old kept row, a late row that
becomes the first valid row of an old day (its earlier row was quarantined), a missing channel, a
quarantined row. The reference date moves to D+1, which brings a row dated D+1 (loaded before, so
far "future") into the window and pushes day D-365 out of it. The incremental build and a
`--full-refresh` of the same data must agree on every mart, on DuckDB and on MariaDB.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from reporting.dbt_runner import dbt_vars, run_dbt
from reporting.jobs import build_warehouse, make_sample_data
from reporting.settings import Target
from reporting.warehouse import Warehouse

D = dt.date(2026, 6, 29)
NEXT = D + dt.timedelta(days=1)
ROWS = 6_000

#: every table the campaign rows flow into, with its key
MARTS = {
    "int_campaigns__classified": "campaign_row_id",
    "int_campaigns__imputed_channel": "channel",
    "int_campaigns__outlier_bounds": "cost_q1",
    "fct_campaign_daily": "campaign_day_id",
    "dim_campaign": "campaign_key",
    "dim_date": "date_day",
    "rpt_channel_performance": "channel",
    "rpt_campaign_performance": "campaign_key, channel_id",
    "rpt_daily_revenue": "date_day",
    "rpt_overall_performance": "campaigns",
    "dq_quarantined_campaigns": "campaign_row_id",
    "dq_duplicate_campaigns": "campaign_row_id",
    "dq_data_quality": "rows_read",
    "dq_quarantine_reasons": "source_table, reason",
    # the aggregates an append build updates from what changed (macros/incremental/derived.sql)
    "int_campaigns__channel_totals": "campaign_key, channel_id",
    "int_campaigns__fact_daily": "date_day, channel_id",
    "int_campaigns__classified_daily": "day_key, row_outcome, quarantine_reason, channel_mapped",
    "int_campaigns__campaign_channels": "campaign_key",
}
BOOKKEEPING = {"mca_build_seq"}
INCREMENTAL = ("int_campaigns__classified", "fct_campaign_daily", "int_campaigns__channel_totals",
               "int_campaigns__fact_daily", "int_campaigns__classified_daily", "int_campaigns__campaign_channels")


def _last_plans(settings) -> dict[str, str]:
    """Each incremental model's plan mode in the last build (mca_build_plans)."""
    import json

    with Warehouse(settings) as wh:
        last = wh.scalar(f"select invocation_id from {wh.mart('mca_build_log')} order by started_at desc")
        plans = wh.query(f"select model_name, plan_json from {wh.mart('mca_build_plans')} "
                         f"where invocation_id = {wh.placeholder}", [last])
    return {str(r.model_name): json.loads(r.plan_json)["mode"] for r in plans.itertuples()}


def _raw_insert(wh: Warehouse, settings, rows: list[dict]) -> None:
    table = wh.relation(settings.raw_schema, "campaigns")
    cols = ["id", "campaign_name", "channel", "cost", "impressions", "clicks", "conversions", "revenue", "date"]
    ph = wh.placeholder
    sql = (f"insert into {table} ({', '.join(wh.quote(c) for c in cols)}) "
           f"values ({', '.join([ph] * len(cols))})")
    def plain(value):
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
        return value.item() if hasattr(value, "item") else value

    for row in rows:
        wh.execute(sql, [plain(row.get(c)) for c in cols])


def _snapshot(settings) -> dict[str, pd.DataFrame]:
    out = {}
    with Warehouse(settings) as wh:
        for mart, key in MARTS.items():
            frame = wh.query(f"select * from {wh.mart(mart)} order by {key}")
            out[mart] = frame.drop(columns=[c for c in frame.columns if c in BOOKKEEPING])
    return out


def _seq_counts(settings) -> dict[int, int]:
    with Warehouse(settings) as wh:
        frame = wh.query(f"select mca_build_seq, count(*) as n from {wh.mart('int_campaigns__classified')} "
                         "group by mca_build_seq")
    return {int(r.mca_build_seq): int(r.n) for r in frame.itertuples()}


@pytest.fixture(params=["duckdb", "mariadb"])
def settings(request, duckdb_settings_factory):
    tag = request.node.originalname.split("_")[1]  # a warehouse of its own for each test
    if request.param == "duckdb":
        return duckdb_settings_factory(tag)
    request.getfixturevalue("mariadb_reachable")
    return request.getfixturevalue("server_settings_factory")(Target.mariadb, tag)


def test_appending_a_day_matches_a_full_refresh(settings):
    make_sample_data(settings, rows=ROWS, customers=500, end_date=D, force=True)
    with Warehouse(settings) as wh:
        raw = wh.query(f"select * from {wh.raw('campaigns')} order by {wh.quote('id')}")
        max_id = int(raw["id"].max())
        # dated D+1 before the first build: "future" at D, valid once as_of is D+1
        _raw_insert(wh, settings, [{"id": max_id + 1, "campaign_name": "Early Bird", "channel": "Email",
                                     "cost": 10, "impressions": 100, "clicks": 5, "conversions": 1,
                                     "revenue": 30, "date": NEXT}])
        # "Mode Shift" runs on Search, and its day without a channel takes Search from it ...
        shift = [{"id": max_id + 2 + i, "campaign_name": "Mode Shift", "channel": channel, "cost": 1,
                  "impressions": 10, "clicks": 1, "conversions": 0, "revenue": 2, "date": D - dt.timedelta(days=days)}
                 for i, (channel, days) in enumerate([("Search", 3), (None, 2)])]
        _raw_insert(wh, settings, shift)
    build_warehouse(settings, as_of=D, quiet=True)
    first = _seq_counts(settings)
    assert list(first) == [1] and first[1] == ROWS + 3
    with Warehouse(settings) as wh:
        blank = wh.query(f"select channel, channel_imputed_from from {wh.mart('fct_campaign_daily')} "
                         f"where campaign_day_id = {max_id + 3}")
    assert blank.values.tolist() == [["Paid Search", "campaign"]]

    kept_before = pd.to_datetime(raw["date"]).dt.date
    with Warehouse(settings) as wh:
        fact = wh.query(f"select campaign_day_id, campaign_key, campaign_name, channel_raw, date_day from "
                        f"{wh.mart('fct_campaign_daily')} where not is_channel_imputed order by campaign_day_id")
        quarantined = wh.query(f"select campaign_row_id, campaign_name, date_day from "
                               f"{wh.mart('dq_quarantined_campaigns')} where campaign_name is not null "
                               "order by campaign_row_id")
        fact_days = set(zip(fact["campaign_key"], pd.to_datetime(fact["date_day"]).dt.date))
        quarantined = quarantined[[
            (str(n).strip().lower(), d) not in fact_days
            for n, d in zip(quarantined["campaign_name"], pd.to_datetime(quarantined["date_day"]).dt.date)
        ]]
        # tomorrow's load: yesterday's rows again with new ids and tomorrow's date ...
        day_rows = raw[kept_before == D].copy()
        new_id = max_id + 4
        appended: list[dict] = []
        for r in day_rows.itertuples():
            appended.append({"id": new_id, "campaign_name": r.campaign_name, "channel": r.channel, "cost": r.cost,
                             "impressions": r.impressions, "clicks": r.clicks, "conversions": r.conversions,
                             "revenue": r.revenue, "date": NEXT})
            new_id += 1
        old_kept = fact.iloc[len(fact) // 2]
        old_quarantined = quarantined.iloc[0]
        appended += [
            # ... a late duplicate of an old kept campaign-day (its kept row keeps it) ...
            {"id": new_id, "campaign_name": old_kept.campaign_name, "channel": old_kept.channel_raw, "cost": 1,
             "impressions": 10, "clicks": 1, "conversions": 0, "revenue": 2, "date": old_kept.date_day},
            # ... a late, valid row for a day whose only row so far was quarantined: it is kept ...
            {"id": new_id + 1, "campaign_name": old_quarantined.campaign_name, "channel": "Search",
             "cost": 3, "impressions": 30, "clicks": 3, "conversions": 1, "revenue": 9,
             "date": old_quarantined.date_day},
            # ... no channel (imputed), and a bad row (quarantined)
            {"id": new_id + 2, "campaign_name": "No Channel Day", "channel": None, "cost": 4, "impressions": 40,
             "clicks": 4, "conversions": 1, "revenue": 8, "date": NEXT},
            {"id": new_id + 3, "campaign_name": "Broken", "channel": "Email", "cost": -5, "impressions": 40,
             "clicks": 4, "conversions": 1, "revenue": 8, "date": NEXT},
            # ... the same campaign-day as the late duplicate on another platform: its own row ...
            {"id": new_id + 4, "campaign_name": old_kept.campaign_name,
             "channel": "Google Ads" if str(old_kept.channel_raw).strip().lower() != "google ads" else "Bing Ads", "cost": 1, "impressions": 10,
             "clicks": 1, "conversions": 0, "revenue": 2, "date": old_kept.date_day},
            # ... and two Display days of "Mode Shift": Display is now its channel, so the day
            # without a channel that the first build gave Search moves to Display
            *[{"id": new_id + 5 + i, "campaign_name": "Mode Shift", "channel": "Display", "cost": 1,
               "impressions": 10, "clicks": 1, "conversions": 0, "revenue": 2, "date": D - dt.timedelta(days=days)}
              for i, days in enumerate([5, 4])],
        ]
        _raw_insert(wh, settings, appended)
        total = wh.scalar(f"select count(*) from {wh.raw('campaigns')}")
        on_boundary = wh.scalar(
            f"select count(*) from {wh.raw('campaigns')} where {wh.quote('date')} = {wh.placeholder} "
            f"or ({wh.quote('date')} = {wh.placeholder} and {wh.quote('id')} <= {max_id + 1})",
            [D - dt.timedelta(days=365), NEXT],
        )

    build_warehouse(settings, as_of=NEXT, quiet=True)
    incremental = _snapshot(settings)
    # every incremental model took its append path (the comparison below would not see it)
    assert _last_plans(settings) == {name: "append" for name in INCREMENTAL}
    seqs = _seq_counts(settings)
    # only the appended rows and the two boundary days were classified again
    assert seqs == {1: ROWS + 3 - int(on_boundary), 2: len(appended) + int(on_boundary)}
    assert sum(seqs.values()) == total

    classified = incremental["int_campaigns__classified"].set_index("campaign_row_id")
    assert classified.loc[max_id + 1, "row_outcome"] == "kept"  # no longer future
    assert classified.loc[new_id, "row_outcome"] == "duplicate"
    assert classified.loc[new_id, "duplicate_of_row_id"] == old_kept.campaign_day_id
    assert classified.loc[new_id + 1, "row_outcome"] == "kept"
    assert classified.loc[new_id + 3, "quarantine_reason"] == "negative_cost"
    assert classified.loc[new_id + 4, "row_outcome"] == "kept"
    fact_now = incremental["fct_campaign_daily"].set_index("campaign_day_id")
    assert fact_now.loc[new_id + 2, "channel"] == incremental["int_campaigns__imputed_channel"]["channel"].item()
    assert fact_now.loc[new_id + 2, "channel_imputed_from"] == "overall"
    assert fact_now.loc[max_id + 3, ["channel", "channel_imputed_from"]].tolist() == ["Display", "campaign"]

    summed = _state_checksums(settings)  # the append build added the new rows' part to the old sum

    build_warehouse(settings, as_of=NEXT, full_refresh=True, quiet=True)
    full = _snapshot(settings)
    assert set(_seq_counts(settings)) == {3}
    assert summed == _state_checksums(settings) and summed[0] is not None  # ... which is the full sum
    for mart in MARTS:
        a, b = incremental[mart].reset_index(drop=True), full[mart].reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-9, obj=mart)


def _state_checksums(settings) -> tuple:
    with Warehouse(settings) as wh:
        row = wh.query(f"select raw_checksum, aliases_checksum from {wh.mart('int_campaigns__build_state')}")
    raw, aliases = row.iloc[0]
    return (None if pd.isna(raw) else int(raw)), (None if pd.isna(aliases) else str(aliases))


def _created(settings) -> dict[str, object]:
    """When MariaDB created the two incremental tables."""
    with Warehouse(settings) as wh:
        frame = wh.query(
            "select table_name, create_time from information_schema.tables where table_schema = %s "
            "and table_name in ('int_campaigns__classified', 'fct_campaign_daily')", [settings.schema])
    created = {str(n): t for n, t in zip(frame.iloc[:, 0], frame.iloc[:, 1])}
    assert len(created) == 2, created
    return created


@pytest.mark.mariadb
def test_unchanged_input_classifies_nothing_and_deleted_or_edited_raw_rows_force_a_full_build(server_settings_factory):
    # MariaDB only (the harder dialect: TRUNCATE, multi-table DELETE); DuckDB runs the same
    # macros in the test above and in the bad-input suite's empty-table case
    settings = server_settings_factory(Target.mariadb, "unchanged")
    make_sample_data(settings, rows=3_000, customers=200, end_date=D, force=True)
    build_warehouse(settings, as_of=D, quiet=True)
    build_warehouse(settings, as_of=D, quiet=True)
    assert _seq_counts(settings) == {1: 3_000}  # the second build had nothing to reclassify
    created = _created(settings)
    with Warehouse(settings) as wh:
        wh.execute(f"delete from {wh.raw('campaigns')} where {wh.quote('id')} = 10")
    build_warehouse(settings, as_of=D, quiet=True)
    assert _seq_counts(settings) == {2: 2_999}  # everything again: a raw row below the mark went away
    # and by CREATE TABLE ... AS SELECT: the full plan built both beside the old ones and swapped
    # them in (the append build before it had kept them)
    assert all(after > created[name] for name, after in _created(settings).items()), created
    with Warehouse(settings) as wh:
        gone = wh.scalar(f"select count(*) from {wh.mart('fct_campaign_daily')} where campaign_day_id = 10")
        assert gone == 0
        # a row edited in place (same ids, same count) is caught by the raw rows' checksum
        kept_id = int(wh.scalar(f"select min(campaign_day_id) from {wh.mart('fct_campaign_daily')}"))
        wh.execute(f"update {wh.raw('campaigns')} set cost = 12345.67 where {wh.quote('id')} = {kept_id}")
    build_warehouse(settings, as_of=D, quiet=True)
    assert _seq_counts(settings) == {3: 2_999}
    with Warehouse(settings) as wh:
        cost = wh.scalar(f"select cost from {wh.mart('fct_campaign_daily')} where campaign_day_id = {kept_id}")
    assert float(cost) == 12345.67


def test_row_tests_read_the_latest_build_and_still_fail_on_its_bad_rows(duckdb_settings_factory):
    # the fact's row-by-row tests read only the latest build's rows (`where: mca_latest_build`):
    # a bad row written by that build must still fail them, and the unique test reads everything
    settings = duckdb_settings_factory("latest")
    make_sample_data(settings, rows=2_000, customers=200, end_date=D, force=True)
    build_warehouse(settings, as_of=D, quiet=True)
    with Warehouse(settings) as wh:
        fact = wh.mart("fct_campaign_daily")
        first = f"(select min(campaign_day_id) from {fact})"
        wh.execute(f"insert into {fact} select * replace (campaign_day_id + 1000000 as campaign_day_id, "
                   f"-5 as cost) from {fact} where campaign_day_id = {first}")
    tested = run_dbt(settings, "test", vars=dbt_vars(D), args=["--select", "fct_campaign_daily"],
                     raise_on_failure=False, quiet=True)
    failed = {n.unique_id.split(".")[2] for n in tested.failures()}
    # the copy breaks cost >= 0, (campaign, channel, day) uniqueness and rows conservation, nothing else
    assert failed == {"non_negative_fct_campaign_daily_cost",
                      "unique_combination_of_columns_fct_campaign_daily_campaign_key__channel_key__date_day",
                      "assert_campaign_rows_conserved"}, failed
