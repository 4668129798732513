"""Section 3: red flags, boxed, before anything else clinical.

With no flag the box says which checks could be assessed and which could not, so "none
found" never reads as "none present" when the findings were not examined.
"""

from __future__ import annotations

from reportlab.platypus import Flowable, Spacer

from cramp_dx.report.blocks import Overflow, Paragraph, boxed, para, section_start
from cramp_dx.report.context import ReportContext
from cramp_dx.report.sections import sources
from cramp_dx.report.styles import AMBER, AMBER_FILL, OK_FILL, OK_RULE, RED, RED_FILL, styles
from cramp_dx.report.text import clean, escape

TITLE = "Red flags"


def _flag_rows(ctx: ReportContext) -> list[Flowable]:
    st = styles()
    rows: list[Flowable] = []
    acknowledged = set(ctx.meta.acknowledged_red_flags)
    numbers = sources.numbering(ctx.assessment)
    for flag in ctx.assessment.red_flags:
        severity = clean(flag.severity).upper()
        ack = " — acknowledged by the clinician" if flag.id in acknowledged else ""
        rows.append(
            Paragraph(
                f"{escape(severity)}: {escape(clean(flag.title))}"
                f'<font size="8" color="#1a1a1a">{escape(ack)}</font>',
                st.flag_title,
            )
        )
        body = f"{escape(clean(flag.message))}"
        if flag.because:
            body += "<br/><b>Because:</b> " + "; ".join(escape(clean(b)) for b in flag.because)
        if flag.basis:
            body += f'<br/><font color="#555555">Basis: {escape(clean(flag.basis))}</font>'
        rows.append(Paragraph(body, st.flag_body))
        if flag.references:
            rows.append(para(sources.cite(flag.references, numbers), st.cell_small_muted))
    return rows


SHOWN_MISSING = 2


def _first(missing: tuple[str, ...]) -> str:
    """The first few missing items of a check and how many more: the summary stays short enough
    for the differential to start on the first page, and the app lists them all."""
    names = list(dict.fromkeys(clean(m).split(" (a sample")[0] for m in missing))
    more = len(names) - SHOWN_MISSING
    return ", ".join(names[:SHOWN_MISSING]) + (f" and {more} more" if more > 0 else "")


def _check_rows(ctx: ReportContext) -> list[Flowable]:
    st = styles()
    checks = ctx.assessment.red_flag_checks
    clear = [c for c in checks if c.assessed and not c.fired]
    unassessed = [c for c in checks if not c.assessed and not c.fired]
    rows: list[Flowable] = []
    if clear:
        rows.append(para("<b>Checked, no flag:</b> " + "; ".join(
            escape(clean(c.title)) for c in clear), st.flag_body))
    if unassessed:
        rows.append(para(
            "<b>Not assessed — these could not be checked; record the missing items (the app lists "
            "them all):</b>",
            st.flag_body))
        lines = [
            escape(clean(check.title)) + (f" ({escape(_first(check.missing))})" if check.missing else "")
            for check in unassessed
        ]
        rows.append(para("; ".join(lines) + ".", st.flag_body))
    return rows


def build(ctx: ReportContext, width: float, overflow: Overflow) -> list[Flowable]:
    st = styles()
    flags = _flag_rows(ctx)
    checks = _check_rows(ctx)
    out: list[Flowable] = [*section_start(TITLE)]
    if flags:
        out.append(boxed(flags, width, border=RED, fill=RED_FILL, border_width=2))
        if checks:
            out += [Spacer(1, 4), boxed(checks, width, border=AMBER, fill=AMBER_FILL)]
        return out
    all_checks = ctx.assessment.red_flag_checks
    if not all_checks or any(not c.assessed for c in all_checks):
        checked = sum(1 for c in all_checks if c.assessed)
        lead = (f"No red flag found in the {checked} check(s) that could be assessed; "
                f"{len(all_checks) - checked} could not be assessed — no flag there does not "
                "mean none present." if all_checks
                else "No red flag reported, but no red-flag check was listed.")
        rows = [Paragraph(escape(lead), st.flag_title.clone("lead", textColor=AMBER)), *checks]
        out.append(boxed(rows, width, border=AMBER, fill=AMBER_FILL, border_width=1.5))
    else:
        lead = "No red flag found; every red-flag check could be assessed."
        rows = [Paragraph(escape(lead), st.flag_title.clone("lead", textColor=OK_RULE)), *checks]
        out.append(boxed(rows, width, border=OK_RULE, fill=OK_FILL))
    return out
