"""Report renderers: charts (PNG), the PDF and the self-contained HTML executive summary.

>>> charts = render_charts(data, out_dir / "charts")          # doctest: +SKIP
>>> write_pdf(data, charts, out_dir / "executive_summary.pdf")  # doctest: +SKIP
>>> write_html(data, charts, out_dir / "executive_summary.html")  # doctest: +SKIP

``data`` is a :class:`reporting.report_data.ReportData`; the renderers only choose, sort and
format what the marts computed.
"""

from reporting.reports.charts import CHART_FILES, render_charts
from reporting.reports.html import write_html
from reporting.reports.narrative import headline_sentences
from reporting.reports.pdf import write_pdf

__all__ = ["CHART_FILES", "headline_sentences", "render_charts", "write_html", "write_pdf"]
