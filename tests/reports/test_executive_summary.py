"""The executive summary's period comparison (rpt_period_comparison) and what the reports say
about it, on hand-made rows (tests/reports/executive_rows.py) whose every figure is worked out
by hand: the mart on DuckDB and MariaDB (the same rows on both), then the PDF and HTML written
from the DuckDB build. One build per target for the module."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from reporting.report_data import load_report_data
from reporting.settings import Settings, Target
from reporting.warehouse import Warehouse
from tests import crafted
from tests.helpers import build, load_raw
from tests.reports import executive_rows as rows

TARGETS = ["duckdb", "mariadb"]


@pytest.fixture(scope="module")
def built(duckdb_settings_factory, server_settings_factory):
    """Load the rows and build once per target (lazily)."""
    cache: dict[str, Settings] = {}

    def get(target: str) -> Settings:
        if target not in cache:
            s = (duckdb_settings_factory("executive") if target == "duckdb"
                 else server_settings_factory(Target.mariadb))
            load_raw(s, rows.campaigns_frame(), crafted.CUSTOMERS)
            assert build(s, rows.AS_OF, extra_vars={"lookback_days": rows.LOOKBACK_DAYS}).success
            cache[target] = s
        return cache[target]

    return get


def _comparison(s: Settings) -> pd.DataFrame:
    with Warehouse(s) as wh:
        data = load_report_data(wh, run_id="t", as_of=rows.AS_OF)
    return data.comparison.set_index("row_key")


def _close(got, want) -> bool:
    if want is None:
        return got is None or (isinstance(got, float) and math.isnan(got))
    return math.isclose(float(got), want, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize("target", TARGETS)
def test_periods_and_overall(built, target):
    c = _comparison(built(target))
    o = c.loc["overall"]
    assert o["level"] == "overall" and o["report_period"] == "30d"
    assert [str(o[k]) for k in ("current_start", "current_end", "previous_start", "previous_end")] == [
        "2024-06-01", "2024-06-30", "2024-05-02", "2024-05-31"]
    assert bool(o["is_previous_covered"]) and bool(o["is_year_ago_covered"])
    # current: 100+200+50+10+40+5 cost, 900+600+175+30+0+10 revenue; previous 100+200+50+10+5, 400+1000+100+20+10
    want = {"cost_current": 405, "cost_previous": 365, "revenue_current": 1715, "revenue_previous": 1530,
            "revenue_change": 185, "revenue_change_pct": 185 / 1530 * 100, "profit_current": 1310,
            "profit_previous": 1165, "profit_change_pct": 145 / 1165 * 100, "conversions_current": 27,
            "conversions_previous": 37, "roas_current": 1715 / 405, "roas_previous": 1530 / 365,
            "roi_current": 1310 / 405 * 100, "cpa_current": 15, "cpa_previous": 365 / 37,
            "revenue_year_ago": 200, "revenue_yoy_change_pct": 1515 / 200 * 100,
            "campaign_days_current": 6, "channel_imputed_current": 1}
    assert {k: float(o[k]) for k in want} == pytest.approx(want)


@pytest.mark.parametrize("target", TARGETS)
def test_channels_and_campaigns(built, target):
    c = _comparison(built(target))
    assert sorted(c.index) == sorted([
        "overall", "channel:1", "channel:2", "channel:3", "channel:4", "channel:99",
        "campaign:1:alpha", "campaign:1:eta", "campaign:2:beta", "campaign:3:gamma",
        "campaign:4:zeta", "campaign:99:delta"])
    social = c.loc["channel:2"]  # Beta on Facebook: revenue fell 1000 -> 600, CPA 10 -> 20
    assert social["channel"] == "Social Media"
    assert _close(social["revenue_change"], -400) and _close(social["revenue_change_pct"], -40)
    assert _close(social["cpa_previous"], 10) and _close(social["cpa_current"], 20)
    alpha = c.loc["campaign:1:alpha"]  # revenue rose 400 -> 900; the 2024-04-01 row is in no period
    assert alpha["campaign_name"] == "Alpha" and _close(alpha["revenue_change_pct"], 125)
    assert _close(alpha["revenue_previous"], 400) and _close(alpha["revenue_year_ago"], 200)
    zeta = c.loc["campaign:4:zeta"]  # new: no previous revenue, so no relative change
    assert _close(zeta["revenue_change_pct"], None) and _close(zeta["cost_current"], 40)
    assert _close(zeta["conversions_current"], 0) and _close(zeta["cpa_current"], None)
    other = c.loc["channel:99"]
    assert other["channel"] == "Other" and not bool(other["is_canonical_channel"])
    assert bool(c.loc["channel:1", "is_canonical_channel"])
    assert int(c.loc["campaign:1:eta", "channel_imputed_current"]) == 1  # no channel: its campaign's


def test_parity(built):
    """The same figures on both targets, row by row."""
    duck, maria = _comparison(built("duckdb")), _comparison(built("mariadb"))
    assert list(duck.index) == list(maria.index)
    for col in duck.columns:
        for key in duck.index:
            a, b = duck.at[key, col], maria.at[key, col]
            if isinstance(a, (int, float)) and not isinstance(a, bool):
                assert _close(b, None if pd.isna(a) else float(a)), (key, col, a, b)
            else:
                assert (pd.isna(a) and pd.isna(b)) or a == b, (key, col, a, b)


# ---- the reports -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reports(built, tmp_path_factory):
    """PDF text and parsed HTML written from the DuckDB build."""
    import re

    from pypdf import PdfReader

    from reporting.reports import write_html, write_pdf
    from tests.reports.test_report_specs import parse

    with Warehouse(built("duckdb")) as wh:
        data = load_report_data(wh, run_id="exec", as_of=rows.AS_OF)
    out = tmp_path_factory.mktemp("executive")
    pdf = write_pdf(data, {}, out / "r.pdf")
    html = write_html(data, {}, out / "r.html")
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    return (re.sub(r"\s+", " ", text.replace("\u00a0", " ")), parse(html),
            html.read_text(encoding="utf-8").replace("\u00a0", " "))


def _cells(page, table_id: str) -> list[list[str]]:
    return [[cell.text for cell in row] for row in page.tables[table_id]]


def test_what_changed_leads_both_reports(reports):
    pdf, page, html = reports
    assert pdf.index("What changed") < pdf.index("The whole window") < pdf.index("Key metrics")
    assert html.index('id="what-changed"') < html.index('aria-label="Headlines"')
    for text in (pdf, " ".join(page.paragraphs) + html):
        assert "The last 30 days (2024-06-01 to 2024-06-30) against the previous period of the same length (2024-05-02 to 2024-05-31)" in text
    # revenue 1530 -> 1715 (+12.09 %), cost 365 -> 405 (+10.96 %), profit 1165 -> 1310 (+12.45 %),
    # ROAS 4.19x -> 4.23x (+1.02 %)
    assert _cells(page, "change-table")[1:] == [
        ["Revenue", "Rs. 1.72 K", "Rs. 1.53 K", "▲ +12.09%"],
        ["Cost", "Rs. 405.00", "Rs. 365.00", "▲ +10.96%"],
        ["Profit", "Rs. 1.31 K", "Rs. 1.17 K", "▲ +12.45%"],
        ["ROAS", "4.23x", "4.19x", "▲ +1.02%"],
    ]
    assert "Revenue Rs. 1.72 K Rs. 1.53 K ▲ +12.09%" in pdf
    for text in (pdf, html):
        assert "Channels whose revenue rose: Email (▲ +121.95%), Paid Search (▲ +75.00%)." in text
        assert "Channels whose revenue fell: Social Media (▼ -40.00%)." in text
    # the channel table: recognised channels only, Other reported apart
    assert [r[0] for r in _cells(page, "channel-change-table")[1:]] == [
        "Email", "Paid Search", "Display", "Social Media"]
    assert _cells(page, "campaign-risers")[1][:6] == [
        "Alpha", "Email", "Rs. 900.00", "Rs. 400.00", "Rs. 500.00", "▲ +125.00%"]
    assert _cells(page, "campaign-fallers")[1:] == [
        ["Beta", "Social Media", "Rs. 600.00", "Rs. 1,000.00", "Rs. -400.00", "▼ -40.00%"]]
    assert "Beta Social Media Rs. 600.00 Rs. 1,000.00 Rs. -400.00 ▼ -40.00%" in pdf


def test_winners_and_losers(reports):
    pdf, page, html = reports
    # minimum spend: 1 % of 405; every campaign spent more
    assert "Campaigns that spent at least Rs. 4.05 this period" in pdf
    worst = _cells(page, "worst-roi")[1:]
    assert worst[0] == ["Zeta", "Display", "Rs. 40.00", "Rs. 0.00", "Rs. -40.00", "-100.00%"]
    assert [r[0] for r in worst] == ["Zeta", "Eta", "Beta", "Delta", "Gamma"]
    assert [r[0] for r in _cells(page, "best-roi")[1:3]] == ["Alpha", "Gamma"]
    assert _cells(page, "best-profit")[1][0] == "Alpha" and _cells(page, "worst-profit")[1][0] == "Zeta"
    assert "Worst campaigns by ROI Campaign Channel Cost Revenue Profit ROI Zeta Display Rs. 40.00 Rs. 0.00 Rs. -40.00 -100.00%" in pdf
    for text in (pdf, html):
        assert ("Other: Rs. 10.00 of cost and Rs. 30.00 of revenue this period came from channel "
                "names mca does not recognise") in text
        assert "1 campaign-day of this period had no channel in the export" in text


def test_recommendations_with_their_numbers(reports):
    pdf, page, html = reports
    expected = [
        # Display: ROI (0 - 40) / 40; Email: (910 - 105) / 105
        "Consider moving part of the budget from Display (ROI -100.00% on Rs. 40.00 of spend this "
        "period) to Email (ROI 766.67% on Rs. 105.00).",
        "Consider pausing 1 campaign that spent Rs. 40.00 this period with no conversion: Zeta "
        "(Display, Rs. 40.00).",
        # Social Media: 200 / 20 conversions before, 200 / 10 now
        "Cost per conversion rose more than 20% on: Social Media: Rs. 10.00 to Rs. 20.00 (▲ +100.00%).",
    ]
    for sentence in expected:
        assert sentence in pdf, sentence
        assert sentence in html, sentence
    assert pdf.index("Recommendations") < pdf.index("Winners and losers") < pdf.index("Key metrics")


def test_headline_amounts_are_compact(reports):
    pdf, page, html = reports
    assert "Average of per-row ROI" not in pdf and "the seed" not in pdf
    # the whole window: 405 + 365 + 80 + 999 cost, 1715 + 1530 + 200 + 999 revenue
    assert "cost Rs. 1.85 K and brought Rs. 4.44 K in revenue" in pdf
    assert '<div class="label">Total revenue</div>\n        <div class="value">Rs. 4.44 K</div>' in html
