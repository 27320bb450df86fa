"""Library functions behind each `mca-report` command. The CLI only parses, calls and prints."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reporting.dbt_runner import DbtRunSummary, dbt_vars, failure_line, run_dbt
from reporting.errors import BuildError, ConfigError, WarehouseError
from reporting.loading import LoadResult, load_raw_tables
from reporting.raw_contract import RAW_TABLES
from reporting.sample_data import generate
from reporting.segments import SegmentRun, run_segmentation
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


TRANSIENT_DBT_ERRORS = ("2003", "2006", "2013", "Lost connection", "Can't connect",
                        "server has gone away", "Connection refused", "Deadlock found")


def _is_transient(summary: DbtRunSummary) -> bool:
    messages = [summary.error or ""] + [n.message for n in summary.failures()]
    return any(marker in m for m in messages for marker in TRANSIENT_DBT_ERRORS)


def build_warehouse(
    settings: Settings,
    *,
    as_of: dt.date | None = None,
    select: str | None = None,
    full_refresh: bool = False,
    quiet: bool = False,
    on_node: Callable[[str, str], None] | None = None,
    retry_wait_seconds: float = 2.0,
) -> DbtRunSummary:
    """Check the raw contract, then `dbt build` (seeds, models, tests) on the target.

    dbt-mysql does not retry lost connections itself, so a build that fails with a connection
    error is run again (it is idempotent: every model is rebuilt), up to
    ``settings.connect_tries`` times with exponential backoff. Model and test failures are not
    retried.
    """
    from tenacity import Retrying, retry_if_result, stop_after_attempt, wait_exponential

    check_raw_contract(settings)
    args: list[str] = []
    if select:
        args += ["--select", select]
    if full_refresh:
        args.append("--full-refresh")
    retrying = Retrying(
        stop=stop_after_attempt(settings.connect_tries),
        wait=wait_exponential(multiplier=retry_wait_seconds, max=60),
        retry=retry_if_result(lambda s: (not s.success) and _is_transient(s)),
        retry_error_callback=lambda state: state.outcome.result(),
        before_sleep=lambda state: log.warning(
            "dbt build lost the connection to %s (try %d of %d), retrying",
            settings.describe(), state.attempt_number, settings.connect_tries),
    )
    summary: DbtRunSummary = retrying(
        run_dbt, settings, "build", vars=dbt_vars(as_of), args=args, quiet=quiet,
        on_node=on_node, raise_on_failure=False,
    )
    if not summary.success:
        raise BuildError(failure_line(summary))
    return summary


def generate_docs(settings: Settings, *, as_of: dt.date | None = None, quiet: bool = False) -> DbtRunSummary:
    return run_dbt(settings, "docs generate", vars=dbt_vars(as_of), quiet=quiet)


def new_run_id(now: dt.datetime | None = None) -> str:
    """Sortable, readable and unique: UTC time plus 6 random hex digits."""
    import secrets

    moment = now or dt.datetime.now(dt.timezone.utc)
    return moment.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def segment(
    settings: Settings,
    *,
    out_dir: Path,
    k: int | None = None,
    k_range: tuple[int, int] = (2, 10),
    feature_set: str = "behavioural",
    run_id: str | None = None,
) -> SegmentRun:
    """Segment the customers of dim_customer, write customer_segments, draw the charts."""
    if k is not None and k < 1:
        raise ConfigError("--k must be 1 or more")
    if k_range[0] < 2 or k_range[0] > k_range[1]:
        raise ConfigError(f"--k-min/--k-max must satisfy 2 <= min <= max, got {k_range[0]}..{k_range[1]}")
    with Warehouse(settings) as wh:
        return run_segmentation(
            wh, run_id=run_id or new_run_id(), k=k, k_range=k_range, feature_set=feature_set,
            charts_dir=out_dir / "visualizations",
        )
