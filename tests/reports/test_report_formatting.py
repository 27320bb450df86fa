"""Formatting, markup escaping and the headline sentences on small hand-made inputs."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from reporting.reports.fonts import pdf_fonts
from reporting.reports.formatting import (
    fmt_count,
    fmt_money,
    fmt_pct,
    fmt_ratio,
    fmt_share,
    fmt_value,
    glue_currency,
    is_missing,
)
from reporting.reports.narrative import revenue_trend_sentence


@pytest.mark.parametrize("missing", [None, float("nan"), math.nan, pd.NA, pd.NaT,
                                     float("inf")])
def test_missing_ratios_read_na(missing: object) -> None:
    assert fmt_pct(missing) == "n/a"
    assert fmt_ratio(missing) == "n/a"
    assert fmt_money(missing, "Rs.") == "n/a"
    assert fmt_count(missing) == "n/a"


def test_formats() -> None:
    assert fmt_money(32466280.09, "Rs.") == "Rs. 32,466,280.09"
    assert fmt_money(-5, "€") == "€ -5.00"
    assert fmt_pct(1246.70550) == "1,246.71%"
    assert fmt_pct(0) == "0.00%"  # a real zero stays zero
    assert fmt_ratio(4.645992) == "4.65x"
    assert fmt_share(0.1963) == "19.63%"
    assert fmt_count(152164933) == "152,164,933"
    assert fmt_value(True, "bool", "Rs.") == "yes"
    assert fmt_value(dt.date(2026, 6, 30), "date", "Rs.") == "2026-06-30"
    assert not is_missing(0) and not is_missing("") and is_missing(pd.NA)
    with pytest.raises(ValueError, match="unknown value kind"):
        fmt_value(1, "colour", "Rs.")


def test_glue_currency() -> None:
    assert glue_currency("cost Rs. 1,234.00 and Rs. -5.00 (Rs. is rupees)", "Rs.") == \
        "cost Rs.\u00a01,234.00 and Rs.\u00a0-5.00 (Rs. is rupees)"


def test_pdf_markup_escapes_and_falls_back() -> None:
    fonts = pdf_fonts()
    out = fonts.markup('<script>alert(1)</script> & "Q4" 日本 🚀')
    assert out.startswith('&lt;script&gt;alert(1)&lt;/script&gt; &amp; "Q4" ')
    assert "<script" not in out
    if fonts.fallback:
        assert f'<font name="{fonts.fallback}">日本</font>' in out
    else:
        assert "日本" not in out
    assert "🚀" not in out and fonts.replacement in out


def _daily(revenue: list[float]) -> pd.DataFrame:
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(len(revenue))]
    return pd.DataFrame({"date_day": days, "revenue": revenue})


def test_trend_last_30_days_against_previous_30() -> None:
    # 10 days of 999 (outside both windows), 30 days of 100, 30 days of 112.4
    sentence = revenue_trend_sentence(_daily([999] * 10 + [100] * 30 + [112.4] * 30), "Rs.")
    assert sentence == ("Revenue rose 12.40% in the last 30 days (2026-02-10 to 2026-03-11) to "
                        "Rs. 3,372.00, from Rs. 3,000.00 in the previous 30 days.")


def test_trend_halves_for_short_periods_and_edge_cases() -> None:
    assert revenue_trend_sentence(_daily([10, 10, 999, 5, 5]), "Rs.").startswith(
        "Revenue fell 50.00% in the second half of the period (2026-01-04 to 2026-01-05)")
    assert revenue_trend_sentence(_daily([0, 0, 7, 7]), "Rs.").startswith(
        "Revenue was Rs. 14.00 in the second half of the period")
    assert revenue_trend_sentence(_daily([0, 0]), "Rs.").startswith("There was no revenue")
    assert revenue_trend_sentence(_daily([5, 5.001]), "Rs.").startswith("Revenue was flat")
    assert revenue_trend_sentence(_daily([5]), "Rs.") == ""


LAZY_CJK = """
from reportlab.pdfbase import pdfmetrics
from reporting.reports.fonts import FALLBACK, cjk_font_file, pdf_fonts
fonts = pdf_fonts()
assert fonts.markup("Summer Sale 2026 – Ünïcode Ωμέγα Привет") == "Summer Sale 2026 – Ünïcode Ωμέγα Привет"
print(FALLBACK in pdfmetrics.getRegisteredFontNames())
print(fonts.markup("広告 Q4"), cjk_font_file() is not None)
print(FALLBACK in pdfmetrics.getRegisteredFontNames())
"""


def test_the_cjk_font_is_loaded_only_when_a_text_needs_it() -> None:
    """Parsing the CJK fallback font costs 27 MB and 0.2 s: names in Latin, Greek or Cyrillic
    (DejaVu Sans has them) never load it; the first CJK character does (a fresh process, as
    reportlab's registry is per process)."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", LAZY_CJK], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    before, markup, after = proc.stdout.splitlines()
    assert before == "False"
    if markup.endswith("True"):  # a CJK font is installed (make test requires one)
        assert markup == '<font name="MCA-CJK">広告</font> Q4 True' and after == "True"
    else:
        assert markup == "\ufffd\ufffd Q4 False" and after == "False"
