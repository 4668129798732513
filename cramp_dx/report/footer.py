"""The footer on every page, including "Page X of Y".

Y is only known once every page is laid out, so the canvas keeps each finished page's state
and draws all footers at `save()` (the usual ReportLab "numbered canvas"), which costs no
second layout pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from cramp_dx.report.fonts import BOLD, REGULAR, draw_text, text_width
from cramp_dx.report.styles import MUTED, RULE
from cramp_dx.report.text import clean, visual

DISCLAIMER = "Decision support — not a diagnosis"
FOOTER_SIZE = 7.5


@dataclass(frozen=True, slots=True)
class FooterInfo:
    name: str  # "Family, Given", plain text; shortened to fit, never the identifiers
    identifiers: str  # "MRN … · born …", always printed in full
    generated: str
    knowledge_version: str
    margin_left: float
    margin_right: float
    baseline: float  # y of the lower footer line


@lru_cache(maxsize=64)  # the same name and line on every page
def fit(text: str, font: str, size: float, width: float) -> str:
    """Cut plain text with an ellipsis so it fits `width` points on one line (still in reading
    order: `visual` puts it in drawing order)."""
    text = " ".join(clean(text).split())
    if text_width(text, font, size) <= width:
        return text
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if text_width(text[:mid] + "…", font, size) <= width:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + "…"


class NumberedCanvas(Canvas):
    def __init__(self, *args: Any, footer: FooterInfo, pdf_date: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer
        # Stamp the metadata with the report's own generation time, not the clock's.
        self.setDateFormatter(lambda *_: pdf_date)
        self._page_states: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._page_states.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._page_states)
        for state in self._page_states:
            self.__dict__.update(state)
            self._draw_footer(total)
            super().showPage()
        super().save()

    def _draw_footer(self, total: int) -> None:
        info = self._footer
        width = self._pagesize[0]
        right = width - info.margin_right
        usable = right - info.margin_left
        upper = info.baseline + FOOTER_SIZE + 3
        page = f"Page {self._pageNumber} of {total}"
        self.saveState()
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        self.line(info.margin_left, upper + FOOTER_SIZE + 2, right, upper + FOOTER_SIZE + 2)
        self.setFillColor(MUTED)
        self.setFont(BOLD, FOOTER_SIZE)
        self.drawRightString(right, upper, page)
        page_width = stringWidth(page, BOLD, FOOTER_SIZE)
        ids = " · " + fit(info.identifiers, BOLD, FOOTER_SIZE, (usable - page_width - 12) * 0.6)
        room = usable - page_width - 12 - text_width(ids, BOLD, FOOTER_SIZE)
        draw_text(self, info.margin_left, upper,
                  visual(fit(info.name, BOLD, FOOTER_SIZE, room)) + visual(ids), BOLD, FOOTER_SIZE)
        self.setFont(REGULAR, FOOTER_SIZE)
        self.drawRightString(right, info.baseline, DISCLAIMER)
        left = f"Generated {info.generated} · knowledge {info.knowledge_version}"
        disclaimer_width = stringWidth(DISCLAIMER, REGULAR, FOOTER_SIZE)
        draw_text(self, info.margin_left, info.baseline,
                  visual(fit(left, REGULAR, FOOTER_SIZE, usable - disclaimer_width - 12)),
                  REGULAR, FOOTER_SIZE)
        self.restoreState()
