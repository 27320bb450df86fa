"""Segmentation through the warehouse on the chunked path (customers streamed in batches,
assignments written in chunks) against the in-memory path on the same customers.

25,000 customers without clear clusters (so segment boundaries cut through dense data) and with
missing values, read in batches of 3,000 rows: nine batches, a k search on the 20,000-row sample
and Lloyd's algorithm on every customer. The in-memory reference is segment_customers on the
frame the in-memory path reads; see tests/segmentation/test_segmentation_chunked.py for what is
equal bit for bit and what to floating-point order.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reporting.contract import CUSTOMER_SEGMENTS
from reporting.errors import RefusedError
from reporting.jobs import run_segmentation
from reporting.segment_store import load_latest_summary, read_customer_features
from reporting.settings import Target
from reporting.warehouse import Warehouse
from segmentation import ChunkedSegmentationResult, SegmentationResult, segment_customers
from tests import crafted
from tests.helpers import build, load_raw, read

CUSTOMERS = 25_000
CHUNK_ROWS = 3_000


def skewed_customers(n: int = CUSTOMERS, seed: int = 21) -> pd.DataFrame:
    """Web-shop-like customers (log-normal durations and order values, most without a
    purchase), ids not in load order, about 1 % missing values in three features."""
    rng = np.random.default_rng(seed)
    sessions = 1 + rng.poisson(rng.lognormal(1.5, 0.8, n))
    transactions = rng.binomial(sessions, rng.beta(1.2, 12.0, n))
    frame = pd.DataFrame({
        "customer_id": rng.permutation(np.arange(1, n + 1, dtype=np.int64) * 7),
        "age": pd.array(np.clip(rng.normal(38.0, 12.0, n), 18, 85).round(), dtype="Int64"),
        "sessions": pd.array(sessions, dtype="Int64"),
        "avg_session_duration": rng.lognormal(np.log(180.0), 0.6, n).round(1),
        "pages_per_session": (1 + rng.lognormal(np.log(3.0), 0.5, n)).round(2),
        "transactions": pd.array(transactions, dtype="Int64"),
        "revenue": (transactions * rng.lognormal(np.log(60.0), 0.5, n)).round(2),
        "acquisition_channel": rng.choice(["Email", "FB", "Google Ads", "display"], n),
        "signup_date": dt.date(2024, 1, 1),
    })
    for column in ("age", "avg_session_duration", "revenue"):
        frame.loc[rng.random(n) < 0.01, column] = None
    return frame


@pytest.fixture(scope="module", params=["duckdb", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def warehouse(request, duckdb_settings_factory, server_settings_factory):
    s = (duckdb_settings_factory("chunked") if request.param == "duckdb"
         else server_settings_factory(Target.mariadb, "chunked"))
    load_raw(s, crafted.campaigns_frame(), skewed_customers())
    assert build(s, crafted.AS_OF).success
    return s


@pytest.fixture(scope="module")
def in_memory(warehouse) -> SegmentationResult:
    """segment_customers on the frame the in-memory path reads."""
    with Warehouse(warehouse) as wh:
        return segment_customers(read_customer_features(wh, "behavioural"))


def written(settings) -> pd.DataFrame:
    return read(settings, "select customer_id, segment_id, segment_name, run_id from {t} order by customer_id",
                "customer_segments")


def test_chunked_path_equals_the_in_memory_path(warehouse, in_memory, tmp_path):
    with Warehouse(warehouse) as wh:
        run = run_segmentation(wh, run_id="chunked", in_memory_max=0, chunk_rows=CHUNK_ROWS,
                               charts_dir=tmp_path)
        stored = load_latest_summary(wh)
    result = run.result
    assert isinstance(result, ChunkedSegmentationResult)
    assert in_memory.refined_on_all_rows and result.refined_on_all_rows
    assert (run.rows_read, run.rows_written, result.n_customers) == (CUSTOMERS,) * 3
    assert result.chosen_k == in_memory.chosen_k and result.reason == in_memory.reason
    assert result.profiles["size"].tolist() == in_memory.profiles["size"].tolist()
    assert result.profiles["segment_name"].tolist() == in_memory.profiles["segment_name"].tolist()
    for column in in_memory.profiles.columns.drop(["segment_id", "segment_name", "size"]):
        assert result.profiles[column].to_numpy() == pytest.approx(
            in_memory.profiles[column].to_numpy(), rel=1e-9, abs=1e-12), column
    assert result.centers.to_numpy() == pytest.approx(in_memory.centers.to_numpy(), rel=1e-6)
    assert result.imputed_counts == in_memory.imputed_counts
    assert sum(result.imputed_counts.values()) > 0

    table = written(warehouse)
    expected = in_memory.assignments.sort_values("customer_id").reset_index(drop=True)
    assert table.customer_id.astype(int).tolist() == expected.customer_id.astype(int).tolist()
    assert table.segment_id.astype(int).tolist() == expected.segment_id.astype(int).tolist()
    assert table.segment_name.tolist() == expected.segment_name.tolist()
    assert set(table.run_id) == {"chunked"}

    # what the reports show later is this run's summary
    assert stored is not None and stored.run_id == "chunked" and stored.n_customers == CUSTOMERS
    assert stored.profiles["size"].tolist() == result.profiles["size"].tolist()
    assert int(stored.by_channel["customers"].sum()) == CUSTOMERS
    assert sorted(p.name for p in run.charts.values()) == [
        "segment_k_selection.png", "segment_profiles.png", "segment_sizes.png"]


def test_in_memory_path_below_the_threshold_writes_the_same_table(warehouse):
    with Warehouse(warehouse) as wh:
        run_segmentation(wh, run_id="chunked-2", in_memory_max=0, chunk_rows=CHUNK_ROWS)
        chunked = written(warehouse)
        run = run_segmentation(wh, run_id="in-memory", in_memory_max=CUSTOMERS)
    assert isinstance(run.result, SegmentationResult)
    table = written(warehouse)
    assert set(table.run_id) == {"in-memory"}
    pd.testing.assert_frame_equal(table.drop(columns="run_id"), chunked.drop(columns="run_id"))


def test_temporary_files_are_removed_even_when_the_write_is_refused(warehouse, monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the chunked path keeps its files
    with Warehouse(warehouse) as wh:
        run_segmentation(wh, run_id="chunked-3", in_memory_max=0, chunk_rows=CHUNK_ROWS)
        assert not list(tmp_path.glob("mca-segments-*"))
        # a customer_segments that mca did not create is not replaced, after segmenting
        wh.drop_table(wh.settings.schema, CUSTOMER_SEGMENTS.name)
        wh.create_table(wh.settings.schema, CUSTOMER_SEGMENTS, comment="made by someone else")
        try:
            with pytest.raises(RefusedError, match="refusing to replace"):
                run_segmentation(wh, run_id="refused", in_memory_max=0, chunk_rows=CHUNK_ROWS)
        finally:
            wh.drop_table(wh.settings.schema, CUSTOMER_SEGMENTS.name)
            run_segmentation(wh, run_id="chunked-4", in_memory_max=0, chunk_rows=CHUNK_ROWS)
    assert not list(Path(tmp_path).glob("mca-segments-*"))


def test_a_read_left_early_lifts_duckdbs_memory_cap(duckdb_settings_factory):
    """The stream of customers holds DuckDB's memory down while it is read; a segmentation that
    stops early (an error) closes it, and the limit is back before the warehouse closes."""
    from reporting.segment_store import iter_customer_features

    s = duckdb_settings_factory("chunked-cap")
    load_raw(s, crafted.campaigns_frame(), skewed_customers(5_000))
    assert build(s, crafted.AS_OF).success
    with Warehouse(s) as wh:
        limit = wh.scalar("select current_setting('memory_limit')")
        frames = iter_customer_features(wh, "behavioural", ("age", "revenue"), 1_000)
        first = next(frames)
        assert len(first) == 1_000 and first["customer_id"].is_monotonic_increasing
        assert wh.scalar("select current_setting('memory_limit')") != limit
        frames.close()
        assert wh.scalar("select current_setting('memory_limit')") == limit
