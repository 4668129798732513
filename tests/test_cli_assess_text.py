"""`cramp-dx assess --format text` (and its JSON): the published sources under each red flag
and each differential's "why", repeat tests marked, names the catalog does not know listed for
review (SPEC-2 sections 6, 8 and 9)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from support.core import CASES, assess_case, case

from cramp_dx.cli.cmd_assess import format_text
from cramp_dx.engine import Assessment
from cramp_dx.engine.result import NextTest

FLAG_REFS = ("Alpha A (2001). Calf study. J Test. PMID 111", "Beta B (2002). Vein study. J Test. PMID 222")
DIFF_REFS = ("Gamma C (2003). Cramp study. J Test. doi:10.1/xyz",)
UNKNOWN = "Zorblax 5 mg tonic"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cramp_dx", *args], capture_output=True, text=True, timeout=120
    )


def swollen_calf() -> Assessment:
    """Example 2 (a DVT red flag) as the engine assesses it."""
    return assess_case(**json.loads((CASES / "ex2-early-swollen-calf.json").read_text("utf-8")))


def lines_after(text: str, heading: str, count: int) -> list[str]:
    lines = text.splitlines()
    start = lines.index(heading)
    return lines[start + 1:start + 1 + count]


def test_each_red_flag_lists_its_references_after_its_reasons() -> None:
    a = swollen_calf()
    flag = replace(a.red_flags[0], references=FLAG_REFS)
    text = format_text(replace(a, red_flags=(flag, *a.red_flags[1:])))
    block = text[text.index(flag.title):text.index("\nWells score: ")]
    last_reason = block.rindex(f"because: {flag.because[-1]}")
    assert lines_after(block, "       References:", 2) == [f"         {r}" for r in FLAG_REFS]
    assert block.index("References:") > last_reason


def test_a_differential_lists_its_references_under_its_why() -> None:
    a = swollen_calf()
    first, second = a.differential[:2]
    text = format_text(replace(a, differential=(replace(first, references=DIFF_REFS),
                                                *a.differential[1:])))
    block = text[text.index(f"  1. {first.name}"):text.index(f"  2. {second.name}")]
    assert block.splitlines()[-2:] == ["       References:", f"         {DIFF_REFS[0]}"]


def test_a_differential_without_reasons_prints_no_references() -> None:
    a = swollen_calf()
    bare = next(d for d in a.differential if not d.supporting and not d.against)
    items = tuple(replace(d, references=DIFF_REFS) if d is bare else d for d in a.differential)
    assert DIFF_REFS[0] not in format_text(replace(a, differential=items))


def test_a_repeat_test_is_marked_and_the_others_are_not() -> None:
    again = NextTest("ck", "Creatine kinase", ("rhabdomyolysis",), "Repeat in 24 h", repeat=True)
    first = NextTest("ecg", "ECG", ("hyperkalemia",), "Hyperkalemia (possible)")
    text = format_text(replace(swollen_calf(), next_tests=(again, first)))
    assert lines_after(text, "Next tests", 2) == [
        "  Creatine kinase (repeat) — Repeat in 24 h", "  ECG — Hyperkalemia (possible)"]


def test_a_medication_the_catalog_does_not_know_is_listed_for_review(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    meds = [{"name": "furosemide", "dose": "40 mg"}, {"name": UNKNOWN}]
    path.write_text(json.dumps(case(medications=meds)), encoding="utf-8")
    out = cli("assess", str(path))
    assert out.returncode == 0, out.stderr
    assert lines_after(out.stdout, "Medications not in the catalog — review:", 2) == [
        f"  {UNKNOWN}", ""]


def test_the_json_lists_the_medications_the_catalog_does_not_know(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case(medications=[{"name": UNKNOWN}])), encoding="utf-8")
    out = cli("assess", str(path), "--format", "json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["unrecognised_medications"] == [UNKNOWN]


def test_the_json_carries_references_evidence_and_repeat() -> None:
    out = cli("assess", str(CASES / "ex2-early-swollen-calf.json"), "--format", "json")
    data = json.loads(out.stdout)
    assert {"references", "patient_evidence"} <= set(data["differential"][0])
    assert "references" in data["red_flags"][0]
    assert "repeat" in data["next_tests"][0]


def test_a_differentials_notes_are_printed_under_it() -> None:
    assessment = assess_case(
        surgery={"date": "2026-08-31", "approach": "anterior"}, findings={"numbness_tingling": True}
    )
    text = format_text(assessment)
    block = text.split("Acute limb ischaemia", 1)[1].split("References:", 1)[0]
    assert "note: New numbness or weakness after an anterior approach: feel the pedal pulses" in block
