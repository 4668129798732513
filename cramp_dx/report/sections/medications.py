"""Section 8: medication review — each line as entered, with the catalog's flags beside it;
a name the catalog does not know is marked for review, never left out."""

from __future__ import annotations

from reportlab.platypus import Flowable, Spacer

from cramp_dx.report.blocks import Overflow, Paragraph, boxed, cell, grid, para, section_start
from cramp_dx.report.context import ReportContext
from cramp_dx.report.styles import RED, RED_FILL, styles
from cramp_dx.report.text import clean, escape, fmt_date, humanise, literal, shorten

TITLE = "Medication review"
UNRECOGNISED = "not in the catalog — review"


def _key(name: str) -> str:
    return clean(name).strip().casefold()


def safety_warnings(ctx: ReportContext) -> list[tuple[str, str]]:
    """(medication as entered, message) for catalog safety notes such as quinine: not a
    cause of cramps, but a drug that must not be used for them (the assessment's, per line)."""
    return [(w.medication, clean(w.message)) for w in ctx.assessment.medication_warnings]


def build(ctx: ReportContext, width: float, overflow: Overflow) -> list[Flowable]:
    st = styles()
    out: list[Flowable] = [*section_start(TITLE)]
    medications = ctx.workup.medications
    flags = ctx.assessment.medication_flags
    if not medications:
        return [*out, para("No medication recorded.", st.body)]

    by_name: dict[str, list] = {}
    for flag in flags:
        by_name.setdefault(_key(flag.medication), []).append(flag)

    unrecognised = {_key(name) for name in ctx.assessment.unrecognised_medications}
    warnings = safety_warnings(ctx)
    warned = {_key(name) for name, _ in warnings}
    if warnings:
        rows: list[Flowable] = [Paragraph("Medication safety warning", st.flag_title)]
        for name, message in warnings:
            rows.append(Paragraph(
                f"<b>{literal(shorten(name, 200)[0])}</b>: {escape(message)}", st.flag_body))
        out += [boxed(rows, width, border=RED, fill=RED_FILL, border_width=1.5), Spacer(1, 4)]

    table_rows = []
    for index, med in enumerate(medications, start=1):
        which = f"Medication {index} ({shorten(med.name, 40)[0]})"
        name_cell = [cell(med.name, overflow, f"Medication {index}: name", st.cell_bold)]
        if med.note and clean(med.note).strip():
            name_cell.append(cell(med.note, overflow, f"{which}: note", st.cell_muted))
        matched = by_name.get(_key(med.name), [])
        if matched:
            flag_markup = "<br/>".join(
                f"<b>{escape(clean(f.drug_class))}</b>: {escape(clean(f.concern))}"
                for f in matched
            )
        elif _key(med.name) in unrecognised:
            flag_markup = f"<b>{escape(UNRECOGNISED)}</b>"
        elif _key(med.name) in warned:
            flag_markup = '<font color="#555555">see the safety warning above</font>'
        else:
            flag_markup = '<font color="#555555">in the catalog; not flagged for cramps</font>'
        status = humanise(med.status) if med.status else "—"
        table_rows.append([
            name_cell,
            cell(med.dose, overflow, f"{which}: dose", st.cell),
            Paragraph(escape(fmt_date(med.start_date)), st.cell),
            Paragraph(escape(status), st.cell),
            Paragraph(flag_markup, st.cell),
        ])
    fractions = (0.27, 0.17, 0.11, 0.09, 0.36)
    out.append(grid(["Medication", "Dose", "Started", "Status", "Catalog flag"],
                    table_rows, [width * f for f in fractions]))
    return out
