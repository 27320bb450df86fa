"""Number and date formatting shared by the PDF and HTML reports.

Every value the reports show goes through these functions, so both formats read the same and a
missing ratio (a zero denominator gives NULL in the marts, None or NaN here) always reads
``n/a``, never 0.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

NA = "n/a"


def is_missing(value: Any) -> bool:
    """True for None, NaN, pandas NA/NaT: anything that is not a number or date to show."""
    if value is None:
        return True
    if isinstance(value, (str, bytes, dt.date)):
        return False
    try:
        return bool(value != value)  # NaN, pd.NA and NaT are not equal to themselves
    except (TypeError, ValueError):
        # pd.NA raises on bool(); it is missing all the same
        return True


def _number(value: Any) -> float | None:
    if is_missing(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def fmt_money(value: Any, currency: str) -> str:
    """``Rs. 1,234.50``: currency label, thousands separators, two decimals."""
    number = _number(value)
    return NA if number is None else f"{currency} {number:,.2f}"


COMPACT_UNITS = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))


def fmt_compact(value: Any) -> str:
    """A headline number in three significant figures with a unit: 2,420,663,528.97 ->
    ``2.42 B``, 58,712 -> ``58.7 K``, 123,456 -> ``123 K``; below 1,000 with two decimals."""
    number = _number(value)
    if number is None:
        return NA
    size = abs(number)
    for unit_value, unit in COMPACT_UNITS:
        # 999,999 rounds to 1,000 K: show it as 1.00 M
        if size >= unit_value * 0.9995:
            scaled = number / unit_value
            decimals = 0 if abs(scaled) >= 99.95 else 1 if abs(scaled) >= 9.995 else 2
            return f"{scaled:,.{decimals}f} {unit}"
    return f"{number:,.2f}"


def fmt_money_compact(value: Any, currency: str) -> str:
    """Money for headlines: ``Rs. 2.42 B`` (exact amounts stay in the tables)."""
    text = fmt_compact(value)
    return text if text == NA else f"{currency} {text}"


def fmt_change_pct(value: Any) -> str:
    """A relative change in percent with its direction: ``▲ +12.09%``, ``▼ -40.00%``, ``0.00%``;
    ``n/a`` when there was nothing to compare with."""
    number = _number(value)
    if number is None:
        return NA
    if round(number, 2) == 0:
        return "0.00%"
    return f"{'▲' if number > 0 else '▼'} {number:+,.2f}%"


def fmt_pct(value: Any) -> str:
    """A value already in percent: ``12.34%``."""
    number = _number(value)
    return NA if number is None else f"{number:,.2f}%"


def fmt_share(value: Any) -> str:
    """A fraction 0-1 shown as a percentage: 0.1963 -> ``19.63%``."""
    number = _number(value)
    return NA if number is None else fmt_pct(number * 100.0)


def fmt_ratio(value: Any) -> str:
    """A multiple such as ROAS: ``4.65x``."""
    number = _number(value)
    return NA if number is None else f"{number:,.2f}x"


def fmt_count(value: Any) -> str:
    """A count: ``12,345``."""
    number = _number(value)
    return NA if number is None else f"{round(number):,}"


def fmt_quantity(value: Any) -> str:
    """A count that may hold fractions (conversions under data-driven attribution): ``12,345``
    when whole, else with its decimals, at most four: ``12,345.25``."""
    number = _number(value)
    if number is None:
        return NA
    text = f"{number:,.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_number(value: Any, decimals: int = 2) -> str:
    number = _number(value)
    return NA if number is None else f"{number:,.{decimals}f}"


def fmt_date(value: Any) -> str:
    """ISO date (``2026-06-30``), ``n/a`` when missing."""
    if is_missing(value):
        return NA
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def fmt_datetime(value: dt.datetime) -> str:
    """``2026-06-30 14:05 UTC`` (naive datetimes are shown as they are)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc)
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.strftime("%Y-%m-%d %H:%M")


def fmt_text(value: Any) -> str:
    return NA if is_missing(value) else str(value)


def glue_currency(text: str, currency: str) -> str:
    """Join the currency label to the amount after it with a no-break space, so a sentence never
    wraps between ``Rs.`` and its number."""
    if not currency:
        return text
    return re.sub(re.escape(currency) + r" (?=[-\d])", currency + "\u00a0", text)


FORMATTERS = {
    "pct": fmt_pct,
    "share": fmt_share,
    "ratio": fmt_ratio,
    "count": fmt_count,
    "quantity": fmt_quantity,
    "number": fmt_number,
    "date": fmt_date,
    "text": fmt_text,
    "change_pct": fmt_change_pct,
    "compact": fmt_compact,
    "figure": fmt_text,
}
"""Value kind -> formatter, for every kind except ``money`` (which needs the currency)."""


def fmt_value(value: Any, kind: str, currency: str) -> str:
    """Format ``value`` by its kind: money, money_compact, pct, change_pct, share, ratio, count,
    compact, quantity, number, date, text, bool, or figure (text formatted already, shown as a
    number)."""
    if kind == "money":
        return fmt_money(value, currency)
    if kind == "money_compact":
        return fmt_money_compact(value, currency)
    if kind == "bool":
        return NA if is_missing(value) else ("yes" if value else "no")
    try:
        return FORMATTERS[kind](value)
    except KeyError:
        raise ValueError(f"unknown value kind {kind!r}") from None
