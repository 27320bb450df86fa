"""The server engines: MySQL 8 and MariaDB (one family; the dbt adapter type differs).

Statements go through PyMySQL; large reads through mysql-connector's C extension when it loaded
(about twice PyMySQL's speed, see ``iter_query``); exports through connectorx, which decodes the
rows into Arrow batches in native code (1M fact rows in about 2.5 s, against 15 s through the C
extension's Python tuples; see ``arrow_reader``); bulk loads through LOAD DATA LOCAL INFILE of a
tab-separated file that DuckDB formats (about 350K rows/s, against 68K for batched inserts).
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
from tenacity import RetryError, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from reporting.contract import MONEY_PRECISION, MONEY_SCALE, Column, ColumnType, TableSpec
from reporting.errors import LockedError, RefusedError, WarehouseError
from reporting.warehouse.base import Warehouse, arrow_numbers, cursor_frames, short_error

log = logging.getLogger(__name__)

#: Error codes of a passing fault: 2003 can't connect, 2006 server gone away, 2013 lost
#: connection, 1040 too many connections, 1205 lock wait timeout, 1213 deadlock.
TRANSIENT_CODES = frozenset({2003, 2006, 2013, 1040, 1205, 1213})

_TYPES = {
    ColumnType.bigint: "bigint",
    ColumnType.integer: "int",
    ColumnType.money: f"decimal({MONEY_PRECISION},{MONEY_SCALE})",
    ColumnType.float: "double",
    ColumnType.date: "date",
    ColumnType.timestamp: "datetime(6)",
    ColumnType.boolean: "boolean",
}

#: LOAD DATA's default text format, which the TSV writer produces: tab-separated, backslash
#: escapes, \N for NULL, one row per line.
_LOAD_FORMAT = ("character set utf8mb4 fields terminated by '\\t' escaped by '\\\\' "
                "lines terminated by '\\n'")


#: Rows per page of a keyed read (``MySQLWarehouse.arrow_reader``): the most rows that wait in
#: memory for the export's writer. The fact's rows take about 0.15 KB each in connectorx's queue
#: (2.8M rows held 400 MB), so a page is about 35 MB.
EXPORT_PAGE_ROWS = 250_000


class MySQLWarehouse(Warehouse):
    engine = "mysql"
    #: set once connectorx failed to connect where PyMySQL could: exports go row by row after it
    _arrow_unavailable = False
    placeholder = "%s"
    quote_char = "`"
    for_update = " for update"
    pbids_protocol = "mysql"
    transient_markers = ("2003", "2006", "2013", "Lost connection", "Can't connect",
                         "server has gone away", "Connection refused", "Deadlock found")

    # ---- connection ----------------------------------------------------------------------

    def _connect_once(self) -> Any:
        import pymysql

        s = self.settings
        return pymysql.connect(host=s.host, port=s.port, user=s.user, password=s.password,
                               charset="utf8mb4", local_infile=True, autocommit=True,
                               connect_timeout=10)

    def _open(self) -> Any:
        """Connect, retrying passing failures with exponential backoff (tenacity)."""
        import pymysql

        s = self.settings
        try:
            for attempt in Retrying(
                stop=stop_after_attempt(s.connect_tries),
                wait=wait_exponential(multiplier=self._retry_wait, max=30),
                retry=retry_if_exception(self.is_transient),
                reraise=False,
                before_sleep=lambda state: log.warning(
                    "cannot connect to %s (try %d of %d), retrying",
                    s.describe(), state.attempt_number, s.connect_tries,
                ),
            ):
                with attempt:
                    return self._connect_once()
        except RetryError as exc:
            cause = exc.last_attempt.exception()
            raise WarehouseError(
                f"cannot connect to {s.describe()} after {s.connect_tries} tries: {short_error(cause)}"
            ) from None
        except pymysql.err.MySQLError as exc:
            raise WarehouseError(f"cannot connect to {s.describe()}: {short_error(exc)}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    @classmethod
    def _is_transient_error(cls, error: BaseException) -> bool:
        import pymysql

        if isinstance(error, pymysql.err.OperationalError):
            return bool(error.args) and error.args[0] in TRANSIENT_CODES
        return super()._is_transient_error(error)

    # ---- statements ----------------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        with self.connection.cursor() as cur:
            cur.execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        with self.connection.cursor() as cur:
            cur.execute(sql, params)
            columns = [d[0] for d in cur.description]
            rows = cur.fetchall()
        return pd.DataFrame.from_records(list(rows), columns=columns)

    def iter_query(self, sql: str, chunk_rows: int = 100_000) -> Iterator[pd.DataFrame]:
        """Stream a large result through mysql-connector's C extension on a connection of its
        own: it decodes rows about twice as fast as PyMySQL's streamed cursor (benchmarks/).
        Without the extension (it only loads before numpy and ssl, see reporting/__init__.py),
        PyMySQL's unbuffered cursor gives the same rows."""
        import mysql.connector

        if not mysql.connector.HAVE_CEXT:
            import pymysql.cursors

            with self.connection.cursor(pymysql.cursors.SSCursor) as cur:
                cur.execute(sql)
                yield from cursor_frames(cur, chunk_rows)
            return
        s = self.settings
        try:
            conn = mysql.connector.connect(
                host=s.host, port=s.port, user=s.user, password=s.password, charset="utf8mb4",
                use_pure=False, connection_timeout=10, autocommit=True,
            )
        except mysql.connector.Error as exc:
            raise WarehouseError(f"cannot connect to {s.describe()}: {short_error(exc)}") from None
        try:
            cur = conn.cursor()
            cur.execute(sql)
            yield from cursor_frames(cur, chunk_rows)
            cur.close()
        except mysql.connector.Error as exc:
            raise WarehouseError(f"reading from {s.describe()} failed: {short_error(exc)}") from None
        finally:
            try:
                conn.close()
            except mysql.connector.Error:  # closed early with rows unread, or the server went away
                pass

    def _read_numbers(self, sql: str, text: frozenset[str]) -> pd.DataFrame:
        """Through connectorx's Arrow columns where it connects (:func:`arrow_numbers`), not
        PyMySQL's rows: the same values, without a Python object per value alive at once."""
        reader = self.arrow_reader(sql)
        if reader is None:
            return super()._read_numbers(sql, text)
        try:
            table = reader.read_all()
        finally:
            reader.close()
        return arrow_numbers(table, text)

    def arrow_reader(self, sql: str, chunk_rows: int = 100_000, *, page_key: str | None = None) -> Any | None:
        """The result as Arrow record batches through connectorx, on a connection of its own;
        None where connectorx is not installed. Its errors are reported without the connection
        URL, which holds the password.

        connectorx reads the rows on a thread of its own into a queue with no bound: when the
        consumer is slower (DuckDB writing Parquet), the rows pile up in memory. Exporting a 10M
        row fact grew the process by 420 MB (a reader alone, sleeping 0.1 s per batch, by 400 MB;
        not sleeping, by 70 MB). With ``page_key`` the result is read in pages of
        :data:`EXPORT_PAGE_ROWS` rows by that key (``where key > last key of the page before``,
        a range of the table's index), so at most a page waits."""
        os.environ.setdefault("RUST_LOG", "off")  # connectorx's pool logs every failed try on stderr
        try:
            import connectorx
        except ImportError:
            return None
        if self._arrow_unavailable:
            return None
        if page_key is None:
            return self._connectorx_stream(connectorx, sql, chunk_rows)
        return self._paged_stream(connectorx, sql, chunk_rows, page_key)

    def _connectorx_stream(self, connectorx: Any, sql: str, chunk_rows: int) -> Any | None:
        url = self.settings.url("mysql")
        try:
            return connectorx.read_sql(url, sql, return_type="arrow_stream", batch_size=chunk_rows)
        except Exception as exc:  # connectorx raises RuntimeError with the server's message
            text = self.scrub((str(exc).splitlines()[0] if str(exc) else type(exc).__name__).replace(url, "***"))
            if "waiting for connection" in text:
                # PyMySQL connected with the same settings, connectorx could not (an
                # authentication plugin or TLS setting it lacks): the exports go row by row
                self._arrow_unavailable = True
                log.warning("the fast export reader could not connect to %s (%s); exporting row by row",
                            self.settings.describe(), text)
                return None
            raise WarehouseError(f"reading from {self.settings.describe()} failed: {text}") from None

    def _paged_stream(self, connectorx: Any, sql: str, chunk_rows: int, page_key: str) -> Any | None:
        """:meth:`arrow_reader` a page of ``page_key`` at a time, as one stream."""
        import pyarrow as pa

        key = self.quote(page_key)
        page_rows = EXPORT_PAGE_ROWS

        def page(after: int | None) -> str:
            where = f" where {key} > {after}" if after is not None else ""
            return f"select * from ({sql}) as mca_page{where} order by {key} limit {page_rows}"

        first = self._connectorx_stream(connectorx, page(None), chunk_rows)
        if first is None:
            return None
        schema = first.schema
        if page_key not in schema.names or not pa.types.is_integer(schema.field(page_key).type):
            first.close()
            raise ValueError(f"page_key {page_key!r} is not an integer column of the result")

        def batches() -> Iterator[Any]:
            reader = first
            while True:
                rows, last = 0, None
                try:
                    for batch in reader:
                        if batch.num_rows:
                            rows += batch.num_rows
                            last = batch.column(page_key)[-1].as_py()
                            yield batch if batch.schema.equals(schema) else batch.cast(schema)
                finally:
                    reader.close()
                if rows < page_rows or last is None:
                    return
                reader = self._connectorx_stream(connectorx, page(int(last)), chunk_rows)
                if reader is None:  # connectorx stopped connecting between two pages
                    raise WarehouseError(f"reading from {self.settings.describe()} failed: "
                                         "the export reader lost its connection")

        return pa.RecordBatchReader.from_batches(schema, batches())

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.execute("start transaction")
        try:
            yield
        except BaseException:
            try:
                self.execute("rollback")
            except Exception:  # the connection itself failed: the server rolls back for us
                log.warning("rollback failed; the server discards the transaction with the connection")
            raise
        self.execute("commit")

    # ---- catalogue -----------------------------------------------------------------------

    def table_comment(self, schema: str, name: str) -> str | None:
        frame = self.query(
            "select coalesce(table_comment, '') as c from information_schema.tables "
            "where table_schema = %s and table_name = %s",
            [schema, name],
        )
        return None if frame.empty else str(frame.iat[0, 0])

    def ensure_schema(self, schema: str) -> None:
        self.execute(f"create database if not exists {self.quote(schema)} "
                     "character set utf8mb4 collate utf8mb4_general_ci")

    def drop_schema(self, schema: str) -> None:
        self.execute(f"drop database if exists {self.quote(schema)}")

    # ---- DDL -----------------------------------------------------------------------------

    def sql_type(self, column: Column) -> str:
        if column.type is ColumnType.text:
            return f"varchar({column.length})" if column.length else "longtext"
        return _TYPES[column.type]

    def change_type_sql(self, schema: str, table: str, column: Column) -> str:
        return f"alter table {self.relation(schema, table)} modify column {self.column_ddl(column)}"

    def create_table(self, schema: str, spec: TableSpec, *, comment: str) -> None:
        def cols(names: Sequence[str]) -> str:
            return ", ".join(self.quote(c) for c in names)

        parts = [self.column_ddl(c) for c in spec.columns]
        if spec.primary_key:
            parts.append(f"primary key ({cols(spec.primary_key)})")
        parts += [f"unique key {self.quote('ux_' + '_'.join(key))} ({cols(key)})" for key in spec.unique]
        parts += [f"key {self.quote(('ix_' + '_'.join(key).strip('_'))[:64])} ({cols(key)})"
                  for key in spec.indexes]
        escaped = comment.replace("\\", "\\\\").replace("'", "''")
        self.execute(f"create table {self.relation(schema, spec.name)} ({', '.join(parts)}) "
                     f"engine=InnoDB default charset=utf8mb4 comment='{escaped}'")

    # ---- data ----------------------------------------------------------------------------

    def require_transactional(self, schema: str, table: str) -> None:
        """A load is one transaction; MyISAM and friends would keep half a failed file."""
        engine = self.scalar(
            "select engine from information_schema.tables where table_schema = %s and table_name = %s",
            [schema, table],
        )
        if str(engine).lower() != "innodb":
            raise RefusedError(
                f"{schema}.{table} uses the {engine} engine, which has no transactions, so a "
                f"failed load could leave part of a file behind; convert it first (alter table "
                f"{schema}.{table} engine=InnoDB)"
            )

    def insert_frame(self, schema: str, spec: TableSpec, frame: pd.DataFrame) -> int:
        """LOAD DATA LOCAL INFILE of a TSV file, inside the caller's transaction if one is open.

        With LOCAL the server turns errors (duplicate keys, NULL into NOT NULL, text too long)
        into warnings and skips or adjusts rows instead of stopping, so any warning fails the
        load; the caller's transaction (or the caller, dropping a staging table) undoes it."""
        columns = list(frame.columns)
        with tempfile.TemporaryDirectory(prefix="mca-load-") as tmp:
            path = Path(tmp) / f"{spec.name}.tsv"
            self._write_tsv(frame, spec, path)
            sql = (f"load data local infile %s into table {self.relation(schema, spec.name)} {_LOAD_FORMAT} "
                   f"({', '.join(self.quote(c) for c in columns)})")
            # the affected-row count and the warnings of this very statement: on one cursor,
            # since any statement in between would reset them
            with self.connection.cursor() as cur:
                inserted = int(cur.execute(sql, [str(path)]))
                cur.execute("show warnings")
                warnings = cur.fetchall()
        if warnings:
            level, code, message = warnings[0][:3]
            more = f", {len(warnings)} or more in all" if len(warnings) > 1 else ""
            raise WarehouseError(
                f"loading {schema}.{spec.name} failed, nothing loaded: {message} "
                f"({str(level).lower()} {code}{more})"
            )
        return inserted

    def _write_tsv(self, frame: pd.DataFrame, spec: TableSpec, path: Path) -> None:
        """Write rows in LOAD DATA's default text format. DuckDB formats and escapes the
        columns, vectorised: several times faster than formatting a million rows in pandas.
        Decimals are written at the column's scale, so the server has nothing to round
        (rounding would raise a note and fail the load)."""
        import duckdb

        def expr(name: str) -> str:
            q = f'"{name}"'
            column = spec[name]
            if column.type is ColumnType.text:
                return (f"replace(replace(replace(replace(cast({q} as varchar), '\\', '\\\\'), chr(9), '\\t'), "
                        f"chr(10), '\\n'), chr(13), '\\r')")
            if column.type is ColumnType.boolean:
                return f"cast(cast({q} as boolean) as integer)"
            if column.type in (ColumnType.bigint, ColumnType.integer):
                return f"cast({q} as bigint)"
            if column.type is ColumnType.money:
                return f"cast({q} as decimal({MONEY_PRECISION}, {MONEY_SCALE}))"
            if column.type is ColumnType.float:
                return f"cast({q} as double)"
            return f"cast({q} as {column.type.value})"

        select = ", ".join(expr(c) for c in frame.columns)
        con = duckdb.connect()
        try:
            con.register("mca_rows", frame)
            target = str(path).replace("'", "''")
            con.execute(f"copy (select {select} from mca_rows) to '{target}' "
                        "(format csv, delimiter '\t', header false, nullstr '\\N', quote '', escape '')")
        finally:
            con.close()

    def _swap_in(self, schema: str, staging: str, name: str) -> None:
        new, final, old = (self.relation(schema, t) for t in (staging, name, f"{name}__mca_old"))
        if self.table_exists(schema, name):
            self.execute(f"drop table if exists {old}")
            # one RENAME of both: atomic, readers never see the name missing
            self.execute(f"rename table {final} to {old}, {new} to {final}")
            self.execute(f"drop table {old}")
        else:
            self.execute(f"rename table {new} to {final}")

    # ---- runs ----------------------------------------------------------------------------

    def lock_name(self) -> str:
        return f"mca_run:{self.settings.schema}"[:64]

    @contextmanager
    def run_lock(self, wait_seconds: float = 0.0) -> Iterator[None]:
        """A named server lock (GET_LOCK) on a connection of its own, held for the block: runs
        on different machines see each other, and the server frees it if the process dies.

        The server also frees it when that connection dies (a kill, a network cut), and another
        command may then take it. A watcher checks the lock every few seconds: when it is gone
        it takes it again if it is still free, and otherwise stops this command at once
        (reporting.stopping), rather than letting two commands write at the same time."""
        name = self.lock_name()
        holder = self._take_lock(name, wait_seconds)
        if holder is None:
            raise LockedError(
                f"another mca command holds the lock {name!r} on {self.settings.describe()}; "
                "wait for it or pass --wait SECONDS"
            )
        watch = _LockWatch(self, name, holder)
        watch.start()
        try:
            yield
        finally:
            holder = watch.stop()
            try:
                holder.scalar("select release_lock(%s)", [name])
            except Exception:  # the lock dies with the connection anyway
                log.warning("could not release %s; it is freed when the connection closes", name)
            finally:
                holder.close()

    def _take_lock(self, name: str, wait_seconds: float) -> MySQLWarehouse | None:
        """A connection holding the lock ``name``, or None when another holds it."""
        holder = MySQLWarehouse(self.settings, retry_wait_seconds=self._retry_wait)
        holder.connect()
        try:
            got = holder.scalar("select get_lock(%s, %s)", [name, int(max(0, wait_seconds))])
        except BaseException:
            holder.close()
            raise
        if got != 1:
            holder.close()
            return None
        return holder


class _LockWatch(threading.Thread):
    """Checks every ``interval`` seconds that the lock's connection still holds it."""

    def __init__(self, owner: MySQLWarehouse, name: str, holder: MySQLWarehouse, interval: float = 2.0) -> None:
        super().__init__(name="mca-lock-watch", daemon=True)
        self.owner, self.lock, self.holder, self.interval = owner, name, holder, interval
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(self.interval):
            try:
                if self.holder.scalar("select is_used_lock(%s) = connection_id()", [self.lock]) == 1:
                    continue
            except Exception:  # the connection itself is gone
                pass
            try:
                self.holder.close()
            except Exception:
                pass
            try:
                again = self.owner._take_lock(self.lock, 0)
            except Exception:
                again = None
            if again is not None and not self._done.is_set():
                log.warning("the run lock's connection was lost; the lock was free and is held again")
                self.holder = again
                continue
            log.error("the run lock %r was lost and another command holds it; stopping", self.lock)
            from reporting.stopping import stop_main_thread

            stop_main_thread()
            return

    def stop(self) -> MySQLWarehouse:
        """Stop watching; the connection that holds the lock now."""
        self._done.set()
        self.join(timeout=self.interval + 10)
        return self.holder
