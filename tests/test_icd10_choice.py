"""Each differential shows one ICD-10-CM concept, chosen by the facts, with the reason (issue 13)."""

from __future__ import annotations

import pytest
from support.core import assess_case, item

from cramp_dx.errors import KnowledgeError
from cramp_dx.knowledge import load_knowledge

RADICULAR = {"positive_straight_leg_raise": True}


def code(differential_id: str, **parts: object) -> str:
    return item(assess_case(**parts), differential_id).icd10


def note(differential_id: str, **parts: object) -> str | None:
    return item(assess_case(**parts), differential_id).icd10_note


def test_a_recurrent_disc_with_radicular_signs_at_l4_l5_is_m51_16() -> None:
    assert code("recurrent_disc_herniation", findings=RADICULAR) == "M51.16"


def test_a_recurrent_disc_with_radicular_signs_after_an_l5_s1_operation_is_lumbosacral_m51_17() -> None:
    surgery = {"levels": ["L5-S1"]}
    assert code("recurrent_disc_herniation", surgery=surgery, findings=RADICULAR) == "M51.17"


def test_a_recurrent_disc_without_radicular_signs_after_an_l5_s1_operation_is_m51_27() -> None:
    assert code("recurrent_disc_herniation", surgery={"levels": ["L5-S1"]}) == "M51.27"


def test_an_operation_on_two_levels_is_not_called_lumbosacral() -> None:
    surgery = {"levels": ["L4-L5", "L5-S1"]}
    assert code("recurrent_disc_herniation", surgery=surgery, findings=RADICULAR) == "M51.16"


def test_the_code_choice_says_what_it_was_coded_for() -> None:
    shown = note("recurrent_disc_herniation", surgery={"levels": ["L5-S1"]})
    assert shown == "coded for: Operated at L5-S1"


def test_a_residual_root_injury_after_an_l5_s1_operation_is_m54_17() -> None:
    assert code("residual_nerve_root_injury", surgery={"levels": ["L5-S1"]}) == "M54.17"


def test_neurogenic_claudication_makes_stenosis_m48_062() -> None:
    findings = {"exertional_leg_pain": True, "relief_by_sitting_or_flexion": True}
    assert code("residual_or_adjacent_stenosis", findings=findings) == "M48.062"


def test_stenosis_without_claudication_is_m48_061() -> None:
    assert code("residual_or_adjacent_stenosis", findings={"exertional_leg_pain": False}) == "M48.061"


def test_an_opioid_taper_is_coded_as_opioid_withdrawal_not_an_adverse_effect() -> None:
    meds = [{"name": "oxycodone", "status": "tapering"}]
    assert code("withdrawal_opioid_or_muscle_relaxant", medications=meds) == "F11.93"


def test_stopping_baclofen_is_other_substance_withdrawal() -> None:
    meds = [{"name": "baclofen", "status": "stopped"}]
    assert code("withdrawal_opioid_or_muscle_relaxant", medications=meds) == "F19.939"


def test_a_smoker_is_coded_as_tobacco_use() -> None:
    assert code("alcohol_caffeine_nicotine", findings={"smoker": True}) == "Z72.0"


def test_heavy_drinking_is_coded_as_alcohol_use_before_smoking() -> None:
    parts = {"findings": {"smoker": True}, "measurements": {"alcohol_drinks_per_week": 20}}
    assert code("alcohol_caffeine_nicotine", **parts) == "F10.90"


def test_mechanical_or_gait_factors_are_not_coded_as_cramp_and_spasm() -> None:
    assert code("mechanical_or_gait_factors", findings={"new_footwear": True}) == "R26.89"


def test_bed_rest_without_new_footwear_is_reduced_mobility() -> None:
    findings = {"prolonged_bed_rest_or_sitting": True, "new_footwear": False}
    assert code("mechanical_or_gait_factors", findings=findings) == "Z74.09"


def test_discitis_or_abscess_makes_the_infection_organ_space() -> None:
    assert code("surgical_site_infection", findings={"mri_discitis_or_abscess": True}) == "T81.43XA"


def test_type_1_diabetes_selects_e10_42() -> None:
    findings = {"diabetes": True, "diabetes_type_1": True}
    assert code("diabetic_neuropathy", findings=findings) == "E10.42"


def test_e11_42_says_it_assumes_type_2() -> None:
    assert "type 2 diabetes assumed" in (note("diabetic_neuropathy", findings={"diabetes": True}) or "")


def test_amyotrophy_without_diabetes_is_a_plexus_disorder() -> None:
    assert code("diabetic_amyotrophy", findings={"diabetes": False}) == "G54.1"


def test_hardware_failure_without_non_union_is_t84_216a() -> None:
    findings = {"ct_hardware_failure_or_malposition": True, "ct_pseudarthrosis": False}
    assert code("pseudarthrosis_or_hardware_failure", findings=findings) == "T84.216A"


def test_a_non_union_is_m96_0() -> None:
    assert code("pseudarthrosis_or_hardware_failure", findings={"ct_pseudarthrosis": True}) == "M96.0"


def test_back_spasm_is_m62_830() -> None:
    assert code("postoperative_muscle_spasm", findings={"back_spasms": True}) == "M62.830"


def test_clear_wound_drainage_is_a_postoperative_csf_leak() -> None:
    assert code("pseudomeningocele_or_csf_leak", findings={"wound_drainage_clear": True}) == "G96.09"


def test_a_painful_hip_is_coded_as_hip_pain_on_the_symptom_side() -> None:
    parts = {"visit": {"symptom_side": "left"}, "findings": {"hip_internal_rotation_painful_limited": True}}
    assert code("alternative_pain_generator", **parts) == "M25.552"


def test_sacroiliac_pain_without_a_hip_sign_is_m46_1() -> None:
    assert code("alternative_pain_generator", visit={"symptom_side": "left"}) == "M46.1"


def test_a_femoral_nerve_pattern_is_coded_on_the_side() -> None:
    findings = {"knee_reflex_reduced": True, "anterior_thigh_numbness": True, "groin_pain": False}
    parts = {"visit": {"symptom_side": "right"}, "findings": findings}
    assert code("lumbar_plexopathy_or_femoral_neuropathy", **parts) == "G57.21"


def test_an_osteoporotic_sacral_fracture_is_coded_on_the_pelvis() -> None:
    assert code("sacral_insufficiency_fracture", findings={"osteoporosis": True}) == "M80.0B9A"


def test_a_bilateral_compartment_syndrome_codes_both_sides() -> None:
    shown = item(assess_case(visit={"symptom_side": "bilateral"}), "compartment_syndrome")
    assert shown.icd10_codes == ("M79.A21", "M79.A22")
    assert shown.icd10 == "M79.A21 + M79.A22"


def test_a_code_with_a_slash_is_refused_at_load(tmp_path) -> None:
    from shutil import copytree

    from cramp_dx.paths import resources_dir

    folder = copytree(resources_dir() / "knowledge", tmp_path / "knowledge")
    path = folder / "differentials.toml"
    text = path.read_text(encoding="utf-8").replace('icd10 = "M96.0"', 'icd10 = "M96.0 / T84.216A"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(folder)
    assert "differentials.pseudarthrosis_or_hardware_failure.icd10" in str(caught.value)
    assert "alternatives are chosen by facts in icd10_when" in str(caught.value)


def test_a_level_that_is_not_a_level_is_refused_at_load(tmp_path) -> None:
    from shutil import copytree

    from cramp_dx.paths import resources_dir

    folder = copytree(resources_dir() / "knowledge", tmp_path / "knowledge")
    path = folder / "differentials.toml"
    text = path.read_text(encoding="utf-8").replace(
        '{ levels = "L5-S1" }, icd10 = "M54.17"', '{ levels = "L5S1" }, icd10 = "M54.17"'
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(folder)
    assert "'L5S1' is not a level; accepted like L4-L5, L5-S1" in str(caught.value)
