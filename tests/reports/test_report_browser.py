"""The HTML report in headless Chromium: it loads at phone and desktop widths, logs no console
message, nothing is wider than the window, no table is wider than its box (under 600 px a table is
one card per row) and no chart is shrunk far below its own width (a phone gets the phone copy).

Needs Debian's ``chromium`` package. Without the binary the tests skip, unless
MCA_REQUIRE_BROWSER=1, which makes a missing browser a failure.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from tests.reports.conftest import BuiltReports

REQUIRE_BROWSER = os.environ.get("MCA_REQUIRE_BROWSER") == "1"
CONSOLE_LINE = re.compile(r":CONSOLE(?:\(\d+\)|:\d+)?\]")
"""Chromium's --enable-logging=stderr line for a page console message, e.g.
``[...:INFO:CONSOLE:1] "Uncaught ReferenceError: ...", source: file:///... (1)``; its own noise
(dbus, GPU, sandbox) never has it."""
PROBE_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>probe</title></head>
<body style="margin:0"><iframe id="report" style="border:0;width:{width}px;height:900px"
srcdoc="{srcdoc}"></iframe><pre id="probe">pending</pre><script>
window.addEventListener("load", () => {{
  const frame = document.getElementById("report");
  const doc = frame.contentDocument;
  const tables = Array.from(doc.querySelectorAll("table")).map(t => ({{
    id: t.id, width: t.getBoundingClientRect().width, box: t.parentElement.clientWidth}}));
  const images = Array.from(doc.images).map(i => ({{
    alt: i.alt, width: i.getBoundingClientRect().width, natural: i.naturalWidth,
    phone: i.currentSrc !== i.src}}));
  document.getElementById("probe").textContent = "scrollWidth=" +
    doc.documentElement.scrollWidth + " innerWidth=" + frame.contentWindow.innerWidth +
    " images=" + Array.from(doc.images).filter(i => i.complete && i.naturalWidth > 0).length +
    "/" + doc.images.length + " layout=" + JSON.stringify({{tables, images}});
}});
</script></body></html>"""
"""A page that shows the report in an iframe of a given width and measures it (headless
Chromium will not make its own window narrower than 500 px for --dump-dom)."""


def _browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    message = "headless browser not found: install the Debian package chromium"
    if REQUIRE_BROWSER:
        pytest.fail(message + " (MCA_REQUIRE_BROWSER=1 makes this a failure)")
    pytest.skip(message)


def run_chromium(url: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        _browser(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}",
        "--enable-logging=stderr", "--v=0", *args, url,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False,
                          stdin=subprocess.DEVNULL)


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if CONSOLE_LINE.search(line)]


def test_console_detection_works(tmp_path: Path) -> None:
    """The filter must catch a page's console output in this Chromium's log format, or the
    'no console errors' checks below would pass for the wrong reason."""
    page = tmp_path / "noisy.html"
    page.write_text("<!doctype html><title>t</title><script>console.error('boom');"
                    "undefinedFunction();</script>", encoding="utf-8")
    done = run_chromium(page.as_uri(), tmp_path / "profile", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    messages = console_messages(done.stderr)
    assert any("boom" in m for m in messages), done.stderr[-2000:]
    assert any("Uncaught ReferenceError" in m for m in messages)


@pytest.mark.parametrize("width,height", [(390, 800), (1280, 900)])
def test_screenshot_loads_without_console_errors(built: BuiltReports, tmp_path: Path,
                                                 width: int, height: int) -> None:
    shot = tmp_path / f"report-{width}.png"
    done = run_chromium(built.html.as_uri(), tmp_path / "profile",
                        f"--window-size={width},{height}", f"--screenshot={shot}")
    assert done.returncode == 0, done.stderr[-2000:]
    assert console_messages(done.stderr) == []
    assert shot.is_file() and shot.stat().st_size > 10_000
    with Image.open(shot) as image:
        assert image.size == (width, height)
        gray = image.convert("L")
        assert ImageStat.Stat(gray).stddev[0] > 10, "screenshot is one flat colour"
        # the dark title band spans the top of the page at either width
        assert gray.getpixel((width // 2, 8)) < 100


@pytest.mark.parametrize("width", [390, 1280])
def test_nothing_wider_than_the_window(built: BuiltReports, tmp_path: Path, width: int) -> None:
    """The report, framed at a phone's and a desktop's width by a probe page (the report itself
    has no script), is no wider than its frame; no table is wider than the window or its own box
    (nothing to scroll sideways: at 390 px tables are cards); every image decodes, fits, and is
    shown at no less than half its own width (the phone copy at 390 px, the desktop picture at
    1280 px)."""
    probe = tmp_path / "probe.html"
    source = built.html.read_text(encoding="utf-8")
    probe.write_text(PROBE_PAGE.format(width=width, srcdoc=html.escape(source, quote=True)),
                     encoding="utf-8")
    done = run_chromium(probe.as_uri(), tmp_path / "profile", "--window-size=1400,1000",
                        "--virtual-time-budget=10000", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r"scrollWidth=(\d+) innerWidth=(\d+) images=(\d+)/(\d+)", done.stdout)
    assert found, done.stdout[-2000:]
    scroll_width, inner_width, loaded, images = (int(g) for g in found.groups())
    assert inner_width == width
    assert scroll_width <= inner_width
    assert images == 8 and loaded == images
    assert console_messages(done.stderr) == []
    layout = json.loads(html.unescape(done.stdout).split(" layout=", 1)[1].split("</pre>")[0])
    assert len(layout["tables"]) >= 10
    for table in layout["tables"]:
        assert table["width"] <= width, table
        assert table["width"] <= table["box"] + 1, f"table scrolls sideways: {table}"
    assert len(layout["images"]) == 8
    for image in layout["images"]:
        assert 0 < image["width"] <= width, image
        # naturalWidth is in CSS px (the phone copy is 2x): not shrunk 4x as before #17
        assert 0.8 <= image["natural"] / image["width"] <= 2.0, image
        assert image["phone"] == (width <= 600), image
