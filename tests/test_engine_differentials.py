"""Every differential of SPEC.md has a small case where it ranks in the top 3, and its
supporting reasons name the findings that put it there."""

from __future__ import annotations

import json

import pytest
from support.core import DATA, assess_case, item, rank_of

CASES = json.loads((DATA / "differential_cases.json").read_text(encoding="utf-8"))
IDS = sorted(k for k in CASES if not k.startswith("_"))


def test_every_spec_differential_has_a_case() -> None:
    import tomllib

    spec = tomllib.loads((DATA / "spec_ids.toml").read_text(encoding="utf-8"))
    assert set(spec["differentials"]) == set(IDS)


@pytest.mark.parametrize("differential_id", IDS)
def test_differential_ranks_top_three_with_reasons(differential_id: str) -> None:
    spec = dict(CASES[differential_id])
    reasons = spec.pop("reasons")
    assessment = assess_case(**spec)
    rank = rank_of(assessment, differential_id)
    top = [(d.id, d.status, d.score) for d in assessment.differential[:4]]
    assert rank <= 3, f"{differential_id} ranked {rank}; top: {top}"
    supporting = " | ".join(item(assessment, differential_id).supporting)
    for reason in reasons:
        assert reason in supporting, f"{reason!r} not among the reasons: {supporting}"


def test_every_ranked_item_says_why_or_is_unsupported() -> None:
    assessment = assess_case(findings={"nocturnal_cramps": True, "smoker": True})
    for d in assessment.differential:
        if d.status in ("urgent", "confirmed", "supported", "possible"):
            assert d.supporting, f"{d.id} is {d.status} with no reason shown"
        assert d.basis


def test_a_negative_settling_test_excludes() -> None:
    assessment = assess_case(
        labs=[{"test": "magnesium", "value": 2.0, "unit": "mg/dL"}], medications=[{"name": "omeprazole"}]
    )
    hypomag = item(assessment, "hypomagnesemia")
    assert hypomag.status == "excluded"
    assert any("Magnesium not low" in a for a in hypomag.against)


def test_a_positive_settling_test_confirms() -> None:
    assessment = assess_case(findings={"xray_dynamic_instability": True})
    assert item(assessment, "spinal_instability").status == "confirmed"


def test_idiopathic_cramps_are_held_low_until_electrolytes_are_known() -> None:
    held = assess_case(findings={"nocturnal_cramps": True})
    idiopathic = item(held, "idiopathic_nocturnal_leg_cramps")
    assert idiopathic.status == "less_likely"
    assert any("Held low" in a for a in idiopathic.against)


def test_billable_code_follows_the_symptom_side() -> None:
    left = assess_case(visit={"symptom_side": "left"}, findings={"calf_swelling_unilateral": True})
    unknown = assess_case(findings={"calf_swelling_unilateral": True})
    assert item(left, "dvt").icd10 == "I82.402"
    assert item(unknown, "dvt").icd10 == "I82.40-"
    assert item(unknown, "dvt").icd10_note == "laterality not recorded"


def test_icd10_codes_match_the_spec() -> None:
    import tomllib

    spec = tomllib.loads((DATA / "spec_ids.toml").read_text(encoding="utf-8"))
    assessment = assess_case()
    codes = {d.id: d.icd10 for d in assessment.differential}
    for differential_id, code in spec["icd10"].items():
        assert codes[differential_id] == code


def test_unknown_medication_is_kept_and_flags_nothing() -> None:
    assessment = assess_case(medications=[{"name": "Zyxorin 5 mg (trial drug)", "note": "study drug"}])
    assert assessment.medication_flags == ()


def test_quinine_is_a_warning() -> None:
    assessment = assess_case(medications=[{"name": "Quinine sulfate", "dose": "300 mg at night"}])
    assert any("quinine" in w.lower() and "haematological" in w for w in assessment.warnings)
    no_quinine = assess_case(medications=[{"name": "omeprazole"}])
    assert no_quinine.warnings == ()


def test_medication_flags_name_class_and_concern() -> None:
    assessment = assess_case(medications=[{"name": "Omeprazole DR", "dose": "20 mg"}])
    (flag,) = assessment.medication_flags
    assert (flag.medication, flag.drug_class) == ("Omeprazole DR", "proton pump inhibitor")
    assert "magnesium" in flag.concern
