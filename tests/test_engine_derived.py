"""Derived facts: weeks since surgery, corrected calcium, BUN/creatinine ratio, latest lab,
Wells with each item, next tests in SPEC order."""

from __future__ import annotations

import pytest
from support.core import assess_case, item

from cramp_dx.engine.facts import applied_range
from cramp_dx.knowledge import load_knowledge


def test_weeks_since_surgery_come_from_the_dates() -> None:
    a = assess_case(surgery={"date": "2026-08-04"}, visit={"date": "2026-09-01"})
    assert (a.days_since_surgery, a.weeks_since_surgery) == (28, 4.0)


def test_corrected_calcium_uses_albumin() -> None:
    a = assess_case(
        labs=[
            {"test": "calcium", "value": 8.0, "unit": "mg/dL"},
            {"test": "albumin", "value": 2.5, "unit": "g/dL"},
        ]
    )
    assert a.derived["corrected_calcium"] == pytest.approx(9.2)
    assert item(a, "hypocalcemia").status == "excluded"


def test_bun_creatinine_ratio() -> None:
    a = assess_case(
        labs=[
            {"test": "bun", "value": 30, "unit": "mg/dL"},
            {"test": "creatinine", "value": 1.0, "unit": "mg/dL"},
        ]
    )
    assert a.derived["bun_creatinine_ratio"] == 30.0


def test_latest_lab_per_test_counts_and_earlier_values_are_kept() -> None:
    a = assess_case(
        labs=[
            {"test": "potassium", "value": 4.0, "unit": "mmol/L", "collected": "2026-08-30"},
            {"test": "potassium", "value": 3.1, "unit": "mmol/L", "collected": "2026-08-01"},
        ]
    )
    (flag,) = a.lab_flags
    assert (flag.value, flag.flag) == (4.0, "N")
    assert [e["value"] for e in flag.earlier] == [3.1]
    assert item(a, "hypokalemia").status == "excluded"


def test_wells_lists_every_item_with_its_contribution() -> None:
    a = assess_case(
        surgery={"date": "2026-08-01"},
        findings={
            "active_cancer": True,
            "alternative_diagnosis_as_likely": True,
            "deep_vein_tenderness": True,
        },
    )
    points = {i.id: i.points for i in a.wells.items}
    assert points["active_cancer"] == 1 and points["recent_surgery"] == 1
    assert points["alternative_diagnosis"] == -2
    assert a.wells.score == 1 and a.wells.category == "unlikely"
    recent = next(i for i in a.wells.items if i.id == "recent_surgery")
    assert recent.source.startswith("derived from the surgery date")


def test_d_dimer_is_suggested_only_when_wells_is_unlikely() -> None:
    unlikely = assess_case(findings={"calf_swelling_unilateral": True}, surgery={"date": "2025-01-01"})
    likely = assess_case(
        findings={"calf_swelling_unilateral": True, "deep_vein_tenderness": True, "prior_dvt": True},
        surgery={"date": "2025-01-01"},
    )
    assert "d_dimer" in [t.id for t in unlikely.next_tests]
    assert "d_dimer" not in [t.id for t in likely.next_tests]


def test_red_flag_tests_come_first_then_support_then_burden() -> None:
    a = assess_case(
        findings={
            "saddle_anesthesia": True,
            "urge_to_move_legs": True,
            "back_spasms": True,
            "xray_dynamic_instability": False,
        }
    )
    ids = [t.id for t in a.next_tests]
    assert ids[0] == "mri_lumbar_gadolinium" and a.next_tests[0].urgent
    assert "ferritin" in ids


def test_an_ordered_test_is_not_suggested_again() -> None:
    parts = {"findings": {"pain_free_interval_then_recurrence": True}}
    assert "mri_lumbar_gadolinium" in [t.id for t in assess_case(**parts).next_tests]
    ordered = assess_case(
        **parts, orders={"mri_lumbar_gadolinium": {"state": "ordered", "date": "2026-09-01"}}
    )
    assert "mri_lumbar_gadolinium" not in [t.id for t in ordered.next_tests]
    state = next(t for t in ordered.tests if t.id == "mri_lumbar_gadolinium")
    assert (state.state, state.date) == ("ordered", "2026-09-01")


def test_sex_specific_range_flags_hemoglobin() -> None:
    lab = load_knowledge().labs["hemoglobin"]
    assert applied_range(lab, "female", None).flag(13.0) == "N"
    assert applied_range(lab, "male", None).flag(13.0) == "L"
    assert applied_range(lab, "unknown", None).flag(13.0) == "N"


def test_a_sex_without_its_own_range_gets_the_general_one() -> None:
    esr = load_knowledge().labs["esr"]  # SPEC: < 20 mm/h, women < 30
    assert applied_range(esr, "male", None).flag(25) == "H"
    assert applied_range(esr, "female", None).flag(25) == "N"
    assert applied_range(esr, "unknown", None).flag(25) == "N"  # the widest: normal for either


def test_a_clinic_range_override_is_applied() -> None:
    from support.core import workup

    from cramp_dx.engine import assess

    w = workup(labs=[{"test": "potassium", "value": 3.6, "unit": "mmol/L"}])
    assert assess(w).lab_flags[0].flag == "N"
    overridden = assess(w, lab_ranges={"potassium": {"low": 3.7, "high": 5.2}})
    assert overridden.lab_flags[0].flag == "L"
    assert overridden.lab_flags[0].reference == "3.7–5.2 mmol/L (clinic range)"
    assert assess(w).lab_flags[0].reference == "3.5–5.1 mmol/L"


def test_opposite_findings_count_for_each_other() -> None:
    a = assess_case(findings={"duplex_dvt_present": False})
    assert item(a, "dvt").status == "excluded"
