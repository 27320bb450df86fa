"""The shipped mappings for Google Ads, Meta Ads and Microsoft Advertising exports, each on its
hand-written fixture (tests/ingest/fixtures), on DuckDB and MariaDB: the documented counts (read,
loaded, rejected, skipped), the exact totals loaded, the reject reasons; then all three in one
warehouse through `dbt build`, per channel in rpt_channel_performance, and the same campaign on
two platforms on the same day kept twice.

Every expected figure below is summed by hand from the fixture lines, not read back from mca.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
import pytest

from reporting.dbt_runner import run_dbt
from reporting.ingest import ingest_files, load_mapping
from reporting.warehouse import Warehouse
from tests.ingest.helpers import FIXTURES, MAPPINGS

D = Decimal


@dataclass(frozen=True)
class Platform:
    fixture: str
    mapping: str
    read: int
    loaded: int
    rejected: int
    skipped_above_header: int
    skipped_footer: int
    skipped_empty: int
    cost: Decimal
    conversions: Decimal
    revenue: Decimal
    rejects: list[tuple[int, str]]


PLATFORMS = {
    "google": Platform(
        "google_ads_campaign_report.csv", "google_ads_campaigns.yml",
        read=17, loaded=14, rejected=3, skipped_above_header=2, skipped_footer=6, skipped_empty=0,
        cost=D("1277.90"), conversions=D("67.00"), revenue=D("6503.25"),
        rejects=[(10, "currency: not an ISO 4217 code (three letters, such as EUR): 'EURO'"),
                 (14, "date (from Day): not a date in format %Y-%m-%d: '03/05/2024'"),
                 (20, "expected 9 fields, found 10")],
    ),
    "meta": Platform(
        "meta_ads_campaigns.csv", "meta_ads_campaigns.yml",
        read=15, loaded=12, rejected=3, skipped_above_header=0, skipped_footer=0, skipped_empty=1,
        cost=D("333.10"), conversions=D("15"), revenue=D("925.20"),
        rejects=[(7, "expected 13 fields, found 14"),
                 (13, "currency: not an ISO 4217 code (three letters, such as EUR): '€'"),
                 (17, "cost (from Amount spent (EUR)): not a number: '18.4O'")],
    ),
    "microsoft": Platform(
        "microsoft_ads_campaign_performance.csv", "microsoft_ads_campaigns.yml",
        read=11, loaded=9, rejected=2, skipped_above_header=9, skipped_footer=1, skipped_empty=0,
        cost=D("260.47"), conversions=D("16.00"), revenue=D("1143.70"),
        rejects=[(17, "cost (from Spend): not a number: '9,80'"),
                 (22, "date (from Gregorian date): not a date in format %m/%d/%Y: '2024-05-03'")],
    ),
}


def ingest(settings, tmp_path, name: str):
    p = PLATFORMS[name]
    src = shutil.copy(FIXTURES / p.fixture, tmp_path / p.fixture)
    [outcome] = ingest_files(settings, "campaigns", [src], load_mapping(MAPPINGS / p.mapping), max_reject_pct=25)
    return outcome


def loaded_totals(settings, channel_like: str | None = None) -> tuple[Decimal, Decimal, Decimal, int]:
    with Warehouse(settings) as wh:
        where = f" where channel = '{channel_like}'" if channel_like else ""
        row = wh.query(f"select sum(cost) as cost, sum(conversions) as conversions, sum(revenue) as revenue, "
                       f"count(*) as n from {wh.raw('campaigns')}{where}").iloc[0]
    return D(str(row.cost)), D(str(row.conversions)), D(str(row.revenue)), int(row.n)


@pytest.mark.parametrize("name", list(PLATFORMS))
def test_each_platform_mapping_on_its_fixture(make_settings, tmp_path, name):
    p = PLATFORMS[name]
    s = make_settings()
    outcome = ingest(s, tmp_path, name)
    assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_rejected) == (p.read, p.loaded, p.rejected)
    assert (outcome.skipped_above_header, outcome.skipped_footer, outcome.skipped_empty) == (
        p.skipped_above_header, p.skipped_footer, p.skipped_empty)
    cost, conversions, revenue, n = loaded_totals(s)
    assert (cost, conversions, revenue, n) == (p.cost, p.conversions, p.revenue, p.loaded)
    rejects = pd.read_csv(outcome.rejects_path, keep_default_na=False)
    assert [tuple(r) for r in rejects[["line", "reason"]].values.tolist()] == p.rejects
    with Warehouse(s) as wh:
        currencies = wh.query(f"select distinct currency from {wh.raw('campaigns')}")["currency"].tolist()
    assert currencies == ["EUR"]


def test_the_mappings_document_their_fixture_counts():
    for p in PLATFORMS.values():
        text = (MAPPINGS / p.mapping).read_text(encoding="utf-8")
        skipped = p.skipped_above_header + p.skipped_footer + p.skipped_empty
        assert f"read {p.read}, loaded {p.loaded}, rejected {p.rejected}" in " ".join(text.split()), p.mapping
        assert f"{skipped} line{'s' if skipped != 1 else ''} skipped" in " ".join(text.split()), p.mapping


# ---- all three in one warehouse, through dbt -------------------------------------------------

AS_OF = "2024-05-31"
#: rpt_channel_performance by hand from the loaded fixture lines:
#:   Paid Search = Google's Search, Performance Max and Shopping campaigns + all of Microsoft
#:     cost    501.90 + 614.25 + 125.40 + 260.47           = 1502.02
#:     revenue 4858.05 + 1290.40 + 316.80 + 1143.70        = 7608.95
#:     conv.   49.75 + 12.75 + 4.00 + 16.00                = 82.50
#:   Display = Google's Remarketing - Display: 18.40 + 17.95 + 0.00; 38.00; 0.50
#:   Social Media = Meta: 333.10; 925.20; 15 (its "Summer Sale 2024" rows share campaign and
#:     days with Google's, so this one is asserted with the two-platform test below)
CHANNELS = {
    "Display": (D("36.35"), D("38.00"), D("0.50")),
    "Paid Search": (D("1502.02"), D("7608.95"), D("82.50")),
}
SOCIAL_MEDIA = (D("333.10"), D("925.20"), D("15"))


@pytest.fixture(scope="module", params=["duckdb", "mariadb"])
def built(request, tmp_path_factory):
    """All three fixtures ingested into one warehouse, then dbt build (once per target)."""
    from reporting.settings import Target

    tmp = tmp_path_factory.mktemp(f"platforms_{request.param}")
    if request.param == "duckdb":
        s = request.getfixturevalue("duckdb_settings_factory")("platforms")
    else:
        s = request.getfixturevalue("server_settings_factory")(Target.mariadb, "platforms")
    for name in PLATFORMS:
        ingest(s, tmp, name)
    summary = run_dbt(s, "build", vars={"as_of": AS_OF},
                      args=["--select", "+rpt_channel_performance", "--indirect-selection", "cautious"], quiet=True)
    assert summary.success
    return s


def _money(value) -> Decimal:
    return D(str(value)).quantize(D("0.01"))


def channel_totals(settings) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    with Warehouse(settings) as wh:
        frame = wh.query(f"select channel, cost, revenue, conversions from {wh.mart('rpt_channel_performance')} "
                         "order by channel")
    return {r.channel: (_money(r.cost), _money(r.revenue), _money(r.conversions))
            for r in frame.itertuples(index=False) if float(r.cost or 0) or float(r.revenue or 0)}


def test_three_platforms_per_channel_in_rpt_channel_performance(built):
    got = channel_totals(built)
    assert sorted(got) == ["Display", "Paid Search", "Social Media"]  # nothing reported as Other
    assert {c: got[c] for c in CHANNELS} == {c: tuple(v.quantize(D("0.01")) for v in values)
                                             for c, values in CHANNELS.items()}


def test_two_platforms_same_campaign_and_day_are_both_kept(built):
    """"Summer Sale 2024" runs on Google (Search: Paid Search) and on Meta (Social Media) on the
    same three days: six fact rows, none removed as a duplicate."""
    with Warehouse(built) as wh:
        fact = wh.query(f"select f.date_day, c.channel, f.cost from {wh.mart('fct_campaign_daily')} f "
                        f"join {wh.mart('dim_channel')} c on f.channel_id = c.channel_id "
                        "where f.campaign_key = 'summer sale 2024' order by f.date_day, c.channel")
    rows = [(pd.Timestamp(r.date_day).strftime("%Y-%m-%d"), r.channel, _money(r.cost))
            for r in fact.itertuples(index=False)]
    # needs deduplication by campaign, channel and day (being changed in int_campaigns__classified
    # at the time of writing): while the identity is campaign and day, the Meta rows are removed
    # as duplicates of Google's and this test fails
    assert rows == [
        ("2024-05-01", "Paid Search", D("125.40")), ("2024-05-01", "Social Media", D("54.21")),
        ("2024-05-02", "Paid Search", D("118.75")), ("2024-05-02", "Social Media", D("49.80")),
        ("2024-05-03", "Paid Search", D("131.20")), ("2024-05-03", "Social Media", D("52.37")),
    ]
    assert channel_totals(built)["Social Media"] == tuple(v.quantize(D("0.01")) for v in SOCIAL_MEDIA)
