"""The embedded Unicode fonts.

ReportLab's built-in Helvetica only covers Latin-1, so names such as "Łukasz Żółć" or
"Nguyễn Văn An" would print as boxes. DejaVu Sans (shipped in `resources/fonts/` with its
licence beside it) covers Latin, Greek, Cyrillic, Vietnamese, Hebrew and Arabic letters; the
subset actually used is embedded in every PDF.

DejaVu has no Chinese, Japanese or Korean. A run of characters DejaVu lacks is set in the
fallback, WenQuanYi Micro Hei (TrueType outlines, as ReportLab needs: Han characters, kana and
Hangul; Apache License 2.0, beside it), chosen character by character: only those runs switch
font, so Latin text beside a Japanese name keeps DejaVu. The fallback is read from disk the first
time a summary needs it, and only the glyphs used are embedded. (Droid Sans Fallback, the usual
choice, has no Hangul syllables: Korean names would still print as boxes.)
"""

from __future__ import annotations

from functools import cache
from itertools import groupby
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from cramp_dx.errors import CrampDxError
from cramp_dx.paths import resources_dir

FAMILY = "DejaVuSans"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
ITALIC = "DejaVuSans-Oblique"
BOLD_ITALIC = "DejaVuSans-BoldOblique"
FALLBACK = "WenQuanYiMicroHei"
FALLBACK_FILE = "wqy-microhei.ttc"  # a collection: face 0 is Micro Hei, face 1 its Mono

_FACES = {
    REGULAR: (0, 0),
    BOLD: (1, 0),
    ITALIC: (0, 1),
    BOLD_ITALIC: (1, 1),
}


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


def _font_file(name: str) -> Path:
    path = fonts_dir() / name
    if not path.is_file():
        raise CrampDxError(f"report font missing: {path} (reinstall cramp-dx)")
    return path


@cache
def register_fonts() -> str:
    """Register the four DejaVu Sans faces once per process; returns the family name.

    `<b>` and `<i>` in the report's own markup map to the matching face.
    """
    for name, (bold, italic) in _FACES.items():
        pdfmetrics.registerFont(TTFont(name, str(_font_file(f"{name}.ttf"))))
        addMapping(FAMILY, bold, italic, name)
    return FAMILY


@cache
def _main_characters() -> frozenset[str]:
    register_fonts()
    return frozenset(map(chr, pdfmetrics.getFont(REGULAR).face.charToGlyph))


@cache
def _fallback_characters() -> frozenset[str]:
    """Registers the fallback (once, when first needed); the characters it has."""
    font = TTFont(FALLBACK, str(_font_file(FALLBACK_FILE)), subfontIndex=0)
    pdfmetrics.registerFont(font)
    for bold in (0, 1):  # it has one face: bold and italic text inside a run keep it
        for italic in (0, 1):
            addMapping(FALLBACK, bold, italic, FALLBACK)
    return frozenset(map(chr, font.face.charToGlyph))


def fallback_runs(text: str) -> list[tuple[str, bool]]:
    """`text` cut into runs, each with True where the fallback font must draw it: characters
    DejaVu lacks and the fallback has. Text DejaVu covers is one run, checked without
    reading the fallback."""
    missing = set(text) - _main_characters()
    if not missing:
        return [(text, False)]
    switch = missing & _fallback_characters()
    if not switch:
        return [(text, False)]
    return [("".join(run), fallback) for fallback, run in groupby(text, key=switch.__contains__)]


def with_fallback(markup: str) -> str:
    """Markup (already escaped) with each run the fallback must draw in a `<font>` tag."""
    runs = fallback_runs(markup)
    if len(runs) == 1 and not runs[0][1]:
        return markup
    return "".join(f'<font name="{FALLBACK}">{run}</font>' if fallback else run
                   for run, fallback in runs)


def text_width(text: str, font: str, size: float) -> float:
    """Width of plain text drawn with `draw_text`: fallback runs measured in the fallback."""
    return float(sum(pdfmetrics.stringWidth(run, FALLBACK if fallback else font, size)
                     for run, fallback in fallback_runs(text)))


def draw_text(canvas: Canvas, x: float, y: float, text: str, font: str, size: float) -> None:
    """Plain text (in drawing order) from `x`, in `font`, its fallback runs in the fallback."""
    for run, fallback in fallback_runs(text):
        face = FALLBACK if fallback else font
        canvas.setFont(face, size)
        canvas.drawString(x, y, run)
        x += pdfmetrics.stringWidth(run, face, size)
    canvas.setFont(font, size)
