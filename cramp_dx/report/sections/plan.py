"""Section 10: plan items the clinician chose, the clinician's notes, and any addenda."""

from __future__ import annotations

from reportlab.platypus import Flowable

from cramp_dx.report import labels
from cramp_dx.report.blocks import Overflow, bullets, para, section_start, text
from cramp_dx.report.context import ReportContext
from cramp_dx.report.styles import styles
from cramp_dx.report.text import clean, escape, fmt_datetime

TITLE = "Plan and notes"


def build(ctx: ReportContext, width: float, overflow: Overflow) -> list[Flowable]:
    st = styles()
    out: list[Flowable] = [*section_start(TITLE)]
    chosen = [labels.plan_item(ctx.kb, clean(p)) for p in ctx.meta.plan_items]
    out.append(para("<b>Plan items chosen</b>", st.body))
    if chosen:
        out.append(para(bullets(chosen), st.body))
    else:
        out.append(para("None chosen.", st.muted))
    out.append(para("<b>Clinician's notes</b>", st.body.clone("gap", spaceBefore=4)))
    out.append(text(ctx.workup.visit.notes, st.body, empty="No notes."))
    for number, addendum in enumerate(ctx.meta.addenda, start=1):
        who = clean(addendum.author) if addendum.author else "author not recorded"
        when = fmt_datetime(addendum.at, empty="time not recorded")
        # the heading never stays behind at the foot of a page without its text
        out.append(para(f"<b>Addendum {number}</b> — {escape(who)}, {escape(when)}",
                        st.body.clone("gap", spaceBefore=4, keepWithNext=1)))
        out.append(text(addendum.text, st.body))
    return out


def long_entries(overflow: Overflow) -> list[Flowable]:
    """The full text of entries too long for their table cell (see blocks.cell)."""
    if not overflow.entries:
        return []
    st = styles()
    out: list[Flowable] = [*section_start("Full text of long entries")]
    for number, (label, value) in enumerate(overflow.entries, start=1):
        out.append(para(f"<b>{number}. {escape(label)}</b>", st.body))
        out.append(text(value, st.body))
    return out
