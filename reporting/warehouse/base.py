"""What every warehouse engine offers, and the parts they share.

:class:`Warehouse` is the one seam between the Python code and a database. An engine module
(:mod:`.duckdb`, :mod:`.mysql`) subclasses it and implements the abstract methods: opening a
connection, running statements, its column types and DDL, bulk loading a DataFrame, swapping a
table in, the run lock and what counts as a transient error. Everything else here is written
once on top of those. ``Warehouse(settings)`` returns the engine's subclass for
``settings.target`` (see :func:`reporting.warehouse.engine_class`).
"""

from __future__ import annotations

import abc
import logging
import os
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from reporting.contract import Column, TableSpec
from reporting.errors import LockedError, RefusedError, WarehouseError
from reporting.settings import Settings

log = logging.getLogger(__name__)

#: Table comment that marks a table as created by mca (and so safe for mca to replace).
MCA_TABLE_MARKER = "created by mca"

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_ident(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


@dataclass(frozen=True)
class ExportFile:
    """One file of an export: its path (``.csv`` or ``.parquet``), its columns in order, and
    each column's kind (``int64``, ``double``, ``decimal``, ``boolean``, ``date`` or ``string``)."""

    path: Path
    columns: list[str]
    kinds: dict[str, str]

    def kind(self, column: str) -> str:
        return self.kinds.get(column, "string")

    @property
    def is_parquet(self) -> bool:
        return self.path.suffix.lower() == ".parquet"


#: How every CSV export is written: UTF-8, comma, double quotes, ISO dates, header row.
CSV_OPTIONS = "format csv, delimiter ',', quote '\"', escape '\"', dateformat '%Y-%m-%d'"
#: How every Parquet export is written: one file per table, zstd-compressed.
PARQUET_OPTIONS = "format parquet, compression zstd"
#: DuckDB's type for each export kind (DuckDB formats the CSV files on every engine).
CSV_CASTS = {"int64": "bigint", "double": "double", "decimal": "decimal(20, 4)", "boolean": "boolean",
             "date": "date", "string": "varchar"}


#: DuckDB's memory for an export from a server: it spills to its temporary folder beyond this.
EXPORT_MEMORY_LIMIT = "256MB"

#: Control characters that have no place in a text cell (tab, line feed and carriage return stay:
#: CSV quotes them), as a regular expression for DuckDB's regexp_replace and for Python's re.
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
#: Text a spreadsheet would run as a formula when it starts a cell (OWASP's CSV injection list).
FORMULA_START = r"^[=+\-@\t\r]"


def safe_text_sql(column: str) -> str:
    """DuckDB SQL for a text column that is safe to open in a spreadsheet: control characters
    removed, and a cell that would start a formula (=, +, -, @, tab, CR) prefixed with an
    apostrophe, which spreadsheets show as text. Numbers are not text columns and stay numbers."""
    cleaned = f"regexp_replace(cast(\"{column}\" as varchar), '{CONTROL_CHARACTERS}', '', 'g')"
    return (f"case when regexp_matches({cleaned}, '{FORMULA_START}') "
            f"then chr(39) || {cleaned} else {cleaned} end")


def export_select(relation: str, output: ExportFile, *, clean: bool = False) -> str:
    """The DuckDB select that writes ``output``'s columns from ``relation`` with their types.
    Text in a CSV is made safe to open in a spreadsheet (:func:`safe_text_sql`); a Parquet file
    is typed data that no spreadsheet runs, and keeps the text as it is, less control characters.
    ``clean``: the relation's text has no control characters already (an export's own Parquet
    file), so only the formula check is left to do."""
    def text(c: str) -> str:
        if output.is_parquet:
            return f"regexp_replace(cast(\"{c}\" as varchar), '{CONTROL_CHARACTERS}', '', 'g')"
        if clean:
            return (f"case when left(\"{c}\", 1) in ('=', '+', '-', '@', chr(9), chr(13)) "
                    f"then chr(39) || \"{c}\" else \"{c}\" end")
        return safe_text_sql(c)

    casts = ", ".join(
        f'{text(c)} as "{c}"' if output.kind(c) == "string"
        else f'cast("{c}" as {CSV_CASTS[output.kind(c)]}) as "{c}"'
        for c in output.columns
    )
    return f"select {casts} from {relation}"


@contextmanager
def writing_to(path: Path) -> Iterator[None]:
    """DuckDB's error for a file it could not write (a full disk, no permission) raised as the
    OSError it stands for, naming ``path``: the caller reports it as an output that could not
    be written, as it does when Python's own writes fail."""
    import duckdb

    try:
        yield
    except duckdb.IOException as exc:
        found = re.search(r'"errno"\s*:\s*"?(\d+)', str(exc))
        if found is None:
            raise
        code = int(found.group(1))
        raise OSError(code, os.strerror(code), str(path)) from exc


def copy_options(output: ExportFile, *, header: bool = True) -> str:
    return PARQUET_OPTIONS if output.is_parquet else f"{CSV_OPTIONS}, header {str(header).lower()}"


class Warehouse(abc.ABC):
    """A connection to the target's raw and analytics schemas. Use as a context manager."""

    #: The engine family's name, for messages ("duckdb", "mysql").
    engine: ClassVar[str] = ""
    #: The driver's parameter marker.
    placeholder: ClassVar[str] = "?"
    #: The identifier quote character.
    quote_char: ClassVar[str] = '"'
    #: What to append to a SELECT that reads rows it will update in the same transaction.
    for_update: ClassVar[str] = ""
    #: Power BI's data source protocol for this engine's marts (a .pbids file), or None with
    #: :attr:`pbids_note` saying why there is none.
    pbids_protocol: ClassVar[str | None] = None
    pbids_note: ClassVar[str] = ""

    def __new__(cls, settings: Settings, **kwargs: Any) -> Warehouse:
        if cls is Warehouse:
            from reporting.warehouse import engine_class

            cls = engine_class(settings.target)
        return super().__new__(cls)

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

    def connect(self) -> None:
        if self._conn is None:
            self._conn = self._open()

    @abc.abstractmethod
    def _open(self) -> Any:
        """A new connection (autocommit), or a WarehouseError with one line."""

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    @property
    def connection(self) -> Any:
        self.connect()
        return self._conn

    # ---- naming --------------------------------------------------------------------------

    def quote(self, name: str) -> str:
        check_ident(name)
        return f"{self.quote_char}{name}{self.quote_char}"

    def relation(self, schema: str, name: str) -> str:
        return f"{self.quote(schema)}.{self.quote(name)}"

    def mart(self, name: str) -> str:
        return self.relation(self.settings.schema, name)

    def raw(self, name: str) -> str:
        return self.relation(self.settings.raw_schema, name)

    def markers(self, n: int) -> str:
        """``n`` parameter markers, comma-separated."""
        return ", ".join([self.placeholder] * n)

    # ---- statements ----------------------------------------------------------------------

    @abc.abstractmethod
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None: ...

    @abc.abstractmethod
    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Run a query and return its rows as a DataFrame (column names as selected)."""

    @abc.abstractmethod
    def iter_query(self, sql: str, chunk_rows: int = 100_000) -> Iterator[pd.DataFrame]:
        """Run a query and yield its rows in DataFrames of at most ``chunk_rows`` rows, so a
        large mart is read with flat memory."""

    def arrow_reader(self, sql: str, chunk_rows: int = 100_000, *, page_key: str | None = None) -> Any | None:
        """A large result as a stream of typed Arrow record batches (a pyarrow
        ``RecordBatchReader``) for :meth:`export`, where the engine has a native reader for it;
        None where it has not (the export then goes through :meth:`iter_query`).

        ``page_key``: an integer column of the result, unique in it, that the result is ordered
        by (and the table is indexed on). An engine whose reader runs ahead of its consumer
        without a bound reads the result a page of that key at a time, so the rows waiting in
        memory never exceed a page (``MySQLWarehouse``); the others ignore it."""
        return None

    def scrub(self, text: str) -> str:
        """``text`` without this warehouse's password in it (a driver's error can quote its URL)."""
        from urllib.parse import quote

        for secret in {self.settings.password, quote(self.settings.password, safe="")} - {""}:
            text = text.replace(secret, "***")
        return text

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        frame = self.query(sql, params)
        return None if frame.empty else frame.iat[0, 0]

    def bounded_memory(self) -> AbstractContextManager[None]:
        """A block whose queries keep the engine's memory in this process bounded, spilling to
        disk instead of growing with the rows (an embedded engine's memory is this process's);
        a server's memory is its own, so by default nothing changes."""
        return nullcontext()

    @abc.abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """Statements inside run in one transaction: committed at the end, rolled back when
        the block raises."""

    def read_mart(
        self, name: str, columns: Sequence[str], *, order_by: Sequence[str] | None = None,
        numbers_except: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Read explicit columns of a mart in the analytics schema. With ``numbers_except``,
        every column not named in it comes as numbers (:func:`as_numbers`): how the reports
        take their marts."""
        if not columns:
            raise ValueError("read_mart needs an explicit column list")
        self.require_mart(name)
        cols = ", ".join(self.quote(c) for c in columns)
        sql = f"select {cols} from {self.mart(name)}"
        if order_by:
            sql += " order by " + ", ".join(self.quote(c) for c in order_by)
        if numbers_except is None:
            return self.query(sql)
        return self._read_numbers(sql, frozenset(numbers_except))

    def _read_numbers(self, sql: str, text: frozenset[str]) -> pd.DataFrame:
        """``sql``'s rows with the columns not in ``text`` as numbers. This default converts
        :meth:`query`'s frame; an engine whose driver makes a Python object per value reads
        Arrow columns instead (``MySQLWarehouse``)."""
        return as_numbers(self.query(sql), text)

    def require_mart(self, name: str) -> None:
        """Raise a WarehouseError saying to build first when the mart does not exist."""
        if not self.table_exists(self.settings.schema, name):
            raise WarehouseError(
                f"{self.settings.schema}.{name} does not exist on {self.settings.describe()}; "
                "run `mca-report build` first"
            )

    # ---- catalogue -----------------------------------------------------------------------

    def table_exists(self, schema: str, name: str) -> bool:
        return self.table_comment(schema, name) is not None

    @abc.abstractmethod
    def table_comment(self, schema: str, name: str) -> str | None:
        """The table's (or view's) comment, '' when it has none, None when it does not exist."""

    def columns_of(self, schema: str, name: str) -> list[str]:
        p = self.placeholder
        frame = self.query(
            "select column_name from information_schema.columns "
            f"where table_schema = {p} and table_name = {p} order by ordinal_position",
            [schema, name],
        )
        return [str(c) for c in frame.iloc[:, 0]] if not frame.empty else []

    def column_types(self, schema: str, name: str) -> dict[str, str]:
        """The table's columns (lower case) and their types, lower case and without parameters
        (``decimal``, ``bigint``), as information_schema.columns names them."""
        p = self.placeholder
        frame = self.query("select column_name, data_type from information_schema.columns "
                           f"where table_schema = {p} and table_name = {p}", [schema, name])
        return {str(c).lower(): str(kind).lower().split("(")[0].strip()
                for c, kind in zip(frame.iloc[:, 0], frame.iloc[:, 1])} if not frame.empty else {}

    def schema_exists(self, schema: str) -> bool:
        p = self.placeholder
        return int(self.scalar(f"select count(*) from information_schema.schemata where schema_name = {p}",
                               [schema])) > 0

    def table_count(self, schema: str) -> int:
        """How many tables and views the schema holds."""
        p = self.placeholder
        return int(self.scalar(f"select count(*) from information_schema.tables where table_schema = {p}",
                               [schema]))

    #: Whether DELETE works on the engine's tables (not on Spark's Parquet tables).
    supports_delete: ClassVar[bool] = True

    def delete_where(self, schema: str, name: str, where: str, params: Sequence[Any] | None = None) -> None:
        """Delete the rows of a small bookkeeping table (the load log) where ``where`` holds."""
        self.execute(f"delete from {self.relation(schema, name)} where {where}", params)

    @abc.abstractmethod
    def ensure_schema(self, schema: str) -> None: ...

    @abc.abstractmethod
    def drop_schema(self, schema: str) -> None:
        """Drop a schema and everything in it (for the benchmarks' and tests' own schemas)."""

    # ---- DDL -----------------------------------------------------------------------------

    @abc.abstractmethod
    def sql_type(self, column: Column) -> str:
        """The engine's type for ``column``, without nullability."""

    def column_ddl(self, column: Column) -> str:
        return f"{self.quote(column.name)} {self.sql_type(column)}{'' if column.nullable else ' not null'}"

    @abc.abstractmethod
    def create_table(self, schema: str, spec: TableSpec, *, comment: str) -> None:
        """Create ``schema.<spec.name>`` with the spec's columns, keys and indexes, marked with
        ``comment`` (which should start with :data:`MCA_TABLE_MARKER`)."""

    def add_column(self, schema: str, table: str, column: Column) -> None:
        self.execute(f"alter table {self.relation(schema, table)} add column {self.column_ddl(column)}")

    def change_type_sql(self, schema: str, table: str, column: Column) -> str:
        """The statement that gives an existing column ``column``'s type, converting its values
        (for a message that tells a user what to run, and for mca to run on its own tables)."""
        return (f"alter table {self.relation(schema, table)} alter column {self.quote(column.name)} "
                f"type {self.sql_type(column)}")

    def drop_table(self, schema: str, table: str) -> None:
        self.execute(f"drop table if exists {self.relation(schema, table)}")

    # ---- data ----------------------------------------------------------------------------

    @abc.abstractmethod
    def insert_frame(self, schema: str, spec: TableSpec, frame: pd.DataFrame) -> int:
        """Append ``frame``'s rows (its columns are spec columns, by name) to the existing
        table ``schema.<spec.name>``, in the caller's transaction if one is open. Fails, and
        inserts nothing, when a value does not fit; returns the number of rows inserted."""

    def require_transactional(self, schema: str, table: str) -> None:
        """Refuse tables whose engine cannot roll a failed load back (see the MySQL engine)."""

    @abc.abstractmethod
    def _swap_in(self, schema: str, staging: str, name: str) -> None:
        """Replace ``schema.name`` (if it exists) with ``schema.staging`` in one step."""

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

    def replace_table(self, schema: str, spec: TableSpec, frame: pd.DataFrame, *, comment: str) -> int:
        """Create or atomically replace ``schema.<spec.name>`` with ``frame``'s rows (columns
        the frame lacks are NULL; they must be nullable).

        The new table is loaded under a temporary name and swapped in, so readers see the old
        rows or the new ones, never a half-loaded table. Returns the number of rows loaded.
        """
        check_ident(schema)
        _present_columns(spec, frame)
        return self._load_and_swap(schema, spec, [frame], comment=comment)

    def replace_table_chunks(
        self, schema: str, spec: TableSpec, frames: Iterable[pd.DataFrame], *, comment: str
    ) -> int:
        """:meth:`replace_table` with the rows in consecutive DataFrames, read one at a time
        (``frames`` may be a generator, so memory stays that of one chunk).

        The staging table is created once and each chunk appended to it, its row count checked
        against what the engine reports loaded (so the total is checked too). A chunk that
        fails to load or arrives short, or an error raised by ``frames`` itself, drops the
        staging table and leaves the table being replaced as it was; only when every chunk is
        in is the staging table swapped in. Returns the number of rows loaded.
        """
        return self._load_and_swap(schema, spec, frames, comment=comment)

    def _load_and_swap(self, schema: str, spec: TableSpec, frames: Iterable[pd.DataFrame], *, comment: str) -> int:
        check_ident(schema)
        self.ensure_schema(schema)
        staging = spec.named(f"{spec.name}__mca_new")
        self.drop_table(schema, staging.name)
        self.create_table(schema, staging, comment=comment)
        sent = loaded = 0
        try:
            for frame in frames:
                present = _present_columns(spec, frame)
                arrived = self.insert_frame(schema, staging, frame[present])
                if arrived != len(frame):
                    where = f" (rows {sent + 1}-{sent + len(frame)})" if sent else ""
                    raise WarehouseError(f"loading {schema}.{spec.name}: {len(frame)} rows sent{where} "
                                         f"but {arrived} arrived")
                sent += len(frame)
                loaded += arrived
        except BaseException:
            # leave nothing half-made behind; the table being replaced was never touched
            try:
                self.drop_table(schema, staging.name)
            except Exception:  # the connection itself may be what failed
                log.warning("could not drop %s.%s after a failed load", schema, staging.name)
            raise
        self._swap_in(schema, staging.name, spec.name)
        return loaded

    # ---- exports -------------------------------------------------------------------------

    def export(self, sql: str, outputs: Sequence[ExportFile], *, chunk_rows: int = 25_000,
               page_key: str | None = None) -> list[int]:
        """Write one query's rows into several files (CSV or Parquet, each with its own
        columns), reading the rows once; returns each file's row count. ``page_key``: see
        :meth:`arrow_reader`.

        Where the engine gives an Arrow stream (:meth:`arrow_reader`), DuckDB writes the files
        from it (:meth:`_export_arrow`). Otherwise this default streams the rows in chunks (flat
        memory) and lets an in-memory DuckDB write each chunk: CSV parts are appended to their
        file; Parquet parts are written to a temporary folder and merged into one file at the
        end, which DuckDB streams too.
        """
        kinds: dict[str, str] = {}  # every column the files take, with its export kind
        for out in outputs:
            kinds.update({c: out.kind(c) for c in out.columns})
        reader = self.arrow_reader(sql, chunk_rows, page_key=page_key)
        if reader is not None:
            return self._export_arrow(reader, outputs, kinds)
        import tempfile

        import duckdb

        rows = 0
        with tempfile.TemporaryDirectory(prefix="mca-export-") as tmp, duckdb.connect() as con:
            parts = Path(tmp)
            handles = {i: out.path.open("wb") for i, out in enumerate(outputs) if not out.is_parquet}
            try:
                for i, fh in handles.items():
                    fh.write((",".join(outputs[i].columns) + "\n").encode("utf-8"))
                for n, chunk in enumerate(self.iter_query(sql, chunk_rows=chunk_rows)):
                    frame = chunk[list(kinds)].copy()
                    for col, kind in kinds.items():
                        if kind in {"decimal", "double", "int64", "boolean"}:
                            frame[col] = pd.to_numeric(frame[col], errors="coerce")
                        elif kind == "date":
                            frame[col] = pd.to_datetime(frame[col])
                        else:
                            frame[col] = frame[col].astype("string")
                    con.register("chunk", frame)
                    for i, out in enumerate(outputs):
                        part = parts / (f"{i}-{n:06d}.parquet" if out.is_parquet else "part.csv")
                        con.execute(f"copy ({export_select('chunk', out)}) to '{part}' "
                                    f"({copy_options(out, header=False)})")
                        if not out.is_parquet:
                            handles[i].write(part.read_bytes())
                    con.unregister("chunk")
                    rows += len(chunk)
            finally:
                for fh in handles.values():
                    fh.close()
            for i, out in enumerate(outputs):
                if out.is_parquet:
                    target = str(out.path).replace("'", "''")
                    if rows:
                        source = f"read_parquet('{parts}/{i}-*.parquet')"
                    else:  # no rows: an empty file, with the columns and their types
                        nulls = ", ".join(f'null as "{c}"' for c in out.columns)
                        source = f"({export_select(f'(select {nulls}) as nothing', out)} limit 0)"
                    con.execute(f"copy (select * from {source}) to '{target}' ({PARQUET_OPTIONS})")
        return [rows] * len(outputs)

    def _export_arrow(self, reader: Any, outputs: Sequence[ExportFile], kinds: dict[str, str]) -> list[int]:
        """:meth:`export` from an Arrow stream, in DuckDB with a bounded memory: one file is
        written straight from the stream; with several, the rows go once into a typed Parquet
        file (one of the outputs when it has every column, else a temporary one) and each other
        file is written from it, which DuckDB reads in parallel."""
        import tempfile

        import duckdb

        def copy(con: Any, relation: str, out: ExportFile, *, clean: bool = False) -> int:
            target = str(out.path).replace("'", "''")
            # DuckDB's parallel CSV writer can put row groups out of order; one thread keeps the
            # rows in the query's order (key order), as the Parquet writer does anyway. From the
            # stream, Parquet is written on one thread too: the stream comes one batch at a time,
            # and a second writer thread only held more row groups (10M fact rows from MariaDB:
            # peak 481 MB against 557 MB, 37.7 s against 37.9 s)
            parallel = out.is_parquet and relation != "source"
            con.execute(f"set threads = {os.cpu_count() or 1 if parallel else 1}")
            with writing_to(out.path):
                row = con.execute(f"copy ({export_select(relation, out, clean=clean)}) to '{target}' "
                                  f"({copy_options(out)})").fetchone()
            return int(row[0]) if row else 0

        try:
            with tempfile.TemporaryDirectory(prefix="mca-export-") as tmp, \
                    duckdb.connect(config={"memory_limit": EXPORT_MEMORY_LIMIT}) as con:
                con.register("source", reader)
                if len(outputs) == 1:
                    return [copy(con, "source", outputs[0])]
                stage = next((o for o in outputs if o.is_parquet and list(o.columns) == list(kinds)), None)
                if stage is None:
                    stage = ExportFile(Path(tmp) / "rows.parquet", list(kinds), kinds)
                rows = copy(con, "source", stage)
                staged = "read_parquet('{}')".format(str(stage.path).replace("'", "''"))
                for out in outputs:
                    if out is not stage:
                        copy(con, staged, out, clean=True)
                return [rows] * len(outputs)
        except duckdb.Error as exc:  # a read error from the stream comes through DuckDB
            text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise WarehouseError(f"exporting from {self.settings.describe()} failed: {self.scrub(text)}") from None

    # ---- runs ----------------------------------------------------------------------------

    @abc.abstractmethod
    def run_lock(self, wait_seconds: float = 0.0) -> AbstractContextManager[None]:
        """Hold this warehouse's run lock for the block (one run at a time per warehouse), or
        raise LockedError after ``wait_seconds``."""

    #: Text in a driver's or dbt's error message that marks a passing connection fault.
    transient_markers: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def is_transient(cls, error: BaseException | str | None) -> bool:
        """Whether an error (or its text) is a passing fault worth another try: the server
        restarting, a dropped connection, a deadlock. Follows the error's causes."""
        seen: set[int] = set()
        while isinstance(error, BaseException) and id(error) not in seen:
            seen.add(id(error))
            if cls._is_transient_error(error):
                return True
            error = error.__cause__ or error.__context__
        if isinstance(error, str):
            return any(marker in error for marker in cls.transient_markers)
        return False

    @classmethod
    def _is_transient_error(cls, error: BaseException) -> bool:
        return any(marker in str(error) for marker in cls.transient_markers)


def _present_columns(spec: TableSpec, frame: pd.DataFrame) -> list[str]:
    """The spec's columns that ``frame`` has, in spec order; ValueError when it lacks a
    column that may not be NULL."""
    missing = [c.name for c in spec.columns if c.name not in frame.columns and not c.nullable]
    if missing:
        raise ValueError(f"frame lacks columns {missing}")
    return [c for c in spec.column_names if c in frame.columns]


def as_numbers(frame: pd.DataFrame, text: Collection[str]) -> pd.DataFrame:
    """``frame`` with every column not in ``text`` as numbers: ``pd.to_numeric``, so a driver's
    Decimals become floats and what cannot be parsed becomes NaN."""
    out = frame.copy()
    for col in out.columns:
        if col not in text:
            out[col] = pd.to_numeric(out[col], errors="coerce")
    return out


def arrow_numbers(table: Any, text: Collection[str]) -> pd.DataFrame:
    """A pyarrow Table as :func:`as_numbers` gives the same rows read through a DB-API driver
    (integers and booleans as int64, dates as ``datetime.date``, decimals as floats), a column
    at a time: the Python objects a decimal column needs on its way to floats are made for one
    column, then freed. A driver's rows hold one for every value at once: reading the 98,521
    rows of rpt_campaign_performance of the 10M benchmark that way raised the process's resident
    memory by 162 MB (DECISIONLOG, "What the 10M run holds in its reports stage")."""
    import pyarrow as pa

    columns: dict[str, pd.Series] = {}
    for field, column in zip(table.schema, table.columns):
        if pa.types.is_integer(field.type) or pa.types.is_boolean(field.type):
            column = column.cast(pa.int64())
        values = column.to_pandas(date_as_object=True)
        columns[field.name] = values if field.name in text else pd.to_numeric(values, errors="coerce")
    return pd.DataFrame(columns, columns=table.column_names)


def cursor_frames(cursor: Any, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """A DB-API cursor's remaining rows as DataFrames of at most ``chunk_rows`` rows."""
    columns = [d[0] for d in cursor.description]
    while True:
        rows = cursor.fetchmany(chunk_rows)
        if not rows:
            return
        yield pd.DataFrame.from_records(list(rows), columns=columns)


@contextmanager
def file_lock(path: Path, wait_seconds: float, what: str) -> Iterator[None]:
    """Hold the lock file ``path`` for the block (the run lock of the engines that keep their
    data in local files), or raise LockedError after ``wait_seconds``; ``what`` says in the
    message what the other command is using."""
    from filelock import FileLock, Timeout

    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=wait_seconds)
    except Timeout:
        raise LockedError(
            f"another mca command is using {what} (lock {path}); wait for it or pass --wait SECONDS"
        ) from None
    try:
        yield
    finally:
        lock.release()


def short_error(exc: BaseException | None) -> str:
    """One line from a driver error, without the driver's tuple formatting."""
    if exc is None:
        return "unknown error"
    args = getattr(exc, "args", ())
    if len(args) >= 2 and isinstance(args[1], str):
        return f"{args[1]} (error {args[0]})"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


@contextmanager
def open_warehouse(settings: Settings) -> Iterator[Warehouse]:
    wh = Warehouse(settings)
    try:
        wh.connect()
        yield wh
    finally:
        wh.close()
