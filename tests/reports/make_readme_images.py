"""Regenerate the README's report pictures from the seeded sample data.

    .venv/bin/python -m tests.reports.make_readme_images

writes docs/images/report_pdf_page1.png (the PDF's first page, via pdftoppm at 110 dpi),
docs/images/report_html.png (headless Chromium, 1280 px wide, scaled to 1024) and
docs/images/report_html_mobile.png (390 px wide, as a phone shows it: tables as cards, the
charts' phone copies). Needs poppler-utils and chromium.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

from tests.reports.conftest import build_reports
from tests.reports.test_report_browser import run_chromium

log = logging.getLogger("make_readme_images")
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
MAX_BYTES = 400_000


def _save_small(source: Path, target: Path, width: int | None = None) -> Path:
    """Save ``source`` as an optimised PNG (palette colours), scaled to ``width`` if given."""
    with Image.open(source) as image:
        image = image.convert("RGB")
        if width and image.size[0] > width:
            image = image.resize((width, round(image.size[1] * width / image.size[0])),
                                 Image.LANCZOS)
        image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)
    size = target.stat().st_size
    if size > MAX_BYTES:
        raise SystemExit(f"{target} is {size:,} bytes, over {MAX_BYTES:,}")
    log.info("wrote %s (%s bytes)", target, f"{size:,}")
    return target


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        built = build_reports(base, markup_name=None)
        subprocess.run(["pdftoppm", "-r", "110", "-png", "-f", "1", "-l", "1", str(built.pdf),
                        str(base / "page")], check=True, capture_output=True, timeout=120)
        page = next(base.glob("page-*1.png"))
        _save_small(page, IMAGES / "report_pdf_page1.png")
        shot = base / "html.png"
        done = run_chromium(built.html.as_uri(), base / "profile", "--window-size=1280,1500",
                            f"--screenshot={shot}")
        if done.returncode != 0 or not shot.is_file():
            raise SystemExit(f"chromium failed:\n{done.stderr[-2000:]}")
        _save_small(shot, IMAGES / "report_html.png", width=1024)
        phone = base / "html-390.png"
        done = run_chromium(built.html.as_uri(), base / "profile", "--window-size=390,2600",
                            f"--screenshot={phone}")
        if done.returncode != 0 or not phone.is_file():
            raise SystemExit(f"chromium failed:\n{done.stderr[-2000:]}")
        _save_small(phone, IMAGES / "report_html_mobile.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
