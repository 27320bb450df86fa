"""Reading an export through a mapping: split lines into fields, compute the raw columns, and
set aside every line that cannot be loaded, with its physical line number and the reason.

A line is rejected when its field count differs from the header's, when a number or date in a
column the mapping uses does not parse (or does not fit the raw column), or when a required raw
column comes out empty. Blank lines are skipped and not counted. Everything else is kept,
including lines that repeat an earlier line exactly (they are counted, see
``ReadResult.duplicate_lines``): a repeated line can be a real repeated purchase, and the campaign
models already report duplicate campaign-days with the row they duplicate.

Numbers are exact: money comes out as ``decimal.Decimal`` (rounded half to even to the column's
four decimals), whole numbers as Int64 across the whole bigint range, and each is checked against
its column's exact range (``mapping.ColumnSpec.fit``); nothing passes through a float.

Splitting is done by the csv module (or ``str.split`` when the file has no quote character) and
value checks run over whole columns (one joined string searched at C speed, C parsers, list
comprehensions only where a column needs them), so a million lines take a few seconds.
"""

from __future__ import annotations

import csv
import decimal
import io
import logging
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from reporting.errors import ConfigError, DataError
from reporting.contract import CURRENCY_COLUMN
from reporting.ingest.mapping import (BOUNDS, EXACT, HEADER_SEARCH_LINES, NUMBER, ColumnMapping, FileFormat, Kind,
                                      Mapping, normalise_currency, shown)

log = logging.getLogger(__name__)

REJECT_COLUMNS = ["line", "reason", "raw_line"]
#: A rejects file keeps each rejected line, cut to this many characters (the reason says so).
RAW_LINE_LIMIT = 1_000

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
    rows_read: int  # data lines: loaded + rejected (header, blank and skipped lines not counted)
    duplicate_lines: int  # data lines identical to an earlier data line (kept)
    blank_lines: int
    skipped_above_header: int = 0  # non-blank lines before the header (format.skip_lines)
    skipped_footer: int = 0  # lines at the end that match format.skip_footer
    skipped_empty: int = 0  # data lines with a skip_if_empty column empty

    @property
    def lines_skipped(self) -> int:
        """Lines set aside on purpose (not read as data, not rejected)."""
        return self.skipped_above_header + self.skipped_footer + self.skipped_empty

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
        return _whitespace_fields(line, fmt.quotechar)
    if fmt.quotechar is None:
        return line.split(fmt.delimiter)
    return next(csv.reader([line], delimiter=fmt.delimiter, quotechar=fmt.quotechar), [])


#: Whitespace other than the spaces and tabs that separate whitespace-delimited fields (a no-break
#: space, say, which str.split() would also split on).
_OTHER_SPACE = re.compile(r"[^\S \t\n]")


def _whitespace_fields(line: str, quotechar: str | None) -> list[str]:
    """Fields separated by runs of spaces and tabs; a field that starts with the quote character
    runs to the matching quote (a doubled quote inside is one), so it may hold spaces."""
    if quotechar is None or quotechar not in line:
        return line.split() if not _OTHER_SPACE.search(line) else re.findall(r"[^ \t]+", line)
    q = re.escape(quotechar)
    fields = []
    for m in re.finditer(rf"{q}((?:[^{q}]|{q}{q})*){q}(?=[ \t]|$)|[^ \t]+", line):
        quoted = m.group(1)
        fields.append(quoted.replace(quotechar * 2, quotechar) if quoted is not None else m.group(0))
    return fields


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
        text = "\n".join(lines)
        if (q is not None and q in text) or _OTHER_SPACE.search(text):
            return _split_whitespace(lines, first, fmt, expected, blank)
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
        if d is None:
            return _split_whitespace(lines, first, fmt, expected, blank)
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


def _split_whitespace(lines: list[str], first: int, fmt: FileFormat, expected: int,
                      blank: np.ndarray) -> _Split:
    """Whitespace-separated lines that hold quotes (or odd spaces), line by line."""
    rows = [_whitespace_fields(ln, fmt.quotechar) for ln in lines]
    counts = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    starts = np.arange(first, first + len(lines), dtype=np.int64)
    good = (counts == expected) & ~blank
    wrong = ~good & ~blank
    good_rows = [r for r, ok in zip(rows, good) if ok]
    fields = pd.DataFrame(good_rows, columns=range(expected), dtype=object) if good_rows else _empty_fields(expected)
    fields.index = pd.Index(starts[good], name="line")
    reasons = pd.Series([f"expected {expected} fields, found {c}" for c in counts[wrong]],
                        index=starts[wrong], dtype=object)
    raw = pd.Series(lines, index=starts, dtype=object)[~blank]
    return _Split(fields=fields, wrong=reasons, raw=raw, blank=int(blank.sum()))


def read_header(lines: list[str], mapping: Mapping, file_name: str) -> tuple[list[str], int, int]:
    """The column names, the index of the first data line, and how many non-blank lines before
    the header were skipped (format.skip_lines)."""
    fmt = mapping.format
    index = _find_header(lines, mapping, file_name) if fmt.skip_lines == "auto" else min(fmt.skip_lines, len(lines))
    skipped = sum(1 for ln in lines[:index] if ln.strip())
    if fmt.header:
        while index < len(lines) and not lines[index].strip():
            index += 1
        if index == len(lines):
            count = fmt.skip_lines if isinstance(fmt.skip_lines, int) else 0
            after = f" after the {count:,} lines skip_lines skips" if count else ""
            raise DataError(f"{file_name}: the file is empty (no header line{after})")
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
    return header, index, skipped


def _find_header(lines: list[str], mapping: Mapping, file_name: str) -> int:
    """skip_lines: auto: the first of the first HEADER_SEARCH_LINES lines whose fields include
    every source column the mapping reads (a report title above it does not)."""
    wanted = list(mapping.source_columns())
    best: tuple[int, int, list[str]] | None = None  # (found, line index, missing)
    for i, line in enumerate(lines[:HEADER_SEARCH_LINES]):
        if not line.strip():
            continue
        try:
            names = {n.strip() for n in _split_fields(line, mapping.format)}
        except csv.Error:
            continue
        missing = [w for w in wanted if w not in names]
        if not missing:
            return i
        if best is None or len(wanted) - len(missing) > best[0]:
            best = (len(wanted) - len(missing), i, missing)
    if best is None:  # nothing but blank lines: the file is empty, as read_header says
        return len(lines)
    searched = min(len(lines), HEADER_SEARCH_LINES)
    nearest = ""
    if best[0]:
        lacks = ", ".join(shown(m) for m in best[2][:5]) + (", ..." if len(best[2]) > 5 else "")
        nearest = f"; the nearest, line {best[1] + 1}, lacks {lacks}"
    raise ConfigError(f"mapping {mapping.name}: skip_lines: auto found no header line in the first {searched:,} "
                      f"lines of {file_name}: none has all {len(wanted)} columns the mapping reads{nearest}")


def _footer_start(lines: list[str], start: int, fmt: FileFormat) -> tuple[int, int]:
    """Where the data ends: before the lines at the end of the file (from ``start`` on) that
    match format.skip_footer, blank lines among them included; and how many matched."""
    if fmt.skip_footer is None:
        return len(lines), 0
    end, matched, cut = len(lines), 0, len(lines)
    while end > start:
        line = lines[end - 1]
        if line.strip() and not fmt.skip_footer.search(line):
            break
        end -= 1
        if line.strip():
            matched += 1
            cut = end
    return cut, matched


# ---- reading ---------------------------------------------------------------------------------


def read_file(path: Path, mapping: Mapping, data: bytes | None = None) -> ReadResult:
    """Read ``path`` (or its already-read bytes) through ``mapping``."""
    if data is None:
        data = path.read_bytes()
    return read_bytes(data, mapping, file_name=path.name)


def read_bytes(data: bytes, mapping: Mapping, *, file_name: str) -> ReadResult:
    fmt = mapping.format
    lines = split_lines(decode(data, fmt.encoding, file_name))
    header, first_data, skipped_above = read_header(lines, mapping, file_name)
    mapping.check_header(header, file_name)
    end, skipped_footer = _footer_start(lines, first_data, fmt)
    split = _split(lines[first_data:end], first_data + 1, fmt, len(header))
    fields, empty = _skip_empty(split.fields, header, mapping)
    frame, errors = _evaluate(fields, header, mapping)
    reasons = _join_reasons([split.wrong, *errors])
    if len(reasons):
        frame = frame[~frame.index.isin(reasons.index)]
    rejects = _rejects(reasons, split.raw.reindex(reasons.index))
    data_lines = split.raw.drop(empty) if len(empty) else split.raw
    rows_read = len(data_lines)
    duplicates = int(data_lines.duplicated().sum())
    log.info("%s: %d lines read, %d ok, %d rejected, %d duplicate, %d blank, %d skipped", file_name, rows_read,
             len(frame), len(rejects), duplicates, split.blank, skipped_above + skipped_footer + len(empty))
    return ReadResult(file_name=file_name, frame=frame, rejects=rejects, rows_read=rows_read,
                      duplicate_lines=duplicates, blank_lines=split.blank, skipped_above_header=skipped_above,
                      skipped_footer=skipped_footer, skipped_empty=len(empty))


def _skip_empty(fields: pd.DataFrame, header: list[str], mapping: Mapping) -> tuple[pd.DataFrame, pd.Index]:
    """The records without the ones where a skip_if_empty column is empty (blank, or a null
    marker), and the lines of those."""
    if not mapping.skip_if_empty or fields.empty:
        return fields, fields.index[:0]
    ev = _Evaluator(fields, header, mapping.format)
    empty = np.zeros(len(fields), dtype=bool)
    for column in mapping.skip_if_empty:
        empty |= ev.text(column).isna().to_numpy()
    return fields[~empty], fields.index[empty]


def _rejects(reasons: pd.Series, raw: pd.Series) -> pd.DataFrame:
    """The rejects table; a raw line longer than RAW_LINE_LIMIT is cut, and its reason says so."""
    lines = raw.tolist()
    texts = reasons.tolist()
    for i, line in enumerate(lines):
        if isinstance(line, str) and len(line) > RAW_LINE_LIMIT:
            texts[i] = f"{texts[i]} (raw_line cut to its first {RAW_LINE_LIMIT:,} of {len(line):,} characters)"
            lines[i] = line[:RAW_LINE_LIMIT]
    return pd.DataFrame({
        "line": reasons.index.to_numpy(dtype=np.int64),
        "reason": np.asarray(texts, dtype=object),
        "raw_line": np.asarray(lines, dtype=object),
    })


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
        self._normalized: dict[str, tuple[list[str | None], np.ndarray]] = {}
        self._numbers: dict[str, _Numbers] = {}
        self.not_numbers: dict[str, np.ndarray] = {}  # by source column: values reported as not numbers

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

    def fail(self, mask: pd.Series | np.ndarray | list[bool], reason: str,
             raw: pd.Series | list[object] | None = None) -> None:
        """Reject the rows in ``mask`` with ``reason``, followed by the row's value from ``raw``."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        where = self.index[mask]
        if raw is None:
            self.errors.append(pd.Series(reason, index=where, dtype=object))
        else:
            values = raw.to_numpy() if isinstance(raw, pd.Series) else np.asarray(raw, dtype=object)
            shown = [_shown(v) for v in values[mask]]
            self.errors.append(pd.Series([f"{reason}: {v}" for v in shown], index=where, dtype=object))

    def normalized(self, column: str) -> tuple[list[str | None], np.ndarray]:
        """A source column's numbers as plain text: thousands separators removed (after their
        groups of three are checked) and a decimal comma made a point; and which present values
        are misshapen for the format (a bad grouping, a point where the decimal is a comma)."""
        if column in self._normalized:
            return self._normalized[column]
        values = self.text(column).tolist()
        fmt = self.fmt
        shape_bad = np.zeros(len(values), dtype=bool)
        if fmt.thousands is not None:
            th, dec = re.escape(fmt.thousands), re.escape(fmt.decimal)
            grouped = re.compile(rf"[ \t]*[+-]?(?:[0-9]{{1,3}}(?:{th}[0-9]{{3}})+|[0-9]*)(?:{dec}[0-9]*)?"
                                 rf"(?:[eE][+-]?[0-9]+)?[ \t]*")
            if fmt.thousands in _join([x for x in values if x is not None]):
                shape_bad |= np.fromiter((x is not None and grouped.fullmatch(x) is None for x in values),
                                         dtype=bool, count=len(values))
                values = [x.replace(fmt.thousands, "") if x is not None else None for x in values]
        if fmt.decimal == ",":
            joined = _join([x for x in values if x is not None])
            if "." in joined:
                shape_bad |= np.fromiter((x is not None and "." in x for x in values), dtype=bool, count=len(values))
            if "," in joined:
                values = [x.replace(",", ".") if x is not None else None for x in values]
        self._normalized[column] = (values, shape_bad)
        return values, shape_bad

    def numbers(self, column: str, target: str) -> _Numbers:
        """A source column parsed as exact decimals; values that are not numbers are reported
        (once per column) and come out None, as empty values do."""
        if column in self._numbers:
            return self._numbers[column]
        raw = self.text(column)
        values, shape_bad = self.normalized(column)
        complete = None not in values
        present = values if complete else [x for x in values if x is not None]
        joined = _join(present)
        parsed: list[Decimal | None] | None = None
        bad = shape_bad
        if not _NOT_NUMERIC.search(joined):  # only digits, signs, points, exponents, blanks
            try:
                decimals = list(map(Decimal, present))
            except (decimal.InvalidOperation, ValueError):
                pass  # some value is misshapen ("1-2", "."): parse value by value below
            else:
                if complete:
                    parsed = list(decimals)
                else:
                    each = iter(decimals)
                    parsed = [next(each) if x is not None else None for x in values]
        if parsed is None:
            parsed = [_decimal(x) if x is not None else None for x in values]
            bad = bad | np.fromiter((x is not None and d is None for x, d in zip(values, parsed)),
                                    dtype=bool, count=len(values))
        self.fail(bad, f"{target} (from {column}): not a number", raw)
        self.not_numbers[column] = bad
        if bad.any():
            parsed = [None if b else d for d, b in zip(parsed, bad.tolist())]
        # plain: no exponent, at most 4 decimals, at most 16 digits in a row; such values fit
        # money as they are (nothing to round, nothing out of range)
        plain = not ("e" in joined or "E" in joined or _LONG_FRACTION.search(joined) or _LONG_DIGITS.search(joined))
        out = _Numbers(values=parsed, plain=plain)
        self._numbers[column] = out
        return out

    def integers(self, column: str) -> pd.Series | None:
        """A source column as Int64 at C speed when every present value is plain digits that
        fit a bigint; None otherwise (the caller then goes through :meth:`numbers`)."""
        values, shape_bad = self.normalized(column)
        if shape_bad.any():
            return None
        present = self.text(column).notna().to_numpy()
        filled = values if present.all() else [x if x is not None else "0" for x in values]
        if _NOT_INTEGER.search(_join(filled)):
            return None
        try:
            exact = np.array(filled, dtype=np.int64)
        except (ValueError, OverflowError, TypeError):
            return None
        return pd.Series(exact, index=self.index, dtype="Int64").where(present)


@dataclass
class _Numbers:
    """A column's exact values (None: empty or not a number), and whether every one is plain
    (see :meth:`_Evaluator.numbers`)."""

    values: list[Decimal | None]
    plain: bool


_NOT_NUMERIC = re.compile(r"[^0-9+\-.eE \t\x00]")
_NOT_INTEGER = re.compile(r"[^0-9+\- \t\x00]")
_LONG_FRACTION = re.compile(r"\.[0-9]{5}")
_LONG_DIGITS = re.compile(r"[0-9]{17}")


def _decimal(text: str) -> Decimal | None:
    """One value as an exact decimal, or None when it is not a number as NUMBER defines it."""
    if NUMBER.fullmatch(text) is None:
        return None
    try:
        return Decimal(text)
    except decimal.InvalidOperation:  # an exponent beyond what decimal represents
        return None


def _shown(value: object, limit: int = 80) -> str:
    """A value quoted for a reason: a decimal written out (no exponent unless huge); a value
    longer than ``limit`` characters cut, with an ellipsis and its length."""
    if isinstance(value, Decimal):
        text = format(value, "f") if -40 < value.adjusted() < 40 else str(value)
    else:
        text = str(value)
    if len(text) > limit:
        return f"'{text[:limit]}…' ({len(text):,} characters)"
    return f"'{text}'"


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
        if col.if_empty is not None:
            values = _fill_empty(values, col)
        if col.required:
            # a value that failed to parse is already reported (here, or for another column
            # that reads the same source); "empty" is for empty sources
            failed = fields.index.isin(np.concatenate([e.index.to_numpy() for e in ev.errors[before:]]
                                                      or [np.array([], dtype=np.int64)]))
            for source in col.source_columns():
                if source in ev.not_numbers:
                    failed |= ev.not_numbers[source]
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
        if col.target == CURRENCY_COLUMN:
            return _currency(ev, col, values)
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
    # numbers: exact decimals throughout, see mapping.ColumnSpec.fit
    if col.kind == "column":
        source = str(col.operands[0])
        if spec.kind is Kind.integer:
            fast = ev.integers(source)
            if fast is not None:
                return _fit_integers(ev, fast, col, ev.text(source))
        numbers = ev.numbers(source, col.target)
        if spec.kind is Kind.decimal and numbers.plain:
            return pd.Series(numbers.values, index=idx, dtype=object)
        return _fit_numbers(ev, numbers.values, col, ev.text(source).tolist())
    values = _combine(ev, col)
    return _fit_numbers(ev, values, col, values)


def _fill_empty(values: pd.Series, col: ColumnMapping) -> pd.Series:
    """``if_empty``: the rows whose value came out empty get the mapping's value (a value that
    did not parse is rejected all the same)."""
    fill = col.if_empty
    if col.spec.kind in (Kind.text, Kind.decimal):
        return pd.Series([fill if v is None else v for v in values.tolist()], index=values.index, dtype=object)
    if col.spec.kind is Kind.date:
        return values.fillna(pd.Timestamp(fill))
    return values.fillna(fill)


def _currency(ev: _Evaluator, col: ColumnMapping, values: pd.Series) -> pd.Series:
    """Currency codes trimmed and upper-cased (`` eur`` is EUR); a value that is not three ASCII
    letters is rejected. Empty stays empty: the base currency."""
    raw = values.tolist()
    codes = [normalise_currency(x) if x is not None else None for x in raw]
    bad = [x is not None and c is None for x, c in zip(raw, codes)]
    ev.fail(bad, f"{col.target}: not an ISO 4217 code (three letters, such as EUR)", raw)
    return ev.series(codes)


def _combine(ev: _Evaluator, col: ColumnMapping) -> list[Decimal | None]:
    """A sum, difference or product, computed exactly; an empty term makes the row empty, and a
    row whose result would need more than 100 digits is rejected rather than rounded."""
    n = len(ev.index)
    terms = [ev.numbers(o, col.target).values if isinstance(o, str) else [o] * n for o in col.operands]
    out: list[Decimal | None] = []
    inexact = np.zeros(n, dtype=bool)
    for i, row in enumerate(zip(*terms)):
        if None in row:
            out.append(None)
            continue
        try:
            value = row[0]
            for term in row[1:]:
                if col.kind == "sum":
                    value = EXACT.add(value, term)
                elif col.kind == "difference":
                    value = EXACT.subtract(value, term)
                else:
                    value = EXACT.multiply(value, term)
            out.append(value)
        except decimal.DecimalException:
            inexact[i] = True
            out.append(None)
    ev.fail(inexact, f"{col.target}: the {col.kind} cannot be computed exactly within 100 digits")
    return out


def _fit_numbers(ev: _Evaluator, values: list[Decimal | None], col: ColumnMapping,
                 shown: list[object]) -> pd.Series:
    """Each value as the column stores it (mapping.ColumnSpec.fit); the others are rejected
    with the reason and ``shown`` (the source text, or the computed value)."""
    spec = col.spec
    stored: list[object] = []
    reasons: list[str | None] = []
    for value in values:
        if value is None:
            stored.append(None)
            reasons.append(None)
            continue
        fitted, problem = spec.fit(value)
        stored.append(fitted)
        reasons.append(problem)
    for problem in sorted({r for r in reasons if r is not None}):
        ev.fail([r == problem for r in reasons], f"{col.target}: {problem}", shown)
    if spec.kind is Kind.integer:
        return pd.Series(pd.array(stored, dtype="Int64"), index=ev.index)
    if spec.kind is Kind.float:
        return pd.Series([np.nan if v is None else v for v in stored], index=ev.index, dtype="float64")
    return pd.Series(stored, index=ev.index, dtype=object)


def _fit_integers(ev: _Evaluator, values: pd.Series, col: ColumnMapping, shown: pd.Series) -> pd.Series:
    """Int64 values already within bigint: check the column's own (narrower) range."""
    low, high, _ = BOUNDS[col.spec.type]
    outside = (values.lt(int(low)) | values.gt(int(high))).fillna(False).to_numpy(dtype=bool)
    ev.fail(outside, f"{col.target}: out of range ({col.spec.range_text})", shown)
    return values.where(~outside)


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
    if kind in (Kind.text, Kind.decimal):
        return pd.Series(None, index=idx, dtype=object)
    return pd.Series(np.nan, index=idx, dtype="float64")


def _typed_const(value: object, kind: Kind, idx: pd.Index) -> pd.Series:
    if kind is Kind.integer:
        return pd.Series(value, index=idx, dtype="Int64")
    if kind is Kind.date:
        return pd.Series(pd.Timestamp(value), index=idx, dtype="datetime64[ns]")
    if kind in (Kind.text, Kind.decimal):
        return pd.Series([value] * len(idx), index=idx, dtype=object)
    return pd.Series(value, index=idx, dtype="float64")


def write_rejects(rejects: pd.DataFrame, path: Path) -> None:
    """The rejected lines as CSV: line, reason, raw_line (UTF-8, header on line 1)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rejects[REJECT_COLUMNS].to_csv(path, index=False, lineterminator="\n")
