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
from reporting.ingest.mapping import ColumnMapping, FileFormat, Kind, Mapping

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
class _Split:
    """A file's data lines split into records of fields."""

    fields: pd.DataFrame  # records with the expected field count; columns 0..n-1; index = line
    wrong: pd.Series  # reason by line, for records with another field count
    raw: pd.Series  # raw text of every non-blank record, by line
    blank: int


def _split(lines: list[str], first: int, fmt: FileFormat, expected: int) -> _Split:
    """Split ``lines`` (physical line ``first`` onwards) into records of ``expected`` fields.

    When every record is one line (no quoted field spans lines), field counts come from the
    lines themselves and pandas' C parser splits the good ones; otherwise the csv module reads
    the records one by one, tracking the line each starts on.
    """
    n = len(lines)
    blank = np.fromiter((not ln.strip() for ln in lines), dtype=bool, count=n)
    q, d = fmt.quotechar, fmt.delimiter
    options: dict[str, object]
    if d is None:
        counts = np.fromiter((len(ln.split()) for ln in lines), dtype=np.int64, count=n)
        options = {"sep": r"\s+"}
    else:
        quoted = [i for i, ln in enumerate(lines) if q is not None and q in ln]
        if any(lines[i].count(q) % 2 for i in quoted):  # a quoted field may go on to the next line
            return _split_records(lines, first, fmt, expected, blank)
        counts = np.fromiter((ln.count(d) + 1 for ln in lines), dtype=np.int64, count=n)
        if quoted:
            parsed = csv.reader((lines[i] for i in quoted), delimiter=d, quotechar=q)
            try:
                counts[quoted] = [len(row) for row in parsed]
            except (csv.Error, ValueError):  # a quote opened mid-line ran on: read record by record
                return _split_records(lines, first, fmt, expected, blank)
            options = {"sep": d, "quotechar": q, "doublequote": True}
        else:
            options = {"sep": d, "quoting": csv.QUOTE_NONE}
    starts = np.arange(first, first + n, dtype=np.int64)
    good = (counts == expected) & ~blank
    wrong = ~good & ~blank
    good_lines = [ln for ln, ok in zip(lines, good) if ok] if not good.all() else lines
    try:
        fields = _parse_lines(good_lines, expected, options)
    except (pd.errors.ParserError, ValueError, csv.Error):
        fields = None
    if fields is None or len(fields) != len(good_lines) or fields.isna().to_numpy().any():
        log.info("pandas split differs from the field counts; reading record by record")
        return _split_records(lines, first, fmt, expected, blank)
    fields.index = pd.Index(starts[good], name="line")
    reasons = pd.Series([f"expected {expected} fields, found {c}" for c in counts[wrong]],
                        index=starts[wrong], dtype=object)
    raw = pd.Series(lines, index=starts, dtype=object)[~blank]
    return _Split(fields=fields, wrong=reasons, raw=raw, blank=int(blank.sum()))


def _parse_lines(lines: list[str], expected: int, options: dict[str, object]) -> pd.DataFrame:
    if not lines:
        return _empty_fields(expected)
    return pd.read_csv(
        io.StringIO("\n".join(lines)), header=None, names=list(range(expected)), dtype=object,
        na_filter=False, skip_blank_lines=False, engine="c", **options,
    )


def _empty_fields(expected: int) -> pd.DataFrame:
    return pd.DataFrame({i: pd.Series(dtype=object) for i in range(expected)})


def _split_records(lines: list[str], first: int, fmt: FileFormat, expected: int,
                   line_blank: np.ndarray | None = None) -> _Split:
    """Record by record with the csv module, for quoted fields that span lines."""
    rows: list[list[str] | None] = []
    starts: list[int] = []
    raws: list[str] = []
    errors: dict[int, str] = {}
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=fmt.delimiter or ",",
                        quotechar=fmt.quotechar or '"')
    done = 0  # physical lines consumed so far
    while True:
        try:
            row: list[str] | None = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            row = None
            errors[len(rows)] = f"malformed quoting: {exc}"
        start, done = done, max(reader.line_num, done + 1)
        rows.append(row)
        starts.append(first + start)
        raws.append("\n".join(lines[start:done]))
    blank = np.fromiter((not r.strip() for r in raws), dtype=bool, count=len(raws))
    counts = np.fromiter((len(r) if r is not None else -1 for r in rows), dtype=np.int64, count=len(rows))
    good = (counts == expected) & ~blank
    wrong = np.flatnonzero(~good & ~blank)
    start_arr = np.asarray(starts, dtype=np.int64)
    reasons = pd.Series([errors.get(i, f"expected {expected} fields, found {counts[i]}") for i in wrong],
                        index=start_arr[wrong], dtype=object)
    good_rows = [r for r, ok in zip(rows, good) if ok]
    fields = pd.DataFrame(good_rows, columns=range(expected), dtype=object) if good_rows else _empty_fields(expected)
    fields.index = pd.Index(start_arr[good], name="line")
    raw = pd.Series(raws, index=start_arr, dtype=object)[~blank]
    return _Split(fields=fields, wrong=reasons, raw=raw, blank=int(blank.sum()))


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
    split = _split(lines[first_data:], first_data + 1, fmt, len(header))
    frame, errors = _evaluate(split.fields, header, mapping)
    reasons = _join_reasons([split.wrong, *errors])
    if len(reasons):
        frame = frame[~frame.index.isin(reasons.index)]
    rejects = pd.DataFrame({
        "line": reasons.index.to_numpy(dtype=np.int64),
        "reason": reasons.to_numpy(dtype=object),
        "raw_line": split.raw.reindex(reasons.index).to_numpy(dtype=object),
    })
    rows_read = len(split.raw)
    duplicates = int(split.raw.duplicated().sum())
    log.info("%s: %d lines read, %d ok, %d rejected, %d duplicate, %d blank", file_name, rows_read,
             len(frame), len(rejects), duplicates, split.blank)
    return ReadResult(file_name=file_name, frame=frame, rejects=rejects, rows_read=rows_read,
                      duplicate_lines=duplicates, blank_lines=split.blank)


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
    """Computes the mapping's columns over the fields, collecting the reasons rows fail.

    Text work is done with list comprehensions over Python strings (much faster than pandas'
    object-dtype .str methods); numbers and dates go through pandas' C parsers.
    """

    def __init__(self, fields: pd.DataFrame, header: list[str], fmt: FileFormat) -> None:
        self.fields = fields
        self.position = {name: i for i, name in enumerate(header)}
        self.fmt = fmt
        self.nulls = frozenset(fmt.null_values | {""})
        self.errors: list[pd.Series] = []
        self._text: dict[str, pd.Series] = {}
        self._numbers: dict[str, pd.Series] = {}

    @property
    def index(self) -> pd.Index:
        return self.fields.index

    def series(self, values: list, dtype: object = object) -> pd.Series:
        return pd.Series(values, index=self.index, dtype=dtype)

    def text(self, column: str) -> pd.Series:
        """A source column as text (None for an empty field or a null marker)."""
        if column not in self._text:
            self._text[column] = self.series(_clean(self.fields[self.position[column]].tolist(),
                                                    self.nulls, strip=self.fmt.strip))
        return self._text[column]

    def fail(self, mask: pd.Series | np.ndarray, reason: str, raw: pd.Series | None = None) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        where = self.index[mask]
        if raw is None:
            self.errors.append(pd.Series(reason, index=where, dtype=object))
        else:
            shown = [str(v)[:80] for v in raw.to_numpy()[mask]]
            self.errors.append(pd.Series([f"{reason}: '{v}'" for v in shown], index=where, dtype=object))

    def number(self, column: str, target: str) -> pd.Series:
        """A source column parsed as a float (decimal and thousands separators of the format)."""
        if column in self._numbers:
            return self._numbers[column]
        raw = self.text(column)
        values = raw.tolist()
        fmt = self.fmt
        shape_bad = np.zeros(len(values), dtype=bool)
        if fmt.thousands is not None:
            th, dec = re.escape(fmt.thousands), re.escape(fmt.decimal)
            grouped = re.compile(rf"[+-]?(?:\d{{1,3}}(?:{th}\d{{3}})+|\d*)(?:{dec}\d*)?(?:[eE][+-]?\d+)?")
            shape_bad |= np.fromiter((x is not None and grouped.fullmatch(x) is None for x in values),
                                     dtype=bool, count=len(values))
            values = [x.replace(fmt.thousands, "") if x is not None else None for x in values]
        if fmt.decimal == ",":
            joined = _join([x for x in values if x is not None])
            if "." in joined:
                shape_bad |= np.fromiter((x is not None and "." in x for x in values), dtype=bool, count=len(values))
            if "," in joined:
                values = [x.replace(",", ".") if x is not None else None for x in values]
        present = raw.notna().to_numpy()
        numbers = _fast_floats(values, present, self.index)
        if numbers is None:  # some value is not a plain number: parse value by value, coercing
            numbers = pd.to_numeric(self.series(values), errors="coerce").astype("float64")
        bad = present & (numbers.isna().to_numpy() | ~np.isfinite(numbers.to_numpy()) | shape_bad)
        self.fail(bad, f"{target} (from {column}): not a number", raw)
        out = numbers.where(~bad)
        self._numbers[column] = out
        return out


_SEP = "\x00"  # joins a column's values into one string, for checks at C speed
_PADDED = re.compile(r"\s\x00|\x00\s")


def _join(values: list[str]) -> str:
    return _SEP + _SEP.join(values) + _SEP


def _clean(values: list[str], nulls: frozenset[str], *, strip: bool) -> list[str | None]:
    """Strip the values and turn empty ones and null markers into None.

    A column is searched as one joined string first (fast), so the per-value work is done only
    when some value is padded or null, which clean exports rarely are.
    """
    joined = _join(values)
    if strip and _PADDED.search(joined):
        values = [x.strip() for x in values]
        joined = _join(values)
    elif not strip and re.search(r"\x00\s+\x00", joined):  # whitespace only: empty anyway
        values = [x if x.strip() else "" for x in values]
        joined = _join(values)
    if any(f"{_SEP}{n}{_SEP}" in joined for n in nulls) or joined == _SEP + _SEP:
        return [None if x in nulls else x for x in values]
    return list(values)


def _evaluate(fields: pd.DataFrame, header: list[str], mapping: Mapping) -> tuple[pd.DataFrame, list[pd.Series]]:
    ev = _Evaluator(fields, header, mapping.format)
    out: dict[str, pd.Series] = {}
    for target, col in mapping.columns.items():
        before = len(ev.errors)
        values = _column(ev, col)
        if col.required:
            # a value that failed to parse is already reported; "empty" is for empty sources
            failed = fields.index.isin(np.concatenate([e.index.to_numpy() for e in ev.errors[before:]]
                                                      or [np.array([], dtype=np.int64)]))
            ev.fail(values.isna().to_numpy() & ~failed, f"{target}: required but empty")
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
            parts = [ev.text(str(c)).tolist() for c in col.operands]
            sep = col.separator
            values = ev.series([None if None in t else sep.join(t) for t in zip(*parts)])
        if spec.max_length is not None:
            limit = spec.max_length
            too_long = np.fromiter((x is not None and len(x) > limit for x in values.tolist()),
                                   dtype=bool, count=len(values))
            ev.fail(too_long, f"{col.target}: longer than {limit} characters")
            values = values.where(~too_long)
        return values
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
        first = terms[0]
        values = first if isinstance(first, pd.Series) else pd.Series(first, index=idx, dtype="float64")
        for term in terms[1:]:
            values = values - term if col.kind == "difference" else values + term
    return _fit_number(ev, values, col)


def _integer_column(ev: _Evaluator, source: str, target: str) -> pd.Series:
    """Whole numbers; exact up to 2**63 when every value is written as digits."""
    raw = ev.text(source)
    if ev.fmt.thousands is None:
        values = raw.tolist()
        present = raw.notna().to_numpy()
        filled = values if present.all() else [x if x is not None else "0" for x in values]
        try:
            if "_" in _join(filled):
                raise ValueError("underscores")
            exact = np.array(filled, dtype=np.int64)
        except (ValueError, OverflowError, TypeError):
            pass
        else:
            return pd.Series(exact, index=ev.index, dtype="Int64").where(present)
    return ev.number(source, target)


def _fast_floats(values: list, present: np.ndarray, index: pd.Index) -> pd.Series | None:
    """Every present value parsed at C speed, or None when one of them is not a plain number
    (the caller then coerces value by value and reports the bad ones)."""
    filled = values if present.all() else [x if x is not None else "0" for x in values]
    try:
        if "_" in _join(filled):  # Python's float() reads "1_000"; a file should not
            return None
        numbers = np.array(filled, dtype=np.float64)
    except (ValueError, TypeError):
        return None
    numbers[~present] = np.nan
    return pd.Series(numbers, index=index, dtype="float64")


def _fit_number(ev: _Evaluator, values: pd.Series, col: ColumnMapping) -> pd.Series:
    spec = col.spec
    if values.dtype == "Int64":
        too_big = values.abs().gt(spec.max_abs or np.inf).fillna(False).to_numpy(dtype=bool)
        ev.fail(too_big, f"{col.target}: out of range", values)
        return values.where(~too_big)
    present = values.notna().to_numpy()
    if spec.max_abs is not None:
        too_big = present & (values.abs().to_numpy() >= spec.max_abs)
        ev.fail(too_big, f"{col.target}: out of range", values)
        values = values.where(~too_big)
    if spec.kind is Kind.integer:
        v = values.to_numpy()
        fractional = ~np.isnan(v) & (v != np.floor(v))
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
        if part == "month" and numbers.isna().any():
            names = ev.series([MONTHS.get(x.lower()) if x is not None else None for x in raw.tolist()], "float64")
            numbers = numbers.fillna(names)
        v = numbers.to_numpy()
        bad = raw.notna().to_numpy() & (np.isnan(v) | (v != np.floor(v)))
        ev.fail(bad, f"{col.target} (from {operand}): not a {part}", raw)
        parts[part] = numbers.where(~bad)
    frame = pd.DataFrame(parts)
    complete = frame.notna().all(axis=1).to_numpy()
    dates = pd.Series(pd.NaT, index=idx, dtype="datetime64[ns]")
    if complete.any():
        ok = frame[complete]
        in_range = (ok["month"].between(1, 12) & ok["day"].between(1, 31) & ok["year"].between(1, 9999)).to_numpy()
        safe = ok.where(pd.DataFrame({c: in_range for c in ok.columns}, index=ok.index),
                        {"year": 2000.0, "month": 1.0, "day": 1.0})
        built = pd.to_datetime(safe[["year", "month", "day"]].astype("int64"), errors="coerce")
        built = built.where(in_range)
        dates[complete] = built.to_numpy()
        invalid = np.zeros(len(idx), dtype=bool)
        invalid[complete] = built.isna().to_numpy()
        if invalid.any():
            shown = frame[invalid].astype("int64").astype(str)
            described = pd.Series(np.zeros(len(idx), dtype=object), index=idx)
            described[invalid] = (shown["year"] + "-" + shown["month"] + "-" + shown["day"]).to_numpy()
            ev.fail(invalid, f"{col.target}: no such date (year-month-day)", described)
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
