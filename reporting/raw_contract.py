"""The raw contract: the tables mca reads from the raw schema, and their column types."""

from __future__ import annotations

from reporting.settings import Target

CAMPAIGN_COLUMNS: dict[str, tuple[str, str]] = {
    # name: (MySQL/MariaDB type, DuckDB type)
    "id": ("bigint not null", "bigint not null"),
    "campaign_name": ("varchar(255) null", "varchar"),
    "channel": ("varchar(64) null", "varchar"),
    "cost": ("decimal(20,4) null", "decimal(20,4)"),
    "impressions": ("bigint null", "bigint"),
    "clicks": ("bigint null", "bigint"),
    "conversions": ("bigint null", "bigint"),
    "revenue": ("decimal(20,4) null", "decimal(20,4)"),
    "date": ("date null", "date"),
}

CUSTOMER_COLUMNS: dict[str, tuple[str, str]] = {
    "customer_id": ("bigint not null", "bigint not null"),
    "age": ("int null", "integer"),
    "sessions": ("int null", "integer"),
    "avg_session_duration": ("double null", "double"),
    "pages_per_session": ("double null", "double"),
    "transactions": ("int null", "integer"),
    "revenue": ("decimal(20,4) null", "decimal(20,4)"),
    "acquisition_channel": ("varchar(64) null", "varchar"),
    "signup_date": ("date null", "date"),
}

RAW_TABLES: dict[str, dict[str, tuple[str, str]]] = {
    "campaigns": CAMPAIGN_COLUMNS,
    "customers": CUSTOMER_COLUMNS,
}

RAW_PRIMARY_KEYS = {"campaigns": "id", "customers": "customer_id"}
RAW_INDEXES: dict[str, list[list[str]]] = {"campaigns": [["date"]], "customers": []}


def column_types(table: str, target: Target) -> dict[str, str]:
    cols = RAW_TABLES[table]
    pick = 1 if target is Target.duckdb else 0
    return {name: types[pick] for name, types in cols.items()}
