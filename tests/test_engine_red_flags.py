"""Every red-flag rule fires on its trigger and not without it; red flags rank first."""

from __future__ import annotations

import pytest
from support.core import assess_case, item

from cramp_dx.engine import STATUS_ORDER

# flag id -> (case parts that trigger it, the same case without the trigger)
TRIGGERS = {
    "cauda_equina": ({"findings": {"saddle_anesthesia": True}}, {"findings": {"saddle_anesthesia": False}}),
    "progressive_deficit": ({"findings": {"foot_drop": True}}, {"findings": {"foot_drop": False}}),
    "epidural_hematoma": (
        {"surgery": {"date": "2026-08-25"}, "findings": {"progressive_weakness": True}},
        {"surgery": {"date": "2026-07-01"}, "findings": {"progressive_weakness": True}},
    ),
    "infection": ({"measurements": {"temperature_c": 38.4}}, {"measurements": {"temperature_c": 37.2}}),
    "dvt_likely": (
        {"surgery": {"date": "2026-08-01"}, "findings": {"calf_swelling_unilateral": True}},
        {"surgery": {"date": "2026-01-01"}, "findings": {"calf_swelling_unilateral": True}},
    ),
    "pulmonary_embolism": (
        {
            "findings": {
                "deep_vein_tenderness": True,
                "entire_leg_swollen": True,
                "chest_pain_or_dyspnea": True,
            }
        },
        {
            "findings": {
                "deep_vein_tenderness": True,
                "entire_leg_swollen": True,
                "chest_pain_or_dyspnea": False,
            }
        },
    ),
    "rhabdomyolysis": (
        {"labs": [{"test": "ck", "value": 1200, "unit": "U/L"}]},
        {"labs": [{"test": "ck", "value": 900, "unit": "U/L"}]},
    ),
    "critical_lab": (
        {"labs": [{"test": "potassium", "value": 2.3, "unit": "mmol/L"}]},
        {"labs": [{"test": "potassium", "value": 2.6, "unit": "mmol/L"}]},
    ),
    # SPEC-2 section 3 and its review (#22, #28–#32)
    "compartment_syndrome": (
        {
            "surgery": {"date": "2026-08-30", "position": "knee_chest"},
            "findings": {"tense_muscle_compartment": True, "pain_on_passive_stretch": True},
        },
        {
            "surgery": {"date": "2026-08-30", "position": "knee_chest"},
            "findings": {"tense_muscle_compartment": False, "pain_on_passive_stretch": True},
        },
    ),
    "acute_limb_ischemia": (
        {
            "surgery": {"date": "2026-08-30", "approach": "anterior"},
            "findings": {"cold_pale_or_mottled_leg": True, "absent_pedal_pulses": True},
        },
        {
            "surgery": {"date": "2026-08-30", "approach": "anterior"},
            "findings": {"cold_pale_or_mottled_leg": False, "absent_pedal_pulses": True},
        },
    ),
    "retroperitoneal_hemorrhage": (
        {
            "surgery": {"date": "2026-08-29", "approach": "lateral"},
            "findings": {"hip_flexor_or_quadriceps_weakness": True, "flank_pain": True},
        },
        {
            "surgery": {"date": "2026-08-29", "approach": "lateral"},
            "findings": {"hip_flexor_or_quadriceps_weakness": True, "flank_pain": False},
        },
    ),
    "meningitis": (
        {
            "surgery": {"date": "2026-08-22", "durotomy": True},
            "measurements": {"temperature_c": 38.6},
            "findings": {"meningism": True},
        },
        {
            "surgery": {"date": "2026-08-22", "durotomy": True},
            "measurements": {"temperature_c": 38.6},
            "findings": {"meningism": False},
        },
    ),
    "heparin_induced_thrombocytopenia": (
        {
            "surgery": {"date": "2026-08-22"},
            "medications": [{"name": "enoxaparin 40 mg daily", "start_date": "2026-08-22"}],
            "labs": [
                {"test": "platelets", "value": 250, "unit": "10*3/uL", "collected": "2026-08-23"},
                {"test": "platelets", "value": 95, "unit": "10*3/uL", "collected": "2026-09-01"},
            ],
        },
        {
            "surgery": {"date": "2026-08-22"},
            "medications": [{"name": "enoxaparin 40 mg daily", "start_date": "2026-08-22"}],
            "labs": [
                {"test": "platelets", "value": 250, "unit": "10*3/uL", "collected": "2026-08-23"},
                {"test": "platelets", "value": 230, "unit": "10*3/uL", "collected": "2026-09-01"},
            ],
        },
    ),
    "myelopathy": (
        {"findings": {"upper_motor_neuron_signs": True}},
        {"findings": {"upper_motor_neuron_signs": False}},
    ),
}


def fired(parts: dict) -> set[str]:
    return {flag.id for flag in assess_case(**parts).red_flags}


@pytest.mark.parametrize("flag_id", sorted(TRIGGERS))
def test_red_flag_fires_on_its_trigger(flag_id: str) -> None:
    assert flag_id in fired(TRIGGERS[flag_id][0])


@pytest.mark.parametrize("flag_id", sorted(TRIGGERS))
def test_red_flag_stays_quiet_without_its_trigger(flag_id: str) -> None:
    assert flag_id not in fired(TRIGGERS[flag_id][1])


def test_every_spec_red_flag_is_tested() -> None:
    import tomllib

    from support.core import DATA

    spec = tomllib.loads((DATA / "spec_ids.toml").read_text(encoding="utf-8"))
    assert set(spec["red_flags"]) == set(TRIGGERS)


def test_pulmonary_embolism_also_fires_on_tachycardia() -> None:
    parts = {
        "findings": {"deep_vein_tenderness": True, "entire_leg_swollen": True},
        "measurements": {"heart_rate_bpm": 112},
    }
    assert "pulmonary_embolism" in fired(parts)


def test_wells_two_with_a_sign_of_dvt_in_the_leg_makes_dvt_likely() -> None:
    findings = {"active_cancer": True, "prior_dvt": True, "leg_erythema_warmth": True}
    assert "dvt_likely" in fired({"findings": findings})


def test_wells_two_without_a_sign_of_dvt_in_the_leg_does_not_make_dvt_likely() -> None:
    """Wells estimates the probability of a suspected DVT (NICE NG158): after surgery a new
    weakness scores 'paresis' and the operation another point, with nothing in the leg."""
    parts = {"surgery": {"date": "2026-08-20"}, "findings": {"new_motor_deficit_since_surgery": True}}
    assessment = assess_case(**parts)
    assert assessment.wells.score == 2
    assert assessment.wells.category == "not_suspected"
    assert assessment.wells.label == "DVT not suspected"
    assert "dvt_likely" not in {f.id for f in assessment.red_flags}


def test_a_venous_duplex_on_file_makes_the_wells_score_apply() -> None:
    parts = {
        "surgery": {"date": "2026-08-20"},
        "findings": {"new_motor_deficit_since_surgery": True, "duplex_dvt_absent": True},
    }
    assert assess_case(**parts).wells.category == "likely"


def test_a_duplex_without_dvt_clears_the_dvt_flag() -> None:
    parts = {
        "surgery": {"date": "2026-08-01"},
        "findings": {"calf_swelling_unilateral": True, "duplex_dvt_absent": True},
    }
    assessment = assess_case(**parts)
    assert "dvt_likely" not in {f.id for f in assessment.red_flags}
    check = next(c for c in assessment.red_flag_checks if c.id == "dvt_likely")
    assert check.note and "Duplex: no DVT" in check.note
    assert item(assessment, "dvt").status == "excluded"


def test_critical_labs_give_one_flag_per_value_naming_it() -> None:
    assessment = assess_case(
        labs=[
            {"test": "potassium", "value": 2.2, "unit": "mmol/L"},
            {"test": "sodium", "value": 118, "unit": "mmol/L"},
        ]
    )
    critical = [f for f in assessment.red_flags if f.id == "critical_lab"]
    assert sorted(f.title for f in critical) == [
        "Critical lab: Potassium, serum",
        "Critical lab: Sodium, serum",
    ]


def test_infection_is_stronger_with_raised_markers() -> None:
    assessment = assess_case(
        findings={"wound_drainage": True}, labs=[{"test": "crp", "value": 80, "unit": "mg/L"}]
    )
    flag = next(f for f in assessment.red_flags if f.id == "infection")
    assert any(reason.startswith("Stronger: C-reactive protein") for reason in flag.because)


def test_red_flag_differentials_rank_above_every_routine_item() -> None:
    assessment = assess_case(
        findings={"saddle_anesthesia": True, "nocturnal_cramps": True, "xray_dynamic_instability": True},
        labs=[{"test": "potassium", "value": 3.0, "unit": "mmol/L"}],
    )
    statuses = [d.status for d in assessment.differential]
    assert statuses[0] == "urgent"
    assert assessment.differential[0].id == "cauda_equina_syndrome"
    assert statuses == sorted(statuses, key=STATUS_ORDER.index)


def test_emergencies_are_listed_before_urgent_flags() -> None:
    assessment = assess_case(
        findings={"wound_drainage": True, "cold_pale_or_mottled_leg": True, "absent_pedal_pulses": True}
    )
    assert [f.severity for f in assessment.red_flags] == ["emergency", "urgent"]


def test_unexamined_checks_are_reported_as_not_assessed() -> None:
    assessment = assess_case()
    checks = {c.id: c for c in assessment.red_flag_checks}
    assert not checks["cauda_equina"].assessed
    assert "Saddle anaesthesia" in checks["cauda_equina"].missing
    examined = assess_case(findings={"saddle_anesthesia": False, "new_bladder_or_bowel_dysfunction": False})
    assert {c.id: c for c in examined.red_flag_checks}["cauda_equina"].assessed
