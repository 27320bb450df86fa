"""Charts from the real marts, and from a ReportData without any row."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image, ImageStat

from reporting.report_data import (
    CAMPAIGN_COLUMNS,
    CHANNEL_COLUMNS,
    DAILY_COLUMNS,
    OVERALL_COLUMNS,
    ReportData,
)
from reporting.reports import CHART_FILES, headline_sentences, render_charts, write_html, write_pdf
from reporting.reports.charts import compact_amount
from tests.reports.conftest import BuiltReports


def empty_report_data() -> ReportData:
    """What load_report_data gives for a window without any kept row."""
    return ReportData(
        run_id="empty", generated_at=dt.datetime(2026, 7, 1, tzinfo=dt.timezone.utc),
        as_of=dt.date(2026, 6, 30), target="duckdb", currency="Rs.",
        overall={c: None for c in OVERALL_COLUMNS},
        channels=pd.DataFrame(columns=list(CHANNEL_COLUMNS)),
        daily=pd.DataFrame(columns=list(DAILY_COLUMNS)),
        campaigns=pd.DataFrame(columns=list(CAMPAIGN_COLUMNS)),
        data_quality={},
    )


def test_five_charts_written(built: BuiltReports) -> None:
    assert list(built.charts) == list(CHART_FILES)
    for key, path in built.charts.items():
        assert path.name == CHART_FILES[key]
        assert path.parent == built.out_dir / "charts"
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert 900 <= image.size[0] <= 1600 and 250 <= image.size[1] <= 1000
            assert ImageStat.Stat(image.convert("L")).stddev[0] > 20
        assert path.stat().st_size < 400_000


def test_no_figure_left_open(built: BuiltReports, tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    render_charts(built.data, tmp_path)
    assert plt.get_fignums() == before


def test_empty_data_draws_placeholders_and_reports_still_build(tmp_path: Path) -> None:
    data = empty_report_data()
    charts = render_charts(data, tmp_path / "charts")
    assert list(charts) == list(CHART_FILES)
    for path in charts.values():
        with Image.open(path) as image:
            assert image.size[1] < 500  # the small "No data" card, not a full chart
    assert headline_sentences(data) == ["No campaign days fall in the analysed window."]
    pdf = write_pdf(data, charts, tmp_path / "empty.pdf")
    html = write_html(data, charts, tmp_path / "empty.html")
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "No channel data for this period." in text
    assert "Segmentation did not run" in text
    source = html.read_text(encoding="utf-8")
    assert "Segmentation did not run" in source
    assert source.count("<img ") == 5
    assert source.count("data:image/png;base64,") == 10  # each chart and its phone copy (#17)


@pytest.mark.parametrize("value,expected", [
    (0, "0"), (950, "950"), (12_500, "12.5K"), (1_000_000, "1M"), (1_234_567, "1.2M"),
    (32_466_280.09, "32.5M"), (2.5e9, "2.5B"), (-4_200, "-4.2K"),
])
def test_compact_amount(value: float, expected: str) -> None:
    assert compact_amount(value) == expected
