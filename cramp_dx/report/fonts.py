"""The embedded Unicode font.

ReportLab's built-in Helvetica only covers Latin-1, so names such as "Łukasz Żółć" or
"Nguyễn Văn An" would print as boxes. DejaVu Sans (shipped in `resources/fonts/` with its
licence beside it) covers Latin, Greek, Cyrillic, Vietnamese, Hebrew and Arabic letters; the
subset actually used is embedded in every PDF.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from cramp_dx.errors import CrampDxError
from cramp_dx.paths import resources_dir

FAMILY = "DejaVuSans"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
ITALIC = "DejaVuSans-Oblique"
BOLD_ITALIC = "DejaVuSans-BoldOblique"

_FACES = {
    REGULAR: (0, 0),
    BOLD: (1, 0),
    ITALIC: (0, 1),
    BOLD_ITALIC: (1, 1),
}


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


@cache
def register_fonts() -> str:
    """Register the four DejaVu Sans faces once per process; returns the family name.

    `<b>` and `<i>` in the report's own markup map to the matching face.
    """
    folder = fonts_dir()
    for name, (bold, italic) in _FACES.items():
        path = folder / f"{name}.ttf"
        if not path.is_file():
            raise CrampDxError(f"report font missing: {path} (reinstall cramp-dx)")
        pdfmetrics.registerFont(TTFont(name, str(path)))
        addMapping(FAMILY, bold, italic, name)
    return FAMILY
