"""Sections 1 and 2: letterhead, title, patient, index surgery, visit, clinician, status."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Image, Spacer, Table

from cramp_dx.case.model import (
    APPROACH_LABELS,
    OPERATION_FLAG_LABELS,
    OPERATION_FLAGS,
    POSITION_LABELS,
    Surgery,
)
from cramp_dx.report.blocks import Overflow, Paragraph, cell, para
from cramp_dx.report.context import ReportContext
from cramp_dx.report.styles import key_value_table_style, styles
from cramp_dx.report.text import escape, fmt_date, fmt_datetime, fmt_number, humanise

TITLE = "Leg cramps after spine surgery — workup summary"
LOGO_MAX_HEIGHT = 42.0
LOGO_MAX_WIDTH = 110.0


def _logo(path: str | None) -> Image | None:
    """The clinic logo scaled to fit; an unreadable file is left out rather than failing
    the summary (the letterhead text still identifies the clinic)."""
    if not path or not Path(path).is_file():
        return None
    try:
        width, height = ImageReader(path).getSize()
    except Exception:  # any decoder error: PIL raises many types
        return None
    if width <= 0 or height <= 0:
        return None
    scale = min(LOGO_MAX_WIDTH / width, LOGO_MAX_HEIGHT / height)
    return Image(path, width=width * scale, height=height * scale)


def letterhead(ctx: ReportContext, width: float, overflow: Overflow) -> list[Flowable]:
    st = styles()
    head = ctx.letterhead
    lines: list[Flowable] = [cell(head.clinic_name, overflow, "Clinic name", st.clinic, limit=200)]
    if (head.address or "").strip():
        lines.append(cell(head.address, overflow, "Clinic address", st.address, limit=400))
    logo = _logo(head.logo_path)
    if logo is None:
        block: Flowable = Table([[lines]], colWidths=[width], hAlign="LEFT")
    else:
        logo_width = LOGO_MAX_WIDTH + 8
        block = Table([[logo, lines]], colWidths=[logo_width, width - logo_width], hAlign="LEFT")
    block.setStyle(key_value_table_style())
    return [block, Spacer(1, 4), Paragraph(escape(TITLE), st.title)]


def _age(birth: date | None, on: date) -> str:
    if birth is None:
        return ""
    years = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return f" (age {years})"


def _status(ctx: ReportContext) -> str:
    meta = ctx.meta
    if meta.status == "signed":
        who = escape(meta.signed_by or "unknown")
        return f"<b>Signed</b> by {who}, {escape(fmt_datetime(meta.signed_at))}"
    if meta.status == "ready":
        return "<b>Draft</b> — ready for review, not signed"
    return "<b>Draft</b> — not signed"


def surgery_markup(surgery: Surgery) -> str:
    """What was done: procedure · levels · approach · position, then the operation details
    recorded as present (screws and rods, cage, dural tear …) on a line of their own."""
    parts = [
        humanise(surgery.procedure) if surgery.procedure else "procedure not recorded",
        ", ".join(surgery.levels) if surgery.levels else "levels not recorded",
        _label(APPROACH_LABELS, surgery.approach, " approach"),
        _label(POSITION_LABELS, surgery.position, " position"),
    ]
    text = escape(" · ".join(p for p in parts if p))
    present = [OPERATION_FLAG_LABELS[name] for name in OPERATION_FLAGS if getattr(surgery, name)]
    if present:
        text += "<br/>" + escape("; ".join(present))
    return text


def _label(labels: dict[str, str], value: str | None, suffix: str) -> str | None:
    if not value:
        return None
    return labels.get(value, humanise(value).lower()) + suffix


def identity(ctx: ReportContext, width: float, overflow: Overflow) -> list[Flowable]:
    st = styles()
    workup, assessment = ctx.workup, ctx.assessment
    patient, surgery, visit = workup.patient, workup.surgery, workup.visit
    family = (patient.family_name or "").strip()
    given = (patient.given_name or "").strip()
    name = ", ".join(part for part in (family, given) if part) or "name not recorded"

    def label(text: str) -> Paragraph:
        return Paragraph(escape(text), st.label)

    def value(markup: str) -> Paragraph:
        return para(markup, st.cell)

    surgery_text = surgery_markup(surgery)
    since = (
        f"{escape(fmt_date(surgery.date))} — {fmt_number(round(assessment.weeks_since_surgery, 1))}"
        f" weeks ({assessment.days_since_surgery} days) before the visit"
    )
    extra = []
    if surgery.prior_spine_surgeries is not None:
        extra.append(f"earlier spine operations: {surgery.prior_spine_surgeries}")
    if surgery.duration_hours is not None:
        extra.append(f"operation length: {fmt_number(surgery.duration_hours)} h")
    if extra:
        since += "<br/>" + escape("; ".join(extra))

    side = humanise(visit.symptom_side).lower() if visit.symptom_side else "side not recorded"
    left = [
        [label("Patient"), cell(name, overflow, "Patient name", st.cell_bold, limit=300)],
        [label("MRN"),
         cell(patient.mrn, overflow, "MRN", st.cell, limit=120, empty="not recorded")],
        [label("Born"), value(escape(fmt_date(patient.birth_date, empty="not recorded")
                                     + _age(patient.birth_date, visit.date)))],
        [label("Sex"), value(escape(humanise(patient.sex) if patient.sex else "not recorded"))],
    ]
    right = [
        [label("Index surgery"), value(surgery_text)],
        [label("Surgery date"), value(since)],
        [label("Visit"), value(escape(f"{fmt_date(visit.date)} · symptoms: {side}"))],
        [label("Clinician"), cell(ctx.meta.clinician, overflow, "Clinician", st.cell,
                                  limit=200, empty="not recorded")],
        [label("Status"), value(_status(ctx))],
    ]
    half = width / 2
    left_table = Table(left, colWidths=[52, half - 58], hAlign="LEFT")
    right_table = Table(right, colWidths=[70, half - 70], hAlign="LEFT")
    for table in (left_table, right_table):
        table.setStyle(key_value_table_style())
    outer = Table([[left_table, right_table]], colWidths=[half, half], hAlign="LEFT")
    outer.setStyle(key_value_table_style())
    return [outer]
