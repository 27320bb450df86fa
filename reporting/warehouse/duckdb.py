"""The embedded engine: one DuckDB file, no server."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from typing import Any

import pandas as pd

from reporting.contract import MONEY_PRECISION, MONEY_SCALE, Column, ColumnType, TableSpec
from reporting.errors import WarehouseError
from reporting.warehouse.base import (ExportFile, Warehouse, copy_options, cursor_frames, export_select, file_lock,
                                      writing_to)

log = logging.getLogger(__name__)

_TYPES = {
    ColumnType.bigint: "bigint",
    ColumnType.integer: "integer",
    ColumnType.money: f"decimal({MONEY_PRECISION}, {MONEY_SCALE})",
    ColumnType.float: "double",
    ColumnType.text: "varchar",
    ColumnType.date: "date",
    ColumnType.timestamp: "timestamp",
    ColumnType.boolean: "boolean",
}
_frame_names = itertools.count(1)


class DuckDBWarehouse(Warehouse):
    engine = "duckdb"
    placeholder = "?"
    quote_char = '"'
    for_update = ""
    pbids_note = ("Power BI has no DuckDB connector, so no .pbids is written: load this "
                  "folder's Parquet (or CSV) files.")

    def _open(self) -> Any:
        import duckdb

        path = self.settings.duckdb_path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return duckdb.connect(str(path))
        except (OSError, duckdb.Error) as exc:
            raise WarehouseError(f"cannot open {self.settings.describe()}: {exc}") from None

    # ---- statements ----------------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self.connection.execute(sql, params or [])

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        return self.connection.execute(sql, params or []).df()

    def iter_query(self, sql: str, chunk_rows: int = 100_000) -> Iterator[pd.DataFrame]:
        yield from cursor_frames(self.connection.execute(sql), chunk_rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        con = self.connection
        con.execute("begin transaction")
        try:
            yield
        except BaseException:
            con.execute("rollback")
            raise
        con.execute("commit")

    # ---- catalogue -----------------------------------------------------------------------

    def table_comment(self, schema: str, name: str) -> str | None:
        frame = self.query(
            "select coalesce(comment, '') as c from duckdb_tables() "
            "where schema_name = ? and table_name = ? "
            "union all select coalesce(comment, '') from duckdb_views() "
            "where schema_name = ? and view_name = ?",
            [schema, name, schema, name],
        )
        return None if frame.empty else str(frame.iat[0, 0])

    def ensure_schema(self, schema: str) -> None:
        self.execute(f"create schema if not exists {self.quote(schema)}")

    def drop_schema(self, schema: str) -> None:
        self.execute(f"drop schema if exists {self.quote(schema)} cascade")

    # ---- DDL -----------------------------------------------------------------------------

    def sql_type(self, column: Column) -> str:
        return _TYPES[column.type]

    def create_table(self, schema: str, spec: TableSpec, *, comment: str) -> None:
        # secondary indexes are for MySQL's optimiser; DuckDB hashes joins and scans columns,
        # and its ART indexes would only slow loading down
        parts = [self.column_ddl(c) for c in spec.columns]
        if spec.primary_key:
            parts.append(f"primary key ({', '.join(self.quote(c) for c in spec.primary_key)})")
        parts += [f"unique ({', '.join(self.quote(c) for c in key)})" for key in spec.unique]
        relation = self.relation(schema, spec.name)
        with self.transaction():
            self.execute(f"create table {relation} ({', '.join(parts)})")
            self.execute(f"comment on table {relation} is '{comment.replace(chr(39), chr(39) * 2)}'")

    # ---- data ----------------------------------------------------------------------------

    def insert_frame(self, schema: str, spec: TableSpec, frame: pd.DataFrame) -> int:
        """INSERT ... SELECT from the DataFrame, which DuckDB reads in place."""
        con = self.connection
        name = f"mca_frame_{next(_frame_names)}"
        columns = list(frame.columns)
        selected = ", ".join(f"cast({self.quote(c)} as {self.sql_type(spec[c])})" for c in columns)
        con.register(name, frame)
        try:
            counted = self.query(
                f"insert into {self.relation(schema, spec.name)} ({', '.join(self.quote(c) for c in columns)}) "
                f"select {selected} from {name}"
            )
        finally:
            con.unregister(name)
        return int(counted.iat[0, 0]) if not counted.empty else 0

    #: How much memory DuckDB may use while a table is loaded in chunks, or a large result read
    #: in batches, beyond what it cannot evict (temporary tables and the like).
    chunked_load_memory_bytes = 64 * 2**20

    @contextmanager
    def bounded_memory(self) -> Iterator[None]:
        """DuckDB keeps what it reads, sorts and writes in memory up to its limit (by default
        80 % of RAM), and that memory is this process's. For the block, the limit is lowered to
        :attr:`chunked_load_memory_bytes` beyond what it cannot evict, so a large sort or load
        spills to its temporary folder instead (a sorted read of 10M customers: 275 MB peak
        instead of 900 MB); the previous limit is restored afterwards."""
        previous = self.scalar("select current_setting('memory_limit')")
        self.execute("checkpoint")  # what is held already becomes evictable, except in-memory data
        pinned = self.scalar("select coalesce(sum(memory_usage_bytes), 0) from duckdb_memory() "
                             "where tag not in ('BASE_TABLE', 'ART_INDEX')")
        self.execute(f"set memory_limit = '{int(pinned) + self.chunked_load_memory_bytes}B'")
        try:
            yield
        finally:
            # back to the default, or to the limit set before (as DuckDB shows it, to 0.1 units)
            self.execute("reset memory_limit")
            if self.scalar("select current_setting('memory_limit')") != previous:
                self.execute(f"set memory_limit = '{str(previous).replace(chr(39), '')}'")

    def arrow_reader(self, sql: str, chunk_rows: int = 100_000, *, page_key: str | None = None) -> Any | None:
        """The result as Arrow record batches, read on a cursor of its own while DuckDB's memory
        is capped (:meth:`bounded_memory`): a sorted read of a large mart spills its sort instead
        of holding it in this process. The query runs when the first batch is asked for; the
        cap is lifted when the stream ends or is dropped. DuckDB produces a batch when one is
        asked for, so ``page_key`` is not needed."""
        import pyarrow as pa

        schema = self.connection.sql(f"select * from ({sql}) as q limit 0").to_arrow_table().schema

        def batches() -> Iterator[Any]:
            with self.bounded_memory(), closing(self.connection.cursor()) as cursor:
                yield from cursor.sql(sql).to_arrow_reader(chunk_rows)

        return pa.RecordBatchReader.from_batches(schema, batches())

    def replace_table_chunks(
        self, schema: str, spec: TableSpec, frames: Iterable[pd.DataFrame], *, comment: str
    ) -> int:
        """DuckDB keeps the blocks it writes, and a primary key's index, in memory, so a chunked
        load would still grow with the row count: the load runs under :meth:`bounded_memory`,
        and each chunk is checkpointed once it is in: that writes the chunk and its index to the
        file, after which DuckDB may evict them (without the checkpoint the index stays in
        memory, and the load fails once it outgrows the limit)."""
        with self.bounded_memory():
            return super().replace_table_chunks(schema, spec, self._checkpointed(frames), comment=comment)

    def _checkpointed(self, frames: Iterable[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for i, frame in enumerate(frames):
            if i:
                self.execute("checkpoint")  # the previous chunk is in
            yield frame

    def _swap_in(self, schema: str, staging: str, name: str) -> None:
        with self.transaction():
            self.execute(f"drop table if exists {self.relation(schema, name)}")
            self.execute(f"alter table {self.relation(schema, staging)} rename to {self.quote(name)}")

    def export(self, sql: str, outputs: Sequence[ExportFile], *, chunk_rows: int = 25_000,
               page_key: str | None = None) -> list[int]:
        """DuckDB writes each file itself with COPY: no rows pass through Python (nor wait in
        memory, so ``page_key`` is not needed)."""
        counts = []
        for out in outputs:
            target = str(out.path).replace("'", "''")
            with writing_to(out.path):
                row = self.connection.execute(
                    f"copy ({export_select(f'({sql}) as q', out)}) to '{target}' ({copy_options(out)})"
                ).fetchone()
            counts.append(int(row[0]) if row else 0)
        return counts

    # ---- runs ----------------------------------------------------------------------------

    @contextmanager
    def run_lock(self, wait_seconds: float = 0.0) -> Iterator[None]:
        """A lock file beside the database file."""
        db = self.settings.duckdb_path
        with file_lock(db.with_name(db.name + ".lock"), wait_seconds, str(db)):
            yield
