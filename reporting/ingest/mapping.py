"""Mapping files: how the columns of an export become the columns of a raw table.

A mapping is a YAML file (format documented in ``mappings/README.md``)::

    table: campaigns
    format: {delimiter: ";", decimal: ",", thousands: ".", null_values: ["#N/A", "-"]}
    columns:
      campaign_name: {concat: [campaign, placement], separator: " | "}
      channel: {const: Display}
      cost: Spend                      # shorthand for {column: Spend}
      date: {column: Day, format: "%d/%m/%Y"}

:func:`load_mapping` validates it completely, so a mistake is one :class:`ConfigError` line naming
the key at fault, before any file is read. :meth:`Mapping.check_header` then checks that every
source column it uses is in a file's header.
"""

from __future__ import annotations

import codecs
import datetime as dt
import decimal
import enum
import hashlib
import logging
import math
import re
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from reporting.errors import ConfigError
from reporting.contract import CURRENCY_COLUMN, MONEY_PRECISION, MONEY_SCALE, RAW_TABLES, ColumnType

log = logging.getLogger(__name__)

#: The most characters of a file, or of one value in a mapping, that a message quotes.
QUOTE_LIMIT = 200


def shown(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A value for a one-line message: its repr, cut after ``limit`` characters with an ellipsis
    and the total length, so that no message carries a whole file (or its secrets)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


class Kind(str, enum.Enum):
    """How a raw column's values are parsed from text."""

    integer = "integer"
    decimal = "decimal"
    float = "float"
    text = "text"
    date = "date"


_KINDS = {ColumnType.bigint: Kind.integer, ColumnType.integer: Kind.integer, ColumnType.money: Kind.decimal,
          ColumnType.float: Kind.float, ColumnType.text: Kind.text, ColumnType.date: Kind.date}


#: Money is stored at this many decimals; more are rounded half to even (banker's rounding).
MONEY_QUANTUM = Decimal(1).scaleb(-MONEY_SCALE)
MONEY_LIMIT = Decimal(10) ** (MONEY_PRECISION - MONEY_SCALE)  # money is below this in magnitude
_MONEY_MAX = MONEY_LIMIT - MONEY_QUANTUM
_DOUBLE_MAX = Decimal(repr(1.7976931348623157e308))

#: The exact values each numeric column type holds, inclusive, and how a reason names them.
BOUNDS: dict[ColumnType, tuple[Decimal, Decimal, str]] = {
    ColumnType.bigint: (Decimal(-(2**63)), Decimal(2**63 - 1), f"bigint: {-(2**63)} to {2**63 - 1}"),
    ColumnType.integer: (Decimal(-(2**31)), Decimal(2**31 - 1), f"integer: {-(2**31)} to {2**31 - 1}"),
    ColumnType.money: (-_MONEY_MAX, _MONEY_MAX,
                       f"decimal({MONEY_PRECISION},{MONEY_SCALE}): -{_MONEY_MAX} to {_MONEY_MAX}"),
    ColumnType.float: (-_DOUBLE_MAX, _DOUBLE_MAX, "double: finite, up to 1.8e308 in magnitude"),
}

#: Rounding money to its scale: exact up to 100 digits, half to even.
ROUNDING = decimal.Context(prec=100, rounding=decimal.ROUND_HALF_EVEN, Emax=decimal.MAX_EMAX,
                           Emin=decimal.MIN_EMIN, traps=[decimal.InvalidOperation])
#: Sums, differences and products: exact, or they raise (decimal.Inexact, Overflow) rather than round.
EXACT = decimal.Context(prec=100, rounding=decimal.ROUND_HALF_EVEN,
                        traps=[decimal.InvalidOperation, decimal.Inexact, decimal.Overflow,
                               decimal.Underflow, decimal.Subnormal])

#: A number as a file or a mapping writes it (ASCII digits; exponent allowed), after the
#: format's thousands separators are removed and its decimal comma is made a point.
NUMBER = re.compile(r"[ \t]*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t]*")


@dataclass(frozen=True)
class ColumnSpec:
    """How a raw column is parsed and checked: its kind, its type and bounds (from the contract)."""

    name: str
    kind: Kind
    type: ColumnType
    max_length: int | None = None  # text

    @property
    def is_numeric(self) -> bool:
        return self.kind in (Kind.integer, Kind.decimal, Kind.float)

    @property
    def range_text(self) -> str:
        """The values the column holds, for reasons: ``decimal(20,4): -9999999999999999.9999 to ...``."""
        return BOUNDS[self.type][2]

    def fit(self, value: Decimal) -> tuple[Decimal | int | float | None, str | None]:
        """``value`` as the column stores it, exactly, or None and why it cannot be stored.

        Whole-number columns take whole values in their range; money is rounded half to even to
        its scale, then must be within +-9999999999999999.9999; doubles must stay finite.
        """
        low, high, _ = BOUNDS[self.type]
        out_of_range = f"out of range ({self.range_text})"
        if self.kind is Kind.integer:
            if value != value.to_integral_value():
                return None, "not a whole number"
            if not low <= value <= high:
                return None, out_of_range
            return int(value), None
        if self.kind is Kind.decimal:
            if value.copy_abs() >= MONEY_LIMIT:  # (and so rounding stays well within 100 digits)
                return None, out_of_range
            rounded = value.quantize(MONEY_QUANTUM, context=ROUNDING)
            if not low <= rounded <= high:
                return None, out_of_range
            return rounded, None
        number = float(value)
        if not math.isfinite(number):
            return None, out_of_range
        return number, None


def column_specs(table: str) -> dict[str, ColumnSpec]:
    """The columns a mapping fills (the one mca assigns left out; the optional ones included),
    with their parsing rules."""
    spec = RAW_TABLES[table]
    return {c.name: ColumnSpec(c.name, _KINDS[c.type], c.type, max_length=c.length)
            for c in spec.loaded_columns if c.name != spec.assigned}


#: An ISO 4217 currency code, as ingest stores it: three ASCII letters, upper case.
CURRENCY_CODE = re.compile(r"[A-Z]{3}")


def normalise_currency(value: str) -> str | None:
    """A currency as written in an export (`` eur``) as ingest stores it (``EUR``), or None when
    it is not three ASCII letters (``EURO``, ``€``)."""
    code = value.strip().upper()
    return code if code.isascii() and CURRENCY_CODE.fullmatch(code) else None


def yaml_number(value: Any) -> Decimal | None:
    """A number written in a mapping, exactly: YAML integers as they are, YAML floats by their
    shortest repr (``0.1`` is 0.1, not the nearest double), texts by the NUMBER syntax."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, str) and NUMBER.fullmatch(value):
        try:
            return Decimal(value)
        except decimal.InvalidOperation:  # an exponent beyond what decimal represents
            return None
    return None

WHITESPACE = "whitespace"
EXPRESSION_KEYS = ("column", "const", "concat", "sum", "difference", "product", "date_parts")
OPTION_KEYS = ("separator", "format", "required", "if_empty")
FORMAT_KEYS = ("delimiter", "quotechar", "encoding", "header", "names", "skip_lines", "skip_footer", "decimal",
               "thousands", "date_format", "null_values", "strip")
TOP_KEYS = ("table", "description", "format", "skip_if_empty", "columns")
#: skip_lines: auto looks for the header line among this many first lines of a file.
HEADER_SEARCH_LINES = 100

#: Which expressions can fill a column of each kind.
ALLOWED: dict[Kind, tuple[str, ...]] = {
    Kind.text: ("column", "const", "concat"),
    Kind.integer: ("column", "const", "sum", "difference", "product"),
    Kind.decimal: ("column", "const", "sum", "difference", "product"),
    Kind.float: ("column", "const", "sum", "difference", "product"),
    Kind.date: ("column", "const", "date_parts"),
}

Operand = str | Decimal  # a source column name, or a number (exact)


@dataclass(frozen=True)
class FileFormat:
    """How a file is split into fields and how its values are written."""

    delimiter: str | None = ","  # None: runs of whitespace
    quotechar: str | None = '"'
    encoding: str = "utf-8"
    header: bool = True
    names: tuple[str, ...] | None = None
    skip_lines: int | Literal["auto"] = 0  # lines before the header; auto: found by the column names
    skip_footer: re.Pattern[str] | None = None  # lines at the end that match it are skipped
    decimal: str = "."
    thousands: str | None = None
    date_format: str = "%Y-%m-%d"
    null_values: frozenset[str] = frozenset()
    strip: bool = True


@dataclass(frozen=True)
class ColumnMapping:
    """How one raw column is computed from a line's fields."""

    target: str
    spec: ColumnSpec
    kind: str  # "column", "const", "concat", "sum", "difference", "product", "date_parts" or "null"
    operands: tuple[Operand, ...] = ()
    value: Any = None  # const, already converted to the column's kind
    separator: str = ""
    date_format: str | None = None
    date_parts: tuple[tuple[str, str | int], ...] = ()  # (("year", ...), ("month", ...), ("day", ...))
    required: bool = False
    if_empty: Any = None  # the value of a row whose result is empty (Meta's empty cell for 0)

    def source_columns(self) -> list[str]:
        ops = list(self.operands) + [v for _, v in self.date_parts]
        return [o for o in ops if isinstance(o, str)]

    def describe(self) -> str:
        if self.kind == "column":
            return f"column {self.operands[0]}"
        if self.kind in ("const", "null"):
            return f"constant {self.value!r}"
        if self.kind == "date_parts":
            return "date from " + ", ".join(f"{k} {v}" for k, v in self.date_parts)
        return f"{self.kind} of " + ", ".join(str(o) for o in self.operands)


@dataclass(frozen=True)
class Mapping:
    name: str
    table: str
    format: FileFormat
    columns: dict[str, ColumnMapping]
    sha256: str
    path: Path | None = None
    skip_if_empty: tuple[str, ...] = ()  # source columns: a line where one is empty is skipped

    def source_columns(self) -> dict[str, list[str]]:
        """Each source column the mapping reads, with the raw columns that use it (or
        ``skip_if_empty``)."""
        out: dict[str, list[str]] = {}
        for col in self.columns.values():
            for source in col.source_columns():
                out.setdefault(source, []).append(col.target)
        for source in self.skip_if_empty:
            out.setdefault(source, []).append("skip_if_empty")
        return out

    def check_header(self, header: list[str], file_name: str) -> None:
        """Fail naming the first source column that is missing from (or repeated in) ``header``.

        The header is listed (at most QUOTE_LIMIT characters of it) only when it has some of the
        mapping's columns: a file that has none of them is probably not an export at all (an
        environment file, say), and its first line is nobody's business in a message.
        """
        sources = self.source_columns()
        for source, users in sources.items():
            found = header.count(source)
            if found == 1:
                continue
            used_by = ", ".join(users)
            if found > 1:
                raise ConfigError(f"{file_name}: column {shown(source)} (used by {used_by}) appears {found} "
                                  f"times in the header; rename it in the file")
            near = [h for h in header if h.lower() == source.lower()]
            hint = f" (did you mean {shown(near[0])}? names are case-sensitive)" if near else ""
            missing = (f"mapping {self.name}: column {shown(source)} (used by {used_by}) is not in the header "
                       f"of {file_name}{hint}")
            if near or any(s in header for s in sources):
                listed = ", ".join(repr(h) for h in header if h)
                if len(listed) > QUOTE_LIMIT:
                    listed = f"{listed[:QUOTE_LIMIT]}… ({len(header):,} columns, {len(listed):,} characters)"
                raise ConfigError(f"{missing}; the header has: {listed}")
            fields = f"{len(header):,} field{'s' if len(header) != 1 else ''}"
            delimiter = "; is format.delimiter right?" if len(header) == 1 else ""
            raise ConfigError(f"{missing}, nor is any other column the mapping reads (its header line has "
                              f"{fields}{delimiter}); is it the file the mapping is for?")


# ---- loading ---------------------------------------------------------------------------------


#: A mapping is a small YAML file; anything larger is refused unread.
MAPPING_MAX_BYTES = 1_000_000


class NotAMapping(ConfigError):
    """The file given as a mapping is not one (messages say so without quoting it)."""


def load_mapping(path: Path) -> Mapping:
    """Read and validate a mapping file. Raises ConfigError naming the bad key or value.

    A file that is not a mapping at all (too large, not UTF-8, not YAML, or YAML without the
    keys table and columns) is refused as such, without quoting any of it: ``--mapping``
    pointed at the wrong file must not print that file.
    """
    try:
        with path.open("rb") as fh:
            data = fh.read(MAPPING_MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read mapping {path}: {exc.strerror or exc}") from None
    not_a_mapping = f"{path} is not a mapping (a YAML file with the keys table, format and columns)"
    if len(data) > MAPPING_MAX_BYTES:
        raise NotAMapping(f"{not_a_mapping}: it is larger than {MAPPING_MAX_BYTES:,} bytes")
    import yaml

    try:
        doc = yaml.safe_load(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise NotAMapping(f"{not_a_mapping}: it is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise ConfigError(f"cannot parse mapping {path}{where}: {problem[:QUOTE_LIMIT]} "
                          "(is it a mapping? see mappings/README.md)") from None
    if not _looks_like_a_mapping(doc):
        raise NotAMapping(not_a_mapping)
    return parse_mapping(doc, name=path.stem, sha256=hashlib.sha256(data).hexdigest(), path=path)


def _looks_like_a_mapping(doc: Any) -> bool:
    return isinstance(doc, MappingABC) and ("table" in doc or "columns" in doc)


def parse_mapping(doc: Any, *, name: str, sha256: str = "", path: Path | None = None) -> Mapping:
    """Validate a mapping already parsed from YAML (a dict)."""
    where = f"mapping {name}"
    if not _looks_like_a_mapping(doc):
        raise NotAMapping(f"{where} is not a mapping: expected the keys table, format and columns at "
                          "the top level")
    _no_unknown(doc, TOP_KEYS, where)
    table = doc.get("table")
    if table not in RAW_TABLES:
        raise ConfigError(f"{where}: table must be one of {', '.join(RAW_TABLES)}, got {shown(table)}")
    fmt = _parse_format(doc.get("format") or {}, where)
    columns_doc = doc.get("columns")
    if not isinstance(columns_doc, MappingABC) or not columns_doc:
        raise ConfigError(f"{where}: columns must map each raw column of {table} to a source")
    specs = column_specs(table)
    for target in columns_doc:
        if target not in specs:
            assigned = set(RAW_TABLES[table].column_names) - set(specs)
            why = " (mca assigns it)" if target in assigned else ""
            key = str(target) if len(str(target)) <= QUOTE_LIMIT else f"{str(target)[:QUOTE_LIMIT]}…"
            raise ConfigError(f"{where}: columns.{key}: not a column the {table} table takes{why}; "
                              f"its columns are: {', '.join(specs)}")
    optional = {c.name for c in RAW_TABLES[table].optional_columns}
    missing = [c for c in specs if c not in columns_doc and c not in optional]
    if missing:
        raise ConfigError(f"{where}: no entry for raw column(s) {', '.join(missing)} of {table} "
                          "(map each one, or set it to null)")
    required = set(RAW_TABLES[table].required)
    columns = {  # an optional column left out is null
        target: _parse_column(target, specs[target], columns_doc.get(target), fmt, where, target in required)
        for target in specs
    }
    skip_if_empty = doc.get("skip_if_empty") or []
    if not isinstance(skip_if_empty, list) or not all(isinstance(c, str) and c for c in skip_if_empty):
        raise ConfigError(f"{where}: skip_if_empty must be a list of source column names, e.g. [CustomerID]")
    return Mapping(name=name, table=str(table), format=fmt, columns=columns, sha256=sha256, path=path,
                   skip_if_empty=tuple(skip_if_empty))


def _no_unknown(doc: MappingABC, allowed: tuple[str, ...], where: str) -> None:
    for key in doc:
        if key not in allowed:
            raise ConfigError(f"{where}: unknown key {shown(key)}; expected one of: {', '.join(allowed)}")


def _parse_format(doc: Any, where: str) -> FileFormat:
    where = f"{where}: format"
    if not isinstance(doc, MappingABC):
        raise ConfigError(f"{where} must be a set of options ({', '.join(FORMAT_KEYS)})")
    _no_unknown(doc, FORMAT_KEYS, where)
    base = FileFormat()

    def text_opt(key: str, default: str | None, *, allow_null: bool = False) -> str | None:
        if key not in doc:
            return default
        value = doc[key]
        if value is None and allow_null:
            return None
        if not isinstance(value, str):
            raise ConfigError(f"{where}.{key} must be text, got {shown(value)}")
        return value

    delimiter = text_opt("delimiter", ",")
    if delimiter in (WHITESPACE, "whitespace"):
        delimiter = None
    elif delimiter == "tab":
        delimiter = "\t"
    elif delimiter is None or len(delimiter) != 1 or delimiter in "\r\n":
        raise ConfigError(f"{where}.delimiter must be one character, 'tab' or 'whitespace', got {shown(delimiter)}")
    quotechar = text_opt("quotechar", '"', allow_null=True)
    if quotechar is not None and (len(quotechar) != 1 or quotechar == delimiter
                                  or (delimiter is None and quotechar.isspace())):
        raise ConfigError(f"{where}.quotechar must be one character other than the delimiter (or null), "
                          f"got {shown(quotechar)}")
    encoding = text_opt("encoding", "utf-8") or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ConfigError(f"{where}.encoding: unknown encoding {shown(encoding)}") from None
    try:  # hex, rot13, base64, zlib... are codecs, but not between bytes and text
        b"a".decode(encoding)
    except LookupError:
        raise ConfigError(f"{where}.encoding: {shown(encoding)} is not a text encoding; use one such as "
                          "utf-8, latin-1 or cp1252") from None
    except (UnicodeError, ValueError):  # a text codec that cannot decode one byte alone (utf-16)
        pass
    header = doc.get("header", True)
    if not isinstance(header, bool):
        raise ConfigError(f"{where}.header must be true or false, got {shown(header)}")
    names = doc.get("names")
    if names is not None:
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise ConfigError(f"{where}.names must be a list of column names")
        names = tuple(names)
    elif not header:
        raise ConfigError(f"{where}: a file without a header needs names (the column names, in order)")
    skip_lines = doc.get("skip_lines", 0)
    if skip_lines == "auto":
        if not header or names is not None:
            raise ConfigError(f"{where}.skip_lines: auto finds the header line by the column names the "
                              "mapping reads, so it needs header: true and no names")
    elif isinstance(skip_lines, bool) or not isinstance(skip_lines, int) or skip_lines < 0:
        raise ConfigError(f"{where}.skip_lines must be a number of lines (0 or more) or auto, "
                          f"got {shown(skip_lines)}")
    footer = doc.get("skip_footer")
    skip_footer = None
    if footer is not None:
        if not isinstance(footer, str) or not footer:
            raise ConfigError(f"{where}.skip_footer must be a regular expression, e.g. \"^Total\", "
                              f"got {shown(footer)}")
        try:
            skip_footer = re.compile(footer)
        except re.error as exc:
            raise ConfigError(f"{where}.skip_footer: not a regular expression ({exc})") from None
    decimal = text_opt("decimal", ".")
    if decimal not in (".", ","):
        raise ConfigError(f"{where}.decimal must be '.' or ',', got {shown(decimal)}")
    thousands = text_opt("thousands", None, allow_null=True)
    if thousands is not None and (len(thousands) != 1 or thousands == decimal or thousands.isdigit()):
        raise ConfigError(f"{where}.thousands must be one character other than the decimal separator "
                          f"(or null), got {shown(thousands)}")
    # the delimiter (or, between whitespace-separated fields, a space) can group thousands only
    # inside quoted fields: "22,022" in a comma-separated file
    splits = thousands == delimiter or (delimiter is None and thousands is not None and thousands in " \t")
    if splits and quotechar is None:
        raise ConfigError(f"{where}.thousands cannot be the delimiter {shown(thousands)} unless fields are "
                          "quoted: set quotechar (numbers such as \"22,022\" must then be quoted)")
    if decimal == delimiter:
        raise ConfigError(f"{where}.decimal cannot be the delimiter {shown(delimiter)}")
    date_format = text_opt("date_format", base.date_format) or base.date_format
    _check_date_format(date_format, f"{where}.date_format")
    nulls = doc.get("null_values", [])
    if nulls is None:
        nulls = []
    if isinstance(nulls, str) or not isinstance(nulls, list) or not all(isinstance(v, str) for v in nulls):
        raise ConfigError(f"{where}.null_values must be a list of texts, e.g. [\"#N/A\", \"-\"] "
                          "(quote them in YAML)")
    strip = doc.get("strip", True)
    if not isinstance(strip, bool):
        raise ConfigError(f"{where}.strip must be true or false, got {shown(strip)}")
    return FileFormat(
        delimiter=delimiter, quotechar=quotechar, encoding=encoding, header=header, names=names,
        skip_lines=skip_lines, skip_footer=skip_footer, decimal=decimal, thousands=thousands,
        date_format=date_format, null_values=frozenset(v.strip() if strip else v for v in nulls), strip=strip,
    )


def _check_date_format(fmt: str, where: str) -> None:
    if "%" not in fmt:
        raise ConfigError(f"{where} must be a strftime format such as '%d/%m/%Y', got {shown(fmt)}")
    try:
        dt.date(2001, 2, 3).strftime(fmt)
    except ValueError as exc:
        raise ConfigError(f"{where}: invalid format {shown(fmt)}: {exc}") from None


def _parse_column(target: str, spec: ColumnSpec, entry: Any, fmt: FileFormat, where: str,
                  required_default: bool) -> ColumnMapping:
    where = f"{where}: columns.{target}"
    if entry is None:
        if required_default:
            raise ConfigError(f"{where} is required, so it cannot be null")
        return ColumnMapping(target=target, spec=spec, kind="null")
    if isinstance(entry, str):
        entry = {"column": entry}
    if not isinstance(entry, MappingABC):
        raise ConfigError(f"{where} must be a source column name or one of: {', '.join(EXPRESSION_KEYS)}")
    _no_unknown(entry, EXPRESSION_KEYS + OPTION_KEYS, where)
    kinds = [k for k in EXPRESSION_KEYS if k in entry]
    if len(kinds) != 1:
        raise ConfigError(f"{where} needs exactly one of {', '.join(EXPRESSION_KEYS)}, got "
                          f"{', '.join(kinds) or 'none'}")
    kind = kinds[0]
    if kind not in ALLOWED[spec.kind]:
        raise ConfigError(f"{where}: {kind} cannot fill a {spec.kind.value} column; use one of: "
                          f"{', '.join(ALLOWED[spec.kind])}")
    required = entry.get("required", required_default)
    if not isinstance(required, bool):
        raise ConfigError(f"{where}.required must be true or false, got {shown(required)}")
    if required_default and not required:
        raise ConfigError(f"{where}.required cannot be false: the {target} column cannot be empty")
    if "separator" in entry and kind != "concat":
        raise ConfigError(f"{where}.separator only applies to concat")
    date_format = entry.get("format")
    if date_format is not None:
        if not (spec.kind is Kind.date and kind == "column"):
            raise ConfigError(f"{where}.format only applies to a date read from a column")
        if not isinstance(date_format, str):
            raise ConfigError(f"{where}.format must be text, got {shown(date_format)}")
        _check_date_format(date_format, f"{where}.format")
    value = entry[kind]
    if_empty = None
    if "if_empty" in entry:
        if kind == "const":
            raise ConfigError(f"{where}.if_empty does not apply to a constant")
        if_empty = _convert_const(entry["if_empty"], spec, f"{where}.if_empty")
        if if_empty is None:
            raise ConfigError(f"{where}.if_empty must be a value (leave it out for null)")
    common = dict(target=target, spec=spec, required=required, if_empty=if_empty)

    if kind == "column":
        if not isinstance(value, str) or value == "":
            raise ConfigError(f"{where}.column must be a column name, got {shown(value)}")
        return ColumnMapping(kind=kind, operands=(value,), date_format=date_format or fmt.date_format, **common)
    if kind == "const":
        converted = _convert_const(value, spec, where)
        if converted is None and required:
            raise ConfigError(f"{where} is required, so its constant cannot be null")
        return ColumnMapping(kind="null" if converted is None else "const", value=converted, **common)
    if kind == "concat":
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            raise ConfigError(f"{where}.concat must be a list of column names")
        separator = entry.get("separator", "")
        if not isinstance(separator, str):
            raise ConfigError(f"{where}.separator must be text, got {shown(separator)}")
        return ColumnMapping(kind=kind, operands=tuple(value), separator=separator, **common)
    if kind in ("sum", "difference", "product"):
        ok = isinstance(value, list) and value and all(_is_operand(v) for v in value)
        if not ok or (kind == "difference" and len(value) != 2):
            shape = "[a, b] (a - b)" if kind == "difference" else "a list"
            raise ConfigError(f"{where}.{kind} must be {shape} of column names or numbers")
        if not any(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}.{kind} uses no column; use const for a constant")
        operands = tuple(v if isinstance(v, str) else yaml_number(v) for v in value)
        return ColumnMapping(kind=kind, operands=operands, **common)
    # date_parts
    if not isinstance(value, MappingABC):
        raise ConfigError(f"{where}.date_parts must have year, month and day")
    _no_unknown(value, ("year", "month", "day"), f"{where}.date_parts")
    parts = []
    for part in ("year", "month", "day"):
        v = value.get(part)
        if not (isinstance(v, str) and v) and not (isinstance(v, int) and not isinstance(v, bool)):
            raise ConfigError(f"{where}.date_parts.{part} must be a column name or a whole number, got {shown(v)}")
        parts.append((part, v))
    if not any(isinstance(v, str) for _, v in parts):
        raise ConfigError(f"{where}.date_parts uses no column; use const for a constant date")
    return ColumnMapping(kind=kind, date_parts=tuple(parts), **common)


def _is_operand(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    return (isinstance(v, str) and v != "") or (isinstance(v, (int, float)) and yaml_number(v) is not None)


def _convert_const(value: Any, spec: ColumnSpec, where: str) -> Any:
    if value is None:
        return None
    key = "" if where.endswith(".if_empty") else ".const"
    bad = ConfigError(f"{where}{key}: {shown(value)} is not a valid {spec.kind.value}")
    if spec.kind is Kind.text:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise bad
        text = str(value)
        if spec.name == CURRENCY_COLUMN:
            code = normalise_currency(text)
            if code is None:
                raise ConfigError(f"{where}{key}: {shown(value)} is not an ISO 4217 currency code "
                                  "(three letters, such as EUR)")
            return code
        if spec.max_length is not None and len(text) > spec.max_length:
            raise ConfigError(f"{where}{key} is longer than {spec.max_length} characters")
        return text
    if spec.kind is Kind.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise bad from None
    number = yaml_number(value)
    if number is None:
        raise bad
    fitted, problem = spec.fit(number)
    if problem == "not a whole number":
        raise bad
    if problem is not None:
        raise ConfigError(f"{where}{key} {shown(value)} is {problem}")
    return fitted
