"""The three shared examples (copied into tests/cases/) give what a clinician would expect."""

from __future__ import annotations

from support.core import CASES, item, rank_of

from cramp_dx.casefile.io import read_case
from cramp_dx.engine import assess


def example(name: str):
    return assess(read_case(CASES / name))


def test_ex1_metabolic_and_drug_causes_rank_high() -> None:
    a = example("ex1-diuretic-cramps.json")
    top5 = {d.id for d in a.differential[:5]}
    assert {"hypokalemia", "dehydration", "medication_adverse_effect"} <= top5
    assert item(a, "hypokalemia").status in ("confirmed", "supported")
    assert "furosemide (loop diuretic)" in " ".join(item(a, "hypokalemia").supporting)
    assert any(d.id == "electrolyte_panel" for d in a.next_tests), "magnesium is not measured yet"
    assert a.derived["bun_creatinine_ratio"] > 20
    assert {f.medication for f in a.medication_flags} == {"furosemide", "oxycodone"}


def test_ex2_dvt_likely_with_wells_three_or_more() -> None:
    a = example("ex2-early-swollen-calf.json")
    assert a.wells.score >= 3 and a.wells.category == "likely"
    assert "dvt_likely" in {f.id for f in a.red_flags}
    assert a.differential[0].id == "dvt" and a.differential[0].status == "urgent"
    assert a.next_tests[0].id == "venous_duplex"
    recent = next(i for i in a.wells.items if i.id == "recent_surgery")
    assert recent.met and "surgery date" in recent.source


def test_ex3_recurrent_herniation_and_fibrosis_high_with_mri_first() -> None:
    a = example("ex3-scar-or-disc.json")
    assert rank_of(a, "recurrent_disc_herniation") <= 3
    assert rank_of(a, "epidural_fibrosis") <= 3
    assert item(a, "recurrent_disc_herniation").status == "supported"
    assert item(a, "epidural_fibrosis").status == "supported"
    assert a.next_tests[0].id == "mri_lumbar_gadolinium"
    assert item(a, "hypomagnesemia").status == "excluded", "0.82 mmol/L is 1.99 mg/dL: normal"
