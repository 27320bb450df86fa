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
