"""What each `mca-report` command does. The CLI only parses, calls one function here and prints.

    sample-data  make_sample_data     generate dirty sample rows, (re)create the raw tables
    build        build_warehouse      check the raw tables, then `dbt build` (retried when the
                                      connection drops)
    segment      segment              K-Means on dim_customer, assignments back to the warehouse
    report       report_only          reports from the marts as they are
    run          run_all              build -> quality gate -> segment -> reports -> publish,
                                      with a run manifest, a lock and alerts
    docs         generate_docs        the dbt docs site
    ingest       reporting.ingest.ingest_files

Each stage of `run` is a small function below; outputs are staged and published only when all
of them are complete (outputs.py), and the run manifest is written in every case.
"""

from __future__ import annotations

import datetime as dt
import enum
import importlib
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from reporting.alerts import send_alert
from reporting.contract import CAMPAIGNS, CUSTOMERS, DATA_TABLES, LOAD_ID_COLUMN, LOAD_LOG, RAW_TABLES
from reporting.dbt_runner import DbtRunSummary, dbt_vars, failure_line, run_dbt
from reporting.errors import (BuildError, ConfigError, DataError, LockedError, McaError, QualityGateError, RefusedError,
                              WarehouseError)
from reporting.manifest import RunManifest, StageRecord, list_outputs
from reporting.outputs import OutputFolder
from reporting.powerbi import FACT, export_powerbi
from reporting.report_data import ReportData, SegmentSummary, load_data_quality, load_raw_tables, load_report_data
from reporting.sample_data import DEFAULT_CHUNK_ROWS, iter_campaigns, iter_customers
from reporting.segment_store import (
    FEATURE_SETS,
    count_customer_features,
    ensure_segments_table,
    features_with_values,
    iter_customer_features,
    load_latest_summary,
    read_customer_features,
    read_segment_channels,
    save_run_summary,
    summarize,
    write_segment_chunks,
    write_segments,
)
from reporting.progress import Progress
from reporting.settings import Settings
from reporting.stopping import Interrupted, outlived, stopped
from reporting.stopping import requested as stop_requested
from reporting.warehouse import MCA_TABLE_MARKER, Warehouse, engine_class, run_lock

if TYPE_CHECKING:
    from segmentation import SegmentationOutcome

log = logging.getLogger(__name__)

def new_run_id(now: dt.datetime | None = None) -> str:
    """Sortable, readable and unique: UTC time plus 6 random hex digits."""
    moment = now or dt.datetime.now(dt.timezone.utc)
    return moment.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


# ---- sample-data -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadResult:
    table: str
    rows: int


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
    wait_seconds: float = 0.0,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: Progress | None = None,
) -> SampleDataResult:
    """Generate dirty sample data and (re)create the raw campaigns and customers tables with it.

    Refuses, before touching anything, when either table exists and was not created by
    `sample-data` (unless ``force``), so a user's own raw data is never overwritten. The rows are
    generated and loaded in chunks of ``chunk_rows`` (the same rows whatever the size), so memory
    stays flat with the row count; each table is swapped in only once all its rows are loaded.
    Holds the warehouse's lock while it writes.
    """
    if rows < 0:
        raise ConfigError("--rows must be 0 or more")
    n_customers = max(100, rows // 10) if customers is None else customers
    if n_customers < 0:
        raise ConfigError("--customers must be 0 or more")
    end = end_date or dt.date.today()
    chunks = {
        CAMPAIGNS.name: lambda: iter_campaigns(rows, seed=seed, end_date=end, chunk_rows=chunk_rows),
        CUSTOMERS.name: lambda: iter_customers(n_customers, seed=seed, end_date=end, chunk_rows=chunk_rows),
    }
    schema = settings.raw_schema
    loads = []
    with run_lock(settings, wait_seconds=wait_seconds), Warehouse(settings) as wh:
        for table in chunks:
            wh.check_replaceable(schema, table, force=force, owner="sample-data")
            if not force:
                _refuse_ingested_rows(wh, schema, table)
        progress = progress or Progress()
        totals = {CAMPAIGNS.name: rows, CUSTOMERS.name: n_customers}
        for table, make_chunks in chunks.items():
            # closing: a failed load removes the generator's temporary files at once
            with closing(make_chunks()) as frames, progress.task(f"sample-data: {table}", total=totals[table],
                                                                unit="rows") as task:
                loaded = wh.replace_table_chunks(schema, RAW_TABLES[table].as_created(), _counted(frames, task),
                                                 comment=f"{MCA_TABLE_MARKER} sample-data")
            log.info("loaded %d rows into %s.%s", loaded, schema, table)
            loads.append(LoadResult(table=table, rows=loaded))
            _forget_loads(wh, schema, table)
    return SampleDataResult(loads=loads, end_date=end, seed=seed)


def _refuse_ingested_rows(wh: Warehouse, schema: str, table: str) -> None:
    """Refuse to replace a raw table holding rows that `ingest` loaded from a user's files, even
    one that `sample-data` created first (ingest appends to it and numbers its rows by load)."""
    columns = {c.lower() for c in wh.columns_of(schema, table)}
    if LOAD_ID_COLUMN not in columns:
        return
    loaded = int(wh.scalar(f"select count(*) from {wh.raw(table)} where {wh.quote(LOAD_ID_COLUMN)} is not null"))
    if loaded:
        raise RefusedError(
            f"{schema}.{table} holds {loaded:,} row(s) that `mca-report ingest` loaded from your files; "
            "refusing to replace it with sample data (pass --force to replace it and forget those loads)"
        )


def _forget_loads(wh: Warehouse, schema: str, table: str) -> None:
    """After a table is replaced, its loads leave the load log: the log and the table never
    disagree, and ingesting the same file again loads it again."""
    if wh.table_exists(schema, LOAD_LOG.name):
        wh.delete_where(schema, LOAD_LOG.name, f"table_name = {wh.placeholder}", [table])


def _counted(frames: Iterable[pd.DataFrame], task: Any) -> Iterator[pd.DataFrame]:
    """The frames, advancing ``task`` by each one's rows once it is loaded."""
    for frame in frames:
        yield frame
        task.advance(len(frame))


# ---- build -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawTables:
    """Which raw tables of the contract exist (each is optional; at least one must)."""

    schema: str
    found: tuple[str, ...]
    absent: tuple[str, ...]

    def describe(self) -> str:
        """One line, e.g. "raw tables in mca_raw: found customers; absent campaigns, orders"."""
        parts = [f"found {', '.join(self.found) or 'none'}"]
        if self.absent:
            parts.append(f"absent {', '.join(self.absent)}")
        return f"raw tables in {self.schema}: {'; '.join(parts)}"

    def to_dict(self) -> dict[str, bool]:
        return {name: name in self.found for name in RAW_TABLES}


def prepare_build(settings: Settings) -> RawTables:
    """What a build needs before dbt runs: which raw tables exist (logged in one line), each
    present one with every column of the contract. Fails with one line naming the column a
    table lacks, or when no raw table exists at all; a missing table alone is fine (its models
    build empty). Creates the (empty) segments table the segment views read."""
    found: list[str] = []
    with Warehouse(settings) as wh:
        for table in RAW_TABLES.values():
            present = {c.lower() for c in wh.columns_of(settings.raw_schema, table.name)}
            if not present:
                continue
            found.append(table.name)
            missing = [c for c in table.column_names if c not in present]
            if missing:
                raise WarehouseError(
                    f"raw table {settings.raw_schema}.{table.name} lacks required column(s): "
                    + ", ".join(missing)
                )
        if not set(found) & set(DATA_TABLES):
            raise WarehouseError(
                f"no raw table found in {settings.raw_schema} on {settings.describe()} (looked for "
                f"{', '.join(DATA_TABLES)}); load data first (e.g. `mca-report sample-data` or `mca-report ingest`)"
            )
        ensure_segments_table(wh)
    raw = RawTables(schema=settings.raw_schema, found=tuple(found),
                    absent=tuple(name for name in DATA_TABLES if name not in found))  # fx_rates only when there
    log.info("%s", raw.describe())
    return raw


def build_warehouse(
    settings: Settings,
    *,
    as_of: dt.date | None = None,
    select: str | None = None,
    full_refresh: bool = False,
    all_tests: bool = False,
    quiet: bool = False,
    on_node: Callable[[str, str], None] | None = None,
    retry_wait_seconds: float = 2.0,
    progress: Progress | None = None,
    report_period: str | None = None,
) -> DbtRunSummary:
    """Check the raw contract, then `dbt build` (seeds, models, tests) on the target.

    Without ``select``, every seed and model is built and only the data tests tagged ``guard``
    run (dbt_project/selectors.yml: rows conserved, keys unique, facts related to their
    dimensions); ``all_tests`` runs every test, as `dbt build` does and CI does. With
    ``select``, that selection and all its tests.

    dbt-mysql does not retry lost connections itself, so a build that fails with a connection
    error is run again (it is idempotent: every model is rebuilt), up to
    ``settings.connect_tries`` times with exponential backoff. Model and test failures are not
    retried.
    """
    from tenacity import Retrying, retry_if_result, stop_after_attempt, wait_exponential

    raw = prepare_build(settings)
    engine = engine_class(settings.target)

    def transient(summary: DbtRunSummary) -> bool:
        messages = [summary.error or ""] + [n.message for n in summary.failures()]
        return any(engine.is_transient(m) for m in messages)

    args: list[str] = []
    if select:
        args += ["--select", select]
    elif not all_tests:
        args += ["--selector", "routine"]
    if full_refresh:
        args.append("--full-refresh")
    retrying = Retrying(
        stop=stop_after_attempt(settings.connect_tries),
        wait=wait_exponential(multiplier=retry_wait_seconds, max=60),
        retry=retry_if_result(lambda s: (not s.success) and transient(s)),
        retry_error_callback=lambda state: state.outcome.result(),
        before_sleep=lambda state: log.warning(
            "dbt build lost the connection to %s (try %d of %d), retrying",
            settings.describe(), state.attempt_number, settings.connect_tries),
    )
    progress = progress or Progress()
    with progress.task("dbt build", unit="nodes") as task:
        summary: DbtRunSummary = retrying(
            run_dbt, settings, "build", vars=dbt_vars(as_of, report_period=report_period), args=args, quiet=quiet,
            on_node=on_node, raise_on_failure=False, callbacks=[progress.dbt_event(task)],
        )
    summary.raw_tables = raw.describe()
    if not summary.success:
        raise BuildError(failure_line(summary))
    return summary


def build(settings: Settings, *, wait_seconds: float = 0.0, **options: Any) -> DbtRunSummary:
    """`mca-report build`: :func:`build_warehouse` (``options`` are its keywords) under the
    warehouse's lock. Stopped (Ctrl-C, SIGTERM), it puts back the tables the build was replacing."""
    with run_lock(settings, wait_seconds=wait_seconds):
        try:
            return build_warehouse(settings, **options)
        except Exception as exc:
            if not stop_requested():
                raise
            interrupted: BaseException = exc
        except KeyboardInterrupt as exc:
            interrupted = exc
        error = stopped("the build")
        if isinstance(error, Interrupted):
            restore_interrupted_build(settings)
        raise error from (None if isinstance(interrupted, KeyboardInterrupt) else interrupted)


def restore_interrupted_build(settings: Settings) -> None:
    """Put back every table a stopped build was replacing (the next build would do it first
    anyway; doing it now leaves the marts whole for readers in between)."""
    try:
        run_dbt(settings, "run-operation mca_restore_interrupted_build", quiet=True, raise_on_failure=False)
    except BaseException as exc:  # noqa: BLE001 - best effort, on the way out
        log.warning("could not put the tables back now (%s); the next build does it first", exc)


def generate_docs(settings: Settings, *, as_of: dt.date | None = None, quiet: bool = False) -> DbtRunSummary:
    return run_dbt(settings, "docs generate", vars=dbt_vars(as_of), quiet=quiet)


# ---- segment ---------------------------------------------------------------------------------


def choose_feature_set(raw_tables: dict[str, bool]) -> str | None:
    """The features to segment on for the raw tables loaded: behavioural (dim_customer) when
    there is a customers table, else RFM (dim_customer_rfm) when there are orders, else None
    (nothing to segment)."""
    if raw_tables.get("customers"):
        return "behavioural"
    if raw_tables.get("orders"):
        return "rfm"
    return None


#: Customers up to which segmentation reads them all into one DataFrame
#: (:func:`segmentation.segment_customers`); above it they stream from the warehouse in batches
#: (:func:`segmentation.segment_customer_chunks`), and memory stays flat whatever their number.
#: Chosen by measurement (DECISIONLOG, "Chunked segmentation").
IN_MEMORY_MAX_CUSTOMERS = 100_000
#: Rows per batch read from the warehouse, and per chunk read back from disk, on the chunked path.
SEGMENT_CHUNK_ROWS = 100_000


@dataclass
class SegmentRun:
    """Outcome of :func:`run_segmentation`."""

    result: SegmentationOutcome
    summary: SegmentSummary
    run_id: str
    rows_read: int
    rows_written: int
    charts: dict[str, Path] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    skipped_features: tuple[str, ...] = ()


def run_segmentation(
    wh: Warehouse,
    *,
    run_id: str,
    k: int | None = None,
    k_range: tuple[int, int] = (2, 10),
    feature_set: str = "behavioural",
    random_state: int = 42,
    charts_dir: Path | None = None,
    write_back: bool = True,
    progress: Progress | None = None,
    in_memory_max: int = IN_MEMORY_MAX_CUSTOMERS,
    chunk_rows: int = SEGMENT_CHUNK_ROWS,
) -> SegmentRun:
    """Read features, segment, write customer_segments back, draw the charts.

    Up to ``in_memory_max`` customers are read into one DataFrame; above, they stream in
    batches of ``chunk_rows`` (:func:`segment_chunked`). Both paths choose the same k and
    segments for the same customers, to floating-point order (DECISIONLOG).
    """
    from segmentation import SegmentationError

    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    customers, values = count_customer_features(wh, feature_set)
    features, empty = features_with_values(customers, values, FEATURE_SETS[feature_set][1])
    seconds["read"] = time.perf_counter() - t0
    if empty:
        log.warning("features with no values are left out of segmentation: %s", ", ".join(empty))
    tried = 1 if k is not None else k_range[1] - k_range[0] + 1
    written = 0
    with ExitStack() as held:  # the chunked path's files live until the assignments are written
        with (progress or Progress()).task(f"segmentation of {customers:,} customers", total=tried, unit="k") as task:
            knobs: dict[str, Any] = dict(
                k=k, k_range=k_range, random_state=random_state,
                on_fit=lambda fit: task.advance(1, description=f"segmentation: k={fit.k} scored "
                                                               f"(silhouette {fit.silhouette:.3f})"))
            try:
                if customers <= in_memory_max:
                    result, write = segment_in_memory(wh, feature_set, features, seconds, **knobs)
                else:
                    result, write = held.enter_context(segment_chunked(wh, feature_set, features, chunk_rows, seconds,
                                                                       **knobs))
            except SegmentationError as exc:
                raise DataError(f"segmentation: {exc}") from None
        if write_back:
            t0 = time.perf_counter()
            # a warehouse built by dbt alone may not have the table yet; its segment views were then
            # built over an empty stand-in and must be built again to read it
            created = ensure_segments_table(wh)
            save_run_summary(wh, summarize(result, run_id=run_id))
            written = write(run_id)
            if created:
                run_dbt(wh.settings, "run", args=["--select", "source:mca_segments+", "--exclude", "config.materialized:mca_table"],
                        quiet=True)
            seconds["write"] = time.perf_counter() - t0
    by_channel = read_segment_channels(wh) if write_back else None
    charts: dict[str, Path] = {}
    if charts_dir is not None:
        import segmentation

        t0 = time.perf_counter()
        charts = segmentation.save_charts(result, charts_dir)
        seconds["charts"] = time.perf_counter() - t0
    log.info("segmented %d customers into %d segments (%s)", result.n_customers, result.chosen_k, result.reason)
    return SegmentRun(result=result, summary=summarize(result, by_channel, run_id), run_id=run_id,
                      rows_read=customers, rows_written=written, charts=charts, seconds=seconds,
                      skipped_features=empty)


#: Writes a segmentation's assignments to customer_segments for a run id; returns the rows written.
AssignmentWriter = Callable[[str], int]


def segment_in_memory(wh: Warehouse, feature_set: str, features: tuple[str, ...], seconds: dict[str, float],
                      **knobs: Any) -> tuple[SegmentationOutcome, AssignmentWriter]:
    """Every customer read into one DataFrame and segmented by :func:`segmentation.segment_customers`
    (``seconds``: adds the read to ``read``, and ``segment``)."""
    import segmentation

    t0 = time.perf_counter()
    frame = read_customer_features(wh, feature_set)
    seconds["read"] += time.perf_counter() - t0
    t0 = time.perf_counter()
    result = segmentation.segment_customers(frame, features, **knobs)
    seconds["segment"] = time.perf_counter() - t0
    return result, lambda run_id: write_segments(wh, result, run_id)


@contextmanager
def segment_chunked(wh: Warehouse, feature_set: str, features: tuple[str, ...], chunk_rows: int,
                    seconds: dict[str, float], **knobs: Any) -> Iterator[tuple[SegmentationOutcome, AssignmentWriter]]:
    """The customers streamed from the warehouse in customer_id order through
    :func:`segmentation.segment_customer_chunks`; the assignments, kept in its temporary folder
    until the block ends, are written a chunk at a time (``seconds``: ``segment``, which
    includes reading the customers)."""
    import segmentation

    t0 = time.perf_counter()
    frames = iter_customer_features(wh, feature_set, features, chunk_rows)
    with segmentation.segment_customer_chunks(frames, features, chunk_rows=chunk_rows, **knobs) as result:
        seconds["segment"] = time.perf_counter() - t0
        yield result, lambda run_id: write_segment_chunks(wh, result, run_id)


def segment(
    settings: Settings,
    *,
    out_dir: Path,
    k: int | None = None,
    k_range: tuple[int, int] = (2, 10),
    feature_set: str | None = None,
    run_id: str | None = None,
    wait_seconds: float = 0.0,
    progress: Progress | None = None,
) -> SegmentRun:
    """Segment the customers of dim_customer (or, ``feature_set`` "rfm", of dim_customer_rfm),
    write customer_segments, draw the charts (under the warehouse's lock). Without a
    ``feature_set``, the raw tables the marts were built from choose (:func:`choose_feature_set`)."""
    if k is not None and k < 1:
        raise ConfigError("--k must be 1 or more")
    if k_range[0] < 2 or k_range[0] > k_range[1]:
        raise ConfigError(f"--k-min/--k-max must satisfy 2 <= min <= max, got {k_range[0]}..{k_range[1]}")
    with run_lock(settings, wait_seconds=wait_seconds), Warehouse(settings) as wh:
        if feature_set is None:
            feature_set = choose_feature_set(load_raw_tables(wh))
            if feature_set is None:
                raise DataError("no customer or order data was loaded (no raw customers or orders table): "
                                "nothing to segment")
            log.info("segmenting on the %s features", feature_set)
        return run_segmentation(
            wh, run_id=run_id or new_run_id(), k=k, k_range=k_range, feature_set=feature_set,
            charts_dir=out_dir / "visualizations", progress=progress,
        )


def ingest(settings: Settings, table: str, files: list[Path], mapping: Path, *, wait_seconds: float = 3600.0,
           progress: Progress | None = None, **options: Any) -> list[Any]:
    """`mca-report ingest`: :func:`reporting.ingest.ingest_files` (``options`` are its keywords)
    under the warehouse's lock, so concurrent ingests (and an ingest during a run) queue instead
    of deadlocking. Each file is its own transaction: a stopped ingest keeps the files it
    finished and nothing of the one it was loading."""
    from reporting.ingest import ingest_files

    sizes = {path: path.stat().st_size if path.is_file() else 0 for path in files}
    on_file = options.pop("on_file", None)
    with run_lock(settings, wait_seconds=wait_seconds), \
            (progress or Progress()).task(f"ingest into {table}", total=sum(sizes.values()), unit="bytes") as task:

        def done(outcome: Any) -> None:
            task.advance(sizes.get(outcome.path, 0), description=f"ingest: {outcome.path.name} {outcome.status}, "
                                                                 f"{outcome.rows_loaded:,} rows")
            if on_file is not None:
                on_file(outcome)

        try:
            return ingest_files(settings, table, files, mapping, on_file=done, **options)
        except KeyboardInterrupt:
            raise stopped("ingest") from None


# ---- reports ---------------------------------------------------------------------------------


class ReportFormat(str, enum.Enum):
    pdf = "pdf"
    html = "html"
    powerbi = "powerbi"
    all = "all"


def expand_formats(formats: Iterable[ReportFormat]) -> tuple[ReportFormat, ...]:
    chosen = set(formats)
    if ReportFormat.all in chosen or not chosen:
        return (ReportFormat.pdf, ReportFormat.html, ReportFormat.powerbi)
    return tuple(f for f in (ReportFormat.pdf, ReportFormat.html, ReportFormat.powerbi) if f in chosen)


#: Fact rows up to which the reports draw the documents (charts, PDF, HTML) while the Power BI
#: export runs, hidden behind it. Above it they are drawn after the export, so that their
#: memory does not add to the export's: at 10M rows that is about 50 MB of the run's peak, for
#: about 9 s (1 % of the run) that the export no longer hides (DECISIONLOG, "What the 10M run
#: holds in its reports stage").
DOCUMENTS_BESIDE_EXPORT_MAX_ROWS = 2_000_000


def write_reports(
    wh: Warehouse,
    staging: Path,
    *,
    formats: tuple[ReportFormat, ...],
    run_id: str,
    as_of: dt.date,
    currency: str,
    segments: SegmentSummary | None,
    timings: dict[str, float] | None = None,
    progress: Progress | None = None,
) -> tuple[ReportData, list[Path]]:
    """Render the chosen formats into ``staging``; returns the data shown and the files made.
    ``timings``, when given, receives the seconds each part took (read, charts, pdf, html,
    powerbi): up to :data:`DOCUMENTS_BESIDE_EXPORT_MAX_ROWS` fact rows the charts, PDF and HTML
    are made while the Power BI export runs, so the parts add up to more than the stage took."""
    from reporting.reports import render_charts, write_html, write_pdf
    from segmentation import save_charts

    spent = timings if timings is not None else {}
    parts = ["read", "charts", *(f.value for f in formats)]
    with (progress or Progress()).task("reports: reading the marts", total=len(parts), unit="parts") as task:

        took: dict[str, float] = {}

        def timed(name: str, make: Callable[[], Any]) -> Any:
            began = time.perf_counter()
            made = make()
            took[name] = round(time.perf_counter() - began, 3)
            task.advance(1, description=f"reports: {name} done")
            return made

        data = timed("read", lambda: load_report_data(wh, run_id=run_id, as_of=as_of, currency=currency,
                                                      segments=segments))

        def documents() -> list[Path]:
            """The charts, then the PDF and the HTML that show them: Python work that reads no
            table, so it runs beside the Power BI export (below)."""
            charts_dir = staging / "visualizations"
            # without a campaigns table the campaign charts would only say "no data": left out

            def draw() -> tuple[dict[str, Path], dict[str, Path]]:
                charts = render_charts(data, charts_dir) if data.has_campaign_data else {}
                charts_dir.mkdir(parents=True, exist_ok=True)
                return charts, save_charts(segments, charts_dir) if segments is not None else {}

            charts, segment_charts = timed("charts", draw)
            made = [charts_dir]
            if ReportFormat.pdf in formats:
                made.append(timed("pdf", lambda: write_pdf(data, charts, staging / "executive_summary.pdf",
                                                           segment_charts=segment_charts)))
            if ReportFormat.html in formats:
                made.append(timed("html", lambda: write_html(data, charts, staging / "executive_summary.html",
                                                             segment_charts=segment_charts)))
            return made

        # The export spends much of its time waiting on the warehouse and in native writers
        # (connectorx, DuckDB, Spark) that release the interpreter, so the documents are drawn
        # in a worker thread meanwhile (at 100K rows: 7.2 s against 8.1 s one after the other;
        # DECISIONLOG). The export stays in the main thread, where a stop signal interrupts it;
        # a failure or stop on either side waits for the documents (seconds) before it is raised.
        # Above DOCUMENTS_BESIDE_EXPORT_MAX_ROWS fact rows they are drawn after the export instead.
        beside = int(data.data_quality.get("rows_kept") or 0) <= DOCUMENTS_BESIDE_EXPORT_MAX_ROWS
        with (ThreadPoolExecutor(max_workers=1, thread_name_prefix="reports") if beside
              else nullcontext()) as pool:
            drawn = pool.submit(documents) if beside else None
            export = None
            if ReportFormat.powerbi in formats:
                ensure_segments_table(wh)  # the export joins it; a warehouse built by dbt alone may lack it
                export = timed("powerbi", lambda: export_powerbi(
                    wh, staging / "dashboards", run_id=run_id, generated_at=data.generated_at,
                    on_file=lambda name: task.advance(0, description=f"reports: Power BI {name}")))
            written = drawn.result() if drawn is not None else documents()
        if export is not None:
            written.append(export.folder)
            # the fact's share of it (its CSV and Parquet file), which the benchmarks report alone
            took["powerbi_fact"] = export.seconds.get(FACT, 0.0)
        spent.update((name, took[name]) for name in (*parts, "powerbi_fact") if name in took)  # in a fixed order
    return data, written


@dataclass
class RunOutcome:
    manifest: RunManifest
    manifest_path: Path
    published: list[Path] = field(default_factory=list)


def _start(settings: Settings, out: Path, as_of: dt.date | None,
           force: bool) -> tuple[str, dt.date, RunManifest, OutputFolder]:
    """A new run: its id, reference date, manifest and output folder."""
    run_id = new_run_id()
    as_of_date = as_of or dt.date.today()
    manifest = RunManifest(run_id=run_id, target=settings.describe(), as_of=as_of_date.isoformat(),
                           started_at=dt.datetime.now(dt.timezone.utc).isoformat())
    return run_id, as_of_date, manifest, OutputFolder(out, run_id, force=force)


BUILD_LOG = "mca_build_log"


def check_marts(wh: Warehouse, as_of: dt.date | None) -> dt.date | None:
    """The reference date the marts were built for, after checking they are whole: refuses
    marts whose last build is still marked running (a build under way without mca's lock, or one
    that was killed: the next build puts the tables back first), and a requested ``as_of`` the
    marts were not built for."""
    schema = wh.settings.schema
    if wh.table_exists(schema, BUILD_LOG):
        last = wh.query(f"select status, started_at from {wh.mart(BUILD_LOG)} order by started_at desc")
        if not last.empty and str(last.iat[0, 0]) == "running":
            raise BuildError(
                f"the last build of {schema} (started {last.iat[0, 1]}) is still running or did not finish, "
                "so some marts may be from before it and some from after; run `mca-report build` "
                "(it first puts back the tables a stopped build left)"
            )
    if not wh.table_exists(schema, "dq_data_quality"):
        return as_of
    built = wh.scalar(f"select as_of_date from {wh.mart('dq_data_quality')}")
    built_date = None if built is None else pd.Timestamp(built).date()
    if as_of is not None and built_date is not None and as_of != built_date:
        raise DataError(
            f"the marts were built for --as-of {built_date.isoformat()}, not {as_of.isoformat()}; "
            f"run `mca-report build --as-of {as_of.isoformat()}` first, or leave --as-of out"
        )
    return built_date or as_of


def check_window_kept(dq: dict[str, Any], raw_tables: dict[str, bool]) -> None:
    """Refuse marts that keep no campaign row although a campaigns table with rows was loaded
    (an --as-of far from the data, for instance): reports of zeros would replace real ones.
    No campaigns table at all, or an empty one, is not refused (see README, "The raw contract")."""
    read = int(dq.get("rows_read") or 0)
    if not raw_tables.get("campaigns") or read == 0 or int(dq.get("rows_kept") or 0) > 0:
        return

    def day(value: Any) -> str:
        return "?" if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()

    def count(key: str) -> str:
        return f"{int(dq.get(key) or 0):,}"

    raise DataError(
        f"no campaign rows in the window {day(dq.get('window_start_date'))}..{day(dq.get('as_of_date'))}: "
        f"0 of {read:,} rows kept ({count('rows_out_of_window')} out of window, "
        f"{count('rows_quarantined')} quarantined, {count('rows_duplicate')} duplicates); "
        "check --as-of; no report was written"
    )


def report_only(
    settings: Settings,
    *,
    out: Path,
    formats: tuple[ReportFormat, ...],
    as_of: dt.date | None = None,
    currency: str = "Rs.",
    force: bool = False,
    wait_seconds: float = 0.0,
    report_period: str | None = None,
) -> RunOutcome:
    """Write reports from the marts as they are (no build, no segmentation), labelled with the
    reference date the marts were built for. Holds the run lock, so it never reads marts a
    build is replacing. A ``report_period`` other than the one rpt_period_comparison was built
    for rebuilds that mart alone (for the marts' reference date) first."""
    with run_lock(settings, wait_seconds=wait_seconds):
        with Warehouse(settings) as wh:
            as_of = check_marts(wh, as_of)
            if wh.table_exists(settings.schema, "dq_data_quality"):
                check_window_kept(load_data_quality(wh), load_raw_tables(wh))
            rebuild = report_period is not None and _built_period(wh) != report_period
        if rebuild:
            log.info("rebuilding rpt_period_comparison for the report period %s", report_period)
            run_dbt(settings, "build", vars=dbt_vars(as_of, report_period=report_period),
                    args=["--select", "rpt_period_comparison"], quiet=True)
        return _report_only(settings, out=out, formats=formats, as_of=as_of, currency=currency, force=force)


def _built_period(wh: Warehouse) -> str | None:
    """The report period rpt_period_comparison was built for, None when it does not exist."""
    if not wh.table_exists(wh.settings.schema, "rpt_period_comparison"):
        return None
    value = wh.scalar(f"select max(report_period) from {wh.mart('rpt_period_comparison')}")
    return None if value is None else str(value).strip()


def _report_only(settings: Settings, *, out: Path, formats: tuple[ReportFormat, ...], as_of: dt.date | None,
                 currency: str, force: bool) -> RunOutcome:
    run_id, as_of_date, manifest, folder = _start(settings, out, as_of, force)
    staging = folder.prepare()
    try:
        with Warehouse(settings) as wh, manifest.stage("reports") as rep:
            segments = load_latest_summary(wh)
            data, written = write_reports(wh, staging, formats=formats, run_id=run_id, as_of=as_of_date,
                                          currency=currency, segments=segments)
            manifest.data_quality = data.data_quality
            rep.rows_in = int(data.data_quality.get("rows_kept") or 0)
        with manifest.stage("publish"):
            published = folder.publish()
            manifest.outputs = list_outputs(out, published)
        manifest.finish("success")
    except Exception as exc:
        folder.discard()
        manifest.finish("failed", str(exc))
        manifest.write(out / "runs")
        raise
    path = manifest.write(out / "runs")
    return RunOutcome(manifest=manifest, manifest_path=path, published=published)


# ---- run: the whole job ----------------------------------------------------------------------


def warm_imports(modules: Sequence[str]) -> None:
    """Import ``modules`` in a background thread, for stages that come later.

    `run` starts it once dbt has run its first node: from then on the build mostly waits on
    the warehouse, and the libraries segmentation and the reports need (scikit-learn and SciPy,
    matplotlib, reportlab: about 2 s of imports) load in that time instead of in their stage.
    A module that fails to import here is left alone: its stage imports it again and reports
    the error there."""

    def load() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception as exc:  # noqa: BLE001 - reported by the stage that needs it
                log.debug("importing %s ahead of its stage failed: %s", name, exc)

    threading.Thread(target=load, name="mca-warm-imports", daemon=True).start()


@dataclass
class RunOptions:
    """What `mca-report run` was asked to do (see the CLI's help for each)."""

    out: Path
    as_of: dt.date | None = None
    currency: str = "Rs."
    k: int | None = None
    skip_segments: bool = False
    force: bool = False
    quiet_dbt: bool = True
    all_tests: bool = False
    max_quarantine_pct: float = 5.0
    alert_webhook: str | None = None
    wait_seconds: float = 0.0
    report_period: str | None = None


def run_all(
    settings: Settings,
    *,
    out: Path,
    as_of: dt.date | None = None,
    currency: str = "Rs.",
    k: int | None = None,
    skip_segments: bool = False,
    force: bool = False,
    progress: Progress | None = None,
    quiet_dbt: bool = True,
    all_tests: bool = False,
    max_quarantine_pct: float = 5.0,
    alert_webhook: str | None = None,
    wait_seconds: float = 0.0,
    report_period: str | None = None,
) -> RunOutcome:
    """dbt build, quality gate, segmentation, every report; publish them together; write the
    manifest. One run at a time per warehouse; failures and gate breaches raise an alert."""
    opts = RunOptions(out=out, as_of=as_of, currency=currency, k=k, skip_segments=skip_segments,
                      force=force, quiet_dbt=quiet_dbt, all_tests=all_tests, max_quarantine_pct=max_quarantine_pct,
                      alert_webhook=alert_webhook, wait_seconds=wait_seconds,
                      report_period=report_period)
    try:
        with run_lock(settings, wait_seconds=opts.wait_seconds):
            return _Run(settings, opts, progress or Progress()).execute()
    except McaError as exc:
        if not getattr(exc, "alerted", False):  # failed before the run started: lock or connection
            status = "locked" if isinstance(exc, LockedError) else "failed"
            send_alert(opts.alert_webhook, f"mca run on {settings.describe()} did not start: {exc}",
                       {"status": status, "target": settings.describe(), "error": str(exc)})
        raise


class _Run:
    """One `mca-report run`: its stages, each a method, sharing the manifest and staging folder."""

    def __init__(self, settings: Settings, opts: RunOptions, progress: Progress) -> None:
        self.settings = settings
        self.opts = opts
        self.progress = progress
        self.run_id, self.as_of, self.manifest, self.folder = _start(settings, opts.out, opts.as_of, opts.force)
        self.dq: dict[str, Any] = {}
        self.raw_tables: dict[str, bool] = {}

    def _notify(self, name: str, status: str, seconds: float = 0.0) -> None:
        self.progress.stage(name, status, seconds)

    def execute(self) -> RunOutcome:
        staging = self.folder.prepare()
        published: list[Path] = []
        try:
            self.build()
            with Warehouse(self.settings) as wh:
                self.quality_gate(wh)
                segments = self.segment(wh)
                self.reports(wh, staging, segments)
            published = self.publish()
            self.manifest.finish("success")
        except KeyboardInterrupt:
            self.stopped()
        except Exception as exc:
            if stop_requested():  # a library took the signal and failed its own way (DuckDB does)
                self.stopped()
            elif isinstance(exc, OSError):
                self.failed_to_write(exc)
            else:
                self.fail(exc)
        path = self.manifest.write(self.opts.out / "runs")
        return RunOutcome(manifest=self.manifest, manifest_path=path, published=published)

    def stopped(self) -> None:
        error = stopped(f"run {self.run_id}")
        last = self.manifest.stages[-1] if self.manifest.stages else None
        if last is not None and last.status == "failed":
            # a library took the signal and raised its own error (DuckDB in the Power BI export):
            # the stage was stopped, not broken
            last.status = "interrupted"
        building = last is not None and last.name == "build"
        if building and isinstance(error, Interrupted):
            restore_interrupted_build(self.settings)
        self.fail(error)

    @contextmanager
    def _stage(self, name: str) -> Iterator[StageRecord]:
        """A stage of the run, recorded in the manifest. It does not start if a stop arrived in an
        earlier stage that went on anyway: the signal handler raises KeyboardInterrupt once (a
        second Ctrl-C waits for the clean-up), and code that catches it and carries on leaves
        nothing else to stop the run (once in a suite run under load, a SIGINT during the dbt
        build was outlived by the build, and the run finished with exit 0). The stage that ran is
        left whole; this one is recorded as interrupted and the run ends as stopped."""
        with self.manifest.stage(name) as record:
            if outlived():
                raise KeyboardInterrupt
            yield record

    def failed_to_write(self, exc: OSError) -> None:
        """The file system: a full or read-only --out, most likely."""
        where = f" {exc.filename}" if exc.filename else ""
        self.fail(ConfigError(f"cannot write the outputs{where}: {exc.strerror or exc}"))

    def build(self) -> None:
        later = ["reporting.reports", "segmentation.charts"]
        if not self.opts.skip_segments:
            later.insert(0, "segmentation.pipeline")
        first = threading.Lock()  # dbt calls on_node from its worker threads: start one warm-up

        def on_node(unique_id: str, status: str) -> None:
            # at the first node dbt has loaded itself and the project, and now mostly waits on SQL
            if first.acquire(blocking=False):
                warm_imports(later)

        with self._stage("build") as st:
            self._notify("build", "start")
            summary = build_warehouse(self.settings, as_of=self.as_of, quiet=self.opts.quiet_dbt,
                                      all_tests=self.opts.all_tests, progress=self.progress,
                                      report_period=self.opts.report_period, on_node=on_node)
            self.manifest.dbt = summary.to_dict()
        self._notify("build", "ok", st.seconds)
        self.build_record = st

    def quality_gate(self, wh: Warehouse) -> None:
        dq = self.dq = load_data_quality(wh)
        self.raw_tables = load_raw_tables(wh)
        self.manifest.data_quality = dq
        self.build_record.rows_in, self.build_record.rows_out = dq.get("rows_read"), dq.get("rows_kept")
        limit = self.opts.max_quarantine_pct
        with self._stage("quality") as gate:
            gate.rows_in, gate.rows_out = dq.get("rows_read"), dq.get("rows_kept")
            if not self.raw_tables.get("campaigns"):
                # no campaigns table at all: nothing to gate (a table whose rows were all
                # quarantined or out of the window is gated below, as always)
                gate.detail = {"campaigns": "no raw campaigns table: no campaign rows to check"}
                log.info("quality gate: no raw campaigns table, no campaign rows to check")
                self._notify("quality", "ok", 0.0)
                return
            share = float(dq.get("quarantined_pct") or 0.0)
            gate.detail = {"quarantined_pct": share, "max_quarantine_pct": limit,
                           "quarantined_by_reason": {k: v for k, v in dq.items()
                                                     if k.startswith("quarantined_") and k != "quarantined_pct" and v}}
            if share > limit:
                raise QualityGateError(
                    f"{share:.2f}% of campaign rows were quarantined, above the limit of "
                    f"{limit:g}% (see dq_quarantined_campaigns)"
                )
            check_window_kept(dq, self.raw_tables)
        self._notify("quality", "ok", gate.seconds)

    def segment(self, wh: Warehouse) -> SegmentSummary | None:
        if self.opts.skip_segments:
            self.manifest.stages.append(StageRecord(name="segment", status="skipped"))
            return None
        feature_set = choose_feature_set(self.raw_tables)
        if feature_set is None:
            reason = "no customer or order data was loaded"
            log.info("segmentation skipped: %s", reason)
            self.manifest.stages.append(StageRecord(name="segment", status="skipped", detail={"reason": reason}))
            return None
        with self._stage("segment") as seg:
            self._notify("segment", "start")
            run = run_segmentation(wh, run_id=self.run_id, k=self.opts.k, feature_set=feature_set,
                                   progress=self.progress)
            seg.rows_in, seg.rows_out = run.rows_read, run.rows_written
            seg.detail = {"chosen_k": run.result.chosen_k, "feature_set": feature_set, "seconds": run.seconds,
                          "skipped_features": list(run.skipped_features)}
            self.manifest.segmentation = {
                "chosen_k": run.result.chosen_k, "reason": run.result.reason,
                "was_k_forced": run.result.was_k_forced, "features": list(run.result.features),
                "customers": run.result.n_customers,
                "sizes": {str(r.segment_name): int(r.size) for r in run.result.profiles.itertuples()},
            }
        self._notify("segment", "ok", seg.seconds)
        return run.summary

    def reports(self, wh: Warehouse, staging: Path, segments: SegmentSummary | None) -> None:
        with self._stage("reports") as rep:
            self._notify("reports", "start")
            parts: dict[str, float] = {}
            _, written = write_reports(wh, staging, formats=expand_formats([ReportFormat.all]),
                                       run_id=self.run_id, as_of=self.as_of, currency=self.opts.currency,
                                       segments=segments, timings=parts, progress=self.progress)
            rep.rows_in = int(self.dq.get("rows_kept") or 0)
            rep.detail = {"files": len(list_outputs(staging, written)), "seconds": parts}
        self._notify("reports", "ok", rep.seconds)

    def publish(self) -> list[Path]:
        with self._stage("publish") as pub:
            published = self.folder.publish()
            self.manifest.outputs = list_outputs(self.opts.out, published)
            pub.rows_out = len(self.manifest.outputs)
        self._notify("publish", "ok", pub.seconds)
        return published

    def fail(self, exc: Exception) -> None:
        """Discard the staged outputs, write the failed manifest, alert, and re-raise. The alert
        goes out even when the manifest cannot be written (a full or read-only --out)."""
        self.folder.discard()
        message = str(exc) if isinstance(exc, McaError) else f"{type(exc).__name__}: {exc}"
        stage = self.manifest.stages[-1].name if self.manifest.stages else "start"
        status = "interrupted" if isinstance(exc, Interrupted) else "failed"
        for record in self.manifest.stages:
            if record.status == "pending":
                record.status = status
        self.manifest.finish(status, message)
        self._notify(stage, status)
        try:
            path: Path | None = self.manifest.write(self.opts.out / "runs")
        except OSError as write_error:
            path = None
            log.error("could not write the run manifest: %s", write_error)
        where = f"manifest {path}" if path else "no manifest: the output folder could not be written"
        send_alert(self.opts.alert_webhook,
                   f"mca run {self.run_id} on {self.settings.describe()} {status} at {stage}: {message}",
                   {"run_id": self.run_id, "status": status, "stage": stage, "target": self.settings.describe(),
                    "error": message, "manifest": str(path) if path else None})
        if isinstance(exc, McaError):
            if isinstance(exc, Interrupted):
                wrapped: McaError = Interrupted(f"{exc} (run {self.run_id}; {where})", exc.signal_name)
            else:
                wrapped = type(exc)(f"{exc} (run {self.run_id}; {where})")
            wrapped.alerted = True  # type: ignore[attr-defined]
            raise wrapped from exc
        exc.alerted = True  # type: ignore[attr-defined]
        raise exc


# ---- freshness -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableFreshness:
    """How long ago ingest last loaded one raw table.

    ``status``: ``fresh``, ``warn`` or ``error`` as `dbt source freshness` judged the newest
    ``_mca_loaded_at`` against the thresholds, or ``no load time`` when there is none to judge:
    no table, a table mca did not create (no such column), or only sample-data rows (NULL).
    """

    table: str
    status: str
    loaded_at: dt.datetime | None = None  # the newest _mca_loaded_at, UTC
    reason: str = ""

    def describe(self, now: dt.datetime | None = None) -> str:
        if self.loaded_at is None:
            return f"{self.table}: {self.status} ({self.reason})"
        now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        days = (now - self.loaded_at).total_seconds() / 86400
        extra = f"; {self.reason}" if self.reason else ""
        return (f"{self.table}: {self.status} (last load {self.loaded_at:%Y-%m-%d %H:%M} UTC, "
                f"{days:.1f} days ago{extra})")


def check_freshness(settings: Settings, *, warn_days: int | None = None, error_days: int | None = None,
                    quiet: bool = True) -> list[TableFreshness]:
    """`dbt source freshness` on the raw tables that have load times, one result per raw table.

    The thresholds are the sources' (dbt_project/models/staging/_mca__sources.yml: 2 and 7 days)
    unless given. Tables without a load time are not handed to dbt, which would call a NULL
    newest load infinitely old (an error), or fail on a missing table or column."""
    from reporting.contract import LOADED_AT_COLUMN

    found: dict[str, TableFreshness] = {}
    newest: dict[str, dt.datetime] = {}
    with Warehouse(settings) as wh:
        for table in RAW_TABLES:
            if not wh.table_exists(settings.raw_schema, table):
                found[table] = TableFreshness(table, "no load time", reason="no table")
            elif LOADED_AT_COLUMN not in {c.lower() for c in wh.columns_of(settings.raw_schema, table)}:
                found[table] = TableFreshness(table, "no load time",
                                              reason=f"no {LOADED_AT_COLUMN} column: mca did not create the table")
            else:
                value = wh.scalar(f"select max({wh.quote(LOADED_AT_COLUMN)}) from {wh.raw(table)}")
                if value is None or pd.isna(value):
                    found[table] = TableFreshness(table, "no load time",
                                                  reason="no row loaded by ingest (sample data)")
                else:
                    newest[table] = pd.Timestamp(value).tz_localize(None).to_pydatetime()
    if newest:
        thresholds = {"mca_freshness_warn_days": warn_days, "mca_freshness_error_days": error_days}
        summary = run_dbt(settings, "source freshness",
                          vars={k: v for k, v in thresholds.items() if v is not None},
                          args=["--select", *(f"source:mca_raw.{t}" for t in newest),
                                *(["--log-level", "none"] if quiet else [])],  # a stale table is a result here
                          raise_on_failure=False, quiet=quiet)
        results = {n.unique_id: n for n in summary.nodes}
        for table, loaded_at in newest.items():
            node = results.get(f"source.mca.mca_raw.{table}")
            if node is None:  # dbt stopped before checking (a connection, a parse error)
                raise BuildError(failure_line(summary))
            status = {"pass": "fresh", "warn": "warn"}.get(node.status, "error")
            reason = "" if node.status in {"pass", "warn", "error"} else f"dbt: {node.message}"
            found[table] = TableFreshness(table, status, loaded_at, reason)
    return [found[t] for t in RAW_TABLES]
