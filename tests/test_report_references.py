"""The summary, read back from the PDF: the published sources of each red flag and each
differential whose reasons are printed (cited by number, listed at the end), repeat tests
marked, and medication names the catalog does not know marked "not in the catalog — review"
(SPEC-2 sections 6, 8 and 9)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from support.report import (
    example_context,
    flat,
    hand_assessment,
    hand_context,
    page_texts,
    with_medications,
)

from cramp_dx.case.model import Medication
from cramp_dx.engine import assess
from cramp_dx.engine.result import DifferentialResult, NextTest
from cramp_dx.report import ReportContext, build_report

FLAG_REFS = ("Alpha A (2001). Calf study. J Test. PMID 111",
             "Beta B (2002). Vein study. J Test. PMID 222")
DVT_REF = "Gamma C (2003). Clot study. J Test. PMID 333"
TAIL_REF = "Delta D (2004). Tail study. J Test. PMID 444"
REVIEW = "not in the catalog — review"


def _text(ctx: ReportContext, tmp_path: Path) -> str:
    return flat("\n".join(page_texts(build_report(ctx, tmp_path / "s.pdf"))))


def _section(text: str, start: str, end: str) -> str:
    return text[text.index(start):text.index(end, text.index(start))]


def _with(ctx: ReportContext, **changes: object) -> ReportContext:
    return replace(ctx, assessment=replace(ctx.assessment, **changes))


def _squeezed(text: str) -> str:
    """Without any whitespace: a long citation may wrap anywhere, even inside an address."""
    return re.sub(r"\s+", "", text)


def _tail_item(id_: str, **kw: object) -> DifferentialResult:
    fields: dict = {"name": f"Tail item {id_}", "icd10": "R25.2", "icd10_note": None,
                    "category": "other", "status": "less_likely", "score": 0.0,
                    "supporting": (), "against": (), "settled_by": (), "basis": "",
                    "references": (TAIL_REF,)}
    return DifferentialResult(id=id_, **(fields | kw))


def _sources(text: str) -> str:
    return text[text.rindex("Sources [1]"):]


def test_a_red_flag_cites_its_sources_by_number_after_its_basis(tmp_path: Path) -> None:
    ctx = hand_context()
    flag = replace(ctx.assessment.red_flags[0], references=FLAG_REFS)
    text = _text(_with(ctx, red_flags=(flag,)), tmp_path)
    red = _section(text, "Red flags", "Wells score")
    assert red.index("Basis: Wells") < red.index("Sources: [1] [2]")
    listed = _sources(text)
    assert listed.index(f"[1] {FLAG_REFS[0]}") < listed.index(f"[2] {FLAG_REFS[1]}")


def test_a_differential_cites_its_sources_under_its_row(tmp_path: Path) -> None:
    ctx = hand_context()
    dvt, hypokalemia = ctx.assessment.differential
    ctx = _with(ctx, red_flags=(), differential=(replace(dvt, references=(DVT_REF,)), hypokalemia))
    text = _text(ctx, tmp_path)
    section = _section(text, "Differential, most pressing first", "Recommended next")
    assert section.index("Unilateral calf swelling") < section.index("Sources: [1]")
    assert section.index("Sources: [1]") < section.index("Hypokalemia")
    assert f"[1] {DVT_REF}" in _sources(text)


def test_a_source_cited_twice_keeps_one_number(tmp_path: Path) -> None:
    ctx = hand_context()
    flag = replace(ctx.assessment.red_flags[0], references=(DVT_REF,))
    dvt, hypokalemia = ctx.assessment.differential
    ctx = _with(ctx, red_flags=(flag,), differential=(replace(dvt, references=(DVT_REF,)), hypokalemia))
    text = _text(ctx, tmp_path)
    assert text.count("Sources: [1]") == 2
    assert _sources(text).count(DVT_REF) == 1 and "[2]" not in _sources(text)


def test_a_less_likely_item_with_reasons_cites_its_sources(tmp_path: Path) -> None:
    ctx = hand_context()
    tail = _tail_item("tail", against=("No night cramps",))
    text = _text(_with(ctx, differential=(*ctx.assessment.differential, tail)), tmp_path)
    section = _section(text, "Less likely or excluded", "Recommended next")
    assert section.index("No night cramps") < section.index("Sources: [")
    assert TAIL_REF in _sources(text)


def test_an_item_without_reasons_cites_no_sources(tmp_path: Path) -> None:
    ctx = hand_context()
    bare = _tail_item("bare")
    text = _text(_with(ctx, differential=(*ctx.assessment.differential, bare)), tmp_path)
    assert "Tail item bare" in text and TAIL_REF not in text


def test_the_engine_s_red_flag_references_are_listed_whole(tmp_path: Path) -> None:
    ctx = example_context("ex2-early-swollen-calf")
    flag = ctx.assessment.red_flags[0]
    assert flag.references, "every red-flag rule carries its sources (references.toml)"
    listed = _squeezed(_sources(_text(ctx, tmp_path)))
    for reference in flag.references:
        assert _squeezed(reference) in listed


def test_only_a_repeat_test_is_marked_repeat(tmp_path: Path) -> None:
    again = NextTest(id="ck", name="Creatine kinase", settles=("dvt",), reason="Repeat in 24 h",
                     repeat=True)
    ctx = _with(hand_context(), next_tests=(*hand_assessment().next_tests, again))
    tests = _section(_text(ctx, tmp_path), "Recommended next", "Labs")
    assert "Creatine kinase (repeat)" in tests
    assert tests.count("(repeat)") == 1


def test_a_medication_the_catalog_does_not_know_is_marked_for_review(tmp_path: Path) -> None:
    ctx = with_medications(hand_context(), Medication("furosemide", "40 mg daily"),
                           Medication("Zorblax tonic"))
    ctx = _with(ctx, unrecognised_medications=("Zorblax tonic",))
    review = _section(_text(ctx, tmp_path), "Medication review", "Checklist")
    assert f"Zorblax tonic — — — {REVIEW}" in review
    assert review.count(REVIEW) == 1


def test_a_catalog_drug_without_a_flag_is_not_marked_for_review(tmp_path: Path) -> None:
    ctx = with_medications(hand_context(), Medication("paracetamol", "1 g"))
    review = _section(_text(ctx, tmp_path), "Medication review", "Checklist")
    assert "paracetamol 1 g — — in the catalog; not flagged for cramps" in review
    assert REVIEW not in review


def test_the_engine_s_unrecognised_name_reaches_the_medication_review(tmp_path: Path) -> None:
    base = example_context("ex1-diuretic-cramps")
    workup = replace(base.workup, medications=(Medication("Zorblax tonic", "5 mL"),))
    ctx = replace(base, workup=workup, assessment=assess(workup, base.kb))
    review = _section(_text(ctx, tmp_path), "Medication review", "Checklist")
    assert f"Zorblax tonic 5 mL — — {REVIEW}" in review
