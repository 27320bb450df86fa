"""The executive summary as a PDF, laid out with reportlab's platypus.

Every piece of text that comes from the data (campaign, channel and segment names, the run id)
goes through :meth:`PdfFonts.markup`, which XML-escapes it for Paragraph markup and switches
to a CJK font for the characters the Latin font lacks, so names such as
``<script>alert(1)</script> & "Q4" 日本`` print as text.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from reporting.report_data import ReportData
from reporting.reports.charts import REPORT, SEGMENT, chart_spec
from reporting.reports.content import (
    APPENDIX_CHARTS,
    NO_RECOMMENDATION,
    Column,
    Item,
    ReportContent,
    build_content,
)
from reporting.reports.content import Table as ContentTable
from reporting.reports.fonts import PdfFonts, pdf_fonts
from reporting.reports.formatting import fmt_value, glue_currency

log = logging.getLogger(__name__)

PAGE = A4
MARGIN = 15 * mm
FRAME_WIDTH = PAGE[0] - 2 * MARGIN
MAX_CHART_HEIGHT = 105 * mm
INK = colors.HexColor("#2C3E50")
HEADER_BG = colors.HexColor("#3498DB")
ZEBRA = colors.HexColor("#F4F6F7")
RULE = colors.HexColor("#D5D8DC")
MUTED = colors.HexColor("#6C7A89")
CALLOUT_BG = colors.HexColor("#EBF5FB")
CELL_PAD = 4


class _Styles:
    def __init__(self, fonts: PdfFonts) -> None:
        regular, bold = fonts.regular, fonts.bold
        self.title = ParagraphStyle("title", fontName=bold, fontSize=22, leading=27,
                                    textColor=INK, alignment=TA_CENTER, spaceAfter=4)
        self.subtitle = ParagraphStyle("subtitle", fontName=regular, fontSize=10, leading=13,
                                       textColor=INK, alignment=TA_CENTER)
        self.meta = ParagraphStyle("meta", fontName=regular, fontSize=8, leading=10,
                                   textColor=MUTED, alignment=TA_CENTER)
        # headings never end a page: keepWithNext moves them with what follows
        self.h2 = ParagraphStyle("h2", fontName=bold, fontSize=14, leading=18, textColor=INK,
                                 spaceBefore=10, spaceAfter=6, keepWithNext=1)
        self.h3 = ParagraphStyle("h3", fontName=bold, fontSize=10.5, leading=13, textColor=INK,
                                 spaceBefore=6, spaceAfter=3, keepWithNext=1)
        self.body = ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=12.5,
                                   textColor=colors.black)
        self.headline = ParagraphStyle("headline", parent=self.body, fontSize=10, leading=13.5,
                                       leftIndent=10, bulletIndent=0, spaceAfter=3)
        self.small = ParagraphStyle("small", fontName=regular, fontSize=7.5, leading=9.5,
                                    textColor=MUTED)
        self.caption = ParagraphStyle("caption", parent=self.small, alignment=TA_CENTER,
                                      spaceAfter=8)
        self.chart_title = ParagraphStyle("chart_title", parent=self.h3, spaceBefore=4,
                                          spaceAfter=2)
        self.fonts = fonts

    def cell(self, size: float, align: int = TA_LEFT, bold: bool = False,
             color: colors.Color = colors.black, indent: float = 0) -> ParagraphStyle:
        return ParagraphStyle(
            f"cell-{size}-{align}-{bold}-{indent}", fontName=self.fonts.bold if bold else
            self.fonts.regular, fontSize=size, leading=size * 1.25, alignment=align,
            textColor=color, leftIndent=indent,
        )


def _text_width(text: str, fonts: PdfFonts, font: str, size: float) -> float:
    """Width of ``text`` in points, counting characters the base font lacks as 1 em."""
    base = "".join(c for c in text if fonts.base_has(c))
    return pdfmetrics.stringWidth(base, font, size) + size * (len(text) - len(base))


def _column_widths(header: Sequence[str], body: Sequence[Sequence[str]],
                   columns: Sequence[Column], fonts: PdfFonts, size: float,
                   width: float) -> list[float] | None:
    """Natural widths; text columns take what is left and wrap. None if it cannot fit."""
    natural = []
    for i, _column in enumerate(columns):
        head = _text_width(header[i], fonts, fonts.bold, size)
        cells = [_text_width(row[i], fonts, fonts.regular, size) for row in body]
        natural.append(max([head, *cells]) + 2 * CELL_PAD + 3)
    text_cols = [i for i, c in enumerate(columns) if not c.is_numeric]
    fixed = sum(w for i, w in enumerate(natural) if i not in text_cols)
    if not text_cols:
        return natural if fixed <= width else None
    room = width - fixed
    if room < 22 * mm * len(text_cols):
        return None
    # each text column at least as wide as its longest word (header included), so "Channel"
    # never breaks inside a word because a 60-character name without spaces wants all the room;
    # no column's minimum above 60 % of the room (a longer word is split, splitLongWords)
    minimum = {}
    for i in text_cols:
        words = [w for text in (header[i], *(row[i] for row in body)) for w in text.split()]
        longest = max((_text_width(w, fonts, fonts.bold if w in header[i].split() else fonts.regular, size)
                       for w in words), default=0.0)
        minimum[i] = min(longest + 2 * CELL_PAD + 3, 0.6 * room)
    if sum(minimum.values()) > room:
        return None
    spare = {i: max(natural[i] - minimum[i], 0.0) for i in text_cols}
    extra = room - sum(minimum.values())
    out = list(natural)
    for i in text_cols:
        share = spare[i] / sum(spare.values()) if sum(spare.values()) else 1 / len(text_cols)
        out[i] = minimum[i] + extra * share
    return out


def _table(content_table: ContentTable, currency: str, styles: _Styles,
           width: float = FRAME_WIDTH, size: float = 8.5) -> Table:
    """A data table from its spec: header row, formatted cells (Paragraphs, so names wrap and
    escape)."""
    fonts = styles.fonts
    columns, rows = content_table.columns, content_table.rows
    header = [c.label for c in columns]
    # the currency label is glued to its amount (no-break space): a cell never wraps "Rs." alone
    body = [[glue_currency(fmt_value(row.get(c.key), c.kind, currency), currency) for c in columns]
            for row in rows]
    widths = None
    while widths is None and size >= 6:
        widths = _column_widths(header, body, columns, fonts, size, width)
        if widths is None:
            size -= 0.5
    if widths is None:
        widths = [width / len(columns)] * len(columns)
    head_cells = [Paragraph(fonts.markup(h), styles.cell(size, TA_RIGHT if c.is_numeric else
                                                         TA_LEFT, bold=True,
                                                         color=colors.white))
                  for h, c in zip(header, columns, strict=True)]
    data: list[list[Flowable]] = [head_cells]
    for row in body:
        data.append([Paragraph(fonts.markup(text), styles.cell(size, TA_RIGHT if c.is_numeric
                                                               else TA_LEFT))
                     for text, c in zip(row, columns, strict=True)])
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(_table_style(len(data)))
    return table


def _table_style(n_rows: int) -> TableStyle:
    commands: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("BOX", (0, 0), (-1, -1), 0.6, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    for row in range(2, n_rows, 2):
        commands.append(("BACKGROUND", (0, row), (-1, row), ZEBRA))
    return TableStyle(commands)


def _items_table(items: Sequence[Item], currency: str, styles: _Styles, width: float,
                 value_width: float, heading: tuple[str, str, str] | None = None,
                 with_notes: bool = False) -> Table:
    """Label / value (/ note) lines, e.g. key metrics or data quality."""
    fonts = styles.fonts
    size = 8.5
    rows: list[list[Flowable]] = []
    if heading:
        head = heading if with_notes else heading[:2]
        rows.append([Paragraph(fonts.markup(h), styles.cell(size, TA_RIGHT if i == 1 else
                                                            TA_LEFT, bold=True,
                                                            color=colors.white))
                     for i, h in enumerate(head)])
    for item in items:
        label = fonts.markup(item.label)
        if item.note and not with_notes:
            label += f'<br/><font size="6.5" color="#6C7A89">{fonts.markup(item.note)}</font>'
        cells: list[Flowable] = [
            Paragraph(label, styles.cell(size, indent=10 * item.level)),
            Paragraph(fonts.markup(glue_currency(fmt_value(item.value, item.kind, currency),
                                                 currency)),
                      styles.cell(size, TA_RIGHT, bold=item.level == 0 and not with_notes)),
        ]
        if with_notes:
            cells.append(Paragraph(fonts.markup(item.note), styles.cell(7.5, color=MUTED)))
        rows.append(cells)
    if with_notes:
        note_width = width * 0.45
        widths = [width - value_width - note_width, value_width, note_width]
    else:
        widths = [width - value_width, value_width]
    table = Table(rows, colWidths=widths, repeatRows=1 if heading else 0, hAlign="LEFT")
    style = _table_style(len(rows))
    if not heading:
        style.add("BACKGROUND", (0, 0), (-1, 0), colors.white)
        for row in range(0, len(rows), 2):
            style.add("BACKGROUND", (0, row), (-1, row), ZEBRA)
        for row in range(1, len(rows), 2):
            style.add("BACKGROUND", (0, row), (-1, row), colors.white)
    table.setStyle(style)
    return table


def _chart(path: Path, group: str, key: str, styles: _Styles,
           lead: Sequence[Flowable] = ()) -> Flowable:
    """The chart's title as a small heading, its picture at frame width (or less, if it would be
    too tall) and its caption from the chart registry, kept together on one page: a chart never
    starts a page without its title. ``lead`` (a section heading) goes first, in the same block
    (keepWithNext does not join a heading to a KeepTogether)."""
    spec = chart_spec(group, key)
    caption = spec.caption if spec else ""
    title = spec.title if spec else key.replace("_", " ").capitalize()
    image_width, image_height = ImageReader(str(path)).getSize()
    width = FRAME_WIDTH
    height = width * image_height / image_width
    if height > MAX_CHART_HEIGHT:
        width, height = width * MAX_CHART_HEIGHT / height, MAX_CHART_HEIGHT
    image = Image(str(path), width=width, height=height)
    return KeepTogether([*lead, Paragraph(styles.fonts.markup(title), styles.chart_title), image,
                         Paragraph(styles.fonts.markup(caption), styles.caption)])


def _headlines(content: ReportContent, styles: _Styles) -> Flowable:
    paragraphs = [Paragraph(styles.fonts.markup(glue_currency(s, content.currency)),
                            styles.headline, bulletText="•")
                  for s in content.headlines]
    box = Table([[paragraphs]], colWidths=[FRAME_WIDTH])
    box.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), CALLOUT_BG),
        ("LINEBEFORE", (0, 0), (0, -1), 3, HEADER_BG),
        ("LEFTPADDING", (0, 0), (-1, -1), 10),
        ("RIGHTPADDING", (0, 0), (-1, -1), 10),
        ("TOPPADDING", (0, 0), (-1, -1), 7),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    return box


def _story(content: ReportContent, charts: dict[str, Path],
           segment_charts: dict[str, Path] | None, styles: _Styles) -> list[Flowable]:
    m = styles.fonts.markup
    cur = content.currency
    story: list[Flowable] = [
        Paragraph(m(content.title), styles.title),
        Paragraph(m(f"Period: {content.period_text}"), styles.subtitle),
        Paragraph(m(content.run_text), styles.meta),
        Spacer(1, 8),
    ]
    story += _executive(content, styles)
    story.append(Paragraph("The whole window", styles.h2))
    story.append(_headlines(content, styles))
    if not content.has_campaign_data:
        # the headline says there is no campaign data; no empty figures presented as real ones
        story += _segments(content, segment_charts, styles)
        if content.quality:
            story.append(KeepTogether([
                Paragraph("Data quality", styles.h2),
                _items_table(content.quality, cur, styles, FRAME_WIDTH, 30 * mm,
                             ("Check", "Value", "Note"), with_notes=True),
            ]))
        return story
    story.append(Paragraph("Key metrics", styles.h2))
    half = (FRAME_WIDTH - 6 * mm) / 2
    pair = Table(
        [[_items_table(content.key_metrics, cur, styles, half, 36 * mm, ("Metric", "Value", "")),
          _items_table(content.activity, cur, styles, half, 30 * mm, ("Activity", "Value", ""))]],
        colWidths=[half + 6 * mm, half], hAlign="LEFT",
    )
    pair.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (0, 0), 6 * mm),
                              ("RIGHTPADDING", (1, 0), (1, 0), 0)]))
    story.append(pair)
    story.append(Paragraph(m(
        "ROI and ROAS are ratios of sums (total profit or revenue over total cost). Amounts here "
        "are rounded (K thousand, M million, B billion); the tables give them exactly."),
        styles.small))

    story += _table_block(content.channels, cur, styles, styles.h2)
    story += _table_block(content.top_campaigns, cur, styles, styles.h2)

    lead: list[Flowable] = [Paragraph("Charts", styles.h2)]
    for key, path in charts.items():
        story.append(_chart(Path(path), REPORT, key, styles, lead))
        lead = []
    story += lead

    story += _segments(content, segment_charts, styles)

    story.append(KeepTogether([
        Paragraph("Data quality", styles.h2),
        _items_table(content.quality, cur, styles, FRAME_WIDTH, 30 * mm,
                     ("Check", "Value", "Note"), with_notes=True),
    ]))
    appendix = {k: p for k, p in (segment_charts or {}).items() if k in APPENDIX_CHARTS}
    if appendix:
        lead = [Paragraph("Appendix: how the segments were chosen", styles.h2)]
        for key, path in appendix.items():
            story.append(_chart(Path(path), SEGMENT, key, styles, lead))
            lead = []
    return story


def _executive(content: ReportContent, styles: _Styles) -> list[Flowable]:
    """What changed, recommendations, winners and losers: the report's first sections."""
    m, cur = styles.fonts.markup, content.currency
    ex = content.executive
    if ex is None:
        if not content.executive_note:
            return []
        return [Paragraph("What changed", styles.h2), Paragraph(m(content.executive_note), styles.body)]
    out: list[Flowable] = [
        Paragraph("What changed", styles.h2),
        Paragraph(m(ex.period_text + "."), styles.body),
        Spacer(1, 4),
    ]
    out += [Paragraph(m(glue_currency(s, cur)), styles.headline, bulletText="•") for s in ex.summary]
    for table in (ex.change, ex.channel_changes, ex.risers, ex.fallers):
        out += _table_block(table, cur, styles, styles.h3)
    out.append(Paragraph("Recommendations", styles.h2))
    if not ex.recommendations:
        out.append(Paragraph(m(NO_RECOMMENDATION), styles.body))
    for rec in ex.recommendations:
        # a recommendation and its assumption stay on one page
        out.append(KeepTogether([
            Paragraph(f"<b>{m(rec.title)}.</b> {m(glue_currency(rec.text, cur))}",
                      styles.headline, bulletText="•"),
            Paragraph(m(rec.assumption), ParagraphStyle(
                "assumption", parent=styles.small, leftIndent=10, spaceAfter=4)),
        ]))
    out.append(Paragraph("Winners and losers", styles.h2))
    out.append(Paragraph(m(glue_currency(ex.ranking_note, cur)), styles.body))
    for table in (ex.best_roi, ex.worst_roi, ex.best_profit, ex.worst_profit):
        out += _table_block(table, cur, styles, styles.h3)
    if ex.apart:
        out.append(Paragraph("Reported apart", styles.h3))
        out += [Paragraph(m(glue_currency(s, cur)), styles.body) for s in ex.apart]
    return out


def _table_block(table: ContentTable, currency: str, styles: _Styles,
                 heading_style: ParagraphStyle | None = None) -> list[Flowable]:
    """A table as its spec says: heading (in ``heading_style``), then the table and its note,
    or the empty-state sentence when there are no rows and the spec has one.

    One :class:`KeepTogether`: a table that fits on a page is never split and starts on the page
    of its heading; a longer one still starts under its heading and repeats its header row."""
    spec, m = table.spec, styles.fonts.markup
    out: list[Flowable] = []
    if spec.heading and heading_style is not None:
        out.append(Paragraph(m(spec.heading), heading_style))
    if not table.rows and spec.empty:
        out.append(Paragraph(m(spec.empty), styles.body))
        return out
    out.append(_table(table, currency, styles))
    if spec.note:
        out.append(Paragraph(m(spec.note), styles.small))
    return [KeepTogether(out)]


def _segments(content: ReportContent, segment_charts: dict[str, Path] | None,
              styles: _Styles) -> list[Flowable]:
    m = styles.fonts.markup
    out: list[Flowable] = [Paragraph("Customer segments", styles.h2)]
    seg = content.segments
    if seg is None:
        out.append(Paragraph(m(content.segments_note), styles.body))
        return out
    out.append(Paragraph(m(
        f"{seg.n_customers:,} customers in {seg.chosen_k} segments (k-means on "
        f"{', '.join(seg.features)}). Choice of k: {seg.reason}"), styles.body))
    out.append(Spacer(1, 5))
    out += _table_block(seg.table, content.currency, styles)
    if seg.by_channel is not None:
        out += _table_block(seg.by_channel, content.currency, styles, styles.h3)
    out.append(Spacer(1, 6))
    for key, path in (segment_charts or {}).items():
        if key not in APPENDIX_CHARTS:
            out.append(_chart(Path(path), SEGMENT, key, styles))
    return out


def write_pdf(data: ReportData, charts: dict[str, Path], path: Path,
              segment_charts: dict[str, Path] | None = None) -> Path:
    """Write the executive summary PDF to ``path`` (parent folders created) and return it.

    ``charts`` is :func:`reporting.reports.render_charts`' result (shown in its order);
    ``segment_charts`` e.g. :func:`segmentation.save_charts`' result, shown in the segments
    section when given.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fonts = pdf_fonts()
    styles = _Styles(fonts)
    content = build_content(data)
    footer = Paragraph(fonts.markup(f"{content.title} · run {data.run_id}"), styles.small)

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        _w, h = footer.wrap(FRAME_WIDTH - 25 * mm, MARGIN)
        footer.drawOn(canvas, MARGIN, MARGIN - 6 * mm - h / 2)
        canvas.setFont(fonts.regular, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawRightString(PAGE[0] - MARGIN, MARGIN - 6 * mm - 2, f"page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        str(path), pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN + 2 * mm, title=content.title, author="mca",
        subject=f"run {data.run_id}, as of {data.as_of.isoformat()}",
    )
    doc.build(_story(content, charts, segment_charts, styles), onFirstPage=on_page,
              onLaterPages=on_page)
    log.info("wrote %s", path)
    return path
