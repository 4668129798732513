"""Section 4: the Wells score for DVT, each item with its points and where it came from."""

from __future__ import annotations

from reportlab.platypus import Flowable

from cramp_dx.report.blocks import Overflow, Paragraph, grid, para, section_start
from cramp_dx.report.context import ReportContext
from cramp_dx.report.styles import styles
from cramp_dx.report.text import clean, escape

TITLE = "Wells score for deep vein thrombosis"

def _points(points: int) -> str:
    return f"{points:+d}" if points else "0"


def build(ctx: ReportContext, width: float, overflow: Overflow) -> list[Flowable]:
    st = styles()
    wells = ctx.assessment.wells
    category = ctx.kb.wells_categories.get(wells.category, clean(wells.category))
    summary = f"<b>Score {wells.score:+d}</b> — {escape(category)}"
    if wells.not_assessed:
        summary += (f'<br/><font color="#8a5a00">{len(wells.not_assessed)} item(s) not assessed; '
                    "the score may be higher once they are recorded.</font>")
    rows = []
    for item in wells.items:
        if not item.assessed:
            continue
        rows.append([
            Paragraph(escape(clean(item.label)), st.cell),
            Paragraph(escape(f"{item.weight:+d}"), st.cell_muted),
            Paragraph("yes" if item.met else "no", st.cell_bold if item.met else st.cell),
            Paragraph(escape(_points(item.points)), st.cell_bold if item.points else st.cell),
            Paragraph(escape(clean(item.source) or "—"), st.cell),
        ])
    out: list[Flowable] = [*section_start(TITLE), para(summary)]
    if rows:
        widths = [width * 0.50, width * 0.08, width * 0.12, width * 0.08, width * 0.22]
        out.append(grid(["Item", "Weight", "Met", "Points", "Source"], rows, widths))
    # items nobody recorded are listed in one line (with their weight), not a row each, so an
    # unassessed score does not push the differential off the first page
    unassessed = [f"{clean(i.label)} ({i.weight:+d})" for i in wells.items if not i.assessed]
    if unassessed:
        out.append(para("<b>Not assessed:</b> " + escape("; ".join(unassessed)), st.cell_muted))
    return out
