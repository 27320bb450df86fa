"""Power BI export: a star schema as CSV and as Parquet, measures.dax, powerbi_metadata.json,
mca_marts.pbids on a server target, and three of the seed's files.

Star schema (keys join; Power BI relates the fact to each dimension many-to-one). The
relationships form a tree, so there is exactly one filter path between any two tables:

    fact_campaign_day  --date_day-->      dim_date      (contiguous; mark it as the date table)
                       --channel_id-->    dim_channel
                       --campaign_key-->  dim_campaign
    dim_customer       --segment_id-->    dim_segment
                       --acquisition_channel_id--> dim_channel

dim_campaign.first_channel_id is exported as an attribute but not related to dim_channel: with
that relationship dim_channel would reach the fact twice (directly and through dim_campaign), a
cycle Power BI resolves by making one of them inactive. A campaign-day's channel is the fact's
channel_id.

The fact holds keys, additive amounts (money, counts) and flags; no per-row ratio (a report sums
numeric columns by default, and a sum of CTRs means nothing). Ratios are DAX measures, ratios of
sums with DIVIDE (blank on a zero denominator): ``MEASURES``, written to ``measures.dax`` and to
the metadata with their unit and format string. Percentages are fractions there (CTR 0.0387,
shown as 3.87 % by the format ``0.00%``), unlike the marts' percent points (ctr 3.87).

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
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from reporting.report_data import NO_CAMPAIGN_DATA, NO_SEGMENT_DATA, load_raw_tables
from reporting.warehouse import ExportFile, Warehouse

log = logging.getLogger(__name__)

#: libyaml's safe loader where PyYAML was built with it: the same documents, parsed about ten
#: times faster (the dbt project's YAML took 0.35 s of a 1.7 s export at 100K rows in pure Python)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


#: Units of the numeric columns and measures, with the default summarization that goes with
#: them (Power BI sums every numeric column unless told otherwise).
UNITS: dict[str, str] = {
    "identifier": "a key or code: never summed",
    "currency": "an amount in the report currency (the marts' base currency)",
    "count": "a number of things (impressions, clicks, conversions, customers...): summed",
    "fraction": "a ratio where 1 = 100 %; shown with a percent format (0.0387 shows as 3.87 %)",
    "ratio": "a multiple (ROAS 2.5 = revenue is 2.5 x cost)",
    "percent_points": "a percentage as the marts store it (3.87 = 3.87 %); only in the seed's files",
    "calendar": "a calendar number (year, quarter, month, week, day) or the sort key of a label",
    "days": "a number of days",
    "years": "a number of years",
    "seconds": "a duration in seconds",
    "pages": "pages viewed",
    "order": "a display position",
}
_SUMMARIZE = {"currency": "sum", "count": "sum", "seconds": "average", "pages": "average", "years": "average"}
_FORMAT = {"currency": "#,0.00", "count": "#,0", "identifier": "0", "calendar": "0", "days": "#,0",
           "years": "0", "seconds": "#,0.0", "pages": "#,0.00", "order": "0"}
#: Power BI's data type for each export kind.
POWERBI_TYPES = {"int64": "Int64", "double": "Double", "decimal": "Decimal", "boolean": "Boolean",
                 "date": "DateTime", "string": "String"}


@dataclass(frozen=True)
class ExportTable:
    name: str
    mart: str
    columns: tuple[tuple[str, str, str], ...]  # (column, export kind, unit; '' unless numeric)
    primary_key: tuple[str, ...]
    foreign_keys: tuple[tuple[str, str, str], ...] = ()  # (column, table, column): relationships
    description: str = ""
    is_date_table: bool = False
    order_by: tuple[str, ...] = ()
    sort_by: tuple[tuple[str, str], ...] = ()  # (label column, the column it sorts by)
    descriptions: tuple[tuple[str, str], ...] = ()  # (column, description) not from the mart's docs

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def parquet_file(self) -> str:
        return f"{self.name}.parquet"

    @property
    def types(self) -> dict[str, str]:
        return {c: kind for c, kind, _ in self.columns}


STAR_SCHEMA: tuple[ExportTable, ...] = (
    ExportTable(
        "fact_campaign_day", "fct_campaign_daily",
        (("campaign_day_id", "int64", "identifier"), ("date_day", "date", ""),
         ("channel_id", "int64", "identifier"), ("campaign_key", "string", ""),
         ("cost", "decimal", "currency"), ("revenue", "decimal", "currency"),
         ("profit", "decimal", "currency"), ("impressions", "int64", "count"),
         ("clicks", "int64", "count"), ("conversions", "double", "count"),
         ("is_cost_outlier", "boolean", ""), ("is_revenue_outlier", "boolean", ""),
         ("is_channel_imputed", "boolean", ""), ("is_channel_unknown", "boolean", "")),
        ("campaign_day_id",),
        (("date_day", "dim_date", "date_day"), ("channel_id", "dim_channel", "channel_id"),
         ("campaign_key", "dim_campaign", "campaign_key")),
        "One row per campaign per day (validated, deduplicated, in the window): additive amounts "
        "only. Ratios (CTR, ROAS, ROI ...) are the measures of measures.dax, ratios of sums; the "
        "mart's per-row ratios are not exported.",
        order_by=("campaign_day_id",),
    ),
    ExportTable(
        "dim_date", "dim_date",
        (("date_day", "date", ""), ("year_number", "int64", "calendar"),
         ("quarter_number", "int64", "calendar"), ("month_number", "int64", "calendar"),
         ("month_name", "string", ""), ("day_of_month", "int64", "calendar"),
         ("iso_day_of_week", "int64", "calendar"), ("day_name", "string", ""),
         ("week_start_date", "date", ""), ("is_weekend", "boolean", ""),
         ("year_quarter_label", "string", ""), ("year_quarter_sort", "int64", "calendar"),
         ("year_month_label", "string", ""), ("year_month_sort", "int64", "calendar"),
         ("iso_year", "int64", "calendar"), ("iso_week", "int64", "calendar"),
         ("iso_year_week_label", "string", ""), ("iso_year_week_sort", "int64", "calendar")),
        ("date_day",), (), "Contiguous calendar over the fact's range: mark as the date table.",
        is_date_table=True, order_by=("date_day",),
        sort_by=(("month_name", "month_number"), ("day_name", "iso_day_of_week"),
                 ("year_quarter_label", "year_quarter_sort"), ("year_month_label", "year_month_sort"),
                 ("iso_year_week_label", "iso_year_week_sort")),
    ),
    ExportTable(
        "dim_channel", "dim_channel",
        (("channel_id", "int64", "identifier"), ("channel", "string", ""),
         ("channel_group", "string", ""), ("is_canonical", "boolean", ""),
         ("sort_order", "int64", "order")),
        ("channel_id",), (), "Marketing channels (the five canonical ones and Other).",
        order_by=("channel_id",), sort_by=(("channel", "sort_order"),),
    ),
    ExportTable(
        "dim_campaign", "dim_campaign",
        (("campaign_key", "string", ""), ("campaign_name", "string", ""),
         ("first_channel_id", "int64", "identifier"), ("first_date", "date", ""),
         ("last_date", "date", ""), ("active_days", "int64", "days")),
        ("campaign_key",), (),
        "Campaigns in the fact. first_channel_id is an attribute, not a relationship (it would "
        "give dim_channel a second path to the fact).",
        order_by=("campaign_key",),
    ),
    ExportTable(
        "dim_segment", "dim_segment",
        (("segment_id", "int64", "identifier"), ("segment_name", "string", ""),
         ("customers", "int64", "count"), ("run_id", "string", "")),
        ("segment_id",), (), "Customer segments of the latest segmentation run.",
        order_by=("segment_id",),
    ),
    ExportTable(
        "dim_customer", "dim_customer",
        (("customer_id", "int64", "identifier"), ("segment_id", "int64", "identifier"),
         ("acquisition_channel_id", "int64", "identifier"), ("age", "int64", "years"),
         ("sessions", "int64", "count"), ("avg_session_duration", "double", "seconds"),
         ("pages_per_session", "double", "pages"), ("transactions", "int64", "count"),
         ("revenue", "decimal", "currency"), ("signup_date", "date", "")),
        ("customer_id",),
        (("segment_id", "dim_segment", "segment_id"),
         ("acquisition_channel_id", "dim_channel", "channel_id")),
        "Customers with their features and segment (empty segment_id when not segmented).",
        order_by=("customer_id",),
        descriptions=(("segment_id", "Foreign key to dim_segment: the customer's segment in the "
                                     "latest segmentation run; empty when not segmented."),),
    ),
)

FACT = "fact_campaign_day"


@dataclass(frozen=True)
class Measure:
    name: str
    expression: str
    unit: str
    format_string: str
    description: str


def _sum(column: str) -> str:
    return f"SUM ( {FACT}[{column}] )"


#: The measures of the star schema, on the fact table. Ratios are ratios of sums, never averages
#: of per-row ratios; DIVIDE returns blank (not an error or infinity) on a zero denominator,
#: like the marts' NULL.
MEASURES: tuple[Measure, ...] = (
    Measure("Total Cost", _sum("cost"), "currency", "#,0.00", "Spend."),
    Measure("Total Revenue", _sum("revenue"), "currency", "#,0.00", "Attributed revenue."),
    Measure("Total Profit", _sum("profit"), "currency", "#,0.00", "Revenue - cost."),
    Measure("Total Impressions", _sum("impressions"), "count", "#,0", "Times shown."),
    Measure("Total Clicks", _sum("clicks"), "count", "#,0", "Clicks."),
    Measure("Total Conversions", _sum("conversions"), "count", "#,0.##",
            "Conversions (fractional under data-driven attribution)."),
    Measure("Campaign Days", f"COUNTROWS ( {FACT} )", "count", "#,0", "Campaign-day rows."),
    Measure("CTR", "DIVIDE ( [Total Clicks], [Total Impressions] )", "fraction", "0.00%",
            "Click-through rate: clicks / impressions; blank without impressions."),
    Measure("Conversion Rate", "DIVIDE ( [Total Conversions], [Total Clicks] )", "fraction", "0.00%",
            "Conversions / clicks; blank without clicks; can exceed 100 %."),
    Measure("CPC", "DIVIDE ( [Total Cost], [Total Clicks] )", "currency", "#,0.00",
            "Cost per click; blank without clicks."),
    Measure("CPA", "DIVIDE ( [Total Cost], [Total Conversions] )", "currency", "#,0.00",
            "Cost per conversion; blank without conversions (not 0, which would read as free)."),
    Measure("ROAS", "DIVIDE ( [Total Revenue], [Total Cost] )", "ratio", '0.00"x"',
            "Return on ad spend: revenue / cost; blank without cost."),
    Measure("ROI", "DIVIDE ( [Total Profit], [Total Cost] )", "fraction", "0.00%",
            "Return on investment: (revenue - cost) / cost; blank without cost."),
    Measure("Value per Conversion", "DIVIDE ( [Total Revenue], [Total Conversions] )", "currency",
            "#,0.00", "Revenue per conversion; blank without conversions."),
)

PBIDS_FILE = "mca_marts.pbids"
MEASURES_FILE = "measures.dax"

_DOC_REF = re.compile(r"""\{\{\s*doc\(\s*['"]([^'"]+)['"]\s*\)\s*\}\}""")
_DOC_BLOCK = re.compile(r"\{%-?\s*docs\s+([\w.]+)\s*-?%\}(.*?)\{%-?\s*enddocs\s*-?%\}", re.S)


def dbt_descriptions(project_dir: Path) -> dict[str, dict[str, str]]:
    """Model and column descriptions from the dbt project's YAML, ``{{ doc('...') }}`` resolved
    from its doc blocks: ``{model: {"": model description, column: description}}``.

    Read from the project files rather than ``target/manifest.json``: the manifest exists only
    after a dbt command wrote it, in whatever target path that command used (tests and CI move
    it), and may describe another state of the project than the marts were built from; the YAML
    beside the models is what every build reads. Sources' tables are included under their names
    when no model has the name.
    """
    docs: dict[str, str] = {}
    for folder in (project_dir / "docs", project_dir / "models"):
        for md in sorted(folder.rglob("*.md")) if folder.is_dir() else []:
            for name, body in _DOC_BLOCK.findall(md.read_text(encoding="utf-8")):
                docs[name] = body

    def text(value: Any) -> str:
        resolved = _DOC_REF.sub(lambda m: docs.get(m.group(1), ""), str(value or ""))
        return " ".join(resolved.split())

    out: dict[str, dict[str, str]] = {}
    sources: dict[str, dict[str, str]] = {}
    for path in sorted((project_dir / "models").rglob("*.yml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}
        for model in data.get("models") or []:
            out[model["name"]] = {"": text(model.get("description"))} | {
                c["name"]: text(c.get("description")) for c in model.get("columns") or []}
        for source in data.get("sources") or []:
            for table in source.get("tables") or []:
                sources[table["name"]] = {"": text(table.get("description"))} | {
                    c["name"]: text(c.get("description")) for c in table.get("columns") or []}
    return sources | out


def measures_dax(measures: tuple[Measure, ...] = MEASURES) -> str:
    """measures.dax: one block per measure, a comment line with its unit and format string, a
    comment with its description, then ``Name = expression`` as Power BI's measure formula bar
    takes it (Modeling > New measure)."""
    blocks = [
        "// mca measures for the table fact_campaign_day, one block per measure.\n"
        "// Create each as a measure on fact_campaign_day (Modeling > New measure: paste the\n"
        "// 'Name = expression' line) and set its format string from the comment above it.\n"
        "// Percentages are fractions with a percent format: CTR 0.0387 shows as 3.87 %.\n"
    ]
    for m in measures:
        blocks.append(f"// {m.name} | unit: {m.unit} | formatString: {m.format_string}\n"
                      f"// {m.description}\n{m.name} = {m.expression}\n")
    return "\n".join(blocks)


# The seed document's summary files, kept for existing dashboards. Its campaign_data file was the
# fact again with names (a second copy of the largest table: 4.6 GB of CSV at 10M rows); the star
# schema's fact_campaign_day with dim_campaign and dim_channel holds the same.
#: file -> (mart, columns, the mart's key to order the rows by: without it each engine wrote the
#: rows in its own storage order, and two runs on two engines gave different files)
SEED_FILES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "channel_performance_powerbi.csv": ("rpt_channel_performance", (
        "channel", "campaigns", "campaign_days", "cost", "revenue", "profit", "impressions",
        "clicks", "conversions", "ctr", "conversion_rate", "cpc", "cpa", "roas", "roi",
        "value_per_conversion", "avg_roi", "avg_roas", "avg_ctr", "avg_conversion_rate",
        "roi_rank"), ("channel_id",)),
    "roi_analysis_powerbi.csv": ("rpt_campaign_performance", (
        "campaign_name", "channel", "first_date", "last_date", "campaign_days", "cost", "revenue",
        "profit", "conversions", "cpa", "roas", "roi"), ("campaign_key", "channel_id")),
}
#: Rows per chunk read from MySQL/MariaDB: ~25K rows of the fact's object columns keep the
#: export's own memory near 100 MB, and larger chunks were no faster (benchmarks/).
EXPORT_CHUNK_ROWS = 25_000


@dataclass
class PowerBIExport:
    folder: Path
    files: dict[str, int] = field(default_factory=dict)  # file -> rows
    metadata_path: Path | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # star-schema table -> seconds to write its files


def _export(wh: Warehouse, sql: str, outputs: list[tuple[Path, list[str], dict[str, str]]],
            page_key: str | None = None) -> list[int]:
    """Write one query's rows into one or more files (CSV or Parquet by suffix, each its own
    columns), reading the rows once (the warehouse streams them; ``Warehouse.export``)."""
    return wh.export(sql, [ExportFile(path, cols, kinds) for path, cols, kinds in outputs],
                     chunk_rows=EXPORT_CHUNK_ROWS, page_key=page_key)


def _page_key(table: ExportTable) -> str | None:
    """The key a server reads ``table`` in pages of (``Warehouse.arrow_reader``): its primary
    key where that is one integer column, which the marts index (the fact's primary key,
    dim_customer's unique index) and dbt tests as unique."""
    if len(table.primary_key) == 1 and table.types.get(table.primary_key[0]) == "int64" \
            and table.order_by == table.primary_key:
        return table.primary_key[0]
    return None


def _select(wh: Warehouse, table: ExportTable, extra: list[str] | None = None) -> str:
    if table.name == "dim_customer":
        seg = wh.mart("customer_segments")
        cols = ", ".join(
            f"s.{wh.quote('segment_id')}" if c == "segment_id" else f"c.{wh.quote(c)}"
            for c in table.types
        )
        return (f"select {cols} from {wh.mart('dim_customer')} c left join {seg} s "
                f"on c.{wh.quote('customer_id')} = s.{wh.quote('customer_id')} "
                f"order by c.{wh.quote('customer_id')}")
    cols = ", ".join(wh.quote(c) for c in [*table.types, *(extra or [])])
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
    """Write the star schema, measures.dax, the seed's files, powerbi_metadata.json and (on a
    server target) mca_marts.pbids into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    result = PowerBIExport(folder=folder)
    tables_meta: list[dict[str, Any]] = []
    docs = dbt_descriptions(wh.settings.dbt_project_dir)
    fact_types = STAR_SCHEMA[0].types | {"campaign_name": "string", "channel": "string",
                                                   "first_date": "date", "last_date": "date"}
    for table in STAR_SCHEMA:
        if on_file is not None:
            on_file(table.file)
        types = table.types
        # one read of each table feeds its CSV and its Parquet file
        outputs = [(folder / table.file, list(types), types), (folder / table.parquet_file, list(types), types)]
        started = time.perf_counter()
        counts = _export(wh, _select(wh, table), outputs, page_key=_page_key(table))
        result.seconds[table.name] = round(time.perf_counter() - started, 3)
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
            "columns": _columns_meta(table, docs),
        })
    for file, (mart, columns, key) in SEED_FILES.items():
        sql = (f"select {', '.join(wh.quote(c) for c in columns)} from {wh.mart(mart)} "
               f"order by {', '.join(wh.quote(c) for c in key)}")
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
        wh, seg_sql, [(folder / "customer_segments_powerbi.csv", seg_cols, seg_types)], page_key="customer_id")[0]

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
    (folder / MEASURES_FILE).write_text(measures_dax(), encoding="utf-8")
    result.files[MEASURES_FILE] = len(MEASURES)
    connection = _write_pbids(wh, folder)
    if connection["pbids_file"]:
        result.files[PBIDS_FILE] = 1
    metadata = {
        "format_version": 2,
        "about": ("mca's description of this folder, for people and scripts: Power BI does not "
                  "read this file. Load the Parquet (or CSV) files, create the relationships "
                  "and measures listed here (measures.dax), mark dim_date as the date table."),
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
        "units": UNITS,
        "tables": tables_meta,
        "relationships": [
            {"from_table": t["name"], "from_column": fk["column"], "to_table": fk["references_table"],
             "to_column": fk["references_column"], "cardinality": "many-to-one",
             "cross_filter_direction": "single", "is_active": True}
            for t in tables_meta for fk in t["foreign_keys"]
        ],
        "relationship_notes": (
            "The relationships form a tree: one filter path between any two tables. "
            "dim_campaign.first_channel_id is an attribute, not a relationship; the fact's "
            "channel_id relates a campaign-day to its channel."),
        "measures_table": FACT,
        "measures_file": MEASURES_FILE,
        "measures": [{"name": m.name, "table": FACT, "expression": m.expression, "unit": m.unit,
                      "format_string": m.format_string, "description": m.description}
                     for m in MEASURES],
        "connection": connection,
        "other_files": {f: rows for f, rows in result.files.items()
                        if f not in {t.file for t in STAR_SCHEMA} | {t.parquet_file for t in STAR_SCHEMA}
                        | {MEASURES_FILE, PBIDS_FILE}},
        "other_files_note": ("The seed's files keep the marts' units: ctr, conversion_rate and roi "
                             "in percent points (3.87 = 3.87 %), roas as a multiple."),
    }
    result.metadata_path = folder / "powerbi_metadata.json"
    result.metadata_path.write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    log.info("Power BI export: %d files in %s", len(result.files) + 1, folder)
    return result


def _columns_meta(table: ExportTable, docs: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """Each column's name, types, description (the mart's dbt docs unless the table says
    otherwise) and, for numbers, unit, default summarization and format string."""
    described = docs.get(table.mart, {}) | dict(table.descriptions)
    sort_by = dict(table.sort_by)
    keys = {c for c, _, _ in table.foreign_keys} | set(table.primary_key)
    out = []
    for name, kind, unit in table.columns:
        col: dict[str, Any] = {"name": name, "type": kind, "powerbi_data_type": POWERBI_TYPES[kind],
                               "description": described.get(name, "")}
        if not col["description"]:
            log.warning("Power BI export: no dbt description for %s.%s", table.mart, name)
        if unit:
            col |= {"unit": unit, "summarize_by": _SUMMARIZE.get(unit, "none"),
                    "format_string": "#,0.##" if name == "conversions" else _FORMAT.get(unit, "0")}
        if name in sort_by:
            col["sort_by_column"] = sort_by[name]
        if table.name == FACT and name in keys:
            col["is_hidden"] = True  # slice by the dimension's columns instead
        out.append(col)
    return out


def _write_pbids(wh: Warehouse, folder: Path) -> dict[str, Any]:
    """mca_marts.pbids on a MySQL/MariaDB target: a Power BI data source file that opens Get
    Data on the marts' schema (server and database only: Power BI asks for the credentials, so
    no user name or password is written). None on engines without a .pbids protocol
    (``Warehouse.pbids_protocol``): DuckDB, which Power BI cannot connect to, and Spark."""
    s = wh.settings
    if wh.pbids_protocol is None:
        return {"target": s.target.value, "pbids_file": None, "note": wh.pbids_note}
    server = f"{s.host}:{s.port}"
    pbids = {"version": "0.1", "connections": [{
        "details": {"protocol": wh.pbids_protocol, "address": {"server": server, "database": s.schema}},
        "options": {}, "mode": "Import"}]}
    (folder / PBIDS_FILE).write_text(json.dumps(pbids, indent=2) + "\n", encoding="utf-8")
    return {"target": s.target.value, "pbids_file": PBIDS_FILE, "server": server, "database": s.schema,
            "note": ("mca_marts.pbids opens Power BI's MySQL database connector (it needs the "
                     "MySQL Connector/NET driver) on the marts' schema, to import the marts "
                     "directly instead of the files; Power BI asks for the credentials.")}
