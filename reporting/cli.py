"""`mca-report`: the command line. Each command parses its options, calls one library function
(:mod:`reporting.jobs`, or :func:`reporting.ingest.ingest_files`), prints the outcome, and turns
known errors into one line on stderr and a documented exit code (see README, "Exit codes")."""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import functools
import inspect
import logging
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from reporting import jobs
from reporting.allocator import limit_malloc_arenas
from reporting.contract import RAW_TABLES
from reporting.dbt_runner import FAILED_STATUSES
from reporting.errors import ConfigError, LockedError, McaError, StaleDataError
from reporting.jobs import ReportFormat
from reporting.settings import Settings, Target, resolve_settings
from reporting.progress import LiveProgress, Progress, for_terminal
from reporting.stopping import Interrupted, stop_signals, stopped
from reporting.stopping import requested as stop_requested

app = typer.Typer(
    name="mca-report",
    help="Marketing campaign analytics: build the warehouse models, segment customers, write reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"mca-report {version('mca')}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            typer.echo("mca-report (version unknown: the mca package is not installed)")
        raise typer.Exit(0)


@app.callback()
def _main(
    show_version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_print_version,
                                               help="Print the version of mca and exit.")] = False,
) -> None:
    limit_malloc_arenas()  # before any command starts a thread (reporting/allocator.py)

TargetOpt = Annotated[
    Target | None,
    typer.Option("--target", "-t", help="Warehouse to use (default: $MCA_TARGET, else duckdb)."),
]
DuckdbPathOpt = Annotated[
    Path | None,
    typer.Option("--duckdb-path", help="DuckDB file for the duckdb target (default: $MCA_DUCKDB_PATH, else ./mca.duckdb)."),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", metavar="YYYY-MM-DD", show_default=False,
                 help="Reference date: the lookback window ends here (default: today)."),
]
AllTestsOpt = Annotated[bool, typer.Option("--all-tests", help="Run every data test, not only the ones that guard correctness (rows conserved, keys unique, facts related to their dimensions); CI does.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Log progress and show tracebacks on errors.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Show no progress: only the result lines and errors. Without a terminal (CI, cron) progress is one line per stage.")]
WaitOpt = Annotated[float, typer.Option("--wait", min=0, show_default=False, help="Seconds to wait for another mca command that is writing to the same warehouse (default: do not wait).")]


class ReportPeriod(str, enum.Enum):
    """The executive summary's comparison period (dbt var report_period)."""

    last_7_days = "7d"
    last_30_days = "30d"
    last_90_days = "90d"
    month_to_date = "mtd"
    quarter_to_date = "qtd"


PeriodOpt = Annotated[ReportPeriod | None, typer.Option(
    "--period", show_default=False,
    help="Period the executive summary compares with the one before it: 7d, 30d, 90d, mtd (month to date) or qtd (quarter to date), ending at --as-of (default: 30d).")]


class FeatureSet(str, enum.Enum):
    """behavioural: dim_customer's six features; rfm: recency, frequency, monetary from orders."""

    behavioural = "behavioural"
    rfm = "rfm"


def _settings(target: Target | None, duckdb_path: Path | None, *, existing: bool = False,
              base_currency: str | None = None) -> Settings:
    """The settings of a command. ``existing``: the command only reads or builds on what is in
    the warehouse, so a DuckDB file that does not exist is a mistyped path, refused before
    anything opens it (connecting to DuckDB, or taking its lock, would create the file)."""
    settings = resolve_settings(target=target, duckdb_path=duckdb_path, base_currency=base_currency)
    if existing and settings.target is Target.duckdb and not settings.duckdb_path.exists():
        raise ConfigError(
            f"duckdb file {settings.duckdb_path} does not exist (check --duckdb-path or MCA_DUCKDB_PATH; "
            "`mca-report sample-data` or `mca-report ingest` create it)"
        )
    return settings


def _setup_logging(verbose: bool) -> None:
    """--verbose: every INFO line, timestamped. Otherwise warnings and errors only, each one plain
    line without a timestamp (``WARNING: ...``, ``ERROR: ALERT: ...``)."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s" if verbose else "%(levelname)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )


def handle_errors(func: F) -> F:
    """Known errors become one line on stderr and their exit code; --verbose adds the traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        verbose = bool(kwargs.get("verbose"))
        _setup_logging(verbose)
        try:
            with stop_signals():
                try:
                    return func(*args, **kwargs)
                except KeyboardInterrupt:
                    raise stopped(func.__name__.replace("_", "-")) from None
                except Exception as exc:  # a library took the signal and failed its own way
                    if stop_requested() and not isinstance(exc, (Interrupted, LockedError)):
                        raise stopped(func.__name__.replace("_", "-")) from exc
                    raise
        except McaError as exc:
            if verbose:
                logging.getLogger("mca").exception("failed")
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:  # an unexpected failure: still one line unless --verbose
            if verbose:
                raise
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            typer.echo(f"error: unexpected {type(exc).__name__}: {first} (rerun with --verbose for details)", err=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


#: Dates mca accepts: a year of history before the earliest fits every warehouse's date type
#: (MySQL's DATE starts at 1000-01-01).
EARLIEST_DATE, LATEST_DATE = dt.date(1901, 1, 1), dt.date(9999, 12, 31)


@contextlib.contextmanager
def _showing(quiet: bool) -> Iterator[Progress]:
    """The progress display for a command (reporting.progress), live while the command runs."""
    progress = for_terminal(quiet)
    if isinstance(progress, LiveProgress):
        with progress:
            yield progress
    else:
        yield progress


_DATE_SHAPE = re.compile(r"(\d{1,4})-(\d{1,2})-(\d{1,2})")


def _as_date(value: str | None, option: str = "--as-of") -> dt.date | None:
    """A YYYY-MM-DD option as a date. Text of the right shape that is no date (2026-13-01) says
    why; other text says the format expected."""
    if value is None:
        return None
    text = value.strip()
    shape = _DATE_SHAPE.fullmatch(text)
    if shape is None:
        raise ConfigError(f"{option} {value!r} does not match the format YYYY-MM-DD (e.g. 2026-11-24)")
    try:
        day = dt.date(*(int(part) for part in shape.groups()))
    except ValueError as exc:
        raise ConfigError(f"{option} {text} is not a valid date: {exc}") from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ConfigError(f"{option} {day.isoformat()} is out of range: use a date from "
                          f"{EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}")
    return day


@app.command("sample-data")
@handle_errors
def sample_data(
    rows: Annotated[int, typer.Option("--rows", "-n", min=0, help="Campaign-day rows to generate.")] = 100_000,
    customers: Annotated[int | None, typer.Option("--customers", "-c", min=0, help="Customers to generate (default: rows / 10, at least 100).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed and end date give the same rows.")] = 42,
    end_date: Annotated[str | None, typer.Option("--end-date", metavar="YYYY-MM-DD", show_default=False, help="Last day of the generated year of data (default: today).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace raw tables even if mca did not create them.")] = False,
    wait: WaitOpt = 0.0,
    target: TargetOpt = None,
    duckdb_path: DuckdbPathOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """(Re)create the raw campaigns and customers tables with realistic, deliberately dirty data.

    Refuses to replace raw tables that mca did not create unless --force is given.
    """
    end = _as_date(end_date, "--end-date")
    settings = _settings(target, duckdb_path)
    with _showing(quiet) as progress:
        result = jobs.make_sample_data(
            settings, rows=rows, customers=customers, seed=seed, end_date=end,
            force=force, wait_seconds=wait, progress=progress,
        )
    for load in result.loads:
        typer.echo(f"loaded {load.rows:,} rows into {settings.raw_schema}.{load.table} ({settings.describe()})")
    typer.echo(f"dates end {result.end_date.isoformat()}, seed {result.seed}")


BaseCurrencyOpt = Annotated[str | None, typer.Option(
    "--base-currency", envvar="MCA_BASE_CURRENCY", metavar="CODE",
    help="ISO 4217 code (EUR, USD...) to convert every amount to, at the rate of its day from the raw fx_rates "
         "table, before any sum. Rows in another currency without a rate are quarantined (missing_fx_rate). "
         "Unset: nothing is converted, and rows in more than one currency fail the build.")]


@app.command("build")
@handle_errors
def build(
    as_of: AsOfOpt = None,
    select: Annotated[str | None, typer.Option("--select", "-s", help="dbt node selection, e.g. 'marts'.")] = None,
    full_refresh: Annotated[bool, typer.Option("--full-refresh", help="Rebuild incremental models from scratch.")] = False,
    all_tests: AllTestsOpt = False,
    base_currency: BaseCurrencyOpt = None,
    wait: WaitOpt = 0.0,
    target: TargetOpt = None,
    duckdb_path: DuckdbPathOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Run `dbt build`: seeds, models and tests of the warehouse, after checking the raw tables."""
    day = _as_date(as_of)
    settings = _settings(target, duckdb_path, existing=True, base_currency=base_currency)
    if not quiet:
        typer.echo(f"building on {settings.describe()}", err=True)
    with _showing(quiet) as progress:
        summary = jobs.build(
            settings, as_of=day, select=select, full_refresh=full_refresh,
            quiet=not verbose, progress=progress, wait_seconds=wait, all_tests=all_tests,
        )
    if not quiet and summary.raw_tables:
        typer.echo(summary.raw_tables, err=True)
    parts = [f"{kind}s: " + ", ".join(f"{n} {status}" for status, n in sorted(c.items()))
             for kind, c in summary.counts().items()]
    typer.echo(f"dbt build ok in {summary.seconds:.1f}s on {settings.describe()} ({'; '.join(parts)})")


OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Output folder (charts go to OUT/visualizations).")]


@app.command("segment")
@handle_errors
def segment(
    k: Annotated[int | None, typer.Option("--k", min=1, help="Force this many segments instead of choosing k from the scores.")] = None,
    k_min: Annotated[int, typer.Option("--k-min", min=2, help="Smallest k to score.")] = 2,
    k_max: Annotated[int, typer.Option("--k-max", min=2, help="Largest k to score.")] = 10,
    features: Annotated[FeatureSet | None, typer.Option("--features", help="Feature set: behavioural (dim_customer) or rfm (dim_customer_rfm, from ingested orders). Default: behavioural when a raw customers table was loaded, else rfm when orders were.")] = None,
    out: OutOpt = Path("outputs"),
    wait: WaitOpt = 0.0,
    target: TargetOpt = None,
    duckdb_path: DuckdbPathOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Segment customers with K-Means and write the segments back to the warehouse.

    k is chosen from silhouette scores unless --k is given. The assignments replace the
    customer_segments table; a summary table is printed and the segment charts are saved.
    Reads dim_customer (or dim_customer_rfm: by default when orders but no customers were
    loaded), so run `mca-report build` first.
    """
    settings = _settings(target, duckdb_path, existing=True)
    with _showing(quiet) as progress:
        run = jobs.segment(settings, out_dir=out, k=k, k_range=(k_min, k_max),
                           feature_set=features.value if features is not None else None,
                           wait_seconds=wait, progress=progress)
    _print_segments(run)


def _print_segments(run: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    result = run.result
    table = Table(title=f"{result.chosen_k} segments of {result.n_customers:,} customers (run {run.run_id})")
    for col in ("id", "name", "customers", "share", "mean revenue"):
        table.add_column(col, justify="right" if col not in ("name",) else "left")
    for row in result.profiles.itertuples():
        revenue = getattr(row, "revenue_mean", float("nan"))
        table.add_row(str(row.segment_id), str(row.segment_name), f"{row.size:,}", f"{row.share:.1%}",
                      f"{revenue:,.2f}" if revenue == revenue else "n/a")
    console = Console(width=120)
    console.print(table)
    console.print(f"why: {result.reason}")
    if run.skipped_features:
        console.print("left out (no values in the data): " + ", ".join(run.skipped_features))
    console.print(f"wrote {run.rows_written:,} rows to customer_segments; charts: "
                  + ", ".join(str(p) for p in run.charts.values()))


CurrencyOpt = Annotated[str, typer.Option("--currency", help="Currency label in reports when the build set no base currency (with one, reports print its code).")]
ForceOutOpt = Annotated[bool, typer.Option("--force", help="Write into an --out folder that has files mca did not create.")]


@app.command("report")
@handle_errors
def report(
    formats: Annotated[list[ReportFormat] | None, typer.Option("--format", "-f", help="Report to write; repeat for several.")] = None,
    out: OutOpt = Path("outputs"),
    as_of: AsOfOpt = None,
    period: PeriodOpt = None,
    currency: CurrencyOpt = "Rs.",
    force: ForceOutOpt = False,
    wait: WaitOpt = 0.0,
    target: TargetOpt = None,
    duckdb_path: DuckdbPathOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Write reports from the marts as they are (no build, no segmentation).

    PDF executive summary, HTML report and/or the Power BI export (default: all), with the
    latest segmentation if any. Outputs replace the previous ones only when all are complete.
    """
    day = _as_date(as_of)
    settings = _settings(target, duckdb_path, existing=True)
    outcome = jobs.report_only(settings, out=out, formats=jobs.expand_formats(formats or []),
                               as_of=day, currency=currency, force=force, wait_seconds=wait,
                               report_period=period.value if period else None)
    _print_outputs(outcome)


@app.command("run")
@handle_errors
def run(
    out: OutOpt = Path("outputs"),
    as_of: AsOfOpt = None,
    period: PeriodOpt = None,
    currency: CurrencyOpt = "Rs.",
    k: Annotated[int | None, typer.Option("--k", min=1, help="Force this many customer segments.")] = None,
    skip_segments: Annotated[bool, typer.Option("--skip-segments", help="Do not segment customers.")] = False,
    max_quarantine_pct: Annotated[float, typer.Option("--max-quarantine-pct", min=0, max=100, envvar="MCA_MAX_QUARANTINE_PCT", help="Fail the run when more than this % of campaign rows is quarantined.")] = 5.0,
    alert_webhook: Annotated[str | None, typer.Option("--alert-webhook", envvar="MCA_ALERT_WEBHOOK", help="URL to POST a JSON alert to (Slack-compatible) when the run fails.")] = None,
    all_tests: AllTestsOpt = False,
    base_currency: BaseCurrencyOpt = None,
    wait: WaitOpt = 0.0,
    force: ForceOutOpt = False,
    target: TargetOpt = None,
    duckdb_path: DuckdbPathOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """The whole job: build, quality gate, segment, every report, run manifest.

    dbt build, customer segmentation, then the PDF, HTML and Power BI outputs and a run
    manifest in OUT/runs/. A failed stage stops the run with a one-line reason and a non-zero
    exit (see README, exit codes); the previous reports stay in place. One run at a time per
    warehouse.
    """
    day = _as_date(as_of)
    settings = _settings(target, duckdb_path, existing=True, base_currency=base_currency)
    if not quiet:
        typer.echo(f"run on {settings.describe()}, writing to {out}", err=True)
    with _showing(quiet) as progress:
        outcome = jobs.run_all(settings, out=out, as_of=day, currency=currency, k=k,
                               skip_segments=skip_segments, force=force, progress=progress,
                               quiet_dbt=not verbose, all_tests=all_tests, max_quarantine_pct=max_quarantine_pct,
                               alert_webhook=alert_webhook, wait_seconds=wait,
                               report_period=period.value if period else None)
    dq = outcome.manifest.data_quality
    if not quiet and outcome.manifest.dbt.get("raw_tables"):
        typer.echo(outcome.manifest.dbt["raw_tables"], err=True)
    typer.echo(
        f"rows read {dq.get('rows_read', 0):,}, kept {dq.get('rows_kept', 0):,}, "
        f"duplicates {dq.get('rows_duplicate', 0):,}, quarantined {dq.get('rows_quarantined', 0):,}, "
        f"out of window {dq.get('rows_out_of_window', 0):,}"
    )
    if outcome.manifest.segmentation:
        seg = outcome.manifest.segmentation
        typer.echo(f"segments: {seg['chosen_k']} ({seg['reason']})")
    _print_outputs(outcome)


def _print_outputs(outcome: jobs.RunOutcome) -> None:
    for path in outcome.published:
        typer.echo(f"wrote {path}")
    typer.echo(f"manifest {outcome.manifest_path}")


@app.command("docs")
@handle_errors
def docs(
    serve: Annotated[bool, typer.Option("--serve", help="Serve the docs site after generating it.")] = False,
    port: Annotated[int, typer.Option("--port", help="Port for --serve.")] = 8080,
    target: TargetOpt = None,
    duckdb_path: DuckdbPathOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Generate the dbt docs site (models, columns, tests, lineage up to the reports)."""
    settings = _settings(target, duckdb_path, existing=True)
    jobs.generate_docs(settings, quiet=not verbose)
    typer.echo(f"docs generated in {settings.dbt_project_dir / 'target'}")
    if serve:
        from reporting.dbt_runner import run_dbt

        run_dbt(settings, "docs serve", args=["--port", str(port), "--no-browser"])


@app.command("freshness")
@handle_errors
def freshness(
    warn_days: Annotated[int | None, typer.Option("--warn-days", min=1, show_default=False, help="Warn when a table's newest load is older than this many days (default: 2).")] = None,
    error_days: Annotated[int | None, typer.Option("--error-days", min=1, show_default=False, help="Fail when a table's newest load is older than this many days (default: 7).")] = None,
    target: TargetOpt = None,
    duckdb_path: DuckdbPathOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Say how long ago `mca-report ingest` last loaded each raw table (dbt source freshness on _mca_loaded_at): fresh, warn or error against the thresholds, or no load time (no table, sample-data rows only, or a table mca did not create).

    Exits 9 when a table is past the error threshold, 0 otherwise."""
    settings = _settings(target, duckdb_path, existing=True)
    results = jobs.check_freshness(settings, warn_days=warn_days, error_days=error_days, quiet=not verbose)
    for result in results:
        typer.echo(result.describe())
    stale = [r.table for r in results if r.status == "error"]
    if stale:
        raise StaleDataError(f"{', '.join(stale)}: past the freshness error threshold")


@app.command("register-jdbc")
@handle_errors
def register_jdbc(
    source_host: Annotated[str, typer.Option("--source-host", help="MySQL/MariaDB server holding the raw tables.")] = "127.0.0.1",
    source_port: Annotated[int, typer.Option("--source-port", min=1, max=65535, help="Its port.")] = 3306,
    source_user: Annotated[str, typer.Option("--source-user", help="User Spark reads as (needs SELECT on the source schema). The password comes from $MCA_SOURCE_PASSWORD only.")] = "root",
    source_schema: Annotated[str, typer.Option("--source-schema", help="Schema (database) holding campaigns, customers, orders, fx_rates.")] = "mca_raw",
    partitions: Annotated[int, typer.Option("--partitions", min=1, help="Ranges of id a table with a numeric id is read in at once: Spark opens this many connections to the source per table read.")] = 4,
    force: Annotated[bool, typer.Option("--force", help="Replace tables in Spark's raw schema that register-jdbc did not create (a Parquet table loaded by ingest or sample-data loses its rows).")] = False,
    wait: WaitOpt = 0.0,
    target: TargetOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Register a MySQL/MariaDB raw schema in Spark's raw schema as JDBC tables (spark target only): Spark reads the rows from the server at every build, nothing is copied.

    One table per raw table the source has (campaigns, customers, orders, fx_rates); a table with a numeric id is read in --partitions ranges of id at once. Earlier registrations are replaced; a table register-jdbc did not create is refused unless --force. Rerun after large loads to rebalance the ranges (rows outside them are read all the same).

    The source password is read from the environment variable MCA_SOURCE_PASSWORD, never from a flag, and mca never prints it. Note: Spark keeps it, with the other JDBC options, in its catalogue (the metastore, in MCA_SPARK_DIR on a local Spark): DESCRIBE and SHOW CREATE TABLE show it redacted, but anyone who can read the metastore can read it, so use a read-only user.
    """
    import os

    from reporting import spark_jdbc

    settings = _settings(target, None)
    source = spark_jdbc.JdbcSource(host=source_host, port=source_port, user=source_user, schema=source_schema,
                                   password=os.environ.get(spark_jdbc.SOURCE_PASSWORD_ENV, ""))
    result = spark_jdbc.register_jdbc(settings, source, partitions=partitions, force=force, wait_seconds=wait)
    for line in result.lines():
        typer.echo(line)


IngestTable = enum.Enum("IngestTable", {name: name for name in RAW_TABLES}, type=str)  # type: ignore[misc]
IngestTable.__doc__ = "A raw table that `mca-report ingest` appends to."


@app.command("ingest", no_args_is_help=True)
@handle_errors
def ingest(
    table: Annotated[IngestTable, typer.Argument(metavar="TABLE", help="Raw table to append to.", show_default=False)],
    files: Annotated[list[Path], typer.Argument(metavar="FILE", help="Files to load, in this order.", show_default=False)],
    mapping: Annotated[Path, typer.Option("--mapping", "-m", help="YAML mapping from the file's columns to the raw table's (see mappings/README.md).", show_default=False)],
    replace: Annotated[bool, typer.Option("--replace", help="Load files again that were loaded before: first remove exactly the rows their earlier loads (same content or same path) wrote.")] = False,
    max_reject_pct: Annotated[float, typer.Option("--max-reject-pct", min=0.0, max=100.0, help="Refuse a file (load nothing from it) when more than this percentage of its lines is rejected.")] = 1.0,
    rejects: Annotated[Path | None, typer.Option("--rejects", help="Where rejected lines go (a file, or a folder for several inputs; default: next to each input as FILE.rejects.csv). An existing file is overwritten only if it is an mca rejects file.")] = None,
    wait: Annotated[float, typer.Option("--wait", min=0, help="Seconds to wait for another mca command that is writing to the same warehouse: ingests queue behind each other and behind a run.")] = 3600.0,
    target: TargetOpt = None,
    duckdb_path: DuckdbPathOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Append CSV or text exports to the raw campaigns, customers or orders table.

    Each file is read through the mapping; lines with the wrong number of fields, numbers or dates that do not parse or fit, or empty required values go to a rejects file with their line number and reason. Lines the mapping skips on purpose (skip_lines, skip_footer, skip_if_empty) are counted apart.

    Each file loads in one transaction and is recorded in the load log: the same content is never loaded twice (--replace reloads it).
    """
    settings = _settings(target, duckdb_path)
    if not quiet:
        typer.echo(f"ingest into {settings.raw_schema}.{table.value} on {settings.describe()}", err=True)
    with _showing(quiet) as progress:
        outcomes = jobs.ingest(settings, table.value, files, mapping, replace=replace, wait_seconds=wait,
                               max_reject_pct=max_reject_pct, rejects=rejects, on_file=_print_outcome,
                               progress=progress)
    if len(outcomes) > 1:
        skipped = sum(o.status == "skipped" for o in outcomes)
        lines_skipped = sum(o.lines_skipped for o in outcomes)
        typer.echo(
            f"total: read {sum(o.rows_read for o in outcomes):,}, loaded "
            f"{sum(o.rows_loaded for o in outcomes):,}, rejected {sum(o.rows_rejected for o in outcomes):,}, "
            + (f"{lines_skipped:,} lines skipped, " if lines_skipped else "")
            + f"skipped {skipped} of {len(outcomes)} files as already loaded"
        )


def _print_outcome(o: Any) -> None:
    """One file's line (a reporting.ingest.FileOutcome)."""
    name = o.path.name
    if o.status == "skipped":
        prev = o.previous.describe() if o.previous else "an earlier load"
        typer.echo(f"{name}: read 0, loaded 0, rejected 0, skipped: already loaded ({prev}); "
                   "--replace loads it again")
        return
    ids = f", ids {o.first_id:,}-{o.last_id:,}" if o.first_id is not None else ""
    skipped = f", {o.lines_skipped:,} lines skipped" if o.lines_skipped else ""
    line = (f"{name}: read {o.rows_read:,}, loaded {o.rows_loaded:,}, rejected {o.rows_rejected:,}{skipped} "
            f"(load {o.load_id}{ids}, {o.seconds:.1f}s)")
    if o.replaced:
        line += f", replacing {sum(p.rows_loaded for p in o.replaced):,} rows of " + ", ".join(
            f"load {p.load_id}" for p in o.replaced)
    typer.echo(line)
    if o.rejects_path is not None:
        typer.echo(f"  rejected lines: {o.rejects_path}")
    if o.lines_skipped:
        parts = [f"{n:,} {what}" for n, what in (
            (o.skipped_above_header, "above the header (skip_lines)"),
            (o.skipped_footer, "at the end matching skip_footer"),
            (o.skipped_empty, "with a skip_if_empty column empty")) if n]
        typer.echo(f"  skipped lines (not loaded, not rejected): {', '.join(parts)}")
    if o.duplicate_lines:
        typer.echo(f"  note: {o.duplicate_lines:,} lines repeat an earlier line exactly (loaded as they are)")
    for p in o.other_versions:
        typer.echo(f"  note: {p.file_name} was loaded before with other content ({p.describe()}); "
                   "those rows stay (--replace replaces them)")


def _prose(text: str | None) -> str | None:
    """Help text that reads as sentences: each paragraph of a docstring on one line, so the
    terminal wraps it at its own width instead of at the source's line breaks."""
    if not text:
        return text
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)


for _command in app.registered_commands:
    _command.help = _prose(_command.help or inspect.getdoc(_command.callback))


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
