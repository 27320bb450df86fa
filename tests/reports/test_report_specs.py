"""Drift between the specs and what the reports show: every table of content.TABLES and every
chart of charts.CHARTS must come out of both the PDF and the HTML as the spec says."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from reporting.report_data import ReportData
from reporting.reports import CHART_FILES, render_charts, write_html, write_pdf
from reporting.reports.charts import CHARTS, REPORT, SEGMENT, charts_in
from reporting.reports.content import APPENDIX_CHARTS, TABLES, build_content
from reporting.reports.formatting import fmt_value
from segmentation.charts import CHART_FILES as SEGMENTATION_CHART_FILES
from tests.reports.conftest import BuiltReports
from tests.reports.test_report_charts import empty_report_data


@dataclass
class Cell:
    tag: str
    classes: str
    text: str


@dataclass
class Page:
    """Tables by id (rows of cells with their class), paragraphs, and figures by id (img alt,
    figcaption text)."""

    tables: dict[str, list[list[Cell]]] = field(default_factory=dict)
    paragraphs: list[str] = field(default_factory=list)
    figures: dict[str, dict[str, str]] = field(default_factory=dict)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._table: str | None = None
        self._figure: str | None = None
        self._cell: Cell | None = None
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._table = a.get("id") or ""
            self.page.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.page.tables[self._table].append([])
        elif tag in {"td", "th"} and self._table is not None:
            self._cell = Cell(tag, a.get("class") or "", "")
            self._text = []
        elif tag == "figure":
            self._figure = a.get("id") or ""
            self.page.figures[self._figure] = {}
        elif tag == "img" and self._figure is not None:
            self.page.figures[self._figure]["alt"] = a.get("alt") or ""
        elif tag in {"p", "figcaption"}:
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        text = " ".join("".join(self._text or []).split())
        if tag in {"td", "th"} and self._cell is not None and self._table is not None:
            self._cell.text = text
            self.page.tables[self._table][-1].append(self._cell)
            self._cell = self._text = None
        elif tag == "table":
            self._table = None
        elif tag == "p" and self._text is not None:
            self.page.paragraphs.append(text)
            self._text = None
        elif tag == "figcaption" and self._figure is not None:
            self.page.figures[self._figure]["caption"] = text
            self._text = None
        elif tag == "figure":
            self._figure = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def parse(path: Path) -> Page:
    parser = _Parser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.page


def pdf_text(path: Path) -> str:
    """All pages' text, whitespace (line breaks, no-break spaces) collapsed to single spaces."""
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def with_every_table(data: ReportData) -> ReportData:
    """``data`` with segments by acquisition channel, so all four tables are shown."""
    by_channel = pd.DataFrame({
        "segment_id": [0, 1], "segment_name": ["top <b>", "rest"], "channel": ["Email", "Other"],
        "customers": [10, 5], "revenue": [1000.0, 20.5], "cost_per_acquired_customer": [12.0, None],
        "acquisition_cost": [120.0, None],
    })
    assert data.segments is not None
    return replace(data, segments=replace(data.segments, by_channel=by_channel))


@dataclass(frozen=True)
class Rendered:
    data: ReportData
    html: Page
    pdf: str


@pytest.fixture(scope="module")
def every_table(built: BuiltReports, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    out = tmp_path_factory.mktemp("every-table")
    data = with_every_table(built.data)
    html = write_html(data, built.charts, out / "r.html", segment_charts=built.segment_charts)
    pdf = write_pdf(data, built.charts, out / "r.pdf", segment_charts=built.segment_charts)
    return Rendered(data, parse(html), pdf_text(pdf))


@pytest.fixture(scope="module")
def no_rows(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    out = tmp_path_factory.mktemp("no-rows")
    data = empty_report_data()
    charts = render_charts(data, out / "charts")
    return Rendered(data, parse(write_html(data, charts, out / "r.html")),
                    pdf_text(write_pdf(data, charts, out / "r.pdf")))


# ---- tables ------------------------------------------------------------------------------


def test_table_specs_are_consistent() -> None:
    ids = [spec.id for spec in TABLES]
    assert len(set(ids)) == len(ids)
    for spec in TABLES:
        keys = [c.key for c in spec.columns]
        assert len(set(keys)) == len(keys), spec.id
        if spec.name_key is not None:
            assert spec.name_key in keys, spec.id
            assert next(c for c in spec.columns if c.key == spec.name_key).kind == "text"
        for column in spec.columns:
            fmt_value(None, column.kind, "Rs.")  # a kind the formatter knows


def test_every_table_spec_is_in_the_content(every_table: Rendered) -> None:
    content = build_content(every_table.data)
    assert [table.spec for table in content.tables()] == list(TABLES)


def test_html_tables_follow_their_spec(every_table: Rendered) -> None:
    content = build_content(every_table.data)
    cur = content.currency
    for table in content.tables():
        spec = table.spec
        head, *body = every_table.html.tables[spec.id]
        assert [cell.text for cell in head] == spec.labels, spec.id
        assert [cell.classes for cell in head] == ["num" if c.is_numeric else ""
                                                   for c in spec.columns], spec.id
        assert len(body) == len(table.rows), spec.id
        for cells, row in zip(body, table.rows, strict=True):
            assert [cell.text for cell in cells] == [
                " ".join(fmt_value(row[c.key], c.kind, cur).split()) for c in spec.columns
            ], spec.id
            assert [cell.classes for cell in cells] == [
                "num" if c.is_numeric else "name" if c.key == spec.name_key else ""
                for c in spec.columns
            ], spec.id
        if spec.note:
            assert spec.note in every_table.html.paragraphs, spec.id


def test_pdf_tables_follow_their_spec(every_table: Rendered) -> None:
    content = build_content(every_table.data)
    for table in content.tables():
        spec = table.spec
        header = " ".join(spec.labels)
        assert (f"{spec.heading} {header}" if spec.heading else header) in every_table.pdf, spec.id
        if spec.note:
            assert spec.note in every_table.pdf, spec.id


def test_tables_without_rows_show_their_empty_sentence(no_rows: Rendered) -> None:
    content = build_content(no_rows.data)
    assert content.segments is None
    for table in content.tables():
        spec = table.spec
        assert not table.rows and spec.empty, spec.id
        assert spec.id not in no_rows.html.tables
        assert spec.empty in no_rows.html.paragraphs
        assert spec.note not in no_rows.html.paragraphs
        assert f"{spec.heading} {spec.empty}" in no_rows.pdf
    for spec in TABLES:
        if spec not in [t.spec for t in content.tables()]:
            assert spec.id not in no_rows.html.tables


# ---- charts ------------------------------------------------------------------------------


def test_chart_registry_is_consistent() -> None:
    assert {c.group for c in CHARTS} == {REPORT, SEGMENT}
    for group in (REPORT, SEGMENT):
        keys = [c.key for c in charts_in(group)]
        assert len(set(keys)) == len(keys)
    files = [c.file for c in CHARTS]
    assert len(set(files)) == len(files)  # report and segment charts share one folder
    for chart in CHARTS:
        assert chart.title and chart.caption, chart.key
        assert (chart.draw is not None) == (chart.group == REPORT), chart.key
    assert CHART_FILES == {c.key: c.file for c in charts_in(REPORT)}
    assert list(SEGMENTATION_CHART_FILES.items()) == [(c.key, c.file)
                                                      for c in charts_in(SEGMENT)]


def test_every_registry_chart_is_written(built: BuiltReports) -> None:
    for written, group in ((built.charts, REPORT), (built.segment_charts, SEGMENT)):
        specs = charts_in(group)
        assert list(written) == [c.key for c in specs]
        for spec in specs:
            assert written[spec.key].name == spec.file
            assert written[spec.key].is_file()


@pytest.mark.parametrize("which", ["real", "empty"])
def test_report_charts_draw_their_registry_title(built: BuiltReports, which: str) -> None:
    data = built.data if which == "real" else empty_report_data()  # empty: "No data" cards
    for spec in charts_in(REPORT):
        assert spec.draw is not None
        figure = spec.draw(data, spec.title)
        try:
            titles = [figure.get_suptitle(), *(ax.get_title() for ax in figure.axes)]
        finally:
            figure.clear()
        assert any(t.startswith(spec.title) for t in titles), (spec.key, titles)


def test_every_registry_chart_has_title_and_caption_in_html(built: BuiltReports) -> None:
    figures = parse(built.html).figures
    expected = [f"chart-{c.key}" for c in charts_in(REPORT)]
    # the method's charts (elbow and silhouette) in the appendix at the end
    segment = sorted(charts_in(SEGMENT), key=lambda c: c.key in APPENDIX_CHARTS)
    expected += [f"segment-chart-{c.key}" for c in segment]
    assert list(figures) == expected
    for chart, figure_id in zip([*charts_in(REPORT), *segment], expected, strict=True):
        assert figures[figure_id]["alt"] == chart.title
        assert figures[figure_id]["caption"] == f"{chart.title}. {chart.caption}"


def test_every_registry_chart_has_its_caption_in_pdf(built: BuiltReports) -> None:
    text = pdf_text(built.pdf)
    for chart in CHARTS:
        assert chart.caption in text, chart.key


def test_segmentation_does_not_import_reporting() -> None:
    code = ("import sys, segmentation.charts, segmentation.pipeline; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'reporting'); "
            "assert not bad, bad")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert done.returncode == 0, done.stderr
