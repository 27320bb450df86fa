"""Reading an export through a mapping: split lines into fields, compute the raw columns, and
set aside every line that cannot be loaded, with its physical line number and the reason.

A line is rejected when its field count differs from the header's, when a number or date in a
column the mapping uses does not parse (or does not fit the raw column), or when a required raw
column comes out empty. Blank lines are skipped and not counted. Everything else is kept,
including lines that repeat an earlier line exactly (they are counted, see
``ReadResult.duplicate_lines``): a repeated line can be a real repeated purchase, and the campaign
models already report duplicate campaign-days with the row they duplicate.

Splitting is done by the csv module (or ``str.split`` when the file has no quote character) and
all value checks are vectorised over pandas columns, so a million lines take a few seconds.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from reporting.errors import DataError
from reporting.ingest.contract import Kind
from reporting.ingest.mapping import ColumnMapping, FileFormat, Mapping

log = logging.getLogger(__name__)

REJECT_COLUMNS = ["line", "reason", "raw_line"]

MONTHS = {
    name: number
    for number, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")],
        start=1,
    )
    for name in names
}


@dataclass
class ReadResult:
    """The rows of one file that can be loaded, and the lines that cannot."""

    file_name: str
    frame: pd.DataFrame  # the mapping's raw columns, typed; index = physical line number
    rejects: pd.DataFrame  # line, reason, raw_line
    rows_read: int  # data lines (header and blank lines not counted)
    duplicate_lines: int  # data lines identical to an earlier data line (kept)
    blank_lines: int

    @property
    def rows_rejected(self) -> int:
        return len(self.rejects)

    @property
    def rows_ok(self) -> int:
        return len(self.frame)

    @property
    def reject_pct(self) -> float:
        return 100.0 * self.rows_rejected / self.rows_read if self.rows_read else 0.0


# ---- decoding and splitting ------------------------------------------------------------------


def decode(data: bytes, encoding: str, file_name: str) -> str:
    """Bytes to text; a UTF-8 (or UTF-16/32) byte order mark is dropped."""
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(f"{file_name}: line {line} is not valid {encoding} (byte {exc.start}); "
                        "set format.encoding in the mapping") from None
    return text[1:] if text.startswith("\ufeff") else text


def split_lines(text: str) -> list[str]:
    """Physical lines, whatever the line endings (LF, CRLF or CR); no final empty line."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _split_fields(line: str, fmt: FileFormat) -> list[str]:
    if fmt.delimiter is None:
        return line.split()
    if fmt.quotechar is None:
        return line.split(fmt.delimiter)
    return next(csv.reader([line], delimiter=fmt.delimiter, quotechar=fmt.quotechar), [])


@dataclass
class _Records:
    rows: list[list[str]]
    starts: list[int]  # physical line where each record starts
    raws: list[str] | None  # raw text of each record when records span lines, else None


def _records(lines: list[str], first: int, fmt: FileFormat) -> _Records:
    """Split ``lines`` (physical line ``first`` onwards) into records of fields."""
    starts = list(range(first, first + len(lines)))
    if fmt.delimiter is None:
        return _Records([ln.split() for ln in lines], starts, None)
    if fmt.quotechar is None or not any(fmt.quotechar in ln for ln in lines):
        d = fmt.delimiter
        return _Records([ln.split(d) if ln else [] for ln in lines], starts, None)
    text = "\n".join(lines)
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=fmt.delimiter, quotechar=fmt.quotechar))
    except csv.Error:
        rows = None
    if rows is not None and len(rows) == len(lines):
        return _Records(rows, starts, None)
    return _records_spanning(lines, first, fmt)


def _records_spanning(lines: list[str], first: int, fmt: FileFormat) -> _Records:
    """Records when quoted fields span lines: track where each record starts and ends."""
    rows: list[list[str]] = []
    starts: list[int] = []
    raws: list[str] = []
    source = io.StringIO("\n".join(lines))
    reader = csv.reader(source, delimiter=fmt.delimiter or ",", quotechar=fmt.quotechar)
    done = 0  # physical lines consumed so far
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            row = [f"\0malformed: {exc}"]  # counted as a wrong field count below
        start, done = done, reader.line_num
        rows.append(row)
        starts.append(first + start)
        raws.append("\n".join(lines[start:done]))
    return _Records(rows, starts, raws)


def read_header(lines: list[str], fmt: FileFormat, file_name: str) -> tuple[list[str], int]:
    """The column names and the index of the first data line."""
    index = 0
    if fmt.header:
        while index < len(lines) and not lines[index].strip():
            index += 1
        if index == len(lines):
            raise DataError(f"{file_name}: the file is empty (no header line)")
        try:
            names = _split_fields(lines[index], fmt)
        except csv.Error as exc:
            raise DataError(f"{file_name}: cannot read the header on line {index + 1}: {exc}") from None
        index += 1
        header = [n.strip() for n in names]
    else:
        header = []
    if fmt.names is not None:
        header = list(fmt.names)
    return header, index


# ---- reading ---------------------------------------------------------------------------------


def read_file(path: Path, mapping: Mapping, data: bytes | None = None) -> ReadResult:
    """Read ``path`` (or its already-read bytes) through ``mapping``."""
    if data is None:
        data = path.read_bytes()
    return read_bytes(data, mapping, file_name=path.name)


def read_bytes(data: bytes, mapping: Mapping, *, file_name: str) -> ReadResult:
    fmt = mapping.format
    lines = split_lines(decode(data, fmt.encoding, file_name))
    header, first_data = read_header(lines, fmt, file_name)
    mapping.check_header(header, file_name)
    expected = len(header)
    body = lines[first_data:]
    records = _records(body, first_data + 1, fmt)

    starts = np.asarray(records.starts, dtype=np.int64)
    raws = records.raws if records.raws is not None else body
    blank = np.fromiter((not r.strip() for r in raws), dtype=bool, count=len(raws))
    counts = np.fromiter(map(len, records.rows), dtype=np.int64, count=len(records.rows))
    good = (counts == expected) & ~blank
    wrong = ~good & ~blank

    raw_series = pd.Series(raws, index=starts, dtype=object)
    data_raws = raw_series[~blank]
    duplicates = int(data_raws.duplicated().sum())
    rows_read = int((~blank).sum())

    structural = pd.Series(
        [_count_reason(records.rows[i], expected) for i in np.flatnonzero(wrong)],
        index=starts[wrong], dtype=object,
    )
    good_rows = [r for r, ok in zip(records.rows, good) if ok] if not good.all() else records.rows
    fields = pd.DataFrame(good_rows, columns=range(expected), dtype=object) if good_rows else \
        pd.DataFrame({i: pd.Series(dtype=object) for i in range(expected)})
    fields.index = pd.Index(starts[good], name="line")

    frame, errors = _evaluate(fields, header, mapping)
    reasons = _join_reasons([structural, *errors])
    bad_lines = reasons.index
    frame = frame[~frame.index.isin(bad_lines)]
    rejects = pd.DataFrame({
        "line": reasons.index.astype(np.int64),
        "reason": reasons.to_numpy(dtype=object),
        "raw_line": raw_series.reindex(reasons.index).to_numpy(dtype=object),
    })
    log.info("%s: %d lines read, %d ok, %d rejected, %d duplicate, %d blank", file_name, rows_read,
             len(frame), len(rejects), duplicates, int(blank.sum()))
    return ReadResult(file_name=file_name, frame=frame, rejects=rejects, rows_read=rows_read,
                      duplicate_lines=duplicates, blank_lines=int(blank.sum()))


def _count_reason(row: list[str], expected: int) -> str:
    if len(row) == 1 and row[0].startswith("\0malformed: "):
        return "malformed quoting: " + row[0][len("\0malformed: "):]
    return f"expected {expected} fields, found {len(row)}"


def _join_reasons(parts: list[pd.Series]) -> pd.Series:
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.Series(dtype=object, index=pd.Index([], dtype=np.int64))
    combined = pd.concat(parts)
    if combined.index.is_unique:
        return combined.sort_index()
    return combined.groupby(level=0, sort=True).agg("; ".join)


# ---- evaluating the mapping ------------------------------------------------------------------


class _Evaluator:
    def __init__(self, fields: pd.DataFrame, header: list[str], fmt: FileFormat) -> None:
        self.fields = fields
        self.position = {name: i for i, name in enumerate(header)}
        self.fmt = fmt
        self.errors: list[pd.Series] = []
        self._text: dict[str, pd.Series] = {}
        self._numbers: dict[str, pd.Series] = {}

    @property
    def index(self) -> pd.Index:
        return self.fields.index

    def text(self, column: str) -> pd.Series:
        """A source column as text, NaN for an empty field or a null marker."""
        if column not in self._text:
            s = self.fields[self.position[column]].astype(object)
            if self.fmt.strip:
                s = s.str.strip()
            null = s.eq("")
            if self.fmt.null_values:
                null |= s.isin(list(self.fmt.null_values))
            self._text[column] = s.where(~null)
        return self._text[column]

    def fail(self, mask: pd.Series, reason: str, raw: pd.Series | None = None) -> None:
        if not mask.any():
            return
        if raw is None:
            self.errors.append(pd.Series(reason, index=self.index[mask.to_numpy()], dtype=object))
        else:
            shown = raw[mask].astype(str).str.slice(0, 80)
            self.errors.append(reason + ": '" + shown + "'")

    def number(self, column: str, target: str) -> pd.Series:
        """A source column parsed as a float (decimal and thousands separators of the format)."""
        key = column
        if key in self._numbers:
            return self._numbers[key]
        raw = self.text(column)
        present = raw.notna()
        t = raw[present]
        fmt = self.fmt
        shape_ok = pd.Series(True, index=t.index)
        if fmt.thousands is not None:
            th, dec = re.escape(fmt.thousands), re.escape(fmt.decimal)
            grouped = rf"[+-]?(?:\d{{1,3}}(?:{th}\d{{3}})+|\d*)(?:{dec}\d*)?(?:[eE][+-]?\d+)?"
            shape_ok = t.str.fullmatch(grouped).fillna(False).astype(bool)
            t = t.str.replace(fmt.thousands, "", regex=False)
        if fmt.decimal == ",":
            shape_ok &= ~t.str.contains(".", regex=False).fillna(False).astype(bool)
            t = t.str.replace(",", ".", regex=False)
        values = pd.to_numeric(t, errors="coerce").astype("float64")
        bad_vals = values.isna() | ~np.isfinite(values) | ~shape_ok
        out = pd.Series(np.nan, index=raw.index, dtype="float64")
        out[present] = values.where(~bad_vals)
        bad = pd.Series(False, index=raw.index)
        bad[present] = bad_vals.to_numpy()
        self.fail(bad, f"{target} (from {column}): not a number", raw)
        self._numbers[key] = out
        return out


def _evaluate(fields: pd.DataFrame, header: list[str], mapping: Mapping) -> tuple[pd.DataFrame, list[pd.Series]]:
    ev = _Evaluator(fields, header, mapping.format)
    out: dict[str, pd.Series] = {}
    for target, col in mapping.columns.items():
        values = _column(ev, col)
        if col.required:
            ev.fail(values.isna(), f"{target}: required but empty")
        out[target] = values
    frame = pd.DataFrame(out, index=fields.index)
    return frame, ev.errors


def _column(ev: _Evaluator, col: ColumnMapping) -> pd.Series:
    spec = col.spec
    idx = ev.index
    if col.kind == "null":
        return _typed_nulls(spec.kind, idx)
    if col.kind == "const":
        return _typed_const(col.value, spec.kind, idx)
    if spec.kind is Kind.text:
        if col.kind == "column":
            values = ev.text(str(col.operands[0]))
        else:  # concat: any empty part makes the whole empty, as SQL's || does
            parts = [ev.text(str(c)) for c in col.operands]
            values = parts[0]
            for part in parts[1:]:
                values = values + col.separator + part
        if spec.max_length is not None:
            ev.fail(values.str.len().gt(spec.max_length).fillna(False).astype(bool),
                    f"{col.target}: longer than {spec.max_length} characters")
            values = values.where(values.str.len().le(spec.max_length).fillna(True).astype(bool))
        return values.astype(object)
    if spec.kind is Kind.date:
        if col.kind == "column":
            source = str(col.operands[0])
            raw = ev.text(source)
            fmt = col.date_format or ev.fmt.date_format
            parsed = pd.to_datetime(raw, format=fmt, errors="coerce")
            ev.fail(raw.notna() & parsed.isna(), f"{col.target} (from {source}): not a date in format {fmt}", raw)
            return parsed
        return _date_from_parts(ev, col)
    # numbers
    if col.kind == "column":
        source = str(col.operands[0])
        if spec.kind is Kind.integer:
            values = _integer_column(ev, source, col.target)
        else:
            values = ev.number(source, col.target)
    else:
        terms = [ev.number(o, col.target) if isinstance(o, str) else float(o) for o in col.operands]
        values = terms[0] if isinstance(terms[0], pd.Series) else pd.Series(terms[0], index=idx, dtype="float64")
        for i, term in enumerate(terms[1:]):
            values = values - term if col.kind == "difference" else values + term
    return _fit_number(ev, values, col)


def _integer_column(ev: _Evaluator, source: str, target: str) -> pd.Series:
    """Whole numbers read exactly when written as digits (ids beyond 2**53 stay exact)."""
    raw = ev.text(source)
    digits = raw.str.fullmatch(r"[+-]?\d{1,18}").fillna(False).astype(bool)
    if ev.fmt.thousands is None and digits.eq(raw.notna()).all():
        return raw.astype("Int64") if len(raw) else pd.Series(dtype="Int64", index=raw.index)
    return ev.number(source, target)


def _fit_number(ev: _Evaluator, values: pd.Series, col: ColumnMapping) -> pd.Series:
    spec = col.spec
    if values.dtype == "Int64":
        too_big = values.abs().gt(spec.max_abs or np.inf).fillna(False).astype(bool)
        ev.fail(too_big, f"{col.target}: out of range")
        return values.where(~too_big)
    present = values.notna()
    if spec.max_abs is not None:
        too_big = present & values.abs().ge(spec.max_abs)
        ev.fail(too_big, f"{col.target}: out of range", values)
        values = values.where(~too_big)
    if spec.kind is Kind.integer:
        fractional = values.notna() & values.ne(np.floor(values))
        ev.fail(fractional, f"{col.target}: not a whole number", values)
        values = values.where(~fractional)
        return values.round().astype("Int64")
    return values.astype("float64")


def _date_from_parts(ev: _Evaluator, col: ColumnMapping) -> pd.Series:
    idx = ev.index
    parts: dict[str, pd.Series] = {}
    for part, operand in col.date_parts:
        if not isinstance(operand, str):
            parts[part] = pd.Series(float(operand), index=idx, dtype="float64")
            continue
        raw = ev.text(operand)
        numbers = pd.to_numeric(raw, errors="coerce").astype("float64")
        if part == "month":
            names = raw.str.lower().map(MONTHS).astype("float64")
            numbers = numbers.fillna(names)
        bad = raw.notna() & (numbers.isna() | numbers.ne(np.floor(numbers)))
        ev.fail(bad, f"{col.target} (from {operand}): not a {part}", raw)
        parts[part] = numbers.where(~bad)
    frame = pd.DataFrame(parts)
    complete = frame.notna().all(axis=1)
    dates = pd.Series(pd.NaT, index=idx, dtype="datetime64[ns]")
    if complete.any():
        ok = frame[complete]
        in_range = ok["month"].between(1, 12) & ok["day"].between(1, 31) & ok["year"].between(1, 9999)
        built = pd.to_datetime(
            pd.DataFrame({"year": ok["year"].where(in_range, 2000), "month": ok["month"].where(in_range, 1),
                          "day": ok["day"].where(in_range, 1)}).astype("int64"),
            errors="coerce",
        ).where(in_range)
        dates[complete] = built
        invalid = pd.Series(False, index=idx)
        invalid[complete] = built.isna().to_numpy()
        described = (frame["year"].astype(str) + "-" + frame["month"].astype(str) + "-" + frame["day"].astype(str))
        ev.fail(invalid, f"{col.target}: no such date (year-month-day)", described.str.replace(".0", "", regex=False))
    return dates


def _typed_nulls(kind: Kind, idx: pd.Index) -> pd.Series:
    if kind is Kind.integer:
        return pd.Series(pd.NA, index=idx, dtype="Int64")
    if kind is Kind.date:
        return pd.Series(pd.NaT, index=idx, dtype="datetime64[ns]")
    if kind is Kind.text:
        return pd.Series(None, index=idx, dtype=object)
    return pd.Series(np.nan, index=idx, dtype="float64")


def _typed_const(value: object, kind: Kind, idx: pd.Index) -> pd.Series:
    if kind is Kind.integer:
        return pd.Series(value, index=idx, dtype="Int64")
    if kind is Kind.date:
        return pd.Series(pd.Timestamp(value), index=idx, dtype="datetime64[ns]")
    if kind is Kind.text:
        return pd.Series(value, index=idx, dtype=object)
    return pd.Series(value, index=idx, dtype="float64")


def write_rejects(rejects: pd.DataFrame, path: Path) -> None:
    """The rejected lines as CSV: line, reason, raw_line (UTF-8, header on line 1)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rejects[REJECT_COLUMNS].to_csv(path, index=False, lineterminator="\n")
