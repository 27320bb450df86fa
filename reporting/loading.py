"""Loading the raw contract's tables (sample data now; file ingest builds on the same path)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from reporting.raw_contract import RAW_INDEXES, RAW_PRIMARY_KEYS, column_types
from reporting.sample_data import SampleData
from reporting.warehouse import MCA_TABLE_MARKER, Warehouse

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadResult:
    table: str
    rows: int


def load_raw_tables(wh: Warehouse, data: SampleData, *, force: bool = False) -> list[LoadResult]:
    """(Re)create the raw campaigns and customers tables from ``data``.

    Refuses, before touching anything, when either table exists and was not created by mca
    (unless ``force``), so a user's own raw data is never overwritten by sample data.
    """
    schema = wh.settings.raw_schema
    frames: dict[str, pd.DataFrame] = {"campaigns": data.campaigns, "customers": data.customers}
    for table in frames:
        wh.check_replaceable(schema, table, force=force, owner="sample-data")
    results = []
    for table, frame in frames.items():
        rows = wh.replace_table(
            schema,
            table,
            frame,
            column_types(table, wh.settings.target),
            comment=f"{MCA_TABLE_MARKER} sample-data",
            primary_key=RAW_PRIMARY_KEYS[table],
            indexes=RAW_INDEXES[table],
        )
        log.info("loaded %d rows into %s.%s", rows, schema, table)
        results.append(LoadResult(table=table, rows=rows))
    return results
