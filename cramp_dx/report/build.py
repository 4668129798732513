"""Assembling the summary: sections in the order of the issue, footer, metadata, file."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, SimpleDocTemplate, Spacer
from reportlab.platypus.doctemplate import LayoutError

from cramp_dx import __version__
from cramp_dx.errors import CrampDxError
from cramp_dx.files import write_atomic
from cramp_dx.report.blocks import Overflow
from cramp_dx.report.context import PAGE_SIZES, ReportContext
from cramp_dx.report.fonts import REGULAR
from cramp_dx.report.footer import FooterInfo, NumberedCanvas
from cramp_dx.report.sections import (
    checklist,
    differential,
    header,
    labs,
    medications,
    plan,
    red_flags,
    signature,
    sources,
    tests,
    wells,
)
from cramp_dx.report.styles import styles
from cramp_dx.report.text import clean, fmt_date, fmt_datetime

MARGIN = 15 * mm
BOTTOM_MARGIN = 22 * mm
FOOTER_BASELINE = 9 * mm
SUBJECT = ("Leg cramps after lumbar spine surgery — workup summary "
           "(decision support, not a diagnosis)")

Section = Callable[[ReportContext, float, Overflow], list[Flowable]]

# The order of the issue: identity, red flags first, then the reasoning, then the plan.
SECTIONS: tuple[Section, ...] = (
    header.letterhead,
    header.identity,
    red_flags.build,
    wells.build,
    differential.build,
    tests.build,
    labs.build,
    medications.build,
    checklist.build,
    plan.build,
)


def patient_name(ctx: ReportContext) -> str:
    patient = ctx.workup.patient
    name = ", ".join(p for p in (clean(patient.family_name).strip(),
                                 clean(patient.given_name).strip()) if p)
    return name or "name not recorded"


def patient_identifiers(ctx: ReportContext) -> str:
    patient = ctx.workup.patient
    return (f"MRN {clean(patient.mrn).strip() or 'not recorded'} · "
            f"born {fmt_date(patient.birth_date, empty='not recorded')}")


def pdf_date(moment: datetime) -> str:
    """A PDF date string (`D:20261015143000+00'00'`)."""
    if moment.tzinfo is None:
        moment = moment.astimezone()
    offset = moment.utcoffset() or UTC.utcoffset(None)
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return moment.strftime("D:%Y%m%d%H%M%S") + f"{sign}{hours:02d}'{rest:02d}'"


def story(ctx: ReportContext, width: float) -> list[Flowable]:
    """The flowables of the whole summary."""
    overflow = Overflow()
    flow: list[Flowable] = []
    for section in SECTIONS:
        flow.extend(section(ctx, width, overflow))
    flow.extend(plan.long_entries(overflow))
    flow.append(Spacer(1, 6))
    flow.extend(signature.build(ctx, width, overflow))
    flow.extend(sources.build(ctx, width, overflow))
    return flow


def render_pdf(ctx: ReportContext) -> bytes:
    """The summary as PDF bytes (nothing written to disk)."""
    styles()  # registers the fonts before anything measures text
    page_size = PAGE_SIZES[ctx.page_size]
    buffer = io.BytesIO()
    meta = ctx.meta
    author = meta.signed_by or meta.clinician or ctx.letterhead.clinic_name
    doc = SimpleDocTemplate(
        buffer,
        pagesize=page_size,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=BOTTOM_MARGIN,
        title=f"{header.TITLE} — {patient_name(ctx)} · {patient_identifiers(ctx)}",
        author=clean(author),
        subject=SUBJECT,
        creator=f"cramp-dx {__version__}",
        keywords=f"knowledge {ctx.assessment.knowledge_version}",
        lang="en",
        initialFontName=REGULAR,  # else every page starts in (unembedded) Helvetica
    )
    footer = FooterInfo(
        name=patient_name(ctx),
        identifiers=patient_identifiers(ctx),
        generated=fmt_datetime(ctx.generated_at),
        knowledge_version=clean(ctx.assessment.knowledge_version),
        margin_left=MARGIN,
        margin_right=MARGIN,
        baseline=FOOTER_BASELINE,
    )
    canvasmaker = partial(NumberedCanvas, footer=footer, pdf_date=pdf_date(ctx.generated_at))
    try:
        doc.build(story(ctx, doc.width), canvasmaker=canvasmaker)
    except LayoutError as exc:  # a bug here, never the user's fault: say what failed
        raise CrampDxError(f"the PDF layout failed: {exc}") from exc
    return buffer.getvalue()


def build_report(ctx: ReportContext, out_path: Path | str) -> Path:
    """Build the summary and write it atomically with owner-only permissions."""
    return write_atomic(Path(out_path), render_pdf(ctx))
