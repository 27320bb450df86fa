"""Segmentation against the warehouse: features from dim_customer, customer_segments written
back atomically, the segment views, and the CLI's clear errors."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from reporting import jobs
from reporting.cli import app
from reporting.settings import Target
from reporting.warehouse import Warehouse
from tests import crafted
from tests.helpers import build, load_raw, read

SIZES = [600, 450, 300, 150]
CHANNELS = ["Email", "FB", "Google Ads", "display"]


def four_cluster_customers(seed: int = 11) -> pd.DataFrame:
    """Four well separated groups of known size, each acquired through its own channel."""
    rng = np.random.default_rng(seed)
    centres = [
        (25, 4, 60, 2.0, 0, 0.0),
        (35, 12, 200, 4.0, 3, 1500.0),
        (50, 30, 500, 8.0, 10, 8000.0),
        (65, 60, 900, 14.0, 25, 25000.0),
    ]
    spread = (1.5, 1.0, 10.0, 0.3, 0.4, 120.0)
    parts = []
    for group, (size, centre) in enumerate(zip(SIZES, centres)):
        values = rng.normal(centre, spread, size=(size, 6))
        part = pd.DataFrame(values, columns=["age", "sessions", "avg_session_duration",
                                             "pages_per_session", "transactions", "revenue"])
        part["group"] = group
        parts.append(part)
    f = pd.concat(parts, ignore_index=True).sample(frac=1.0, random_state=seed).reset_index(drop=True)
    f.insert(0, "customer_id", np.arange(1, len(f) + 1, dtype=np.int64))
    for col in ("age", "sessions", "transactions"):
        f[col] = f[col].round().clip(lower=0).astype("Int64")
    f["revenue"] = f["revenue"].clip(lower=0).round(2)
    f["acquisition_channel"] = [CHANNELS[g] for g in f["group"]]
    f["signup_date"] = dt.date(2024, 1, 1)
    return f


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return four_cluster_customers()


@pytest.fixture(scope="module", params=["duckdb", "mariadb"])
def warehouse(request, customers, duckdb_settings_factory, server_settings_factory):
    s = duckdb_settings_factory("seg") if request.param == "duckdb" else server_settings_factory(Target.mariadb, "seg")
    load_raw(s, crafted.campaigns_frame(), customers.drop(columns=["group"]))
    assert build(s, crafted.AS_OF).success
    return s


def test_segments_found_written_back_and_stable(warehouse, customers, tmp_path):
    first = jobs.segment(warehouse, out_dir=tmp_path, run_id="run-1")
    result = first.result
    assert result.chosen_k == 4 and not result.was_k_forced
    assert "k=4" in result.reason
    assert sorted(result.profiles["size"].tolist(), reverse=True) == SIZES
    # each generated group is exactly one segment
    merged = customers.merge(result.assignments, on="customer_id")
    assert merged.groupby("group")["segment_id"].nunique().eq(1).all()
    assert merged.groupby("segment_id")["group"].nunique().eq(1).all()
    # segment 0 is the most valuable: the group with the highest revenue
    assert set(merged[merged.segment_id == 0]["group"]) == {3}

    table = read(warehouse, "select customer_id, segment_id, segment_name, run_id from {t} order by customer_id", "customer_segments")
    assert len(table) == len(customers) == first.rows_written
    assert set(table.run_id) == {"run-1"}
    expected = result.assignments.sort_values("customer_id").reset_index(drop=True)
    assert table.customer_id.astype(int).tolist() == expected.customer_id.astype(int).tolist()
    assert table.segment_id.astype(int).tolist() == expected.segment_id.astype(int).tolist()
    assert table.segment_name.tolist() == expected.segment_name.tolist()

    second = jobs.segment(warehouse, out_dir=tmp_path, run_id="run-2")
    again = read(warehouse, "select customer_id, segment_id, segment_name, run_id from {t} order by customer_id", "customer_segments")
    assert set(again.run_id) == {"run-2"} and len(again) == len(table)
    assert again.segment_id.tolist() == table.segment_id.tolist()
    assert again.segment_name.tolist() == table.segment_name.tolist()
    assert second.result.reason == result.reason

    for name in ("segment_k_selection.png", "segment_sizes.png", "segment_profiles.png"):
        assert (tmp_path / "visualizations" / name).stat().st_size > 5_000


def test_segment_views_join_segments_to_channels_and_cost(warehouse, customers, tmp_path):
    run = jobs.segment(warehouse, out_dir=tmp_path, run_id="run-3")
    dim = read(warehouse, "select segment_id, segment_name, customers, run_id from {t} order by segment_id", "dim_segment")
    assert dim.customers.astype(int).tolist() == run.result.profiles["size"].astype(int).tolist()
    assert set(dim.run_id) == {"run-3"}
    by = read(warehouse, "select * from {t}", "rpt_segment_channel")
    # every group has its own channel, so each segment has exactly one channel row
    assert len(by) == 4 and by.segment_id.nunique() == 4
    channel_cost = read(warehouse, "select channel, cost from {t}", "rpt_channel_performance").set_index("channel")["cost"].astype(float)
    mapped = {"Email": "Email", "FB": "Social Media", "Google Ads": "Paid Search", "display": "Display"}
    sizes = customers.groupby("acquisition_channel").size()
    revenue = customers.groupby("acquisition_channel")["revenue"].sum()
    for raw_name, channel in mapped.items():
        row = by[by.channel == channel].iloc[0]
        assert int(row.customers) == sizes[raw_name]
        assert float(row.revenue) == pytest.approx(revenue[raw_name])
        assert float(row.cost_per_acquired_customer) == pytest.approx(float(channel_cost.get(channel, 0.0)) / sizes[raw_name])
        # the segment acquired all of the channel's customers, so its share is the channel's cost
        assert float(row.acquisition_cost) == pytest.approx(float(channel_cost.get(channel, 0.0)))
    # the crafted campaigns give Email a cost; its cost per acquired customer is that cost / 600
    assert float(by[by.channel == "Email"].iloc[0].cost_per_acquired_customer) == pytest.approx(
        float(channel_cost["Email"]) / 600)


def test_forced_k_and_cli_summary(warehouse, tmp_path):
    args = ["segment", "--k", "3", "--out", str(tmp_path), "--target", warehouse.target.value]
    env = {"MCA_RAW_SCHEMA": warehouse.raw_schema, "MCA_SCHEMA": warehouse.schema,
           "MCA_DUCKDB_PATH": str(warehouse.duckdb_path)}
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    assert "3 segments of 1,500 customers" in result.output
    assert "forced" in result.output
    table = read(warehouse, "select count(distinct segment_id) as k from {t}", "customer_segments")
    assert int(table.k[0]) == 3


def test_too_few_customers_and_empty_table_are_clear_errors(duckdb_settings_factory, tmp_path):
    s = duckdb_settings_factory("few")
    few = four_cluster_customers().drop(columns=["group"]).head(3)
    load_raw(s, crafted.campaigns_frame(), few)
    assert build(s, crafted.AS_OF).success
    env = {"MCA_DUCKDB_PATH": str(s.duckdb_path)}
    result = CliRunner().invoke(app, ["segment", "--k", "5", "--out", str(tmp_path)], env=env)
    assert result.exit_code == 6
    assert "3" in result.output and "5" in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in result.output
    with Warehouse(s) as wh:
        wh.execute(f"delete from {wh.raw('customers')}")
    assert build(s, crafted.AS_OF).success
    result = CliRunner().invoke(app, ["segment", "--out", str(tmp_path)], env=env)
    assert result.exit_code == 6
    assert "no customers" in result.output
