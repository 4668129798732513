"""What the summary says, read back from real PDFs built from the example cases."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from support.report import GENERATED, example_context, flat, page_texts, with_patient

from cramp_dx.case.model import Medication
from cramp_dx.engine import assess
from cramp_dx.report import Addendum, VisitMeta, build_report

EXAMPLES = ["ex1-diuretic-cramps", "ex2-early-swollen-calf", "ex3-scar-or-disc"]
HEADINGS = [
    "Leg cramps after spine surgery — workup summary",
    "Red flags",
    "Wells score for deep vein thrombosis",
    "Differential, most pressing first",
    "Tests",
    "Labs",
    "Medication review",
    "Checklist",
    "Plan and notes",
    "Signature",
]


def _text(ctx, tmp_path: Path) -> str:
    return flat("\n".join(page_texts(build_report(ctx, tmp_path / "s.pdf"))))


@pytest.mark.parametrize("name", EXAMPLES)
def test_sections_come_in_the_order_of_the_issue(name: str, tmp_path: Path) -> None:
    text = _text(example_context(name), tmp_path)
    positions = [text.find(h) for h in HEADINGS]
    assert -1 not in positions, dict(zip(HEADINGS, positions, strict=True))
    assert positions == sorted(positions)


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_icd10_code_appears_exactly(name: str, tmp_path: Path) -> None:
    ctx = example_context(name)
    text = _text(ctx, tmp_path)
    for item in ctx.assessment.differential:
        assert item.icd10 in text, item.id


@pytest.mark.parametrize(
    ("family", "given"),
    [("Exämple-O'Neil", "Zoë"), ("Żółć", "Łukasz"), ("Nguyễn", "Văn An")],
)
def test_names_print_exactly(family: str, given: str, tmp_path: Path) -> None:
    ctx = with_patient(example_context("ex3-scar-or-disc"), family_name=family, given_name=given)
    pages = page_texts(build_report(ctx, tmp_path / "s.pdf"))
    assert f"{family}, {given}" in pages[0]
    assert all(f"{family}, {given} · MRN EX-0003" in page for page in pages)  # footer


def test_example_patient_name_is_the_one_in_the_case(tmp_path: Path) -> None:
    assert "Exämple-O'Neil, Zoë" in _text(example_context("ex3-scar-or-disc"), tmp_path)


def test_red_flag_is_boxed_before_the_differential(tmp_path: Path) -> None:
    ctx = example_context("ex2-early-swollen-calf")
    assert ctx.assessment.red_flags, "example 2 should raise a red flag"
    text = _text(ctx, tmp_path)
    differential = text.index("Differential, most pressing first")
    for flag in ctx.assessment.red_flags:
        assert -1 < text.find(flag.title) < differential


def test_without_red_flags_it_lists_checks_assessed_and_not(tmp_path: Path) -> None:
    ctx = example_context("ex3-scar-or-disc")
    assert not ctx.assessment.red_flags
    text = _text(ctx, tmp_path)
    red = text[text.index("Red flags"):text.index("Wells score for deep vein thrombosis")]
    checks = ctx.assessment.red_flag_checks
    assert any(not c.assessed for c in checks)
    assert "could not be assessed" in red
    assert "no flag there does not mean none present" in red
    for check in checks:
        assert check.title in red


def test_wells_items_show_points_and_source(tmp_path: Path) -> None:
    ctx = example_context("ex2-early-swollen-calf")
    text = _text(ctx, tmp_path)
    assert f"Score {ctx.assessment.wells.score:+d}" in text
    for item in ctx.assessment.wells.items:
        assert item.label in text


def test_the_wells_category_reads_as_the_knowledge_base_words_it(tmp_path: Path) -> None:
    ctx = example_context("ex2-early-swollen-calf")
    assert ctx.assessment.wells.category == "likely"
    text = _text(ctx, tmp_path)
    assert flat(ctx.kb.wells_categories["likely"]) in text


def test_lab_rows_show_loinc_reference_and_flag(tmp_path: Path) -> None:
    ctx = example_context("ex1-diuretic-cramps")
    text = _text(ctx, tmp_path)
    for lab in ctx.assessment.lab_flags:
        assert lab.loinc in text and lab.reference in text
    assert "L (low)" in text  # potassium 3.1


def test_quinine_warning_is_shown_with_the_medications(tmp_path: Path) -> None:
    base = example_context("ex1-diuretic-cramps")
    workup = replace(base.workup, medications=(Medication("quinine", "300 mg at night"),))
    # the PDF shows the assessment's warnings, so the changed workup is assessed again
    context = replace(base, workup=workup, assessment=assess(workup, base.kb))
    text = _text(context, tmp_path)
    review = text[text.index("Medication review"):text.index("Checklist")]
    assert "Medication safety warning" in review
    assert "regulators advise against quinine" in review


def test_signed_visit_names_signer_and_time(tmp_path: Path) -> None:
    meta = VisitMeta(status="signed", clinician="Dr Ada Ng", signed_by="Dr Ada Ng",
                     signed_at=GENERATED, plan_items=("hydration",),
                     addenda=(Addendum("Duplex booked.", "Dr Ada Ng", GENERATED),))
    text = _text(replace(example_context("ex1-diuretic-cramps"), meta=meta), tmp_path)
    assert "Signed by Dr Ada Ng, 2026-10-15 14:30 UTC" in text
    assert "Electronically signed" in text
    assert "Addendum 1 — Dr Ada Ng, 2026-10-15 14:30 UTC Duplex booked." in text
    assert "Not signed" not in text


def test_draft_says_not_signed(tmp_path: Path) -> None:
    text = _text(example_context("ex1-diuretic-cramps"), tmp_path)
    assert "Draft — not signed" in text and "Not signed (draft)" in text


def test_chosen_plan_items_are_listed_by_label(tmp_path: Path) -> None:
    ctx = example_context("ex1-diuretic-cramps")
    ctx = replace(ctx, meta=VisitMeta(plan_items=("hydration", "referral_neurology")))
    plan = _text(ctx, tmp_path).split("Plan and notes")[1]
    for plan_id in ("hydration", "referral_neurology"):
        assert ctx.kb.plan_items[plan_id].label in plan


def test_checklist_lists_present_absent_and_not_assessed(tmp_path: Path) -> None:
    ctx = example_context("ex1-diuretic-cramps")
    checklist = _text(ctx, tmp_path).split("Checklist")[-1]
    kb = ctx.kb
    assert kb.findings["nocturnal_cramps"].label in checklist
    assert kb.findings["saddle_anesthesia"].label in checklist  # not assessed
    assert re.search(r"Not assessed", checklist)


def with_surgery(ctx, **fields):
    return replace(ctx, workup=replace(ctx.workup, surgery=replace(ctx.workup.surgery, **fields)))


def _header(ctx, tmp_path: Path) -> str:
    text = _text(ctx, tmp_path)
    return text[: text.index("Red flags")]


def test_the_header_names_the_position_on_the_table(tmp_path: Path) -> None:
    ctx = with_surgery(example_context("ex2-early-swollen-calf"), position="knee_chest")
    assert "knee-chest position" in _header(ctx, tmp_path)


@pytest.mark.parametrize(
    ("approach", "shown"),
    [("lateral", "lateral (transpsoas/pre-psoas) approach"), ("anterior", "anterior (ALIF) approach")],
)
def test_the_header_names_a_new_approach_readably(approach: str, shown: str, tmp_path: Path) -> None:
    ctx = with_surgery(example_context("ex2-early-swollen-calf"), approach=approach)
    assert shown in _header(ctx, tmp_path)


def test_the_header_lists_the_operation_details_recorded_as_present(tmp_path: Path) -> None:
    ctx = with_surgery(
        example_context("ex2-early-swollen-calf"),
        instrumentation=True, durotomy=True, bmp_used=False, pelvic_fixation=None,
    )
    header = _header(ctx, tmp_path)
    assert "Pedicle screws / rods; Dural tear (durotomy)" in header
    assert "rhBMP-2" not in header and "Pelvic fixation" not in header


def test_the_differential_starts_on_the_first_page_when_little_is_recorded(tmp_path: Path) -> None:
    # many red-flag checks and Wells items not assessed: they are listed compactly
    ctx = example_context("ex1-diuretic-cramps")
    first = page_texts(build_report(ctx, tmp_path / "s.pdf"))[0]
    assert "Differential, most pressing first" in first
    assert ctx.assessment.differential[0].name in first
