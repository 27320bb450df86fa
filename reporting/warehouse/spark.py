"""Apache Spark: mca's own Spark session (pyspark) on a Hive catalogue.

mca-report is a Spark driver: it opens one SparkSession per process, and dbt's ``session``
method (run in the same process) reuses it, so the two see the same catalogue. Without a cluster
the session runs on ``local[2]`` and keeps its tables (Parquet) and catalogue (an embedded Derby
metastore) in one folder, ``MCA_SPARK_DIR``. On a cluster, set ``MCA_SPARK_MASTER`` and let
Spark's own configuration (``SPARK_CONF_DIR``: spark-defaults.conf, hive-site.xml) name the
metastore and warehouse; mca then sets neither.

What Spark lacks, and what mca does instead:

- no transactions: :meth:`transaction` runs the block as it is, and a failed block may leave
  part of its statements done (the loads guard this themselves: rows go into a staging table
  that is swapped in only when complete);
- no DELETE or UPDATE on Parquet tables: the commands that would delete rows (``ingest
  --replace``) refuse on Spark;
- no indexes or keys: the contract's keys are checked by dbt's tests, not by the table.

Large reads leave Spark as Parquet files written by the executors and read back as Arrow batches
(:meth:`arrow_reader`): no row passes through py4j one by one.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from reporting.contract import MONEY_PRECISION, MONEY_SCALE, Column, ColumnType, TableSpec
from reporting.errors import WarehouseError
from reporting.warehouse.base import Warehouse, file_lock

log = logging.getLogger(__name__)

#: The driver's log configuration: errors only (reporting/warehouse/spark-log4j2.properties).
LOG_CONFIG = Path(__file__).with_name("spark-log4j2.properties")

_TYPES = {
    ColumnType.bigint: "bigint",
    ColumnType.integer: "int",
    ColumnType.money: f"decimal({MONEY_PRECISION},{MONEY_SCALE})",
    ColumnType.float: "double",
    ColumnType.text: "string",
    ColumnType.date: "date",
    ColumnType.timestamp: "timestamp",
    ColumnType.boolean: "boolean",
}


def _literal(text: str) -> str:
    """A Spark SQL string literal: Spark reads backslashes as escapes and escapes a quote with one."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def spark_conf(settings: Any) -> dict[str, str]:
    """The Spark configuration of mca's session for ``settings``: the local catalogue in
    ``settings.spark_dir`` when the master is local, what an analytics job on a few cores
    wants (no UI, UTC, Arrow for pandas, few shuffle partitions), and the JDBC driver's jar."""
    conf = {
        "spark.master": settings.spark_master,
        "spark.app.name": "mca",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        # an insert that does not fit its column fails instead of writing NULL
        "spark.sql.storeAssignmentPolicy": "ANSI",
        # dbt's incremental models and tests read tables they also replace
        "spark.sql.legacy.allowNonEmptyLocationInCTAS": "true",
        # dates as they are (proleptic Gregorian), also before 1582: a raw row dated 0001-01-01
        # is quarantined, not refused by the Parquet writer
        "spark.sql.parquet.datetimeRebaseModeInWrite": "CORRECTED",
        "spark.sql.parquet.datetimeRebaseModeInRead": "CORRECTED",
        "spark.sql.parquet.int96RebaseModeInWrite": "CORRECTED",
        "spark.sql.parquet.int96RebaseModeInRead": "CORRECTED",
    }
    # a JDBC driver on the classpath, for the raw tables `mca-report register-jdbc` registers
    # (reporting/spark_jdbc.py): MCA_SPARK_JARS, else Debian's MariaDB driver when installed
    jars = settings.spark_jars_in_use()
    if jars:
        conf["spark.jars"] = jars
    if settings.spark_master.startswith("local"):
        home = Path(settings.spark_dir)
        threads = settings.spark_master.partition("[")[2].rstrip("]")
        cores = int(threads) if threads.isdigit() else 2
        conf.update({
            "spark.sql.warehouse.dir": str(home / "warehouse"),
            "spark.hadoop.javax.jdo.option.ConnectionURL":
                f"jdbc:derby:;databaseName={home / 'metastore_db'};create=true",
            # user.timezone: MySQL DATETIMEs read over JDBC (register-jdbc) are taken as UTC,
            # as mca writes them, whatever the machine's zone
            "spark.driver.extraJavaOptions": (f"-Dderby.system.home={home} -Duser.timezone=UTC "
                                              f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}"),
            "spark.sql.shuffle.partitions": str(max(2, 2 * cores)),
            "spark.driver.memory": "2g",
        })
    return conf


def spark_session(settings: Any) -> Any:
    """The process's SparkSession for ``settings``: the running one when it is for the same
    catalogue, else a new one (a session for another catalogue is stopped first: Spark allows
    one per process)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise WarehouseError("the spark target needs pyspark: pip install -e '.[spark]' "
                             "(and Java 17: apt install openjdk-17-jre-headless)") from None
    conf = spark_conf(settings)
    active = SparkSession.getActiveSession()
    if active is not None:
        same = all(active.conf.get(k, None) == v for k, v in conf.items()
                   if k in ("spark.master", "spark.sql.warehouse.dir"))
        if same:
            return active
        active.stop()
    if settings.spark_master.startswith("local"):
        Path(settings.spark_dir).mkdir(parents=True, exist_ok=True)
        # a local driver talks to itself: without this Spark warns that the host name resolves
        # to a loopback address and picks another interface
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in conf.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # no Java, a bad master URL
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise WarehouseError(f"cannot start Spark ({settings.spark_master}): {text}") from None
    session.sparkContext.setLogLevel("ERROR")
    return session


class _Session:
    """The connection object: the process's SparkSession, never stopped by :meth:`close`
    (dbt and later commands of the same process reuse it)."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def close(self) -> None:
        pass


class SparkWarehouse(Warehouse):
    engine = "spark"
    placeholder = "?"
    quote_char = "`"
    for_update = ""
    pbids_note = ("No .pbids is written for Spark: load this folder's Parquet (or CSV) files, "
                  "or connect Power BI's Spark connector to the cluster's Thrift Server and the "
                  "marts' schema.")

    def _open(self) -> Any:
        return _Session(spark_session(self.settings))

    @property
    def session(self) -> Any:
        return self.connection.session

    # ---- statements ----------------------------------------------------------------------

    def _sql(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        from pyspark.errors import PySparkException
        from py4j.protocol import Py4JError

        try:
            return self.session.sql(sql, args=list(params)) if params else self.session.sql(sql)
        except (PySparkException, Py4JError) as exc:
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise WarehouseError(f"spark: {text}") from exc

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self._sql(sql, params)  # Spark runs commands (DDL, INSERT) when they are parsed

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        frame = self._sql(sql, params)
        try:
            with warnings.catch_warnings():
                # pyspark 3.5 on pandas 3 warns about its own astype(copy=False) calls
                warnings.simplefilter("ignore", FutureWarning)
                warnings.simplefilter("ignore", DeprecationWarning)
                return frame.toPandas()
        except Exception as exc:
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise WarehouseError(f"spark: {text}") from exc

    def iter_query(self, sql: str, chunk_rows: int = 100_000) -> Iterator[pd.DataFrame]:
        reader = self.arrow_reader(sql, chunk_rows)
        for batch in reader:
            yield batch.to_pandas()

    def arrow_reader(self, sql: str, chunk_rows: int = 100_000, *, page_key: str | None = None) -> Any | None:
        """The executors write the result as Parquet files into a temporary folder (in the
        query's order: Spark numbers the files by partition), read back as a stream of Arrow
        batches; the folder goes when the stream is done. The files are read as the batches
        are asked for, so ``page_key`` is not needed."""
        import pyarrow as pa
        import pyarrow.dataset as ds

        tmp = Path(tempfile.mkdtemp(prefix="mca-spark-read-"))
        out = tmp / "rows"
        try:
            self._sql(sql).write.parquet(str(out))
        except Exception:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        files = sorted(str(p) for p in out.glob("part-*.parquet"))
        if not files:  # no rows: Spark still writes one file with the schema
            files = sorted(str(p) for p in out.glob("*.parquet"))
        dataset = ds.dataset(files, format="parquet")

        def batches() -> Iterator[Any]:
            try:
                # one file and one batch ahead, not pyarrow's default (16 batches of 4 files):
                # the 1M-row Power BI export peaked at 605 MB instead of 644 MB, same files
                yield from dataset.to_batches(batch_size=chunk_rows, batch_readahead=1, fragment_readahead=1)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)

        return pa.RecordBatchReader.from_batches(dataset.schema, batches())

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Spark has no transactions: the block runs as it is (see the module's notes)."""
        yield

    # ---- catalogue -----------------------------------------------------------------------

    def table_comment(self, schema: str, name: str) -> str | None:
        catalog = self.session.catalog
        if not catalog.databaseExists(schema) or not catalog.tableExists(f"{schema}.{name}"):
            return None
        table = catalog.getTable(f"{schema}.{name}")
        return table.description or ""

    def _catalog_columns(self, schema: str, name: str) -> list[Any]:
        """The catalogue's columns of a table, none when it does not exist."""
        if self.table_comment(schema, name) is None:
            return []
        return self.session.catalog.listColumns(f"{schema}.{name}")

    def columns_of(self, schema: str, name: str) -> list[str]:
        return [c.name for c in self._catalog_columns(schema, name)]

    def column_types(self, schema: str, name: str) -> dict[str, str]:
        return {c.name.lower(): c.dataType.lower().split("(")[0].strip()
                for c in self._catalog_columns(schema, name)}

    def schema_exists(self, schema: str) -> bool:
        return bool(self.session.catalog.databaseExists(schema))

    def table_count(self, schema: str) -> int:
        return len(self.session.catalog.listTables(schema)) if self.schema_exists(schema) else 0

    def delete_where(self, schema: str, name: str, where: str, params: Sequence[Any] | None = None) -> None:
        """No DELETE on Parquet: the rows to keep go into a new table, swapped in (for the small
        load log only; the raw tables are never rewritten this way)."""
        keep = f"{name}__mca_keep"
        self.drop_table(schema, keep)
        self.execute(f"create table {self.relation(schema, keep)} using parquet "
                     f"comment {_literal(self.table_comment(schema, name) or '')} "
                     f"as select * from {self.relation(schema, name)} where not ({where})", params)
        self._swap_in(schema, keep, name)

    def ensure_schema(self, schema: str) -> None:
        self.execute(f"create database if not exists {self.quote(schema)}")

    def drop_schema(self, schema: str) -> None:
        self.execute(f"drop database if exists {self.quote(schema)} cascade")

    # ---- DDL -----------------------------------------------------------------------------

    def sql_type(self, column: Column) -> str:
        return _TYPES[column.type]

    def column_ddl(self, column: Column) -> str:
        # Parquet tables in Spark's catalogue keep no NOT NULL: the staging models and the
        # contract's checks catch missing values
        return f"{self.quote(column.name)} {self.sql_type(column)}"

    def create_table(self, schema: str, spec: TableSpec, *, comment: str) -> None:
        columns = ", ".join(self.column_ddl(c) for c in spec.columns)
        self.execute(f"create table {self.relation(schema, spec.name)} ({columns}) using parquet "
                     f"comment {_literal(comment)}")

    def change_type_sql(self, schema: str, table: str, column: Column) -> str:
        return (f"-- Spark cannot change a Parquet table's column type in place; recreate "
                f"{schema}.{table} with {column.name} as {self.sql_type(column)}")

    # ---- data ----------------------------------------------------------------------------

    def insert_frame(self, schema: str, spec: TableSpec, frame: pd.DataFrame) -> int:
        """The frame goes to a Parquet file (pyarrow), which one INSERT ... SELECT reads with
        each column cast to its type under ANSI rules: a value that does not fit fails the
        statement, and nothing is inserted."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        columns = list(frame.columns)
        if frame.empty:
            return 0
        tmp = Path(tempfile.mkdtemp(prefix="mca-spark-load-"))
        path = tmp / f"{uuid.uuid4().hex}.parquet"
        try:
            pq.write_table(pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False), path)
            selected = ", ".join(f"cast({self.quote(c)} as {self.sql_type(spec[c])})" for c in columns)
            previous = self.session.conf.get("spark.sql.ansi.enabled")
            self.session.conf.set("spark.sql.ansi.enabled", "true")
            try:
                self.execute(f"insert into {self.relation(schema, spec.name)} "
                             f"({', '.join(self.quote(c) for c in columns)}) "
                             f"select {selected} from parquet.`{path}`")
            finally:
                self.session.conf.set("spark.sql.ansi.enabled", previous)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return len(frame)

    def require_transactional(self, schema: str, table: str) -> None:
        """Spark cannot undo half a load in place; an append is one INSERT, which Spark commits
        whole or not at all, and replacing a load (a DELETE) is refused (:attr:`supports_delete`)."""

    #: Spark's Parquet tables take no DELETE or UPDATE
    supports_delete = False

    def _swap_in(self, schema: str, staging: str, name: str) -> None:
        # no transaction and no multi-table rename: readers may find the name missing for the
        # moment between the two statements
        self.execute(f"drop table if exists {self.relation(schema, name)}")
        self.execute(f"alter table {self.relation(schema, staging)} rename to {self.relation(schema, name)}")

    # ---- runs ----------------------------------------------------------------------------

    @contextmanager
    def run_lock(self, wait_seconds: float = 0.0) -> Iterator[None]:
        """A lock file in the Spark folder: one mca command at a time per local catalogue (the
        embedded metastore takes one process anyway)."""
        home = Path(self.settings.spark_dir)
        with file_lock(home / "mca.lock", wait_seconds, f"the Spark catalogue in {home}"):
            yield

