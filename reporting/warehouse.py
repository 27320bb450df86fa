"""The one module that talks to the warehouse from Python.

It opens a connection for the configured target (an embedded DuckDB file, or MySQL/MariaDB via
PyMySQL), retries transient connection failures with exponential backoff (tenacity), reads marts
by explicit column lists and replaces raw tables that mca itself created. Everything else in the
Python code goes through :class:`Warehouse`.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from reporting.errors import RefusedError, WarehouseError
from reporting.settings import Settings, Target

log = logging.getLogger(__name__)

#: Table comment that marks a table as created by mca (and so safe for mca to replace).
MCA_TABLE_MARKER = "created by mca"

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _check_ident(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


def _is_transient(exc: BaseException) -> bool:
    """Connection-level failures worth another try (server down, restarting, network blip)."""
    import pymysql

    if isinstance(exc, pymysql.err.OperationalError):
        code = exc.args[0] if exc.args else None
        # 2003 can't connect, 2006 gone away, 2013 lost connection, 1040 too many connections,
        # 1205 lock wait timeout, 1213 deadlock
        return code in {2003, 2006, 2013, 1040, 1205, 1213}
    return False


class Warehouse:
    """A connection to the target's raw and analytics schemas. Use as a context manager."""

    def __init__(self, settings: Settings, *, retry_wait_seconds: float = 1.0) -> None:
        self.settings = settings
        self._retry_wait = retry_wait_seconds
        self._conn: Any = None

    # ---- connection ----------------------------------------------------------------------

    def __enter__(self) -> Warehouse:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def is_duckdb(self) -> bool:
        return self.settings.target is Target.duckdb

    def connect(self) -> None:
        if self._conn is not None:
            return
        if self.is_duckdb:
            import duckdb

            path = self.settings.duckdb_path
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._conn = duckdb.connect(str(path))
            except (OSError, duckdb.Error) as exc:
                raise WarehouseError(f"cannot open {self.settings.describe()}: {exc}") from None
            return
        self._conn = self._connect_mysql()

    def _connect_mysql(self) -> Any:
        import pymysql

        s = self.settings

        def attempt() -> Any:
            return pymysql.connect(
                host=s.host,
                port=s.port,
                user=s.user,
                password=s.password,
                charset="utf8mb4",
                local_infile=True,
                autocommit=True,
                connect_timeout=10,
            )

        try:
            for try_ in Retrying(
                stop=stop_after_attempt(s.connect_tries),
                wait=wait_exponential(multiplier=self._retry_wait, max=30),
                retry=retry_if_exception(_is_transient),
                reraise=False,
                before_sleep=lambda state: log.warning(
                    "cannot connect to %s (try %d of %d), retrying",
                    s.describe(), state.attempt_number, s.connect_tries,
                ),
            ):
                with try_:
                    return attempt()
        except RetryError as exc:
            cause = exc.last_attempt.exception()
            raise WarehouseError(
                f"cannot connect to {s.describe()} after {s.connect_tries} tries: {_short(cause)}"
            ) from None
        except pymysql.err.MySQLError as exc:
            raise WarehouseError(f"cannot connect to {s.describe()}: {_short(exc)}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    # ---- naming --------------------------------------------------------------------------

    @property
    def placeholder(self) -> str:
        """The driver's parameter marker: DuckDB takes ``?``, PyMySQL ``%s``."""
        return "?" if self.is_duckdb else "%s"

    def quote(self, name: str) -> str:
        _check_ident(name)
        return f'"{name}"' if self.is_duckdb else f"`{name}`"

    def relation(self, schema: str, name: str) -> str:
        return f"{self.quote(schema)}.{self.quote(name)}"

    def mart(self, name: str) -> str:
        return self.relation(self.settings.schema, name)

    def raw(self, name: str) -> str:
        return self.relation(self.settings.raw_schema, name)

    # ---- statements ----------------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self.connect()
        if self.is_duckdb:
            self._conn.execute(sql, params or [])
        else:
            with self._conn.cursor() as cur:
                cur.execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Run a query and return its rows as a DataFrame (column names as selected)."""
        self.connect()
        if self.is_duckdb:
            return self._conn.execute(sql, params or []).df()
        with self._conn.cursor() as cur:
            cur.execute(sql, params)
            columns = [d[0] for d in cur.description]
            rows = cur.fetchall()
        return pd.DataFrame.from_records(list(rows), columns=columns)

    def iter_query(self, sql: str, chunk_rows: int = 100_000) -> Iterator[pd.DataFrame]:
        """Run a query and yield its rows in DataFrames of at most ``chunk_rows`` rows, so a
        large mart can be exported with flat memory."""
        self.connect()
        if self.is_duckdb:
            yield from _frames(self._conn.execute(sql), chunk_rows)
            return
        yield from self._stream_mysql(sql, chunk_rows)

    def _stream_mysql(self, sql: str, chunk_rows: int) -> Iterator[pd.DataFrame]:
        """Stream a large result through mysql-connector's C extension on a connection of its
        own: it decodes rows about twice as fast as PyMySQL's streamed cursor (benchmarks/)."""
        import mysql.connector

        if not mysql.connector.HAVE_CEXT:
            yield from self._stream_pymysql(sql, chunk_rows)
            return
        s = self.settings
        try:
            conn = mysql.connector.connect(
                host=s.host, port=s.port, user=s.user, password=s.password, charset="utf8mb4",
                use_pure=False, connection_timeout=10, autocommit=True,
            )
        except mysql.connector.Error as exc:
            raise WarehouseError(f"cannot connect to {s.describe()}: {_short(exc)}") from None
        try:
            cur = conn.cursor()
            cur.execute(sql)
            yield from _frames(cur, chunk_rows)
            cur.close()
        except mysql.connector.Error as exc:
            raise WarehouseError(f"reading from {s.describe()} failed: {_short(exc)}") from None
        finally:
            try:
                conn.close()
            except mysql.connector.Error:  # closed early with rows unread, or the server went away
                pass

    def _stream_pymysql(self, sql: str, chunk_rows: int) -> Iterator[pd.DataFrame]:
        import pymysql.cursors

        with self._conn.cursor(pymysql.cursors.SSCursor) as cur:
            cur.execute(sql)
            yield from _frames(cur, chunk_rows)

    def copy_to_csv(self, sql: str, path: Path, options: str) -> int:
        """DuckDB only: write a query's rows straight to a CSV file with ``COPY`` (no Python
        rows at all). ``options`` is COPY's option list; returns the number of rows written."""
        if not self.is_duckdb:
            raise NotImplementedError("copy_to_csv needs the DuckDB target")
        self.connect()
        target = str(path).replace("'", "''")
        row = self._conn.execute(f"copy ({sql}) to '{target}' ({options})").fetchone()
        return int(row[0]) if row else 0

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        frame = self.query(sql, params)
        return None if frame.empty else frame.iat[0, 0]

    def read_mart(
        self, name: str, columns: Sequence[str], *, order_by: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Read explicit columns of a mart in the analytics schema."""
        if not columns:
            raise ValueError("read_mart needs an explicit column list")
        cols = ", ".join(self.quote(c) for c in columns)
        sql = f"select {cols} from {self.mart(name)}"
        if order_by:
            sql += " order by " + ", ".join(self.quote(c) for c in order_by)
        if not self.table_exists(self.settings.schema, name):
            raise WarehouseError(
                f"{self.settings.schema}.{name} does not exist on {self.settings.describe()}; "
                "run `mca-report build` first"
            )
        return self.query(sql)

    # ---- catalogue -----------------------------------------------------------------------

    def table_exists(self, schema: str, name: str) -> bool:
        return self.table_comment(schema, name) is not None

    def table_comment(self, schema: str, name: str) -> str | None:
        """The table's comment ('' when it has none), or None when the table does not exist."""
        self.connect()
        if self.is_duckdb:
            frame = self.query(
                "select coalesce(comment, '') as c from duckdb_tables() "
                "where schema_name = ? and table_name = ? "
                "union all select coalesce(comment, '') from duckdb_views() "
                "where schema_name = ? and view_name = ?",
                [schema, name, schema, name],
            )
        else:
            frame = self.query(
                "select coalesce(table_comment, '') as c from information_schema.tables "
                "where table_schema = %s and table_name = %s",
                [schema, name],
            )
        return None if frame.empty else str(frame.iat[0, 0])

    def columns_of(self, schema: str, name: str) -> list[str]:
        p = self.placeholder
        frame = self.query(
            "select column_name from information_schema.columns "
            f"where table_schema = {p} and table_name = {p} order by ordinal_position",
            [schema, name],
        )
        return [str(c) for c in frame.iloc[:, 0]] if not frame.empty else []

    def ensure_schema(self, schema: str) -> None:
        if self.is_duckdb:
            self.execute(f"create schema if not exists {self.quote(schema)}")
        else:
            self.execute(
                f"create database if not exists {self.quote(schema)} "
                "character set utf8mb4 collate utf8mb4_general_ci"
            )

    # ---- raw tables ----------------------------------------------------------------------

    def check_replaceable(self, schema: str, name: str, *, force: bool, owner: str | None = None) -> None:
        """Refuse to replace a table that mca did not create, unless forced.

        With ``owner`` (e.g. "sample-data"), only tables that part of mca created may be
        replaced: `sample-data` must not drop rows that `ingest` loaded from a user's files.
        """
        comment = self.table_comment(schema, name)
        if comment is None or force:
            return
        mine = comment.startswith(MCA_TABLE_MARKER) and (
            owner is None or comment.startswith(f"{MCA_TABLE_MARKER} {owner}")
        )
        if mine:
            return
        made_by = comment if comment.startswith(MCA_TABLE_MARKER) else "not created by mca"
        raise RefusedError(
            f"{schema}.{name} exists ({made_by}); refusing to replace it "
            "(pass --force to replace it anyway)"
        )

    def replace_table(
        self,
        schema: str,
        name: str,
        frame: pd.DataFrame,
        column_types: dict[str, str],
        *,
        comment: str,
        primary_key: str | None = None,
        indexes: Sequence[Sequence[str]] = (),
    ) -> int:
        """Create or atomically replace ``schema.name`` with ``frame``'s rows.

        The new table is loaded under a temporary name and swapped in, so readers see the old
        rows or the new ones, never a half-loaded table. Returns the number of rows loaded.
        """
        _check_ident(schema)
        _check_ident(name)
        missing = [c for c in column_types if c not in frame.columns]
        if missing:
            raise ValueError(f"frame lacks columns {missing}")
        frame = frame[list(column_types)]
        self.ensure_schema(schema)
        staging = f"{name}__mca_new"
        old = f"{name}__mca_old"
        cols_sql = ", ".join(f"{self.quote(c)} {t}" for c, t in column_types.items())
        pk_sql = f", primary key ({self.quote(primary_key)})" if primary_key else ""
        if self.is_duckdb:
            con = self._conn
            con.execute("begin transaction")
            try:
                con.execute(f"drop table if exists {self.relation(schema, staging)}")
                con.execute(f"create table {self.relation(schema, staging)} ({cols_sql}{pk_sql})")
                con.register("mca_frame", frame)
                col_list = ", ".join(self.quote(c) for c in column_types)
                con.execute(
                    f"insert into {self.relation(schema, staging)} select {col_list} from mca_frame"
                )
                con.unregister("mca_frame")
                con.execute(f"drop table if exists {self.relation(schema, name)}")
                con.execute(f"alter table {self.relation(schema, staging)} rename to {self.quote(name)}")
                escaped = comment.replace("'", "''")
                con.execute(f"comment on table {self.relation(schema, name)} is '{escaped}'")
                # secondary indexes are for MySQL's optimiser; DuckDB hashes joins and scans
                # columnar data, and its ART indexes would only slow loading down
                con.execute("commit")
            except Exception:
                con.execute("rollback")
                raise
            return len(frame)

        idx_sql = "".join(
            f", key {self.quote('ix_' + '_'.join(cols))} ({', '.join(self.quote(c) for c in cols)})"
            for cols in indexes
        )
        escaped = comment.replace("\\", "\\\\").replace("'", "''")
        self.execute(f"drop table if exists {self.relation(schema, staging)}")
        self.execute(
            f"create table {self.relation(schema, staging)} ({cols_sql}{pk_sql}{idx_sql}) "
            f"engine=InnoDB default charset=utf8mb4 comment='{escaped}'"
        )
        try:
            with tempfile.TemporaryDirectory(prefix="mca-load-") as tmp:
                path = Path(tmp) / f"{name}.tsv"
                _write_mysql_tsv(frame, path)
                col_list = ", ".join(self.quote(c) for c in column_types)
                self.execute(
                    f"load data local infile %s into table {self.relation(schema, staging)} "
                    "character set utf8mb4 fields terminated by '\\t' escaped by '\\\\' "
                    f"lines terminated by '\\n' ({col_list})",
                    [str(path)],
                )
            loaded = int(self.scalar(f"select count(*) from {self.relation(schema, staging)}"))
            if loaded != len(frame):
                raise WarehouseError(
                    f"loading {schema}.{name}: {len(frame)} rows sent but {loaded} arrived"
                )
        except BaseException:
            # leave nothing half-made behind; the table being replaced was never touched
            try:
                self.execute(f"drop table if exists {self.relation(schema, staging)}")
            except Exception:  # the connection itself may be what failed
                log.warning("could not drop %s.%s after a failed load", schema, staging)
            raise
        if self.table_exists(schema, name):
            self.execute(f"drop table if exists {self.relation(schema, old)}")
            self.execute(
                f"rename table {self.relation(schema, name)} to {self.relation(schema, old)}, "
                f"{self.relation(schema, staging)} to {self.relation(schema, name)}"
            )
            self.execute(f"drop table {self.relation(schema, old)}")
        else:
            self.execute(
                f"rename table {self.relation(schema, staging)} to {self.relation(schema, name)}"
            )
        return loaded


def _frames(cursor: Any, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """A DB-API cursor's remaining rows as DataFrames of at most ``chunk_rows`` rows."""
    columns = [d[0] for d in cursor.description]
    while True:
        rows = cursor.fetchmany(chunk_rows)
        if not rows:
            return
        yield pd.DataFrame.from_records(list(rows), columns=columns)


def _short(exc: BaseException | None) -> str:
    """One line from a driver error, without the driver's tuple formatting."""
    if exc is None:
        return "unknown error"
    args = getattr(exc, "args", ())
    if len(args) >= 2 and isinstance(args[1], str):
        return f"{args[1]} (error {args[0]})"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _escape_mysql_text(series: pd.Series) -> pd.Series:
    """Escape text for LOAD DATA's default escaping (backslash), NULL as \\N."""
    out = series.astype("string")
    out = (
        out.str.replace("\\", "\\\\", regex=False)
        .str.replace("\t", "\\t", regex=False)
        .str.replace("\n", "\\n", regex=False)
        .str.replace("\r", "\\r", regex=False)
    )
    return out.fillna("\\N")


def _write_mysql_tsv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as a tab-separated file that LOAD DATA reads back exactly."""
    columns: list[pd.Series] = []
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            text = col.dt.strftime("%Y-%m-%d").astype("string").fillna("\\N")
        elif pd.api.types.is_bool_dtype(col):
            text = col.astype("Int64").astype("string").fillna("\\N")
        elif pd.api.types.is_numeric_dtype(col):
            text = col.astype("string").fillna("\\N")
        else:
            as_text = col.map(lambda v: v.isoformat() if hasattr(v, "isoformat") else v)
            text = _escape_mysql_text(as_text)
        columns.append(text.reset_index(drop=True))
    if not columns:
        path.write_text("")
        return
    lines = columns[0].str.cat(columns[1:], sep="\t") if len(columns) > 1 else columns[0]
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        if len(lines):
            fh.write("\n".join(lines.tolist()))
            fh.write("\n")


@contextmanager
def open_warehouse(settings: Settings) -> Iterator[Warehouse]:
    wh = Warehouse(settings)
    try:
        wh.connect()
        yield wh
    finally:
        wh.close()
