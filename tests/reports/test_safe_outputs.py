"""Outputs safe to open: campaign names that a spreadsheet would run as formulas are written as
text in every CSV, control characters reach neither the CSVs nor the HTML, and a long name
without spaces does not squeeze the PDF's other columns into broken words."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from reporting import jobs
from reporting.settings import Target
from tests import crafted
from tests.helpers import build, load_raw

HOSTILE = [
    '=HYPERLINK("http://attacker.example","Click")',
    "+1+cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "-2+3",
    "\tTabbed",
    "Null\x00Byte\x07Bell",
    "Averyveryverylongcampaignnamewithoutanyspacesatallfortyplusletters",
]


@pytest.fixture(scope="module", params=["duckdb", "mariadb"])
def exported(request, duckdb_settings_factory, server_settings_factory, tmp_path_factory):
    s = (duckdb_settings_factory("safe") if request.param == "duckdb"
         else server_settings_factory(Target.mariadb, "safe"))
    campaigns = crafted.campaigns_frame()
    extra = pd.DataFrame([{"id": 100 + i, "campaign_name": name, "channel": "Email", "cost": 100.0 * (i + 1),
                           "impressions": 1000, "clicks": 10, "conversions": 1, "revenue": 5_000.0 + i,
                           "date": crafted.D2} for i, name in enumerate(HOSTILE)])
    for col in ("impressions", "clicks", "conversions"):
        extra[col] = extra[col].astype("Int64")
    load_raw(s, pd.concat([campaigns, extra], ignore_index=True), crafted.CUSTOMERS)
    assert build(s, crafted.AS_OF).success
    out = tmp_path_factory.mktemp(f"safe-{request.param}")
    with pytest.MonkeyPatch.context() as mp:
        if request.param == "mariadb":  # and the documents drawn after the export, as above 2M fact rows
            mp.setattr(jobs, "DOCUMENTS_BESIDE_EXPORT_MAX_ROWS", 0)
        jobs.report_only(s, out=out, formats=jobs.expand_formats([jobs.ReportFormat.all]), as_of=crafted.AS_OF)
    return out


def csv_cells(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("file", ["dim_campaign.csv", "roi_analysis_powerbi.csv"])
def test_no_csv_cell_starts_a_formula(exported, file):
    rows = csv_cells(exported / "dashboards" / file)
    names = {row["campaign_name"] for row in rows}
    for cell in (value for row in rows for value in row.values() if value):
        assert cell[0] not in "=+@\t\r" or cell.startswith("'"), (file, cell)
    # each written as text: an apostrophe, then the name as it was
    assert {"'" + name for name in HOSTILE[:5]} <= names, (file, sorted(names))
    assert "NullByteBell" in names  # control characters removed, the text kept
    # numbers stay numbers: the hostile campaigns' cost (or their first day) reads back as written
    by_name = {row["campaign_name"]: row for row in rows}
    first = by_name["'" + HOSTILE[0]]
    if "cost" in first:
        assert float(first["cost"]) == 100.0
    else:
        assert first["first_date"] == crafted.D2.isoformat()


def test_parquet_keeps_the_names_as_data(exported):
    import duckdb

    names = set(duckdb.sql(f"select campaign_name from read_parquet('{exported / 'dashboards' / 'dim_campaign.parquet'}')")
                .df()["campaign_name"])
    assert set(HOSTILE[:5]) <= names  # typed data: no apostrophe, nothing a spreadsheet runs
    assert "NullByteBell" in names


def test_no_control_character_reaches_any_output(exported):
    for path in [*(exported / "dashboards").glob("*.csv"), exported / "executive_summary.html"]:
        text = path.read_text(encoding="utf-8")
        assert not any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text), path.name


def test_a_long_name_without_spaces_leaves_the_channel_column_whole(exported):
    text = "\n".join(page.extract_text() for page in PdfReader(exported / "executive_summary.pdf").pages)
    top = text[text.index("Top campaigns"):]
    header = top.splitlines()[1:4]
    assert any("Channel" in line for line in header), header  # not "Chan" / "nel"
    assert "Chan\nnel" not in top and "Chann\nel" not in top
