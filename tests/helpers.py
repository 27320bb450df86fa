"""Shared test helpers: loading raw frames, building with dbt in-process, reading marts."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from reporting.dbt_runner import DbtRunSummary, dbt_vars, run_dbt
from reporting.contract import RAW_TABLES
from reporting.settings import Settings
from reporting.warehouse import MCA_TABLE_MARKER, Warehouse


def load_raw(settings: Settings, campaigns: pd.DataFrame, customers: pd.DataFrame) -> None:
    with Warehouse(settings) as wh:
        for table, frame in (("campaigns", campaigns), ("customers", customers)):
            wh.replace_table(settings.raw_schema, RAW_TABLES[table], frame, comment=f"{MCA_TABLE_MARKER} tests")


def build(settings: Settings, as_of: dt.date, **kwargs) -> DbtRunSummary:
    return run_dbt(settings, "build", vars=dbt_vars(as_of, kwargs.get("extra_vars")),
                   raise_on_failure=kwargs.get("raise_on_failure", True))


def read(settings: Settings, sql_from_mart: str, mart: str) -> pd.DataFrame:
    """``select ... from <mart>`` with the mart's qualified name substituted for {t}."""
    with Warehouse(settings) as wh:
        return wh.query(sql_from_mart.format(t=wh.mart(mart)))


def read_all(settings: Settings, mart: str, order_by: str) -> pd.DataFrame:
    with Warehouse(settings) as wh:
        frame = wh.query(f"select * from {wh.mart(mart)} order by {order_by}")
    return frame


#: The marts the parity tests compare between warehouses: every model under models/marts (a test
#: checks none is missing) and the outlier fences, each with the columns that order its rows.
PARITY_MARTS = {
    "fct_campaign_daily": "campaign_day_id",
    "dim_campaign": "campaign_key",
    "dim_channel": "channel_id",
    "dim_date": "date_day",
    "dim_customer": "customer_id",
    "dim_customer_rfm": "customer_id",
    "dim_segment": "segment_id",
    "rpt_campaign_performance": "campaign_key, channel_id",
    "rpt_channel_performance": "channel_id",
    "rpt_daily_revenue": "date_day",
    "rpt_overall_performance": "campaigns",
    "rpt_period_comparison": "row_key",
    "rpt_segment_channel": "segment_id, channel_id",
    "dq_data_quality": "rows_read",
    "dq_quarantined_campaigns": "campaign_row_id",
    "dq_duplicate_campaigns": "campaign_row_id",
    "dq_quarantine_reasons": "source_table, reason",
    "dq_raw_tables": "table_name",
    "int_campaigns__outlier_bounds": "cost_q1",
}
#: Columns that differ between two runs by design (each run has its own id).
PER_RUN_COLUMNS = frozenset({"run_id"})


def read_parity_marts(settings: Settings) -> dict[str, pd.DataFrame]:
    """Every mart of :data:`PARITY_MARTS`, rows ordered by its key columns. The rows are sorted
    again in pandas (binary string order), because warehouses collate text differently."""
    frames = {}
    with Warehouse(settings) as wh:
        for mart, order_by in PARITY_MARTS.items():
            frames[mart] = in_key_order(wh.query(f"select * from {wh.mart(mart)} order by {order_by}"), order_by)
    return frames


def in_key_order(frame: pd.DataFrame, order_by: str) -> pd.DataFrame:
    """``frame`` sorted by the columns of an ``order by`` list, in binary string order."""
    keys = [k.strip() for k in order_by.split(",")]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def is_null(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or pd.isna(v)


def as_bool(v) -> bool:
    """A flag as each warehouse returns it: a bool, or 0/1 (MariaDB)."""
    return bool(int(v)) if not isinstance(v, (bool, np.bool_)) else bool(v)


def assert_same_column(a: pd.Series, b: pd.Series, label: str) -> None:
    """Two warehouses' values of one column, row by row: nulls where the other has nulls, flags
    as flags, text exactly, dates by their day, numbers within 1e-9."""
    for x, y in zip(a.tolist(), b.tolist()):
        if is_null(x) or is_null(y):
            assert is_null(x) and is_null(y), f"{label}: {x!r} vs {y!r}"
        elif isinstance(x, (bool, np.bool_)) or isinstance(y, (bool, np.bool_)):
            assert as_bool(x) == as_bool(y), f"{label}: {x!r} vs {y!r}"
        elif isinstance(x, str) or isinstance(y, str):
            assert str(x) == str(y), f"{label}: {x!r} vs {y!r}"
        elif hasattr(x, "isoformat") or hasattr(y, "isoformat"):
            assert str(x)[:10] == str(y)[:10], f"{label}: {x!r} vs {y!r}"
        else:
            assert float(x) == pytest.approx(float(y), rel=1e-9, abs=1e-9), f"{label}: {x!r} vs {y!r}"


def assert_same_marts(expected: dict[str, pd.DataFrame], got: dict[str, pd.DataFrame]) -> None:
    """Each mart of ``got`` has the columns, rows and values of the same mart in ``expected``."""
    assert list(got) == list(expected)
    for mart, a in expected.items():
        b = got[mart]
        assert list(a.columns) == list(b.columns), mart
        assert len(a) == len(b), mart
        for col in a.columns:
            if col not in PER_RUN_COLUMNS:
                assert_same_column(a[col], b[col], f"{mart}.{col}")
