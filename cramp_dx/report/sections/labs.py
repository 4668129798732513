"""Section 7: labs with value, unit, the reference range actually applied, flag, date, LOINC.

A lab's earlier results follow its latest one as rows of their own, newest first, so a long
series splits across pages like any other rows of the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.platypus import Flowable

from cramp_dx.report.blocks import Overflow, Paragraph, grid, para, section_start
from cramp_dx.report.context import ReportContext
from cramp_dx.report.styles import styles
from cramp_dx.report.text import clean, escape, fmt_date, fmt_number

TITLE = "Labs"
FLAG_LABELS = {"L": "L (low)", "H": "H (high)", "N": "normal"}
# Values the engine derives from the labs (Assessment.derived) → unit (labels: _derived_label).
DERIVED_UNITS = {"corrected_calcium": "mg/dL", "bun_creatinine_ratio": ""}


def _derived_label(ctx: ReportContext, key: str) -> str:
    if key == "corrected_calcium":
        return str(ctx.kb.corrected_calcium.label)  # its formula, from labs.toml
    return "BUN/creatinine ratio"


def _earlier_row(entry: Mapping[str, Any] | Any) -> list[Paragraph]:
    """One earlier result of the lab above it: muted, under the same columns."""
    st = styles()

    def get(key: str) -> str:
        value = entry.get(key) if isinstance(entry, Mapping) else getattr(entry, key, None)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return fmt_number(value)
        return clean(value) if value is not None else ""

    flag = get("flag")
    return [
        Paragraph("earlier", st.cell_muted.clone("earlier", leftIndent=8)),
        Paragraph(escape(get("value")), st.cell_muted),
        Paragraph(escape(get("unit")), st.cell_muted),
        Paragraph("", st.cell_muted),
        Paragraph(escape(FLAG_LABELS.get(flag, flag)), st.cell_muted),
        Paragraph(escape(get("collected") or fmt_date(None)), st.cell_muted),
        Paragraph("", st.cell_muted),
    ]


def build(ctx: ReportContext, width: float, overflow: Overflow) -> list[Flowable]:
    st = styles()
    flags = ctx.assessment.lab_flags
    out: list[Flowable] = [*section_start(TITLE)]
    if not flags and not ctx.workup.labs:
        return [*out, para("No lab result recorded.", st.body)]
    rows = []
    for lab in flags:
        value = fmt_number(lab.value)
        unit = escape(clean(lab.unit))
        if lab.unit != lab.unit_default:
            unit += (f' <font color="#555555">(= {fmt_number(lab.value_default)} '
                     f"{escape(clean(lab.unit_default))})</font>")
        flag = FLAG_LABELS.get(lab.flag, clean(lab.flag))
        if lab.critical:
            flag = f"CRITICAL {lab.flag}"
        abnormal = lab.critical or lab.flag in ("L", "H")
        name = escape(clean(lab.name))
        value_style = st.cell_bold if abnormal else st.cell
        flag_style = st.cell_bold.clone("flag", textColor="#b00020") if abnormal else st.cell
        rows.append([
            Paragraph(name, st.cell),
            Paragraph(escape(value), value_style),
            Paragraph(unit, st.cell),
            Paragraph(escape(clean(lab.reference)) or "—", st.cell),
            Paragraph(escape(flag), flag_style),
            Paragraph(escape(fmt_date(None) if not lab.collected else clean(lab.collected)),
                      st.cell),
            Paragraph(escape(clean(lab.loinc)), st.cell_muted),
        ])
        rows.extend(_earlier_row(entry) for entry in lab.earlier)
    fractions = (0.22, 0.08, 0.17, 0.2, 0.11, 0.11, 0.11)
    out.append(grid(["Test", "Value", "Unit", "Reference applied", "Flag", "Collected", "LOINC"],
                    rows, [width * f for f in fractions]))
    derived = [
        f"{escape(_derived_label(ctx, key))}: <b>{fmt_number(ctx.assessment.derived[key])}</b> "
        f"{escape(unit)}".strip()
        for key, unit in DERIVED_UNITS.items()
        if isinstance(ctx.assessment.derived.get(key), int | float)
    ]
    if derived:
        out.append(para("Derived: " + "; ".join(derived), st.small.clone("gap", spaceBefore=3)))
    return out
