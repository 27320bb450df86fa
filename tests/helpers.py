"""Shared test helpers: loading raw frames, building with dbt in-process, reading marts."""

from __future__ import annotations

import datetime as dt

import pandas as pd

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
