"""The PDF: real marts in, text extracted with pypdf, every page rasterised with pdftoppm."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageStat
from pypdf import PdfReader

from reporting.reports import headline_sentences
from reporting.reports.charts import REPORT, SEGMENT, charts_in
from reporting.reports.content import Table as ContentTable
from reporting.reports.content import build_content
from reporting.reports.fonts import pdf_fonts
from reporting.reports.formatting import (
    fmt_money,
    fmt_money_compact,
    fmt_pct,
    fmt_ratio,
    fmt_share,
    fmt_value,
)
from reporting.reports.narrative import best_and_worst_channel
from tests.reports.conftest import MARKUP_NAME, RUN_ID, BuiltReports


def _flat(text: str) -> str:
    """Whitespace (line breaks, no-break spaces) collapsed to single spaces."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


@pytest.fixture(scope="module")
def pages(built: BuiltReports) -> list[str]:
    return [page.extract_text() for page in PdfReader(built.pdf).pages]


@pytest.fixture(scope="module")
def text(pages: list[str]) -> str:
    return "\n".join(pages)


def test_title_period_and_run(built: BuiltReports, pages: list[str]) -> None:
    first = _flat(pages[0])
    assert "Marketing Campaign Analysis" in first
    assert "Period: 2025-07-01 to 2026-06-30" in first
    assert "As of 2026-06-30" in first
    assert f"run {RUN_ID}" in first
    metadata = PdfReader(built.pdf).metadata
    assert metadata.title == "Marketing Campaign Analysis"


def test_key_metrics_as_formatted_from_overall(built: BuiltReports, text: str) -> None:
    overall, cur = built.data.overall, built.data.currency
    assert fmt_money(overall["cost"], cur) == "Rs. " + f"{overall['cost']:,.2f}"
    # headline amounts compact (Rs. 31.7 M), no internal words in the labels
    for value in (fmt_money_compact(overall["cost"], cur), fmt_money_compact(overall["revenue"], cur),
                  fmt_money_compact(overall["profit"], cur), fmt_pct(overall["roi"]),
                  fmt_ratio(overall["roas"])):
        assert value in text
    for label in ("Total cost", "Total revenue", "Total profit", "ROI", "ROAS"):
        assert label in text
    assert "Average of per-row ROI" not in text and "the seed" not in text


def channel_row_text(row: object, currency: str) -> str:
    """A channel table row as the report prints it, cells joined by single spaces."""
    r = row  # a namedtuple from DataFrame.itertuples()
    return " ".join([
        str(r.channel), fmt_money(r.cost, currency), fmt_money(r.revenue, currency),
        fmt_money(r.profit, currency), fmt_pct(r.roi), fmt_ratio(r.roas), fmt_pct(r.ctr),
        fmt_pct(r.conversion_rate), fmt_money(r.cpa, currency),
    ])


def test_channel_table_in_roi_rank_order(built: BuiltReports, text: str) -> None:
    channels = built.data.channels
    assert len(channels) >= 5
    assert list(channels["roi_rank"]) == sorted(channels["roi_rank"])
    flat = _flat(text)
    positions = []
    for row in channels.itertuples():
        line = channel_row_text(row, built.data.currency)
        assert line in flat, f"channel row not found: {line}"
        positions.append(flat.index(line))
    assert positions == sorted(positions), "channel rows are not in roi_rank order"


def test_markup_campaign_name_is_text(built: BuiltReports, text: str) -> None:
    names = set(built.data.campaigns["campaign_name"])
    assert MARKUP_NAME in names, "the renamed campaign should reach the marts unchanged"
    if pdf_fonts().fallback is None:
        pytest.fail("no TrueType CJK font, so 日本 is replaced in the PDF: install the Debian "
                    "package fonts-droid-fallback")
    assert MARKUP_NAME in text
    assert "&lt;" not in text and "&amp;" not in text


def test_what_changed_first_then_headlines(built: BuiltReports, pages: list[str]) -> None:
    best, worst = best_and_worst_channel(built.data)
    assert best == built.data.channels.iloc[0]["channel"]
    sentences = headline_sentences(built.data)
    assert 2 <= len(sentences) <= 3
    assert f"{best} had the highest ROI" in sentences[1] and worst in sentences[1]
    assert re.match(r"Revenue (rose|fell) [\d,.]+% in the last 30 days \(2026-06-01 to "
                    r"2026-06-30\)", sentences[2])
    assert "What changed" in pages[0]
    every = _flat(" ".join(pages))
    for sentence in sentences:
        assert _flat(sentence) in every
        assert every.index("What changed") < every.index(_flat(sentence))


def test_segments_and_data_quality(built: BuiltReports, text: str) -> None:
    flat = _flat(text)
    segments = built.data.segments
    assert segments is not None
    assert f"in {segments.chosen_k} segments" in flat
    assert _flat(segments.reason) in flat
    for row in segments.profiles.itertuples():
        assert (f"{row.segment_id}: {row.segment_name} {row.size:,} {fmt_share(row.share)} "
                f"{fmt_money(row.revenue_mean, built.data.currency)}") in flat
    dq = built.data.data_quality
    assert f"Rows read {dq['rows_read']:,}" in flat
    assert f"Rows kept {dq['rows_kept']:,}" in flat
    assert f"Duplicates removed {dq['rows_duplicate']:,}" in flat
    assert f"Quarantined {dq['rows_quarantined']:,}" in flat
    assert fmt_pct(dq["completeness_pct"]) in flat
    shown = 0
    labels = built.data.quarantine_labels()
    assert len(labels) == 10 and labels["negative_count"] == "negative impressions, clicks or conversions"
    assert labels["missing_fx_rate"] == "no exchange rate"
    for reason, count in built.data.quarantined_by_reason().items():
        if count:
            assert f"{labels[reason]} {count:,}" in flat
            shown += count
    assert shown == dq["rows_quarantined"]


def test_every_page_renders(built: BuiltReports, tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: install the Debian package poppler-utils")
    n_pages = len(PdfReader(built.pdf).pages)
    assert 3 <= n_pages <= 8
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(built.pdf), str(tmp_path / "page")],
                   check=True, capture_output=True, timeout=120)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == n_pages
    for image_path in images:
        with Image.open(image_path) as image:
            gray = image.convert("L")
            assert gray.size[0] > 200 and gray.size[1] > 300
            # not blank: a real share of the page is ink, and it is not one flat colour
            dark = sum(gray.histogram()[:200]) / (gray.size[0] * gray.size[1])
            assert dark > 0.01, f"{image_path.name} looks blank"
            assert ImageStat.Stat(gray).stddev[0] > 10


# ---- layout (#17): read with pdftotext -layout, one string per page -------------------------


@pytest.fixture(scope="module")
def layout_pages(built: BuiltReports) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install the Debian package poppler-utils")
    done = subprocess.run(["pdftotext", "-layout", str(built.pdf), "-"], check=True,
                          capture_output=True, text=True, timeout=120)
    return done.stdout.split("\f")[:len(PdfReader(built.pdf).pages)]


def test_currency_label_never_alone_on_a_line(built: BuiltReports, layout_pages: list[str]) -> None:
    alone = re.compile(r"^\s*(Rs\.|EUR|USD|" + re.escape(built.data.currency) + r")\s*$")
    assert "Rs." in "".join(layout_pages)
    for number, page in enumerate(layout_pages, start=1):
        lines = [line for line in page.replace("\u00a0", " ").splitlines() if alone.match(line)]
        assert not lines, f"page {number}: a currency label alone on a line"


def _tables(built: BuiltReports) -> list[ContentTable]:
    content = build_content(built.data)
    tables = [content.channels, content.top_campaigns]
    ex = content.executive
    if ex is not None:
        tables += [ex.change, ex.channel_changes, ex.risers, ex.fallers, ex.best_roi,
                   ex.worst_roi, ex.best_profit, ex.worst_profit]
    if content.segments is not None and content.segments.by_channel is not None:
        tables.append(content.segments.by_channel)
    return [t for t in tables if t.spec.heading and t.rows]


def test_table_heading_on_the_page_of_its_first_rows(built: BuiltReports,
                                                     layout_pages: list[str]) -> None:
    """Each table's heading is on the page of the table's header and first two rows (the table
    moves to the next page whole, or starts under its heading)."""
    tables = _tables(built)
    assert len(tables) >= 6
    cur = built.data.currency
    for table in tables:
        heading = table.spec.heading
        pages = [i for i, page in enumerate(layout_pages)
                 if any(line.strip() == heading for line in page.splitlines())]
        assert len(pages) == 1, f"heading {heading!r} on pages {pages}"
        after = _flat(layout_pages[pages[0]].split(heading, 1)[1])
        assert _flat(" ".join(c.label for c in table.spec.columns[-2:])) in after, heading
        for row in table.rows[:2]:
            last = table.spec.columns[-1]
            assert _flat(fmt_value(row.get(last.key), last.kind, cur)) in after, heading


def test_every_chart_has_its_heading_on_its_page(layout_pages: list[str]) -> None:
    """No page holds a chart without its title: the title line is on the caption's page, above
    it, and every page has text besides the footer."""
    charts = charts_in(REPORT) + charts_in(SEGMENT)
    for spec in charts:
        pages = [i for i, page in enumerate(layout_pages) if _flat(spec.caption) in _flat(page)]
        assert len(pages) == 1, f"caption of {spec.key} on pages {pages}"
        lines = [line.strip() for line in layout_pages[pages[0]].splitlines()]
        assert spec.title in lines, f"{spec.key}: no heading on its page"
        flat = _flat(layout_pages[pages[0]])
        assert flat.index(spec.title) < flat.index(_flat(spec.caption))
    for number, page in enumerate(layout_pages, start=1):
        body = [line for line in page.splitlines() if line.strip() and f"page {number}" not in line]
        assert len(body) >= 3, f"page {number} is (nearly) empty"
