"""Report test helpers: contexts built from the example cases (tests/cases/) or by hand."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from cramp_dx.case.model import Medication, Patient, Surgery, Visit, Workup
from cramp_dx.engine.result import (
    Assessment,
    DifferentialResult,
    LabFlag,
    MedicationFlag,
    NextTest,
    RedFlag,
    RedFlagCheck,
    TestState,
    Wells,
    WellsItem,
)
from cramp_dx.report import ReportContext, VisitMeta, render_pdf
from cramp_dx.settings import Letterhead

CASES = Path(__file__).resolve().parent.parent / "cases"
GENERATED = datetime(2026, 10, 15, 14, 30, tzinfo=UTC)


def hand_kb() -> SimpleNamespace:
    def item(**kw: object) -> SimpleNamespace:
        return SimpleNamespace(**kw)

    return SimpleNamespace(
        version="test-1",
        domains={
            "history": item(id="history", label="History and timing"),
            "exam": item(id="exam", label="Examination"),
        },
        findings={
            "nocturnal_cramps": item(
                id="nocturnal_cramps", domain="history", label="Night cramps", opposite=None
            ),
            "calf_swelling_unilateral": item(
                id="calf_swelling_unilateral",
                domain="exam",
                label="Unilateral calf swelling",
                opposite=None,
            ),
        },
        measurements={"temperature_c": item(id="temperature_c", label="Temperature", unit="°C")},
        tests={"venous_duplex": item(id="venous_duplex", name="Venous duplex ultrasound")},
        plan_items={"hydration": item(id="hydration", label="Hydration")},
        wells_categories={
            "likely": "DVT likely (score ≥ 2): same-day venous duplex",
            "unlikely": "DVT unlikely (score ≤ 1): D-dimer",
        },
        corrected_calcium=item(label="Corrected calcium (Ca + 0.8 × (4.0 − albumin))"),
    )


def hand_workup(**patient: object) -> Workup:
    fields = {
        "mrn": "EX-9",
        "family_name": "Żółć",
        "given_name": "Łukasz",
        "birth_date": date(1960, 1, 2),
        "sex": "male",
    } | patient
    return Workup(
        surgery=Surgery(date=date(2026, 9, 1), procedure="fusion", levels=("L4-L5",)),
        visit=Visit(date=date(2026, 10, 1), symptom_side="left", notes="Calf pain at night."),
        patient=Patient(**fields),
        findings={"nocturnal_cramps": True, "calf_swelling_unilateral": True},
        measurements={"temperature_c": 36.9},
        medications=(Medication(name="furosemide", dose="40 mg daily"),),
    )


def hand_assessment(*, flagged: bool = True) -> Assessment:
    flags = (
        (
            RedFlag(
                id="dvt_likely",
                severity="urgent",
                title="DVT likely",
                message="Same-day venous duplex.",
                because=("Unilateral calf swelling",),
                basis="Wells",
            ),
        )
        if flagged
        else ()
    )
    return Assessment(
        knowledge_version="test-1",
        days_since_surgery=30,
        weeks_since_surgery=30 / 7,
        derived={},
        red_flags=flags,
        red_flag_checks=(
            RedFlagCheck(id="dvt_likely", title="DVT likely", fired=flagged, assessed=True),
            RedFlagCheck(
                id="cauda_equina",
                title="Cauda equina",
                fired=False,
                assessed=False,
                missing=("Saddle anaesthesia",),
            ),
        ),
        wells=Wells(
            score=2,
            category="likely",
            not_assessed=(),
            items=(
                WellsItem(
                    id="recent_surgery",
                    label="Major surgery within 12 weeks",
                    points=1,
                    weight=1,
                    met=True,
                    assessed=True,
                    source="surgery date",
                ),
            ),
        ),
        differential=(
            DifferentialResult(
                id="dvt",
                name="Deep vein thrombosis",
                icd10="I82.402",
                icd10_note=None,
                category="urgent",
                status="urgent",
                score=7,
                supporting=("Unilateral calf swelling",),
                against=(),
                settled_by=("venous_duplex",),
                basis="Post-operative DVT.",
            ),
            DifferentialResult(
                id="hypokalemia",
                name="Hypokalemia",
                icd10="E87.6",
                icd10_note=None,
                category="metabolic",
                status="possible",
                score=1,
                supporting=("Furosemide",),
                against=(),
                settled_by=(),
                basis="Low K.",
            ),
        ),
        next_tests=(
            NextTest(
                id="venous_duplex",
                name="Venous duplex ultrasound",
                settles=("dvt",),
                reason="Red flag",
                urgent=True,
            ),
        ),
        tests=(
            TestState(
                id="venous_duplex",
                name="Venous duplex ultrasound",
                state="ordered",
                date="2026-10-01",
            ),
        ),
        medication_flags=(
            MedicationFlag(
                medication="furosemide",
                drug="furosemide",
                drug_class="Loop diuretic",
                concern="low K, low Mg",
            ),
        ),
        lab_flags=(
            LabFlag(
                test="potassium",
                name="Potassium, serum",
                loinc="2823-3",
                value=3.1,
                unit="mmol/L",
                value_default=3.1,
                unit_default="mmol/L",
                flag="L",
                critical=False,
                reference="3.5–5.1 mmol/L",
            ),
        ),
        warnings=(),
    )


def hand_context(workup: Workup | None = None, **kw: object) -> ReportContext:
    return ReportContext(
        workup=workup or hand_workup(),
        assessment=kw.pop("assessment", None) or hand_assessment(),
        kb=kw.pop("kb", None) or hand_kb(),
        meta=kw.pop("meta", None) or VisitMeta(status="draft", clinician="Dr Test"),
        letterhead=Letterhead(clinic_name="Test Spine Clinic", address="1 Test Road"),
        generated_at=GENERATED,
        **kw,
    )


def with_patient(ctx: ReportContext, **fields: object) -> ReportContext:
    return replace(ctx, workup=replace(ctx.workup, patient=replace(ctx.workup.patient, **fields)))


def with_notes(ctx: ReportContext, notes: str) -> ReportContext:
    return replace(ctx, workup=replace(ctx.workup, visit=replace(ctx.workup.visit, notes=notes)))


def with_medications(ctx: ReportContext, *medications: Medication) -> ReportContext:
    return replace(ctx, workup=replace(ctx.workup, medications=medications))


def drawn(ctx: ReportContext, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(font, text) of every string the summary draws, its glyphs in the order they are placed
    left to right. This is what the page shows; a PDF reader's text extraction would instead
    put right-to-left runs back in reading order."""
    from reportlab.pdfgen.textobject import PDFTextObject

    strings: list[tuple[str, str]] = []
    format_text = PDFTextObject._formatText

    def record(self: PDFTextObject, text: str) -> str:
        strings.append((self._fontname, text))
        return format_text(self, text)

    monkeypatch.setattr(PDFTextObject, "_formatText", record)
    render_pdf(ctx)
    monkeypatch.setattr(PDFTextObject, "_formatText", format_text)
    return strings


def page_texts(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


_FOOTER = re.compile(r"^(Page \d+ of \d+|.* · MRN .* · born .*| ?Decision support — not a "
                     r"diagnosis|Generated .* · knowledge .*)$")


def body_text(pages: list[str]) -> str:
    """The pages' text without their footers, lines joined with no separator (for text
    that wraps mid-word across lines and pages)."""
    return "".join(line for page in pages for line in page.splitlines()
                   if not _FOOTER.match(line))


def flat(text: str) -> str:
    """Text with line breaks and repeated spaces folded, for phrases that may wrap."""
    return re.sub(r"\s+", " ", text)


def example_context(name: str, **kw: object) -> ReportContext:
    """A context built from a case in tests/cases/ with the real reader, knowledge and engine."""
    from cramp_dx.casefile.io import read_case
    from cramp_dx.engine import assess
    from cramp_dx.knowledge import load_knowledge

    kb = load_knowledge()
    workup = read_case(CASES / f"{name}.json", kb)
    return ReportContext(
        workup=workup,
        assessment=assess(workup, kb),
        kb=kb,
        meta=kw.pop("meta", None) or VisitMeta(status="draft"),
        letterhead=Letterhead(clinic_name="Example Spine Clinic", address="1 Example Road"),
        generated_at=GENERATED,
        **kw,
    )
