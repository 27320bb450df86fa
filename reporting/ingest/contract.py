"""The raw tables file ingest can load, their column types, and how each column is parsed.

``campaigns`` and ``customers`` are the raw contract of :mod:`reporting.raw_contract`; ``orders``
(one row per purchase line) is added here because only ingest and the RFM models use it.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from reporting.raw_contract import CAMPAIGN_COLUMNS, CUSTOMER_COLUMNS
from reporting.settings import Target

ORDER_COLUMNS: dict[str, tuple[str, str]] = {
    # name: (MySQL/MariaDB type, DuckDB type)
    "customer_id": ("bigint not null", "bigint not null"),
    "order_date": ("date null", "date"),
    "quantity": ("int null", "integer"),
    "amount": ("decimal(20,4) null", "decimal(20,4)"),
}


class IngestTable(str, enum.Enum):
    """A raw table that ``mca-report ingest`` appends to."""

    campaigns = "campaigns"
    customers = "customers"
    orders = "orders"


INGEST_TABLES: dict[str, dict[str, tuple[str, str]]] = {
    "campaigns": CAMPAIGN_COLUMNS,
    "customers": CUSTOMER_COLUMNS,
    "orders": ORDER_COLUMNS,
}

#: Columns mca assigns itself: campaigns.id continues from the table's max(id) + 1, in file order.
ASSIGNED_COLUMNS: dict[str, str] = {"campaigns": "id"}

#: Columns a row cannot be stored or used without. Campaign rows with missing values are loaded
#: and quarantined by the dbt models with a reason, so nothing is required there by default; a
#: mapping can mark more columns ``required: true``.
DEFAULT_REQUIRED: dict[str, tuple[str, ...]] = {
    "campaigns": (),
    "customers": ("customer_id",),
    "orders": ("customer_id", "order_date", "amount"),
}

#: Primary keys of the raw tables ingest creates. customers and orders have none: a customer
#: loaded twice is resolved by the models (int_customers__classified), and orders repeat.
PRIMARY_KEYS: dict[str, str] = {"campaigns": "id"}
INDEXES: dict[str, list[list[str]]] = {"campaigns": [["date"]], "customers": [], "orders": []}

#: Column ingest adds to the raw tables it creates: the load that wrote the row (see the load log).
LOAD_ID_COLUMN = "_mca_load_id"
#: The load log, in the raw schema.
LOAD_LOG_TABLE = "_mca_load_log"


class Kind(str, enum.Enum):
    integer = "integer"
    decimal = "decimal"
    float = "float"
    text = "text"
    date = "date"


@dataclass(frozen=True)
class ColumnSpec:
    """How a raw column is parsed and checked: its kind, and its bounds."""

    name: str
    kind: Kind
    max_length: int | None = None  # text
    max_abs: float | None = None  # numbers: largest magnitude the column stores

    @property
    def is_numeric(self) -> bool:
        return self.kind in (Kind.integer, Kind.decimal, Kind.float)


_DECIMAL = re.compile(r"decimal\((\d+),\s*(\d+)\)")
_VARCHAR = re.compile(r"varchar\((\d+)\)")


def _spec(name: str, mysql_type: str) -> ColumnSpec:
    t = mysql_type.lower()
    if t.startswith("bigint"):
        return ColumnSpec(name, Kind.integer, max_abs=2.0**63 - 1)
    if t.startswith("int"):
        return ColumnSpec(name, Kind.integer, max_abs=2.0**31 - 1)
    if m := _DECIMAL.match(t):
        precision, scale = int(m.group(1)), int(m.group(2))
        return ColumnSpec(name, Kind.decimal, max_abs=10.0 ** (precision - scale))
    if t.startswith("double"):
        return ColumnSpec(name, Kind.float, max_abs=1.7e308)
    if m := _VARCHAR.match(t):
        return ColumnSpec(name, Kind.text, max_length=int(m.group(1)))
    if t.startswith("date"):
        return ColumnSpec(name, Kind.date)
    raise ValueError(f"no parsing rule for column {name} of type {mysql_type}")


def column_specs(table: str) -> dict[str, ColumnSpec]:
    """The columns a mapping fills (assigned ones left out), with their parsing rules."""
    assigned = ASSIGNED_COLUMNS.get(table)
    return {name: _spec(name, types[0]) for name, types in INGEST_TABLES[table].items() if name != assigned}


def column_types(table: str, target: Target) -> dict[str, str]:
    pick = 1 if target is Target.duckdb else 0
    return {name: types[pick] for name, types in INGEST_TABLES[table].items()}
