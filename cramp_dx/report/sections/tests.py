"""Section 6: recommended next tests with what each settles; tests ordered or done, dated."""

from __future__ import annotations

from reportlab.platypus import Flowable

from cramp_dx.report import labels
from cramp_dx.report.blocks import Overflow, Paragraph, grid, para, section_start
from cramp_dx.report.context import ReportContext
from cramp_dx.report.styles import styles
from cramp_dx.report.text import clean, escape

TITLE = "Tests"
REPEAT = "(repeat)"  # a done test suggested again by a repeat rule
STATE_LABELS = {"ordered": "ordered — pending", "done": "done", "not_indicated": "not indicated"}


def build(ctx: ReportContext, width: float, overflow: Overflow) -> list[Flowable]:
    st = styles()
    assessment = ctx.assessment
    names = {d.id: d.name for d in assessment.differential}
    out: list[Flowable] = [*section_start(TITLE)]

    if assessment.next_tests:
        rows = []
        extra: list[tuple] = []
        for number, test in enumerate(assessment.next_tests, start=1):
            name = escape(clean(test.name))
            if test.repeat:
                name += f" <b>{REPEAT}</b>"
            if test.urgent:
                name = f'<font color="#b00020"><b>URGENT</b></font> {name}'
                extra.append(("BACKGROUND", (0, number), (-1, number), "#fdecee"))
            settles = ", ".join(labels.differential(ctx.kb, d, names) for d in test.settles)
            rows.append([
                Paragraph(str(number), st.cell),
                Paragraph(name, st.cell_bold if test.urgent else st.cell),
                Paragraph(escape(settles) or "—", st.cell),
                Paragraph(escape(clean(test.reason)) or "—", st.cell_muted),
            ])
        widths = [width * f for f in (0.04, 0.26, 0.38, 0.32)]
        out += [para("<b>Recommended next</b>", st.body),
                grid(["#", "Test", "Would settle", "Why now"], rows, widths, extra=extra)]
    else:
        out.append(para("No further test is suggested by the rules.", st.body))

    pending = [t for t in assessment.tests if t.state in STATE_LABELS]
    if pending:
        rows = [[
            Paragraph(escape(clean(t.name)), st.cell),
            Paragraph(escape(STATE_LABELS[t.state]), st.cell_bold if t.state == "ordered"
                      else st.cell),
            Paragraph(escape(clean(t.date) if t.date else "date not recorded"), st.cell),
        ] for t in pending]
        widths = [width * f for f in (0.5, 0.25, 0.25)]
        out += [para("<b>Ordered, done or not indicated</b>", st.body.clone("gap", spaceBefore=6)),
                grid(["Test", "State", "Date"], rows, widths)]
    else:
        out.append(para("No test recorded as ordered or done.",
                        st.muted.clone("gap", spaceBefore=4)))
    return out
