"""The tables mca reads or writes outside dbt, defined once: the raw tables, the load log and the
segment tables.

Each table is a :class:`TableSpec`: columns with an engine-neutral :class:`ColumnType`, the
primary key, unique keys and secondary indexes. The warehouse engines (:mod:`reporting.warehouse`)
turn a spec into their own DDL and column types; `sample-data`, ingest, segmentation and the
build's pre-check all read the specs from here, so a table has the same shape whoever creates it.

Key and index policy, the same for every creator:
  - a primary key only where mca itself assigns the key (``campaigns.id``, the load log's
    ``load_id``) or where the writer guarantees one row per key (``customer_segments``); the
    customers and orders of an export may repeat ids, which the models resolve;
  - a secondary index on the column each raw table is looked up or partitioned by (the campaign
    date, the customer id) and on ``_mca_load_id``, which ``ingest --replace`` deletes by;
    DuckDB ignores secondary indexes (it hashes joins and scans columns).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field, replace


class ColumnType(str, enum.Enum):
    """Engine-neutral column types; each engine renders them (see ``Warehouse.sql_type``)."""

    bigint = "bigint"
    integer = "integer"
    money = "money"  # exact decimal(20, 4): money, and campaigns.conversions (fractional)
    float = "float"  # double precision
    text = "text"  # with Column.length: at most that many characters; without: unbounded
    date = "date"
    timestamp = "timestamp"
    boolean = "boolean"


#: Precision and scale of money columns: 16 digits before the point, 4 after.
MONEY_PRECISION, MONEY_SCALE = 20, 4


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    length: int | None = None
    nullable: bool = True


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()
    description: str = ""

    def __iter__(self) -> Iterator[Column]:
        return iter(self.columns)

    def __getitem__(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def named(self, name: str) -> TableSpec:
        """The same table under another name (a staging copy, say)."""
        return replace(self, name=name)


@dataclass(frozen=True)
class RawTable(TableSpec):
    """A raw table: what the models read (``columns``), plus what ingest needs to know.

    ``assigned``: a column mca fills itself (campaign ids continue from the table's largest id, in
    file order, so ``id`` keeps giving load order). ``required``: columns a row cannot be stored
    without. ``optional``: the models build without the table. ``optional_columns``: columns the
    models use when the table has them and do without otherwise (``currency``): the build's
    contract check asks only for ``columns``; mca creates them, and a mapping may leave them out.
    """

    assigned: str | None = None
    required: tuple[str, ...] = ()
    optional: bool = False
    optional_columns: tuple[Column, ...] = field(default=())
    bookkeeping: tuple[Column, ...] = field(default=())

    @property
    def loaded_columns(self) -> tuple[Column, ...]:
        """The columns ingest and sample-data write: the contract's and the optional ones."""
        return self.columns + self.optional_columns

    def as_created(self) -> TableSpec:
        """The table as mca creates it: the contract's columns, the optional ones and mca's
        bookkeeping column."""
        return TableSpec(
            name=self.name,
            columns=self.loaded_columns + self.bookkeeping,
            primary_key=self.primary_key,
            unique=self.unique,
            indexes=self.indexes + tuple((c.name,) for c in self.bookkeeping),
            description=self.description,
        )


#: Column ingest and sample-data add to the raw tables they create: the load that wrote the row
#: (see the load log); NULL for sample rows.
LOAD_ID_COLUMN = "_mca_load_id"
#: Column beside it: when ingest wrote the row (UTC, the load log's loaded_at of the same load);
#: NULL for sample rows. `dbt source freshness` reads it (the sources' loaded_at_field).
LOADED_AT_COLUMN = "_mca_loaded_at"
_LOAD_ID = (Column(LOAD_ID_COLUMN, ColumnType.bigint), Column(LOADED_AT_COLUMN, ColumnType.timestamp))

#: Optional column of every raw table: the currency of the row's money, an ISO 4217 code (three
#: letters, upper case as ingest writes it); NULL means the base currency. Exports carry it
#: (Google Ads' "Currency code", Meta's "Currency"); sample-data leaves it NULL.
CURRENCY_COLUMN = "currency"
_CURRENCY = (Column(CURRENCY_COLUMN, ColumnType.text, 3),)

T = ColumnType

CAMPAIGNS = RawTable(
    name="campaigns",
    columns=(
        Column("id", T.bigint, nullable=False),
        Column("campaign_name", T.text, 255),
        Column("channel", T.text, 64),
        Column("cost", T.money),
        Column("impressions", T.bigint),
        Column("clicks", T.bigint),
        # decimal: Google Ads' data-driven attribution reports fractions of a conversion (4.25);
        # the money type's decimal(20,4), exact, rounded half to even as money is (DECISIONLOG.md)
        Column("conversions", T.money),
        Column("revenue", T.money),
        Column("date", T.date),
    ),
    primary_key=("id",),
    indexes=(("date",),),
    description="one row per campaign per day",
    optional_columns=_CURRENCY,
    assigned="id",
    bookkeeping=_LOAD_ID,
)

CUSTOMERS = RawTable(
    name="customers",
    columns=(
        Column("customer_id", T.bigint, nullable=False),
        Column("age", T.integer),
        Column("sessions", T.integer),
        Column("avg_session_duration", T.float),
        Column("pages_per_session", T.float),
        Column("transactions", T.integer),
        Column("revenue", T.money),
        Column("acquisition_channel", T.text, 64),
        Column("signup_date", T.date),
    ),
    indexes=(("customer_id",),),
    description="one row per customer with behavioural features",
    optional_columns=_CURRENCY,
    required=("customer_id",),
    bookkeeping=_LOAD_ID,
)

ORDERS = RawTable(
    name="orders",
    columns=(
        Column("customer_id", T.bigint, nullable=False),
        Column("order_date", T.date),
        Column("quantity", T.integer),
        Column("amount", T.money),
    ),
    indexes=(("customer_id",),),
    description="one row per purchase line",
    optional_columns=_CURRENCY,
    required=("customer_id", "order_date", "amount"),
    optional=True,
    bookkeeping=_LOAD_ID,
)

FX_RATES = RawTable(
    name="fx_rates",
    columns=(
        Column("rate_date", T.date, nullable=False),
        Column("currency", T.text, 3, nullable=False),
        # units of the base currency for one unit of `currency`; a double holds any rate in use
        # to 15 significant digits, and the models read it as decimal(18,10)
        Column("rate_to_base", T.float, nullable=False),
    ),
    indexes=(("currency", "rate_date"),),
    description="one row per currency and day: units of the base currency for one unit of currency",
    required=("rate_date", "currency", "rate_to_base"),
    optional=True,
    bookkeeping=_LOAD_ID,
)

#: The raw tables, by name. Every one is optional, but a build needs at least one of the data
#: tables (all but fx_rates, which only converts money in the others).
RAW_TABLES: dict[str, RawTable] = {t.name: t for t in (CAMPAIGNS, CUSTOMERS, ORDERS, FX_RATES)}
#: The raw tables holding data (not reference data such as exchange rates).
DATA_TABLES: tuple[str, ...] = (CAMPAIGNS.name, CUSTOMERS.name, ORDERS.name)

#: The load log, in the raw schema: one row per file ingest loaded.
LOAD_LOG = TableSpec(
    name="_mca_load_log",
    columns=(
        Column("load_id", T.bigint, nullable=False),
        Column("table_name", T.text, 64, nullable=False),
        Column("file_name", T.text, 255, nullable=False),
        Column("file_path", T.text, 1024, nullable=False),
        Column("content_sha256", T.text, 64, nullable=False),
        Column("file_bytes", T.bigint, nullable=False),
        Column("mapping_name", T.text, 255, nullable=False),
        Column("mapping_sha256", T.text, 64, nullable=False),
        Column("rows_read", T.bigint, nullable=False),
        Column("rows_loaded", T.bigint, nullable=False),
        Column("rows_rejected", T.bigint, nullable=False),
        Column("first_id", T.bigint),
        Column("last_id", T.bigint),
        Column("has_load_ids", T.boolean, nullable=False),
        Column("loaded_at", T.timestamp, nullable=False),
    ),
    primary_key=("load_id",),
    unique=(("table_name", "content_sha256"),),
    description="one row per loaded file",
)

#: The latest segmentation's assignments, in the analytics schema (a dbt source).
CUSTOMER_SEGMENTS = TableSpec(
    name="customer_segments",
    columns=(
        Column("customer_id", T.bigint, nullable=False),
        Column("segment_id", T.integer, nullable=False),
        Column("segment_name", T.text, 200, nullable=False),
        Column("run_id", T.text, 64, nullable=False),
    ),
    primary_key=("customer_id",),
    description="the latest segmentation's customers",
)

#: One row per segmentation run: k, the reason, profiles and scores, for reports written later.
SEGMENT_RUNS = TableSpec(
    name="segment_runs",
    columns=(
        Column("run_id", T.text, 64, nullable=False),
        Column("created_at", T.text, nullable=False),
        Column("chosen_k", T.integer, nullable=False),
        Column("was_k_forced", T.integer, nullable=False),
        Column("n_customers", T.bigint, nullable=False),
        Column("reason", T.text, nullable=False),
        Column("features", T.text, nullable=False),
        Column("profiles_json", T.text, nullable=False),
        Column("scores_json", T.text, nullable=False),
    ),
    primary_key=("run_id",),
    description="one row per segmentation run",
)
