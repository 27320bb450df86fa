"""Power BI export: a star schema as CSV and as Parquet, powerbi_metadata.json, and three of the
seed's files.

Star schema (keys join; Power BI relates the fact to each dimension many-to-one):

    fact_campaign_day  --date_day-->      dim_date      (contiguous; mark it as the date table)
                       --channel_id-->    dim_channel
                       --campaign_key-->  dim_campaign
    dim_customer       --segment_id-->    dim_segment
                       --acquisition_channel_id--> dim_channel

Each star-schema table is one read of its mart, written twice: ``<table>.csv`` (UTF-8 without a
byte-order mark, comma-separated with a header, ISO dates (YYYY-MM-DD), '.' as decimal separator,
money with four decimals, booleans as true/false, empty for NULL, text quoted with double
quotes, text that would start a spreadsheet formula prefixed with an apostrophe) and
``<table>.parquet`` (typed columns, zstd; Power BI reads Parquet natively). Columns are in a
fixed order (below). The fact is streamed from the warehouse in chunks, so memory stays flat
however long the history.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from reporting.report_data import NO_CAMPAIGN_DATA, NO_SEGMENT_DATA, load_raw_tables
from reporting.warehouse import ExportFile, Warehouse

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportTable:
    name: str
    mart: str
    columns: tuple[tuple[str, str], ...]  # (column, Power BI type)
    primary_key: tuple[str, ...]
    foreign_keys: tuple[tuple[str, str, str], ...] = ()  # (column, table, column)
    description: str = ""
    is_date_table: bool = False
    order_by: tuple[str, ...] = ()

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def parquet_file(self) -> str:
        return f"{self.name}.parquet"


STAR_SCHEMA: tuple[ExportTable, ...] = (
    ExportTable(
        "fact_campaign_day", "fct_campaign_daily",
        (("campaign_day_id", "int64"), ("date_day", "date"), ("channel_id", "int64"),
         ("campaign_key", "string"), ("cost", "decimal"), ("revenue", "decimal"),
         ("profit", "decimal"), ("impressions", "int64"), ("clicks", "int64"),
         ("conversions", "double"), ("ctr", "double"), ("conversion_rate", "double"),
         ("cpc", "double"), ("cpa", "double"), ("roas", "double"), ("roi", "double"),
         ("value_per_conversion", "double"), ("is_cost_outlier", "boolean"),
         ("is_revenue_outlier", "boolean"), ("is_channel_imputed", "boolean"),
         ("is_channel_unknown", "boolean")),
        ("campaign_day_id",),
        (("date_day", "dim_date", "date_day"), ("channel_id", "dim_channel", "channel_id"),
         ("campaign_key", "dim_campaign", "campaign_key")),
        "One row per campaign per day (validated, deduplicated, in the window). Ratios per row; "
        "aggregate with SUM of the measures and recompute ratios (e.g. ROI = SUM(profit)/SUM(cost)), "
        "never average the row ratios.",
        order_by=("campaign_day_id",),
    ),
    ExportTable(
        "dim_date", "dim_date",
        (("date_day", "date"), ("year_number", "int64"), ("quarter_number", "int64"),
         ("month_number", "int64"), ("month_name", "string"), ("day_of_month", "int64"),
         ("iso_day_of_week", "int64"), ("day_name", "string"), ("week_start_date", "date"),
         ("is_weekend", "boolean")),
        ("date_day",), (), "Contiguous calendar over the fact's range: mark as the date table.",
        is_date_table=True, order_by=("date_day",),
    ),
    ExportTable(
        "dim_channel", "dim_channel",
        (("channel_id", "int64"), ("channel", "string"), ("channel_group", "string"),
         ("is_canonical", "boolean"), ("sort_order", "int64")),
        ("channel_id",), (), "Marketing channels (the five canonical ones and Other).",
        order_by=("channel_id",),
    ),
    ExportTable(
        "dim_campaign", "dim_campaign",
        (("campaign_key", "string"), ("campaign_name", "string"), ("first_channel_id", "int64"),
         ("first_date", "date"), ("last_date", "date"), ("active_days", "int64")),
        ("campaign_key",), (("first_channel_id", "dim_channel", "channel_id"),),
        "Campaigns in the fact.", order_by=("campaign_key",),
    ),
    ExportTable(
        "dim_segment", "dim_segment",
        (("segment_id", "int64"), ("segment_name", "string"), ("customers", "int64"),
         ("run_id", "string")),
        ("segment_id",), (), "Customer segments of the latest segmentation run.",
        order_by=("segment_id",),
    ),
    ExportTable(
        "dim_customer", "dim_customer",
        (("customer_id", "int64"), ("segment_id", "int64"), ("acquisition_channel_id", "int64"),
         ("age", "int64"), ("sessions", "int64"), ("avg_session_duration", "double"),
         ("pages_per_session", "double"), ("transactions", "int64"), ("revenue", "decimal"),
         ("signup_date", "date")),
        ("customer_id",),
        (("segment_id", "dim_segment", "segment_id"),
         ("acquisition_channel_id", "dim_channel", "channel_id")),
        "Customers with their features and segment (empty segment_id when not segmented).",
        order_by=("customer_id",),
    ),
)

# The seed document's summary files, kept for existing dashboards. Its campaign_data file was the
# fact again with names (a second copy of the largest table: 4.6 GB of CSV at 10M rows); the star
# schema's fact_campaign_day with dim_campaign and dim_channel holds the same.
SEED_FILES: dict[str, tuple[str, tuple[str, ...]]] = {
    "channel_performance_powerbi.csv": ("rpt_channel_performance", (
        "channel", "campaigns", "campaign_days", "cost", "revenue", "profit", "impressions",
        "clicks", "conversions", "ctr", "conversion_rate", "cpc", "cpa", "roas", "roi",
        "value_per_conversion", "avg_roi", "avg_roas", "avg_ctr", "avg_conversion_rate",
        "roi_rank")),
    "roi_analysis_powerbi.csv": ("rpt_campaign_performance", (
        "campaign_name", "channel", "first_date", "last_date", "campaign_days", "cost", "revenue",
        "profit", "conversions", "cpa", "roas", "roi")),
}
#: Rows per chunk read from MySQL/MariaDB: ~25K rows of the fact's object columns keep the
#: export's own memory near 100 MB, and larger chunks were no faster (benchmarks/).
EXPORT_CHUNK_ROWS = 25_000


@dataclass
class PowerBIExport:
    folder: Path
    files: dict[str, int] = field(default_factory=dict)  # file -> rows
    metadata_path: Path | None = None


def _export(wh: Warehouse, sql: str, outputs: list[tuple[Path, list[str], dict[str, str]]]) -> list[int]:
    """Write one query's rows into one or more files (CSV or Parquet by suffix, each its own
    columns), reading the rows once (the warehouse streams them; ``Warehouse.export``)."""
    return wh.export(sql, [ExportFile(path, cols, kinds) for path, cols, kinds in outputs],
                     chunk_rows=EXPORT_CHUNK_ROWS)


def _select(wh: Warehouse, table: ExportTable, extra: list[str] | None = None) -> str:
    if table.name == "dim_customer":
        seg = wh.mart("customer_segments")
        cols = ", ".join(
            f"s.{wh.quote('segment_id')}" if c == "segment_id" else f"c.{wh.quote(c)}"
            for c, _ in table.columns
        )
        return (f"select {cols} from {wh.mart('dim_customer')} c left join {seg} s "
                f"on c.{wh.quote('customer_id')} = s.{wh.quote('customer_id')} "
                f"order by c.{wh.quote('customer_id')}")
    cols = ", ".join(wh.quote(c) for c in [c for c, _ in table.columns] + list(extra or []))
    order = ", ".join(wh.quote(c) for c in table.order_by)
    return f"select {cols} from {wh.mart(table.mart)}" + (f" order by {order}" if order else "")


def export_powerbi(
    wh: Warehouse,
    folder: Path,
    *,
    run_id: str,
    generated_at: dt.datetime | None = None,
    on_file: Callable[[str], None] | None = None,
) -> PowerBIExport:
    """Write the star schema, the seed's files and powerbi_metadata.json into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    result = PowerBIExport(folder=folder)
    tables_meta: list[dict[str, Any]] = []
    fact_types = dict(STAR_SCHEMA[0].columns) | {"campaign_name": "string", "channel": "string",
                                                   "first_date": "date", "last_date": "date"}
    for table in STAR_SCHEMA:
        if on_file is not None:
            on_file(table.file)
        types = dict(table.columns)
        # one read of each table feeds its CSV and its Parquet file
        outputs = [(folder / table.file, list(types), types), (folder / table.parquet_file, list(types), types)]
        counts = _export(wh, _select(wh, table), outputs)
        rows = counts[0]
        result.files[table.file] = rows
        result.files[table.parquet_file] = counts[1]
        tables_meta.append({
            "name": table.name,
            "file": table.file,
            "parquet_file": table.parquet_file,
            "rows": rows,
            "description": table.description,
            "is_date_table": table.is_date_table,
            "primary_key": list(table.primary_key),
            "foreign_keys": [
                {"column": c, "references_table": t, "references_column": rc}
                for c, t, rc in table.foreign_keys
            ],
            "columns": [{"name": c, "type": t} for c, t in table.columns],
        })
    for file, (mart, columns) in SEED_FILES.items():
        sql = f"select {', '.join(wh.quote(c) for c in columns)} from {wh.mart(mart)}"
        types = {c: fact_types.get(c, "double" if c not in {"campaigns", "campaign_days", "roi_rank"} else "int64") for c in columns}
        result.files[file] = _export(wh, sql, [(folder / file, list(columns), types)])[0]
    # the seed's customer_segments file: customers with their segment name
    seg_sql = (
        f"select c.{wh.quote('customer_id')}, s.{wh.quote('segment_id')}, s.{wh.quote('segment_name')}, "
        f"c.{wh.quote('age')}, c.{wh.quote('sessions')}, c.{wh.quote('avg_session_duration')}, "
        f"c.{wh.quote('pages_per_session')}, c.{wh.quote('transactions')}, c.{wh.quote('revenue')}, "
        f"c.{wh.quote('acquisition_channel')} from {wh.mart('dim_customer')} c "
        f"left join {wh.mart('customer_segments')} s on c.{wh.quote('customer_id')} = s.{wh.quote('customer_id')} "
        f"order by c.{wh.quote('customer_id')}"
    )
    seg_cols = ["customer_id", "segment_id", "segment_name", "age", "sessions", "avg_session_duration",
                "pages_per_session", "transactions", "revenue", "acquisition_channel"]
    seg_types = {"customer_id": "int64", "segment_id": "int64", "age": "int64", "sessions": "int64",
                 "transactions": "int64", "avg_session_duration": "double", "pages_per_session": "double",
                 "revenue": "decimal"}
    result.files["customer_segments_powerbi.csv"] = _export(
        wh, seg_sql, [(folder / "customer_segments_powerbi.csv", seg_cols, seg_types)])[0]

    dates = wh.query(f"select min({wh.quote('date_day')}) as lo, max({wh.quote('date_day')}) as hi "
                     f"from {wh.mart('dim_date')}").iloc[0]
    lo = None if pd.isna(dates["lo"]) else pd.Timestamp(dates["lo"]).date().isoformat()
    hi = None if pd.isna(dates["hi"]) else pd.Timestamp(dates["hi"]).date().isoformat()
    # every file is written whatever was loaded (a missing raw table's files have their header
    # only), so a Power BI model keeps its tables; raw_tables and notes say what was not loaded
    raw_tables = load_raw_tables(wh)
    notes = []
    if not raw_tables["campaigns"]:
        notes.append(NO_CAMPAIGN_DATA)
    if not (raw_tables["customers"] or raw_tables["orders"]):
        notes.append(NO_SEGMENT_DATA)
    metadata = {
        "generated_at": (generated_at or dt.datetime.now(dt.timezone.utc)).isoformat(),
        "run_id": run_id,
        "raw_tables": raw_tables,
        "notes": notes,
        "campaigns_count": result.files["fact_campaign_day.csv"],
        "customers_count": result.files["dim_customer.csv"],
        "date_range": f"{lo} to {hi}" if lo else None,
        "date_start": lo,
        "date_end": hi,
        "format": {"encoding": "utf-8", "delimiter": ",", "decimal": ".", "date_format": "YYYY-MM-DD",
                   "null": "empty field", "boolean": "true/false"},
        "date_table": "dim_date",
        "tables": tables_meta,
        "relationships": [
            {"from_table": t["name"], "from_column": fk["column"], "to_table": fk["references_table"],
             "to_column": fk["references_column"], "cardinality": "many-to-one"}
            for t in tables_meta for fk in t["foreign_keys"]
        ],
        "other_files": {f: rows for f, rows in result.files.items()
                        if f not in {t.file for t in STAR_SCHEMA} | {t.parquet_file for t in STAR_SCHEMA}},
    }
    result.metadata_path = folder / "powerbi_metadata.json"
    result.metadata_path.write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    log.info("Power BI export: %d files in %s", len(result.files) + 1, folder)
    return result
