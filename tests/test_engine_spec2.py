"""SPEC-2 behaviours (SPEC-2.md, corrected by SPEC-2-REVIEW.md): red flags that read time since
surgery and dated lab series, what only supports and what confirms, timing-only differentials,
tests already done and declared repeats, medication names, and how causes and ties are ranked.
One behaviour per test."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from support.core import BASE, assess_case, item, rank_of, workup

from cramp_dx.engine import Assessment, assess
from cramp_dx.engine.result import RedFlag
from cramp_dx.knowledge import load_knowledge
from cramp_dx.knowledge.loader import load_from
from cramp_dx.paths import resources_dir

KB = load_knowledge()
VISIT = date.fromisoformat(BASE["visit"]["date"])  # 2026-09-01


def on_day(day: int, **details: Any) -> dict[str, Any]:
    """A `surgery` section that puts the base visit `day` days after the operation."""
    return {"date": (VISIT - timedelta(days=day)).isoformat(), **details}


def fired(assessment: Assessment) -> set[str]:
    return {flag.id for flag in assessment.red_flags}


def flag(assessment: Assessment, flag_id: str) -> RedFlag:
    return next(f for f in assessment.red_flags if f.id == flag_id)


def suggested(assessment: Assessment) -> list[str]:
    return [test.id for test in assessment.next_tests]


# ------------------------------------------------------------------ pulmonary embolism

PE_DAY_11 = {
    "surgery": on_day(11),
    "findings": {"chest_pain_or_dyspnea": True},
    "measurements": {"heart_rate_bpm": 120},
}


def test_pulmonary_embolism_fires_without_any_leg_sign() -> None:
    assessment = assess_case(**PE_DAY_11)
    assert "pulmonary_embolism" in fired(assessment)
    assert "dvt_likely" not in fired(assessment)  # it does not come through a DVT suspicion
    assert flag(assessment, "pulmonary_embolism").severity == "emergency"


def test_a_negative_leg_duplex_does_not_clear_pulmonary_embolism() -> None:
    parts = {**PE_DAY_11, "findings": {"chest_pain_or_dyspnea": True, "duplex_dvt_absent": True}}
    assert "pulmonary_embolism" in fired(assess_case(**parts))


def test_a_ctpa_without_pe_clears_pulmonary_embolism() -> None:
    parts = {**PE_DAY_11, "findings": {"chest_pain_or_dyspnea": True, "ctpa_pe_absent": True}}
    assessment = assess_case(**parts)
    assert "pulmonary_embolism" not in fired(assessment)
    check = next(c for c in assessment.red_flag_checks if c.id == "pulmonary_embolism")
    assert check.note == "cleared by: CTPA: no pulmonary embolism"


# ------------------------------------------------------------------ infection

# CRP on days 2, 4 and 6 after surgery: falls, then rises again (all before day 7, so no
# absolute-value rule can be what fires)
CRP_SECOND_RISE = [
    {"test": "crp", "value": 140, "unit": "mg/L", "collected": "2026-08-28"},
    {"test": "crp", "value": 60, "unit": "mg/L", "collected": "2026-08-30"},
    {"test": "crp", "value": 110, "unit": "mg/L", "collected": "2026-09-01"},
]
CRP_NOTE_START = "CRP peaks 2–3 days after surgery"


def test_infection_fires_on_mri_discitis_or_abscess_alone() -> None:
    assert "infection" not in fired(assess_case())
    assessment = assess_case(findings={"mri_discitis_or_abscess": True})
    assert flag(assessment, "infection").because == ("MRI: discitis or abscess",)


def test_a_crp_rising_again_after_falling_fires_infection() -> None:
    assessment = assess_case(surgery=on_day(6), labs=CRP_SECOND_RISE)
    assert (
        "C-reactive protein rising again after falling: 60 mg/L → 110 mg/L"
        in flag(assessment, "infection").because
    )


def test_a_single_raised_crp_on_day_5_does_not_fire_infection() -> None:
    assessment = assess_case(surgery=on_day(5), labs=[{"test": "crp", "value": 85, "unit": "mg/L"}])
    assert "infection" not in fired(assessment)


def test_a_single_raised_crp_on_day_5_shows_the_post_operative_crp_note() -> None:
    assessment = assess_case(surgery=on_day(5), labs=[{"test": "crp", "value": 85, "unit": "mg/L"}])
    assert any(note.startswith(CRP_NOTE_START) for note in assessment.notes)


def test_fever_alone_on_day_2_does_not_fire_infection() -> None:
    assessment = assess_case(surgery=on_day(2), measurements={"temperature_c": 38.5})
    assert "infection" not in fired(assessment)


def test_fever_alone_on_day_6_fires_infection() -> None:
    assessment = assess_case(surgery=on_day(6), measurements={"temperature_c": 38.5})
    assert "infection" in fired(assessment)


def test_infection_becomes_an_emergency_with_a_new_motor_deficit() -> None:
    abscess = {"mri_discitis_or_abscess": True}
    assert flag(assess_case(findings=abscess), "infection").severity == "urgent"
    with_deficit = assess_case(findings={**abscess, "new_motor_deficit_since_surgery": True})
    assert flag(with_deficit, "infection").severity == "emergency"


def test_fever_on_day_2_with_a_new_motor_deficit_fires_infection() -> None:
    """SPEC-2 review #18: at any time, fever together with a new neurological deficit fires."""
    assessment = assess_case(
        surgery=on_day(2),
        measurements={"temperature_c": 38.5},
        findings={"new_motor_deficit_since_surgery": True},
    )
    assert "infection" in fired(assessment)


@pytest.mark.parametrize(
    "sepsis_sign",
    [{"systolic_bp_mmhg": 85}, {"respiratory_rate": 24}],
    ids=["low blood pressure", "fast breathing"],
)
def test_fever_on_day_2_with_a_sepsis_sign_fires_infection(sepsis_sign: dict[str, float]) -> None:
    assessment = assess_case(surgery=on_day(2), measurements={"temperature_c": 38.5, **sepsis_sign})
    assert "infection" in fired(assessment)


def test_fever_on_day_2_with_a_normal_breathing_rate_stays_a_note() -> None:
    assessment = assess_case(surgery=on_day(2), measurements={"temperature_c": 38.5, "respiratory_rate": 18})
    assert "infection" not in fired(assessment)


DISCITIS_PATTERN = {"new_severe_back_pain": True, "pain_free_interval_then_recurrence": True}


def test_severe_back_pain_after_a_pain_free_interval_two_weeks_after_surgery_fires_infection() -> None:
    """Post-operative discitis typically shows as back pain after a symptom-free interval, 2–8
    weeks after the operation (Patel & Modi 2022): check the markers before calling it a disc."""
    assessment = assess_case(surgery=on_day(14), findings=DISCITIS_PATTERN)
    assert "infection" in fired(assessment)


def test_severe_back_pain_without_a_pain_free_interval_needs_a_marker() -> None:
    assessment = assess_case(surgery=on_day(14), findings={"new_severe_back_pain": True})
    assert "infection" not in fired(assessment)


def test_severe_back_pain_after_a_pain_free_interval_a_year_later_is_not_an_infection_alarm() -> None:
    assessment = assess_case(surgery=on_day(365), findings=DISCITIS_PATTERN)
    assert "infection" not in fired(assessment)


# ------------------------------------------------------------------ meningitis and limb ischaemia


def test_fever_and_a_new_headache_after_a_dural_tear_is_a_meningitis_emergency() -> None:
    """SPEC-2 review #30: fever with headache (not only neck stiffness) after a durotomy."""
    assessment = assess_case(
        surgery=on_day(5, durotomy=True), measurements={"temperature_c": 38.4}, findings={"headache": True}
    )
    assert flag(assessment, "meningitis").severity == "emergency"


def test_a_headache_without_fever_after_a_dural_tear_is_not_meningitis() -> None:
    assessment = assess_case(surgery=on_day(5, durotomy=True), findings={"headache": True})
    assert "meningitis" not in fired(assessment)


def test_lost_pulses_with_a_new_weakness_fire_acute_limb_ischaemia() -> None:
    """SPEC-2 review #28: weakness with lost pulses, even without a cold or pale leg."""
    assessment = assess_case(
        surgery=on_day(14), findings={"absent_pedal_pulses": True, "new_motor_deficit_since_surgery": True}
    )
    assert flag(assessment, "acute_limb_ischemia").severity == "emergency"


def test_absent_pulses_alone_do_not_fire_acute_limb_ischaemia() -> None:
    assessment = assess_case(surgery=on_day(14), findings={"absent_pedal_pulses": True})
    assert "acute_limb_ischemia" not in fired(assessment)


def test_numbness_after_an_anterior_approach_supports_acute_limb_ischaemia() -> None:
    """Leg numbness and weakness after ALIF were blamed on root irritation for days (SPEC-2 #28)."""
    before = item(assess_case(surgery=on_day(13, approach="anterior")), "acute_limb_ischemia")
    after = item(
        assess_case(surgery=on_day(13, approach="anterior"), findings={"numbness_tingling": True}),
        "acute_limb_ischemia",
    )
    assert after.status == "supported"
    assert after.score > before.score


def test_numbness_after_an_anterior_approach_asks_for_the_pulses_while_they_are_unrecorded() -> None:
    notes = item(
        assess_case(surgery=on_day(1, approach="anterior"), findings={"numbness_tingling": True}),
        "acute_limb_ischemia",
    ).settle_notes
    assert any("feel the pedal pulses" in note for note in notes)


def test_the_pulse_check_note_goes_once_the_pulses_are_recorded() -> None:
    findings = {"numbness_tingling": True, "absent_pedal_pulses": False}
    notes = item(
        assess_case(surgery=on_day(1, approach="anterior"), findings=findings), "acute_limb_ischemia"
    ).settle_notes
    assert not any("feel the pedal pulses" in note for note in notes)


def test_the_pulse_check_note_goes_once_the_pulses_and_the_leg_are_recorded() -> None:
    findings = {"numbness_tingling": True, "absent_pedal_pulses": False, "cold_pale_or_mottled_leg": False}
    notes = item(
        assess_case(surgery=on_day(1, approach="anterior"), findings=findings), "acute_limb_ischemia"
    ).settle_notes
    assert not any("feel the pedal pulses" in note for note in notes)


def test_numbness_after_a_posterior_approach_does_not_support_acute_limb_ischaemia() -> None:
    result = item(
        assess_case(surgery=on_day(13, approach="open"), findings={"numbness_tingling": True}),
        "acute_limb_ischemia",
    )
    assert result.score == 0


# ------------------------------------------------------------------ CK and critical labs


def ck(value: float) -> list[dict[str, Any]]:
    return [{"test": "ck", "value": value, "unit": "U/L"}]


def test_ck_1500_on_day_1_does_not_fire_rhabdomyolysis() -> None:
    assert "rhabdomyolysis" not in fired(assess_case(surgery=on_day(1), labs=ck(1500)))


def test_ck_6000_on_day_1_fires_rhabdomyolysis() -> None:
    assert "rhabdomyolysis" in fired(assess_case(surgery=on_day(1), labs=ck(6000)))


def test_ck_1500_on_day_5_fires_rhabdomyolysis() -> None:
    assert "rhabdomyolysis" in fired(assess_case(surgery=on_day(5), labs=ck(1500)))


def test_ck_is_not_a_critical_lab() -> None:
    assessment = assess_case(labs=ck(20000))
    assert "critical_lab" not in fired(assessment)
    assert not next(lab for lab in assessment.lab_flags if lab.test == "ck").critical


HIGH_POTASSIUM = [{"test": "potassium", "value": 6.8, "unit": "mmol/L"}]


def test_a_critical_high_potassium_makes_hyperkalemia_urgent_not_hypokalemia() -> None:
    assessment = assess_case(labs=HIGH_POTASSIUM)
    assert item(assessment, "hyperkalemia").status == "urgent"
    assert item(assessment, "hypokalemia").status != "urgent"


def test_a_critical_high_potassium_puts_the_ecg_first() -> None:
    assert suggested(assess_case(labs=HIGH_POTASSIUM))[0] == "ecg"


# ------------------------------------------------------------------ new motor deficit

ISOLATED_HIP_FLEXOR_WEAKNESS = {
    "new_motor_deficit_since_surgery": True,
    "hip_flexor_or_quadriceps_weakness": True,
    "foot_drop": False,
    "progressive_weakness": False,
    "flank_pain": False,
    "groin_pain": False,
}
ONE_SIDE = {"symptom_side": "left"}


def test_a_new_motor_deficit_since_surgery_fires_progressive_deficit() -> None:
    for present in (False, True):
        assessment = assess_case(findings={"new_motor_deficit_since_surgery": present})
        assert ("progressive_deficit" in fired(assessment)) is present


def test_isolated_hip_flexor_weakness_within_90_days_after_a_lateral_approach_is_not_an_alarm() -> None:
    assessment = assess_case(
        surgery=on_day(20, approach="lateral"), visit=ONE_SIDE, findings=ISOLATED_HIP_FLEXOR_WEAKNESS
    )
    assert "progressive_deficit" not in fired(assessment)


@pytest.mark.parametrize("also", ["foot_drop", "flank_pain"])
def test_hip_flexor_weakness_after_a_lateral_approach_fires_with_another_sign(also: str) -> None:
    findings = {**ISOLATED_HIP_FLEXOR_WEAKNESS, also: True}
    assessment = assess_case(surgery=on_day(20, approach="lateral"), visit=ONE_SIDE, findings=findings)
    assert "progressive_deficit" in fired(assessment)


def test_isolated_hip_flexor_weakness_fires_when_the_approach_is_not_recorded() -> None:
    assessment = assess_case(surgery=on_day(20), visit=ONE_SIDE, findings=ISOLATED_HIP_FLEXOR_WEAKNESS)
    assert "progressive_deficit" in fired(assessment)


def test_isolated_hip_flexor_weakness_after_a_lateral_approach_fires_after_90_days() -> None:
    assessment = assess_case(
        surgery=on_day(120, approach="lateral"), visit=ONE_SIDE, findings=ISOLATED_HIP_FLEXOR_WEAKNESS
    )
    assert "progressive_deficit" in fired(assessment)


# ------------------------------------------------------------------ what supports, what confirms

CONFIRMED_HAEMATOMA = "Compressive epidural haematoma with a deficit."


def test_an_mri_fluid_collection_supports_but_does_not_confirm_epidural_hematoma() -> None:
    assessment = assess_case(surgery=on_day(10), findings={"mri_fluid_collection": True})
    hematoma = item(assessment, "epidural_hematoma")
    assert any(reason.startswith("Collection on MRI") for reason in hematoma.supporting)
    assert hematoma.status == "supported"
    assert not any(CONFIRMED_HAEMATOMA in reason for reason in hematoma.supporting)


def test_an_mri_epidural_hematoma_with_a_new_deficit_confirms_it() -> None:
    findings = {"mri_epidural_hematoma": True, "new_motor_deficit_since_surgery": True}
    hematoma = item(assess_case(surgery=on_day(5), findings=findings), "epidural_hematoma")
    # urgent (its red flag fires) ranks above confirmed; the confirmation is the settling reason
    assert hematoma.status == "urgent"
    assert any(reason.endswith(CONFIRMED_HAEMATOMA) for reason in hematoma.supporting)


def test_pseudarthrosis_gets_no_support_from_a_fusion_11_days_ago() -> None:
    pseudarthrosis = item(
        assess_case(surgery=on_day(11, procedure="fusion")), "pseudarthrosis_or_hardware_failure"
    )
    assert pseudarthrosis.supporting == ()
    assert pseudarthrosis.status == "less_likely"


def test_pseudarthrosis_gets_no_support_from_the_procedure_alone_10_years_later() -> None:
    assessment = assess_case(surgery={"procedure": "fusion", "date": "2016-09-01"})
    pseudarthrosis = item(assessment, "pseudarthrosis_or_hardware_failure")
    assert pseudarthrosis.status in ("possible", "less_likely")
    assert not pseudarthrosis.patient_evidence
    # at most the weak, open-ended onset window (SPEC-2 review #6); nothing from the procedure
    assert all(reason.startswith("Timing fits") for reason in pseudarthrosis.supporting)
    assert "ct_lumbar" not in suggested(assessment)


# ------------------------------------------------------------------ timing-only differentials

# day 1 after a 5-hour prone fusion: rhabdomyolysis and compartment syndrome score from the
# operation and their onset window only
TIMING_ONLY = {"surgery": on_day(1, procedure="fusion", position="prone", duration_hours=5)}


def test_a_differential_resting_on_timing_and_the_operation_alone_stays_at_most_possible(
    tmp_path: Path,
) -> None:
    # give the operation alone enough weight to reach "supported" by score
    folder = tmp_path / "knowledge"
    shutil.copytree(resources_dir() / "knowledge", folder)
    path = folder / "differentials.toml"
    text = path.read_text(encoding="utf-8")
    rule = '  { weight = 1, when = { position = ["prone", "knee_chest", "lateral_decubitus"] } },\n'
    assert rule in text
    path.write_text(text.replace(rule, rule.replace("weight = 1", "weight = 3"), 1), encoding="utf-8")
    rhabdo = item(assess(workup(**TIMING_ONLY), load_from(folder)), "rhabdomyolysis")
    assert rhabdo.score >= KB.supported_at  # the score alone would make it supported
    assert rhabdo.status == "possible"
    assert not rhabdo.patient_evidence


def test_timing_alone_adds_nothing_without_patient_evidence() -> None:
    rhabdo = item(assess_case(**TIMING_ONLY), "rhabdomyolysis")
    assert not any(reason.startswith("Timing fits") for reason in rhabdo.supporting)
    with_evidence = item(assess_case(**TIMING_ONLY, findings={"dark_urine": True}), "rhabdomyolysis")
    assert any(reason.startswith("Timing fits") for reason in with_evidence.supporting)


def test_timing_only_differentials_sort_below_those_with_patient_evidence() -> None:
    assessment = assess_case(**TIMING_ONLY, findings={"smoker": True})
    smoking, rhabdo = item(assessment, "alcohol_caffeine_nicotine"), item(assessment, "rhabdomyolysis")
    assert (smoking.status, rhabdo.status) == ("possible", "possible")
    assert smoking.score <= rhabdo.score
    assert rank_of(assessment, "alcohol_caffeine_nicotine") < rank_of(assessment, "rhabdomyolysis")
    possible = [d.patient_evidence for d in assessment.differential if d.status == "possible"]
    assert possible == sorted(possible, reverse=True)


def test_timing_only_differentials_generate_no_next_test() -> None:
    assessment = assess_case(**TIMING_ONLY)
    assert item(assessment, "rhabdomyolysis").status == "possible"
    assert item(assessment, "compartment_syndrome").status == "possible"
    assert assessment.next_tests == ()


# ------------------------------------------------------------------ tests already done

WOUND_DRAINAGE = {"wound_drainage": True}  # fires infection: CRP/ESR, CBC and MRI


def test_a_test_with_a_result_recorded_is_not_suggested_again() -> None:
    assert "mri_lumbar_gadolinium" in suggested(assess_case(findings=WOUND_DRAINAGE))
    with_result = assess_case(findings={**WOUND_DRAINAGE, "mri_discitis_or_abscess": True})
    assert "mri_lumbar_gadolinium" not in suggested(with_result)


def test_a_test_whose_order_is_done_is_not_suggested_again() -> None:
    assert "cbc" in suggested(assess_case(findings=WOUND_DRAINAGE))
    done = assess_case(findings=WOUND_DRAINAGE, orders={"cbc": {"state": "done", "date": "2026-08-30"}})
    assert "cbc" not in suggested(done)


def test_a_declared_repeat_is_suggested_again_and_marked_repeat() -> None:
    assessment = assess_case(surgery=on_day(1), labs=ck(6000))  # rhabdomyolysis flag up, CK done
    repeat = next(test for test in assessment.next_tests if test.id == "ck")
    assert repeat.repeat
    assert repeat.reason.startswith("Repeat CK")


# ------------------------------------------------------------------ medications


def test_an_unknown_medicine_is_listed_as_unrecognised() -> None:
    assessment = assess_case(medications=[{"name": "Zyxorin 5 mg"}, {"name": "omeprazole 20 mg"}])
    assert assessment.unrecognised_medications == ("Zyxorin 5 mg",)


@pytest.mark.parametrize(
    ("name", "drug", "class_id"),
    [("Xarelto 20 mg", "rivaroxaban", "anticoagulant"), ("oestradiol 1 mg", "estradiol", "estrogen")],
)
def test_brand_names_and_spellings_map_to_their_class(name: str, drug: str, class_id: str) -> None:
    assessment = assess_case(medications=[{"name": name}])
    label = KB.medications.classes[class_id].label
    assert [(f.drug, f.drug_class) for f in assessment.medication_flags] == [(drug, label)]
    assert assessment.unrecognised_medications == ()


def test_a_withdrawal_class_drug_taken_normally_does_not_support_medication_adverse_effect() -> None:
    assessment = assess_case(medications=[{"name": "oxycodone 5 mg", "status": "taking"}])
    effect = item(assessment, "medication_adverse_effect")
    assert not any("oxycodone" in reason for reason in effect.supporting)
    assert effect.score == 0


def test_a_tapering_withdrawal_class_drug_supports_medication_adverse_effect() -> None:
    assessment = assess_case(medications=[{"name": "oxycodone 5 mg", "status": "tapering"}])
    effect = item(assessment, "medication_adverse_effect")
    assert any(reason.startswith("oxycodone 5 mg (opioid") for reason in effect.supporting)


# ------------------------------------------------------------------ ranking

NEUROPATHY = {
    "diabetes": True,
    "stocking_glove_sensory_loss": True,
    "burning_feet": True,
    "ncv_polyneuropathy": True,  # confirms the polyneuropathy: without the rule it would rank first
}


def test_diabetic_neuropathy_ranks_directly_above_the_polyneuropathy_it_explains() -> None:
    assessment = assess_case(findings=NEUROPATHY)
    assert item(assessment, "peripheral_polyneuropathy").status == "confirmed"
    assert item(assessment, "diabetic_neuropathy").status == "supported"
    assert rank_of(assessment, "diabetic_neuropathy") == rank_of(assessment, "peripheral_polyneuropathy") - 1


def test_diabetic_neuropathy_says_it_explains_the_polyneuropathy() -> None:
    reasons = item(assess_case(findings=NEUROPATHY), "diabetic_neuropathy").supporting
    assert reasons[0].startswith("Explains peripheral polyneuropathy")


def test_ties_are_broken_by_patient_evidence_not_file_order() -> None:
    # recurrent herniation and epidural fibrosis: 3 points from the patient + 1 from timing;
    # restless legs: 4 points, all from the patient. It comes later in the file and by name.
    assessment = assess_case(
        findings={"pain_free_interval_then_recurrence": True, "urge_to_move_legs": True},
        measurements={"onset_weeks_after_surgery": 8},
    )
    tied = ["recurrent_disc_herniation", "epidural_fibrosis", "restless_legs_syndrome"]
    assert {(item(assessment, d).status, item(assessment, d).score) for d in tied} == {("supported", 4.0)}
    order = list(KB.differentials)
    assert order.index("restless_legs_syndrome") > max(order.index(d) for d in tied[:2])
    assert rank_of(assessment, "restless_legs_syndrome") < min(rank_of(assessment, d) for d in tied[:2])


def test_a_new_foot_drop_scores_the_wells_paresis_item() -> None:
    wells = assess_case(findings={"foot_drop": True}).wells
    item_ = next(i for i in wells.items if i.id == "paralysis_or_immobilization")
    assert (item_.met, item_.points) == (True, 1)
