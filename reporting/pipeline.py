"""Library functions behind each `mca-report` command. The CLI only parses, calls and prints."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from reporting.dbt_runner import DbtRunSummary, dbt_vars, run_dbt
from reporting.errors import ConfigError, WarehouseError
from reporting.loading import LoadResult, load_raw_tables
from reporting.raw_contract import RAW_TABLES
from reporting.sample_data import generate
from reporting.settings import Settings
from reporting.warehouse import Warehouse

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SampleDataResult:
    loads: list[LoadResult]
    end_date: dt.date
    seed: int


def make_sample_data(
    settings: Settings,
    *,
    rows: int,
    customers: int | None = None,
    seed: int = 42,
    end_date: dt.date | None = None,
    force: bool = False,
) -> SampleDataResult:
    """Generate dirty sample data and (re)create the raw tables with it."""
    if rows < 0:
        raise ConfigError("--rows must be 0 or more")
    n_customers = max(100, rows // 10) if customers is None else customers
    if n_customers < 0:
        raise ConfigError("--customers must be 0 or more")
    end = end_date or dt.date.today()
    data = generate(rows, n_customers, seed=seed, end_date=end)
    with Warehouse(settings) as wh:
        loads = load_raw_tables(wh, data, force=force)
    return SampleDataResult(loads=loads, end_date=end, seed=seed)


def check_raw_contract(settings: Settings) -> None:
    """Fail with one line naming the table or column when the raw contract is not met."""
    with Warehouse(settings) as wh:
        for table, columns in RAW_TABLES.items():
            present = {c.lower() for c in wh.columns_of(settings.raw_schema, table)}
            if not present:
                raise WarehouseError(
                    f"raw table {settings.raw_schema}.{table} not found on {settings.describe()}; "
                    "load data first (e.g. `mca-report sample-data`)"
                )
            missing = [c for c in columns if c not in present]
            if missing:
                raise WarehouseError(
                    f"raw table {settings.raw_schema}.{table} lacks required column(s): "
                    + ", ".join(missing)
                )


def build_warehouse(
    settings: Settings,
    *,
    as_of: dt.date | None = None,
    select: str | None = None,
    full_refresh: bool = False,
    quiet: bool = False,
    on_node: Callable[[str, str], None] | None = None,
) -> DbtRunSummary:
    """Check the raw contract, then `dbt build` (seeds, models, tests) on the target."""
    check_raw_contract(settings)
    args: list[str] = []
    if select:
        args += ["--select", select]
    if full_refresh:
        args.append("--full-refresh")
    return run_dbt(settings, "build", vars=dbt_vars(as_of), args=args, quiet=quiet, on_node=on_node)


def generate_docs(settings: Settings, *, as_of: dt.date | None = None, quiet: bool = False) -> DbtRunSummary:
    return run_dbt(settings, "docs generate", vars=dbt_vars(as_of), quiet=quiet)
