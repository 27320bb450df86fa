"""Appending files to the raw tables: the load log, idempotency, and one transaction per file.

Every loaded file is recorded in ``<raw_schema>._mca_load_log`` (``reporting.contract.LOAD_LOG``) with
the SHA-256 of its bytes. Loading the same content into the same table again loads nothing;
``replace=True`` removes exactly the rows earlier loads of this content, or of this file path,
wrote (the raw tables ingest creates carry the load id in ``_mca_load_id``), then loads the file
again, in the same transaction.

A file is loaded in one transaction (the warehouse's bulk insert: DuckDB reads the parsed
DataFrame in place, MySQL/MariaDB take a LOAD DATA LOCAL INFILE), so a constraint the raw table
enforces (a primary key, NOT NULL, a column too narrow) fails the whole file and leaves the raw
table as it was. Campaign ids continue from the table's largest id, in file order, so ``id``
keeps giving load order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

import pandas as pd

from reporting.contract import LOAD_ID_COLUMN, LOAD_LOG, LOADED_AT_COLUMN, RAW_TABLES, Column, ColumnType, TableSpec
from reporting.errors import ConfigError, DataError, RefusedError, WarehouseError
from reporting.ingest.mapping import QUOTE_LIMIT, Mapping, load_mapping
from reporting.ingest.reader import ReadResult, read_file, write_rejects, REJECT_COLUMNS
from reporting.settings import Settings
from reporting.warehouse import MCA_TABLE_MARKER, Warehouse, short_error

log = logging.getLogger(__name__)

INGEST_COMMENT = f"{MCA_TABLE_MARKER} ingest"
LOG_COMMENT = f"{MCA_TABLE_MARKER} ingest: one row per loaded file"

#: Whole-number column types, as information_schema.columns.data_type names them (DuckDB's in
#: upper case, MySQL/MariaDB's in lower): a decimal contract column found with one of these was
#: made by an older mca (campaigns.conversions was bigint) or by a user.
WHOLE_NUMBER_TYPES = frozenset({"tinyint", "smallint", "mediumint", "int", "integer", "bigint", "hugeint",
                                "utinyint", "usmallint", "uinteger", "ubigint", "uhugeint", "int1", "int2",
                                "int4", "int8", "long", "short"})


@dataclass(frozen=True)
class PreviousLoad:
    """A row of the load log."""

    load_id: int
    file_name: str
    file_path: str
    content_sha256: str
    rows_loaded: int
    loaded_at: dt.datetime
    has_load_ids: bool

    def describe(self) -> str:
        when = self.loaded_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        return f"load {self.load_id} of {self.file_name} on {when}, {self.rows_loaded:,} rows"


@dataclass
class FileOutcome:
    """What happened to one file."""

    path: Path
    table: str
    status: str  # "loaded", "replaced" or "skipped"
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    duplicate_lines: int = 0
    skipped_above_header: int = 0  # lines skipped on purpose, see ReadResult
    skipped_footer: int = 0
    skipped_empty: int = 0
    rejects_path: Path | None = None
    load_id: int | None = None
    first_id: int | None = None
    last_id: int | None = None
    previous: PreviousLoad | None = None  # skipped: the load that already has this content
    replaced: list[PreviousLoad] = field(default_factory=list)
    other_versions: list[PreviousLoad] = field(default_factory=list)  # same path, other content, kept
    seconds: float = 0.0

    @property
    def lines_skipped(self) -> int:
        return self.skipped_above_header + self.skipped_footer + self.skipped_empty


# ---- the whole command -----------------------------------------------------------------------


def ingest_files(
    settings: Settings,
    table: str,
    files: Sequence[Path],
    mapping: Path | Mapping,
    *,
    replace: bool = False,
    max_reject_pct: float = 1.0,
    rejects: Path | None = None,
    on_file: Callable[[FileOutcome], None] | None = None,
) -> list[FileOutcome]:
    """Append each file to the raw ``table`` through ``mapping``, one transaction per file.

    Files are loaded in order; the first that fails (too many rejects, a database error) stops
    the command with an McaError, and the files before it stay loaded. ``on_file`` is called as
    each file is done. ``rejects`` is the rejects file (one input file) or a folder; by default
    each input's rejects go next to it as ``<file>.rejects.csv``.
    """
    if isinstance(mapping, Path):
        mapping = load_mapping(mapping)
    if mapping.table != table:
        raise ConfigError(f"mapping {mapping.name} is for the {mapping.table} table, not {table}")
    if not 0 <= max_reject_pct <= 100:
        raise ConfigError(f"--max-reject-pct must be between 0 and 100, got {max_reject_pct}")
    if not files:
        raise ConfigError("no file to ingest")
    for path in files:
        if not path.is_file():
            raise ConfigError(f"no such file: {path}")
    reject_paths = _reject_paths(files, rejects)
    for reject_path in reject_paths:
        _check_rejects_path(reject_path, given=rejects is not None)
    outcomes = []
    with Warehouse(settings) as wh:
        loader = Loader(wh, table)
        for path, reject_path in zip(files, reject_paths):
            outcome = loader.ingest_file(path, mapping, replace=replace, max_reject_pct=max_reject_pct,
                                         rejects_path=reject_path)
            outcomes.append(outcome)
            if on_file is not None:
                on_file(outcome)
    return outcomes


def _reject_paths(files: Sequence[Path], rejects: Path | None) -> list[Path]:
    if rejects is None:
        return [p.with_name(p.name + ".rejects.csv") for p in files]
    if rejects.is_dir():
        return [rejects / (p.name + ".rejects.csv") for p in files]
    if len(files) > 1:
        raise ConfigError(f"--rejects {rejects} must be a folder when several files are ingested")
    return [rejects]


# ---- one table -------------------------------------------------------------------------------


class Loader:
    """Appends files to one raw table of one warehouse, recording each in the load log."""

    def __init__(self, wh: Warehouse, table: str) -> None:
        self.wh = wh
        self.table = table
        self.schema = wh.settings.raw_schema
        self.spec = RAW_TABLES[table]
        self.created_spec = self.spec.as_created()
        #: the table as it is, for the insert: the created spec, with a decimal column the table
        #: holds as whole numbers typed so (see :meth:`check_whole_number_columns`)
        self.insert_spec: TableSpec = self.created_spec
        #: the table's columns (lower case) once ensure_table has run: an optional column the
        #: table lacks is not written
        self.present: list[str] = [c.lower() for c in self.created_spec.column_names]
        self.assigned = self.spec.assigned
        self.ph = wh.placeholder

    @property
    def raw(self) -> str:
        return self.wh.raw(self.table)

    @property
    def log_table(self) -> str:
        return self.wh.raw(LOAD_LOG.name)

    # ---- catalogue ---------------------------------------------------------------------

    def schema_exists(self) -> bool:
        return self.wh.schema_exists(self.schema)

    def ensure_log(self) -> _Created:
        """Create the raw schema and the load log where they do not exist; says which it made."""
        wh = self.wh
        made = _Created(schema=not self.schema_exists())
        wh.ensure_schema(self.schema)
        if not wh.table_exists(self.schema, LOAD_LOG.name):
            wh.create_table(self.schema, LOAD_LOG, comment=LOG_COMMENT)
            made.log = True
        return made

    def _undo(self, made: _Created) -> None:
        """After a failed load: drop what this load created, if it is still empty (DDL is not
        transactional on MySQL/MariaDB, so the rollback does not take it back). Best effort."""
        wh = self.wh
        try:
            if made.table:
                self._drop_if_empty()
            if made.log and int(wh.scalar(f"select count(*) from {self.log_table}")) == 0:
                wh.drop_table(self.schema, LOAD_LOG.name)
            if made.schema and wh.table_count(self.schema) == 0:
                wh.drop_schema(self.schema)
        except Exception:  # the original error matters
            log.warning("could not remove what a failed load created in %s", self.schema, exc_info=True)

    def ensure_table(self, frame: pd.DataFrame | None = None, file_name: str = "the file",
                     mapping: Mapping | None = None) -> tuple[bool, bool]:
        """Create the raw table when it does not exist. Returns (created, has load id column).

        An existing table must have the contract's columns (it may have more). A table mca
        created without the load id column, or without an optional column (``currency``), gets
        it added; a table someone else created is never altered, so rows appended to it cannot
        be replaced later, and a ``mapping`` that fills an optional column it lacks is refused.
        ``frame`` (the rows about to be loaded) is checked against decimal columns the table
        holds as whole numbers (:meth:`check_whole_number_columns`).
        """
        wh = self.wh
        self.insert_spec = self.created_spec
        self.present = [c.lower() for c in self.created_spec.column_names]
        comment = wh.table_comment(self.schema, self.table)
        if comment is not None and comment.startswith(f"{MCA_TABLE_MARKER} register-jdbc"):
            # a Spark table that reads a MySQL/MariaDB table in place: appending to it would
            # write into the user's server behind their back
            raise RefusedError(
                f"{self.schema}.{self.table} is a JDBC table that reads a MySQL/MariaDB table ({comment}); "
                "load the file into that server's raw schema instead (ingest --target mariadb/mysql); "
                "nothing loaded"
            )
        if comment is None:
            wh.create_table(self.schema, self.created_spec, comment=INGEST_COMMENT)
            log.info("created %s.%s", self.schema, self.table)
            return True, True
        present = [c.lower() for c in wh.columns_of(self.schema, self.table)]
        missing = [c for c in self.spec.column_names if c.lower() not in present]
        if missing:
            raise WarehouseError(f"raw table {self.schema}.{self.table} lacks column(s) "
                                 f"{', '.join(missing)}; cannot append to it")
        self.check_whole_number_columns(comment, frame, file_name)
        for column in self.spec.optional_columns:
            if column.name.lower() in present:
                continue
            if comment.startswith(MCA_TABLE_MARKER):
                wh.add_column(self.schema, self.table, column)
                present.append(column.name.lower())
                log.info("added the column %s to %s.%s", column.name, self.schema, self.table)
            elif mapping is not None and mapping.columns[column.name].kind != "null":
                add = f"alter table {self.raw} add column {wh.column_ddl(column)}"
                raise RefusedError(
                    f"mapping {mapping.name} fills {column.name}, but {self.schema}.{self.table} has no "
                    f"{column.name} column and mca did not create the table, so nothing was loaded; add "
                    f"the column first ({add}) or map {column.name} to null"
                )
        self.present = present
        if not comment.startswith(MCA_TABLE_MARKER):
            return False, LOAD_ID_COLUMN in present
        # mca's own table made before a bookkeeping column existed (_mca_load_id, _mca_loaded_at)
        for column in self.spec.bookkeeping:
            if column.name.lower() not in present:
                wh.add_column(self.schema, self.table, column)
                present.append(column.name.lower())
                log.info("added the column %s to %s.%s", column.name, self.schema, self.table)
        return False, True

    def column_types(self) -> dict[str, str]:
        """The table's columns (lower case) and their types, lower case and without
        parameters (``decimal``, ``bigint``), as information_schema.columns has them."""
        return self.wh.column_types(self.schema, self.table)

    def check_whole_number_columns(self, comment: str, frame: pd.DataFrame | None, file_name: str) -> None:
        """A decimal column of the contract (``campaigns.conversions``) that the existing table
        holds as whole numbers (an older mca made it bigint, or a user did).

        Whole values load into it as they are. A fractional value is never rounded by the
        table: a table mca created has the column widened to the contract's decimal first
        (lossless: refused if a stored value has more than the decimal's 16 integer digits),
        and the log says so; any other table is refused with the ALTER TABLE to run.
        """
        types = self.column_types()
        whole: list[Column] = []
        for column in self.spec.columns:
            if column.type is not ColumnType.money or types.get(column.name.lower()) not in WHOLE_NUMBER_TYPES:
                continue
            fraction = _first_fraction(frame, column.name)
            if fraction is None:
                whole.append(column)
                continue
            relation = f"{self.schema}.{self.table}"
            alter = self.wh.change_type_sql(self.schema, self.table, column)
            line, value = fraction
            if not comment.startswith(MCA_TABLE_MARKER):
                raise RefusedError(
                    f"{file_name} has fractional {column.name} ({format(value, 'f')} on line {line}) but "
                    f"{relation}.{column.name} holds whole numbers ({types[column.name.lower()]}) and mca did not "
                    f"create the table, so nothing was loaded; widen the column first: {alter}"
                )
            limit = 10 ** 16  # decimal(20,4) holds 16 digits before the point
            column_sql = self.wh.quote(column.name)
            too_big = int(self.wh.scalar(f"select count(*) from {self.raw} where {column_sql} >= {limit} "
                                         f"or {column_sql} <= -{limit}"))
            if too_big:
                raise RefusedError(
                    f"{file_name} has fractional {column.name}, but {relation}.{column.name} holds "
                    f"{too_big:,} value(s) of 16 digits or more, which the contract's "
                    f"{self.wh.sql_type(column)} cannot hold; nothing loaded"
                )
            self.wh.execute(alter)
            log.warning("widened %s.%s from %s to %s (lossless) to load the fractional %s of %s",
                        relation, column.name, types[column.name.lower()], self.wh.sql_type(column),
                        column.name, file_name)
        if whole:
            kept = {c.name: replace(c, type=ColumnType.bigint) for c in whole}
            self.insert_spec = TableSpec(name=self.created_spec.name,
                                         columns=tuple(kept.get(c.name, c) for c in self.created_spec.columns))

    def _drop_if_empty(self) -> None:
        try:
            if int(self.wh.scalar(f"select count(*) from {self.raw}")) == 0:
                self.wh.drop_table(self.schema, self.table)
        except Exception:  # cleanup is best effort; the original error matters
            log.warning("could not drop the empty table %s.%s", self.schema, self.table, exc_info=True)

    def previous_loads(self, sha256: str, file_path: str) -> list[PreviousLoad]:
        """Loads into this table of the same content or of the same file path, oldest first."""
        p = self.ph
        if not self.wh.table_exists(self.schema, LOAD_LOG.name):
            return []
        frame = self.wh.query(
            f"select load_id, file_name, file_path, content_sha256, rows_loaded, loaded_at, has_load_ids "
            f"from {self.log_table} where table_name = {p} and (content_sha256 = {p} or file_path = {p}) "
            "order by load_id",
            [self.table, sha256, file_path],
        )
        return [
            PreviousLoad(load_id=int(r.load_id), file_name=str(r.file_name), file_path=str(r.file_path),
                         content_sha256=str(r.content_sha256), rows_loaded=int(r.rows_loaded),
                         loaded_at=pd.Timestamp(r.loaded_at).to_pydatetime(), has_load_ids=bool(r.has_load_ids))
            for r in frame.itertuples(index=False)
        ]

    # ---- one file ----------------------------------------------------------------------

    def ingest_file(self, path: Path, mapping: Mapping, *, replace: bool = False,
                    max_reject_pct: float = 1.0, rejects_path: Path | None = None) -> FileOutcome:
        started = time.perf_counter()
        data = path.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        file_path = str(path.resolve())[:1024]  # the log's column width
        outcome = FileOutcome(path=path, table=self.table, status="loaded")
        previous = self.previous_loads(sha256, file_path)
        same_content = [p for p in previous if p.content_sha256 == sha256]
        if same_content and not replace:
            outcome.status = "skipped"
            outcome.previous = same_content[0]
            outcome.seconds = time.perf_counter() - started
            log.info("%s: same content as %s; nothing loaded", path.name, same_content[0].describe())
            return outcome
        to_replace = previous if replace else []
        outcome.other_versions = [] if replace else previous
        if to_replace and not self.wh.supports_delete:
            raise RefusedError(
                f"cannot replace {to_replace[0].describe()}: replacing a load deletes its rows from "
                f"{self.schema}.{self.table}, and {self.wh.engine}'s tables take no DELETE; nothing loaded "
                "(load the corrected file under another name, or rebuild the raw table)"
            )
        for p in to_replace:
            if not p.has_load_ids:
                raise RefusedError(
                    f"cannot replace {p.describe()}: mca did not create {self.schema}.{self.table}, so its "
                    f"rows carry no {LOAD_ID_COLUMN} and the rows of that load cannot be told apart"
                )

        result = read_file(path, mapping, data)
        outcome.rows_read, outcome.rows_rejected = result.rows_read, result.rows_rejected
        outcome.duplicate_lines = result.duplicate_lines
        outcome.skipped_above_header = result.skipped_above_header
        outcome.skipped_footer = result.skipped_footer
        outcome.skipped_empty = result.skipped_empty
        if rejects_path is not None:
            outcome.rejects_path = _save_rejects(result, rejects_path)
        if result.reject_pct > max_reject_pct:
            where = f"; see {outcome.rejects_path}" if outcome.rejects_path else ""
            raise DataError(
                f"{path.name}: {result.rows_rejected:,} of {result.rows_read:,} lines rejected "
                f"({result.reject_pct:.1f}%), above the {max_reject_pct:g}% limit; nothing loaded{where}"
            )

        # nothing is created before the file is known to load: a file that fails to read
        # leaves no raw schema or load log behind
        made = _Created()
        try:
            made = self.ensure_log()
            made.table, has_load_ids = self.ensure_table(result.frame, path.name, mapping)
            load_id, first_id, last_id = self._append(
                result, to_replace, has_load_ids=has_load_ids,
                log_row={"table_name": self.table, "file_name": path.name[:255], "file_path": file_path,
                         "content_sha256": sha256, "file_bytes": len(data), "mapping_name": mapping.name,
                         "mapping_sha256": mapping.sha256, "rows_read": result.rows_read,
                         "rows_loaded": result.rows_ok, "rows_rejected": result.rows_rejected,
                         "has_load_ids": has_load_ids},
            )
        except _AlreadyLoaded as exc:  # another process loaded the same content meanwhile
            self._undo(made)
            outcome.status = "skipped"
            outcome.previous = exc.previous
            outcome.seconds = time.perf_counter() - started
            return outcome
        except BaseException:
            self._undo(made)
            raise
        outcome.status = "replaced" if to_replace else "loaded"
        outcome.replaced = to_replace
        outcome.rows_loaded = result.rows_ok
        outcome.load_id, outcome.first_id, outcome.last_id = load_id, first_id, last_id
        outcome.seconds = time.perf_counter() - started
        log.info("%s: %d rows appended to %s.%s as load %d in %.1fs", path.name, result.rows_ok,
                 self.schema, self.table, load_id, outcome.seconds)
        return outcome

    def _append(self, result: ReadResult, to_replace: list[PreviousLoad], *, has_load_ids: bool,
                log_row: dict[str, object]) -> tuple[int, int | None, int | None]:
        """One transaction: the next load id, the clash check, the replaced loads' rows out,
        the new rows in (ids continued from the table's largest), the load log row."""
        wh, p = self.wh, self.ph
        columns = [c.name for c in self.spec.loaded_columns if c.name != self.assigned and c.name.lower() in self.present]
        frame = _money_as_text(result.frame.reset_index(drop=True)[columns].copy(), self.insert_spec)
        rows = len(frame)
        wh.require_transactional(self.schema, self.table)
        try:
            with wh.transaction():
                load_id = int(wh.scalar(f"select coalesce(max(load_id), 0) + 1 from {self.log_table}{wh.for_update}"))
                replaced_ids = [prev.load_id for prev in to_replace]
                clash = wh.query(f"select load_id from {self.log_table} where table_name = {p} and "
                                 f"content_sha256 = {p}{wh.for_update}", [self.table, log_row["content_sha256"]])
                clash_ids = [int(x) for x in clash["load_id"]] if not clash.empty else []
                if any(i not in replaced_ids for i in clash_ids):
                    found = [prev for prev in self.previous_loads(str(log_row["content_sha256"]), "")
                             if prev.load_id in clash_ids]
                    raise _AlreadyLoaded(found[0] if found else None)
                first_id = last_id = None
                if self.assigned:
                    # ids continue from the largest id before anything is removed, so they never repeat
                    base = int(wh.scalar(f"select coalesce(max({wh.quote(self.assigned)}), 0) "
                                         f"from {self.raw}{wh.for_update}"))
                    frame.insert(0, self.assigned, range(base + 1, base + rows + 1))
                    if rows:
                        first_id, last_id = base + 1, base + rows
                if has_load_ids:
                    frame[LOAD_ID_COLUMN] = load_id
                loaded_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
                if LOADED_AT_COLUMN in self.present:  # a table mca did not create may lack it
                    frame[LOADED_AT_COLUMN] = pd.Timestamp(loaded_at)
                for prev_id in replaced_ids:
                    wh.execute(f"delete from {self.raw} where {wh.quote(LOAD_ID_COLUMN)} = {p}", [prev_id])
                    wh.execute(f"delete from {self.log_table} where load_id = {p}", [prev_id])
                inserted = wh.insert_frame(self.schema, self.insert_spec, frame)
                if inserted != rows:
                    raise WarehouseError(f"appending to {self.schema}.{self.table}: {rows} rows sent, "
                                         f"{inserted} inserted; nothing loaded")
                values = {**log_row, "load_id": load_id, "first_id": first_id, "last_id": last_id,
                          "loaded_at": loaded_at}
                names = LOAD_LOG.column_names
                wh.execute(
                    f"insert into {self.log_table} ({', '.join(wh.quote(n) for n in names)}) "
                    f"values ({wh.markers(len(names))})",
                    [values[n] for n in names],
                )
        except _AlreadyLoaded:
            raise
        except WarehouseError as exc:
            if len(str(exc)) <= 2 * QUOTE_LIMIT:
                raise
            raise WarehouseError(f"{str(exc)[:2 * QUOTE_LIMIT]}… ({len(str(exc)):,} characters)") from exc
        except Exception as exc:
            raise WarehouseError(f"appending to {self.schema}.{self.table} failed, nothing loaded: "
                                 f"{_db_message(exc)}") from exc
        return load_id, first_id, last_id


def _money_as_text(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """Money columns (exact Decimals from the reader) as decimal text such as
    "123456789012345.6789": both engines cast text to decimal(20,4) exactly (DuckDB in the
    insert, MySQL/MariaDB in the TSV that DuckDB writes for LOAD DATA), where a float would
    round and a column of Decimal objects would be typed by DuckDB's guess. A decimal column
    the table holds as whole numbers (``spec`` types it bigint; its values are whole, see
    :meth:`Loader.check_whole_number_columns`) goes as Int64."""
    for column in spec.columns:
        if column.name not in frame.columns:
            continue
        values = frame[column.name].tolist()
        if column.type is ColumnType.money:
            frame[column.name] = pd.Series([format(v, "f") if isinstance(v, Decimal) else None for v in values],
                                           index=frame.index, dtype=object)
        elif column.type is ColumnType.bigint and any(isinstance(v, Decimal) for v in values):
            frame[column.name] = pd.Series(pd.array([int(v) if isinstance(v, Decimal) else None for v in values],
                                                    dtype="Int64"), index=frame.index)
    return frame


def _first_fraction(frame: pd.DataFrame | None, column: str) -> tuple[int, Decimal] | None:
    """The first line (and its value) whose ``column`` is not a whole number."""
    if frame is None or column not in frame.columns:
        return None
    for line, value in frame[column].items():
        if isinstance(value, Decimal) and value != value.to_integral_value():
            return int(line), value
    return None


@dataclass
class _Created:
    """What a load created in the warehouse, so that a failed load can take it back."""

    schema: bool = False
    log: bool = False
    table: bool = False


class _AlreadyLoaded(Exception):
    def __init__(self, previous: PreviousLoad | None) -> None:
        super().__init__("already loaded")
        self.previous = previous


def _db_message(exc: BaseException) -> str:
    """The driver's first line, cut to QUOTE_LIMIT characters: a database error can quote a
    value from the file."""
    text = short_error(exc)
    line = text.splitlines()[0] if text else type(exc).__name__
    return line if len(line) <= QUOTE_LIMIT else f"{line[:QUOTE_LIMIT]}… ({len(line):,} characters)"


def _is_rejects_file(path: Path) -> bool:
    """Whether ``path`` is a rejects file mca wrote: its first line is the rejects header."""
    with path.open("rb") as fh:
        first = fh.readline(100)
    return first.rstrip(b"\r\n") == ",".join(REJECT_COLUMNS).encode()


def _check_rejects_path(path: Path, *, given: bool) -> None:
    """Refuse, before anything is read or loaded, to overwrite a file that is not mca's own
    rejects file (an empty file holds nothing to lose; a device such as /dev/null is fine)."""
    try:
        if not path.is_file() or path.stat().st_size == 0 or _is_rejects_file(path):
            return
    except OSError as exc:
        raise ConfigError(f"cannot read the rejects file {path}: {exc.strerror or exc}") from None
    how = "choose another path with --rejects" if given else "move it, or choose a path with --rejects"
    raise RefusedError(f"{path} exists and is not an mca rejects file (its first line is not "
                       f"{','.join(REJECT_COLUMNS)}); refusing to overwrite it: {how}")


def _save_rejects(result: ReadResult, path: Path) -> Path | None:
    """Write the rejects file; when there are none, remove a stale one from an earlier run."""
    try:
        if result.rows_rejected:
            write_rejects(result.rejects, path)
            return path
        if path.is_file() and _is_rejects_file(path):
            path.unlink()
    except OSError as exc:
        raise ConfigError(f"cannot write the rejects file {path}: {exc.strerror or exc}; "
                          "choose another place with --rejects") from None
    return None
