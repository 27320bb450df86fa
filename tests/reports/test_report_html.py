"""The HTML report: parsed with html.parser, checked against ReportData, self-contained."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import pytest

from reporting.reports import headline_sentences
from reporting.reports.formatting import fmt_money, fmt_money_compact, fmt_pct, fmt_ratio, glue_currency
from reporting.reports.html import environment
from tests.reports.conftest import MARKUP_NAME, BuiltReports


class ReportParser(HTMLParser):
    """Collects every tag's attributes, the tables (by id) as rows of cell text, and <li> text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.list_items: list[str] = []
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._item: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "table":
            self._table = dict(attrs).get("id") or f"table-{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in {"td", "th"} and self._table:
            self._cell = []
        elif tag == "li":
            self._item = []

    def handle_endtag(self, tag: str) -> None:
        if tag in {"td", "th"} and self._cell is not None and self._table:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None
        elif tag == "li" and self._item is not None:
            self.list_items.append(" ".join("".join(self._item).split()))
            self._item = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._item is not None:
            self._item.append(data)


@pytest.fixture(scope="module")
def source(built: BuiltReports) -> str:
    return built.html.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def parsed(source: str) -> ReportParser:
    parser = ReportParser()
    parser.feed(source)
    parser.close()
    return parser


def test_channel_table_matches_report_data(built: BuiltReports, parsed: ReportParser) -> None:
    rows = parsed.tables["channel-table"]
    assert rows[0] == ["Channel", "Cost", "Revenue", "Profit", "ROI", "ROAS", "CTR",
                       "Conv. rate", "CPA"]
    body = rows[1:]
    channels = built.data.channels
    assert len(body) == len(channels)
    cur = built.data.currency
    for cells, row in zip(body, channels.itertuples(), strict=True):
        assert cells == [str(row.channel), fmt_money(row.cost, cur), fmt_money(row.revenue, cur),
                         fmt_money(row.profit, cur), fmt_pct(row.roi), fmt_ratio(row.roas),
                         fmt_pct(row.ctr), fmt_pct(row.conversion_rate), fmt_money(row.cpa, cur)]


def test_key_metric_cards(built: BuiltReports, source: str) -> None:
    o, cur = built.data.overall, built.data.currency
    # headline amounts compact (Rs. 2.42 B): the exact figures are in the tables
    for value in (fmt_money_compact(o["cost"], cur), fmt_money_compact(o["revenue"], cur),
                  fmt_money_compact(o["profit"], cur), fmt_pct(o["roi"]), fmt_ratio(o["roas"])):
        assert f'<div class="value">{value}</div>' in source


def test_headlines(built: BuiltReports, parsed: ReportParser) -> None:
    expected = [glue_currency(s, built.data.currency) for s in headline_sentences(built.data)]
    # after the executive sections' lists (what changed, recommendations)
    first = parsed.list_items.index(" ".join(expected[0].split()))
    headlines = parsed.list_items[first:first + len(expected)]
    assert headlines == [" ".join(s.split()) for s in expected]
    assert built.data.channels.iloc[0]["channel"] in headlines[1]
    # Other (unrecognised channel names, in the crafted rows) is reported, never best or worst
    from reporting.reports.narrative import best_and_worst_channel

    assert "Other" in set(built.data.channels["channel"]) and "Other" not in best_and_worst_channel(built.data)
    assert "are reported as Other and not ranked" in headlines[1]
    assert not headlines[1].endswith("Other the lowest")


def test_markup_name_is_escaped_never_raw(built: BuiltReports, source: str,
                                          parsed: ReportParser) -> None:
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Q4&#34; 日本" in source
    assert "<script" not in source.lower()
    assert not [tag for tag, _ in parsed.tags if tag == "script"]
    campaigns = [row[0] for row in parsed.tables["campaign-table"][1:]]
    assert MARKUP_NAME in campaigns  # the parser decodes the entities back to the name


def test_self_contained(parsed: ReportParser, source: str) -> None:
    for tag, attrs in parsed.tags:
        for name, value in attrs.items():
            if name in {"src", "href", "srcset", "action", "data", "poster"} and value:
                assert not re.match(r"\s*(https?:)?//", value), f"external {name} on <{tag}>"
    assert "http://" not in source and "https://" not in source
    assert "url(" not in source and "@import" not in source
    assert not [t for t, a in parsed.tags if t == "link"]
    images = [attrs for tag, attrs in parsed.tags if tag == "img"]
    assert len(images) == 5 + 3  # report charts + segment charts
    for attrs in images:
        src = attrs["src"] or ""
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
        assert attrs.get("alt")


def test_responsive_basics(parsed: ReportParser, source: str) -> None:
    metas = [a for t, a in parsed.tags if t == "meta"]
    assert {"name": "viewport", "content": "width=device-width, initial-scale=1"} in metas
    assert {"charset": "utf-8"} in metas
    assert "overflow-x: auto" in source  # wide tables scroll inside their box on a phone


def test_environment_autoescapes_and_shows_na() -> None:
    env = environment()
    template = env.from_string("{{ name }}|{{ none | pct }}|{{ nan | money('Rs.') }}|"
                               "{{ 1234.5 | money('Rs.') }}|{{ 0.25 | share }}|{{ 2 | ratio }}")
    rendered = template.render(name="<b>&</b>", none=None, nan=float("nan"))
    assert rendered == "&lt;b&gt;&amp;&lt;/b&gt;|n/a|n/a|Rs. 1,234.50|25.00%|2.00x"
    assert callable(env.autoescape) and env.autoescape("report.html.j2") is True


def test_undefined_ratios_and_segment_channels(built: BuiltReports, tmp_path) -> None:
    """A channel without cost or conversions (NULL ratios from the mart) reads n/a in both
    formats; segments by acquisition channel get their own table."""
    from dataclasses import replace

    import pandas as pd
    from pypdf import PdfReader

    from reporting.reports import write_html, write_pdf

    channels = built.data.channels.copy()
    last = channels.index[-1]
    channels["roi"] = channels["roi"].astype(object)
    channels.loc[last, ["roi", "roas", "cpa"]] = [None, float("nan"), None]
    segments = replace(built.data.segments, by_channel=pd.DataFrame({
        "segment_id": [0, 1], "segment_name": ["top <b>", "rest"], "channel": ["Email", "Other"],
        "customers": [10, 5], "revenue": [1000.0, 20.5], "cost_per_acquired_customer": [12.0, None],
        "acquisition_cost": [120.0, None],
    }))
    data = replace(built.data, channels=channels, segments=segments)
    html_path = write_html(data, built.charts, tmp_path / "r.html")
    parser = ReportParser()
    parser.feed(html_path.read_text(encoding="utf-8"))
    row = parser.tables["channel-table"][-1]
    assert row[0] == str(channels.loc[last, "channel"])
    assert (row[4], row[5], row[8]) == ("n/a", "n/a", "n/a")
    assert parser.tables["segment-channel-table"][1:] == [
        ["top <b>", "Email", "10", "Rs. 1,000.00", "Rs. 120.00"],
        ["rest", "Other", "5", "Rs. 20.50", "n/a"],
    ]
    pdf_path = write_pdf(data, built.charts, tmp_path / "r.pdf")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf_path).pages).split())
    money = fmt_money(channels.loc[last, "profit"], "Rs.")
    assert f"{money} n/a n/a" in text
    assert "top <b> Email 10 Rs. 1,000.00 Rs. 120.00" in text
    # segment 0's own acquisition cost per customer: 120.00 for its 10 customers; segment 1's
    # only channel has no cost, so it has none
    segment_rows = parser.tables["segment-table"][1:]
    assert segment_rows[0][0].startswith("0:") and segment_rows[0][-1] == "Rs. 12.00"
    assert segment_rows[1][0].startswith("1:") and segment_rows[1][-1] == "n/a"
