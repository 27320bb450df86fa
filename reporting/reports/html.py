"""The executive summary as one self-contained HTML file (Jinja2, autoescaped).

Charts are inlined as base64 ``data:`` URIs and the CSS is inline, so the file makes no request
of any kind and can be mailed or archived as is. A chart with a phone copy
(:func:`segmentation.charts.phone_path`) is a ``<picture>``: the phone copy, at 2x, on screens up to
600 px wide, the desktop picture elsewhere; so neither is shrunk to a fraction of its size. Text from the data is escaped by Jinja's
autoescape; numbers go through the filters registered here (the same formatters as the PDF).
"""

from __future__ import annotations

import base64
import functools
import logging
import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from reporting.report_data import ReportData
from reporting.warehouse.base import CONTROL_CHARACTERS
from reporting.reports.charts import REPORT, SEGMENT, chart_spec
from segmentation.charts import phone_path
from reporting.reports.content import APPENDIX_CHARTS, NO_RECOMMENDATION, build_content
from reporting.reports.formatting import (
    fmt_count,
    fmt_money,
    fmt_pct,
    fmt_ratio,
    fmt_share,
    fmt_text,
    fmt_value,
    glue_currency,
)

log = logging.getLogger(__name__)

TEMPLATE = "report.html.j2"
MIME_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
              ".svg": "image/svg+xml", ".webp": "image/webp"}


_CONTROL = re.compile(CONTROL_CHARACTERS)


def _without_control_characters(value: Any) -> Any:
    """Every value the template prints, without control characters (a NUL in a campaign name
    would otherwise reach the page). Markup (a macro's output) stays markup."""
    if not isinstance(value, str):
        return value
    cleaned = _CONTROL.sub("", value)
    return Markup(cleaned) if isinstance(value, Markup) else cleaned


@functools.lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja environment: the package's templates folder, autoescape on, strict undefined,
    and the number filters ``money(currency)``, ``pct``, ``share``, ``ratio``, ``count``, ``na``
    and ``fmt(kind, currency)`` (each renders None/NaN as ``n/a``)."""
    env = Environment(
        loader=PackageLoader("reporting", "templates"),
        finalize=_without_control_characters,
        autoescape=select_autoescape(enabled_extensions=("html", "htm", "xml", "j2"),
                                     default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update({
        "money": fmt_money,
        "pct": fmt_pct,
        "share": fmt_share,
        "ratio": fmt_ratio,
        "count": fmt_count,
        "na": fmt_text,
        "fmt": fmt_value,
        "glue_currency": glue_currency,
    })
    return env


def data_uri(path: Path) -> str:
    """The file as a base64 ``data:`` URI (PNG unless the suffix says otherwise)."""
    path = Path(path)
    mime = MIME_TYPES.get(path.suffix.lower(), "image/png")
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _figures(charts: dict[str, Path] | None, group: str) -> list[dict[str, Any]]:
    """The charts given, in their order, with title and caption from the chart registry (a key
    it does not know gets a title made from the key and no caption), and the phone copy's URI
    when there is one."""
    figures = []
    for key, path in (charts or {}).items():
        spec = chart_spec(group, key)
        phone = phone_path(path)
        figures.append({
            "key": key,
            "title": spec.title if spec else key.replace("_", " ").capitalize(),
            "caption": spec.caption if spec else "",
            "src": data_uri(path),
            "phone_src": data_uri(phone) if phone.is_file() else None,
        })
    return figures


def render_html(data: ReportData, charts: dict[str, Path],
                segment_charts: dict[str, Path] | None = None) -> str:
    """The report as an HTML string."""
    content = build_content(data)
    return environment().get_template(TEMPLATE).render(
        c=content,
        currency=data.currency,
        charts=_figures(charts, REPORT),
        segment_charts=_figures(segment_charts, SEGMENT),
        appendix_charts=APPENDIX_CHARTS,
        no_recommendation=NO_RECOMMENDATION,
    )


def write_html(data: ReportData, charts: dict[str, Path], path: Path,
               segment_charts: dict[str, Path] | None = None) -> Path:
    """Write the self-contained HTML report to ``path`` (parent folders created), return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(data, charts, segment_charts), encoding="utf-8")
    log.info("wrote %s", path)
    return path
