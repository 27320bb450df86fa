"""Fonts for the PDF (reportlab) and the charts (matplotlib), with a fallback for CJK text.

Names in the data (campaigns, channels, segments) can be in any script. The PDF uses DejaVu Sans
(found on the system, else the copy matplotlib ships) for Latin, Greek and Cyrillic text, and a
TrueType CJK font when one is installed (Droid Sans Fallback, Debian package
``fonts-droid-fallback``; WenQuanYi and others are tried too) for the characters DejaVu lacks.
Without any TrueType font it falls back to Helvetica. A character that no registered font has
(emoji, for instance) is replaced by U+FFFD (or ``?``), never passed through to fail the build.
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

log = logging.getLogger(__name__)

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
LATIN_FONTS = (
    ("truetype/dejavu/DejaVuSans.ttf", "truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("TTF/DejaVuSans.ttf", "TTF/DejaVuSans-Bold.ttf"),
    ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSans-Bold.ttf"),
)
CJK_FONTS = (
    # (path under a font dir, TTC sub-font index). Only TrueType outlines: reportlab cannot embed
    # CFF-based OpenType such as Noto Sans CJK.
    ("truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("truetype/droid/DroidSansFallback.ttf", 0),
    ("truetype/wqy/wqy-microhei.ttc", 0),
    ("truetype/wqy/wqy-zenhei.ttc", 0),
    ("truetype/arphic/uming.ttc", 0),
    ("truetype/unfonts-core/UnDotum.ttf", 0),
)
REGULAR, BOLD, FALLBACK = "MCA-Sans", "MCA-Sans-Bold", "MCA-CJK"
REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class PdfFonts:
    """Registered reportlab font names and what each can draw. The CJK fallback font
    (``cjk_file``) is parsed and registered the first time a text needs a character the
    regular font lacks: reportlab's parse of Droid Sans Fallback (28,602 characters) holds
    27 MB and takes 0.2 s, which reports whose names are all Latin, Greek or Cyrillic never pay."""

    regular: str
    bold: str
    regular_chars: frozenset[int] | None  # None: a standard font (Latin-1 / cp1252 only)
    replacement: str
    cjk_file: tuple[Path, int] | None = None  # (font file, TTC sub-font index)

    @functools.cached_property
    def _cjk(self) -> tuple[str | None, frozenset[int]]:
        """(registered name, characters) of the CJK fallback font, registered on first use."""
        if self.cjk_file is None:
            return None, frozenset()
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFError, TTFont

        path, index = self.cjk_file
        try:
            font = TTFont(FALLBACK, str(path), subfontIndex=index)
            pdfmetrics.registerFont(font)
        except (TTFError, OSError) as exc:
            log.warning("cannot use %s (%s); CJK text will be replaced", path, exc)
            return None, frozenset()
        log.debug("CJK fallback font: %s", path)
        return FALLBACK, frozenset(font.face.charToGlyph)

    @property
    def fallback(self) -> str | None:
        """The registered name of the CJK fallback font; None without one."""
        return self._cjk[0]

    @property
    def fallback_chars(self) -> frozenset[int]:
        return self._cjk[1]

    def base_has(self, char: str) -> bool:
        if self.regular_chars is None:
            try:
                char.encode("cp1252")
            except UnicodeEncodeError:
                return False
            return True
        return ord(char) in self.regular_chars

    def markup(self, text: object) -> str:
        """``text`` as reportlab Paragraph markup: XML-escaped, CJK runs wrapped in the fallback
        font, characters no font has replaced (format characters such as ZWJ dropped)."""
        runs: list[tuple[bool, list[str]]] = []
        for char in str(text):
            if char in "\r\n\t":
                char = " "
            if self.base_has(char):
                in_fallback = False
            elif self.fallback and ord(char) in self.fallback_chars:
                in_fallback = True
            elif unicodedata.category(char) in {"Cf", "Mn", "Me", "Cc"}:
                continue
            else:
                char, in_fallback = self.replacement, False
            if runs and runs[-1][0] == in_fallback:
                runs[-1][1].append(char)
            else:
                runs.append((in_fallback, [char]))
        parts = []
        for in_fallback, chars in runs:
            piece = escape("".join(chars))
            parts.append(f'<font name="{self.fallback}">{piece}</font>' if in_fallback else piece)
        return "".join(parts)


def _find(relative: str, dirs: Iterable[Path]) -> Path | None:
    for base in dirs:
        candidate = base / relative
        if candidate.is_file():
            return candidate
    return None


def _matplotlib_dejavu() -> tuple[Path, Path] | None:
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
    return (regular, bold) if regular.is_file() and bold.is_file() else None


def latin_font_files(dirs: Iterable[Path] = FONT_DIRS) -> tuple[Path, Path] | None:
    """DejaVu Sans regular and bold: from the system, else matplotlib's copy."""
    dirs = tuple(dirs)
    for regular, bold in LATIN_FONTS:
        found_regular, found_bold = _find(regular, dirs), _find(bold, dirs)
        if found_regular and found_bold:
            return found_regular, found_bold
    return _matplotlib_dejavu()


def cjk_font_file(dirs: Iterable[Path] = FONT_DIRS) -> tuple[Path, int] | None:
    """The first installed TrueType font with CJK coverage, with its TTC sub-font index."""
    dirs = tuple(dirs)
    for relative, index in CJK_FONTS:
        found = _find(relative, dirs)
        if found:
            return found, index
    return None


@functools.lru_cache(maxsize=1)
def pdf_fonts() -> PdfFonts:
    """Register the fonts with reportlab once per process and describe them."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    regular, bold, regular_chars = "Helvetica", "Helvetica-Bold", None
    replacement = "?"
    latin = latin_font_files()
    if latin:
        try:
            regular_font = TTFont(REGULAR, str(latin[0]))
            pdfmetrics.registerFont(regular_font)
            pdfmetrics.registerFont(TTFont(BOLD, str(latin[1])))
            pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD,
                                          italic=REGULAR, boldItalic=BOLD)
            regular, bold = REGULAR, BOLD
            regular_chars = frozenset(regular_font.face.charToGlyph)
            if ord(REPLACEMENT) in regular_chars:
                replacement = REPLACEMENT
        except (TTFError, OSError) as exc:
            log.warning("cannot use %s (%s); falling back to Helvetica", latin[0], exc)
    else:
        log.warning("DejaVu Sans not found; the PDF uses Helvetica (Latin-1 only)")
    cjk = cjk_font_file()
    if cjk is None:
        log.warning(
            "no TrueType CJK font found (e.g. Debian package fonts-droid-fallback); "
            "CJK characters in names are replaced by %r in the PDF", replacement,
        )
    return PdfFonts(regular=regular, bold=bold, regular_chars=regular_chars, replacement=replacement, cjk_file=cjk)


@functools.lru_cache(maxsize=1)
def _matplotlib_fonts() -> tuple[frozenset[int], str | None]:
    """Characters matplotlib's DejaVu Sans has, and the family name of the CJK font (added to
    matplotlib's font list) when one is installed."""
    from matplotlib import font_manager, ft2font

    dejavu = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    chars = frozenset(ft2font.FT2Font(dejavu).get_charmap())
    cjk = cjk_font_file()
    if cjk is None:
        return chars, None
    try:
        font_manager.fontManager.addfont(str(cjk[0]))
        return chars, font_manager.FontProperties(fname=str(cjk[0])).get_name()
    except (OSError, RuntimeError, ValueError) as exc:
        log.warning("matplotlib cannot use %s: %s", cjk[0], exc)
        return chars, None


def matplotlib_font_family(texts: Iterable[str] = ()) -> list[str]:
    """Font family list for chart text: DejaVu Sans, plus the CJK font (matplotlib falls back
    glyph by glyph along the list) only when some of ``texts`` needs it."""
    chars, cjk_family = _matplotlib_fonts()
    needs_fallback = any(ord(c) not in chars for text in texts for c in str(text))
    return ["DejaVu Sans", cjk_family] if needs_fallback and cjk_family else ["DejaVu Sans"]
