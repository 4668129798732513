"""The level check (issue 14; SPEC-2 section 7 with review items 45–47): the root the examination
points to, per side, against the operated levels; peripheral patterns; the verdict's effect on
the differential. The expected verdicts are written out here from the SPEC's table (traversing
and exiting roots), not computed from neuro.toml, so an edit of the mapping shows up."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.core import assess_case, item, rank_of, workup

from cramp_dx.engine import assess
from cramp_dx.errors import KnowledgeError
from cramp_dx.knowledge import load_knowledge
from cramp_dx.knowledge.loader import load_from
from cramp_dx.paths import resources_dir

# one side of a full examination per root, with the signs that tell it from its neighbours and
# from the peripheral nerves (review #47: hip abduction, hip adduction, the ankle reflex)
ROOT_PATTERNS = {
    "L3": {
        "sensory": {"anterior_thigh": "reduced", "medial_leg": "normal", "dorsum_of_foot": "normal"},
        "strength": {"knee_extension": 4, "hip_adduction": 4, "hip_flexion": 5, "ankle_dorsiflexion": 5},
        "reflexes": {"knee": "reduced", "ankle": "normal"},
    },
    "L4": {
        "sensory": {"medial_leg": "reduced", "anterior_thigh": "normal", "dorsum_of_foot": "normal"},
        "strength": {"ankle_dorsiflexion": 4, "knee_extension": 4, "hip_adduction": 5,
                     "great_toe_extension": 5, "hip_abduction": 5},
        "reflexes": {"knee": "reduced", "ankle": "normal"},
    },
    "L5": {
        "sensory": {"dorsum_of_foot": "reduced", "great_toe": "reduced", "lateral_leg": "painful"},
        "strength": {"great_toe_extension": 4, "ankle_dorsiflexion": 4, "hip_abduction": 4,
                     "foot_inversion": 4, "ankle_plantarflexion": 5},
        "reflexes": {"medial_hamstring": "reduced", "ankle": "normal", "knee": "normal"},
    },
    "S1": {
        "sensory": {"lateral_foot": "reduced", "sole": "reduced", "posterior_calf": "painful"},
        "strength": {"ankle_plantarflexion": 4, "knee_flexion": 4, "ankle_dorsiflexion": 5},
        "reflexes": {"ankle": "absent", "knee": "normal"},
    },
}
LEVELS = ("L2-L3", "L3-L4", "L4-L5", "L5-S1")
# SPEC-2 section 7: a disc level affects its traversing root (L3-L4 → L4, L4-L5 → L5, L5-S1 → S1)
# and its exiting root (L3-L4 → L3, L4-L5 → L4, L5-S1 → L5)
AFFECTED = {"L2-L3": {"L2", "L3"}, "L3-L4": {"L3", "L4"}, "L4-L5": {"L4", "L5"}, "L5-S1": {"L5", "S1"}}
EXPECTED = {
    ("L3", "L2-L3"): "matches", ("L3", "L3-L4"): "matches",
    ("L3", "L4-L5"): "does_not_match", ("L3", "L5-S1"): "does_not_match",
    ("L4", "L2-L3"): "does_not_match", ("L4", "L3-L4"): "matches",
    ("L4", "L4-L5"): "matches", ("L4", "L5-S1"): "does_not_match",
    ("L5", "L2-L3"): "does_not_match", ("L5", "L3-L4"): "does_not_match",
    ("L5", "L4-L5"): "matches", ("L5", "L5-S1"): "matches",
    ("S1", "L2-L3"): "does_not_match", ("S1", "L3-L4"): "does_not_match",
    ("S1", "L4-L5"): "does_not_match", ("S1", "L5-S1"): "matches",
}  # fmt: skip
# review #46: after a central decompression (laminectomy) every root caudal to the level fits
EXPECTED_LAMINECTOMY = {
    ("L3", "L4-L5"): "does_not_match", ("L3", "L5-S1"): "does_not_match",
    ("L4", "L5-S1"): "does_not_match",
}  # fmt: skip


def check(neuro: dict, levels=("L4-L5",), procedure="microdiscectomy", **parts):
    return assess_case(
        surgery={"procedure": procedure, "levels": list(levels)}, neuro_exam=neuro, **parts
    ).level_check


@pytest.mark.parametrize("root", ROOT_PATTERNS)
def test_each_root_pattern_names_its_root_alone(root):
    result = check({"left": ROOT_PATTERNS[root]})
    assert [(r.root, r.side) for r in result.roots] == [(root, "left")]
    assert result.patterns == ()


@pytest.mark.parametrize(("root", "level"), sorted(EXPECTED))
def test_each_root_against_each_operated_level(root, level):
    result = check({"left": ROOT_PATTERNS[root]}, levels=(level,))
    assert result.verdict == EXPECTED[(root, level)], result.because
    assert result.operated_levels == (level,)


@pytest.mark.parametrize(("root", "level"), sorted(EXPECTED))
def test_after_a_laminectomy_the_roots_below_the_level_fit(root, level):
    result = check({"left": ROOT_PATTERNS[root]}, levels=(level,), procedure="laminectomy")
    assert result.verdict == EXPECTED_LAMINECTOMY.get((root, level), "matches"), result.because


def test_two_operated_levels_match_when_either_affects_the_root():
    assert check({"left": ROOT_PATTERNS["S1"]}, levels=("L3-L4", "L5-S1")).verdict == "matches"


def test_a_mismatch_spells_out_root_levels_and_the_roots_each_level_affects():
    result = check({"left": ROOT_PATTERNS["S1"]}, levels=("L3-L4", "L4-L5"))
    assert result.verdict == "does_not_match"
    because = result.because
    assert "S1 on the left" in because and "ankle reflex absent" in because
    assert "no operated level affects S1" in because
    assert "L3-L4 affects L4 (traversing) and L3 (exiting)" in because
    assert "L4-L5 affects L5 (traversing) and L4 (exiting)" in because


def test_both_sides_are_read_and_each_root_keeps_its_side():
    result = check({"left": ROOT_PATTERNS["L5"], "right": ROOT_PATTERNS["S1"]}, levels=("L4-L5",))
    assert [(r.root, r.side) for r in result.roots] == [("L5", "left"), ("S1", "right")]
    assert result.verdict == "does_not_match"  # S1 on the right: L4-L5 does not affect it


def test_one_sign_type_names_no_root():
    result = check({"left": {"sensory": {"dorsum_of_foot": "reduced", "great_toe": "absent"}}})
    assert (result.verdict, result.roots) == ("no_root_pattern", ())
    assert "at least 2 sign types" in result.because


def test_no_abnormal_sign_is_no_root_pattern():
    result = check({"left": {"sensory": {"sole": "normal"}, "strength": {"hip_flexion": 5}}})
    assert result.verdict == "no_root_pattern" and result.examined


def test_sign_types_that_agree_on_no_root_make_it_uncertain():
    result = check({"left": {"sensory": {"dorsum_of_foot": "reduced"}, "reflexes": {"ankle": "absent"},
                             "strength": {"hip_flexion": 4}}})
    assert result.verdict == "uncertain" and result.roots == ()
    assert "agree on no root" in result.because


def test_roots_that_are_not_neighbours_make_it_uncertain():
    left = {kind: {**ROOT_PATTERNS["L3"][kind], **ROOT_PATTERNS["S1"][kind]} for kind in ROOT_PATTERNS["L3"]}
    result = check({"left": left}, levels=("L3-L4",))
    assert {r.root for r in result.roots} == {"L3", "S1"}
    assert result.verdict == "uncertain" and "not neighbours" in result.because


@pytest.mark.parametrize("root", ROOT_PATTERNS)
def test_a_transitional_vertebra_makes_the_verdict_uncertain(root):
    result = check({"left": ROOT_PATTERNS[root]}, findings={"transitional_lumbosacral_vertebra": True})
    assert result.verdict == "uncertain"
    assert "Transitional lumbosacral vertebra" in result.because and "numbering" in result.because


def test_a_six_lumbar_level_makes_the_verdict_uncertain():
    result = check({"left": ROOT_PATTERNS["L5"]}, levels=("L5-L6",))
    assert result.verdict == "uncertain" and "six lumbar vertebrae" in result.because


def test_without_operated_levels_the_verdict_waits_for_them():
    result = check({"left": ROOT_PATTERNS["L5"]}, levels=())
    assert (result.verdict, result.missing) == ("uncertain", ("operated levels",))


def test_without_an_examination_the_check_is_not_made_and_changes_nothing():
    plain = assess_case(findings={"no_relief_since_surgery": True})
    with_empty = assess_case(findings={"no_relief_since_surgery": True}, neuro_exam={"left": {}, "right": {}})
    assert not plain.level_check.examined and plain.level_check.verdict == "no_root_pattern"
    assert [(d.id, d.score) for d in plain.differential] == [(d.id, d.score) for d in with_empty.differential]


# ---------------------------------------------------------------- peripheral and other patterns

PERONEAL = {
    "sensory": {"dorsum_of_foot": "reduced", "lateral_leg": "reduced"},
    "strength": {"ankle_dorsiflexion": 2, "great_toe_extension": 2, "foot_eversion": 3,
                 "foot_inversion": 5, "hip_abduction": 5},
    "reflexes": {"ankle": "normal"},
}


def test_a_peroneal_pattern_is_no_root_and_supports_peroneal_mononeuropathy():
    assessment = assess_case(surgery={"levels": ["L3-L4"]}, neuro_exam={"left": PERONEAL})
    result = assessment.level_check
    assert result.verdict == "no_root_pattern" and result.roots == ()
    assert [(p.id, p.side) for p in result.patterns] == [("peroneal", "left")]
    assert "fibular head" in result.because
    peroneal = item(assessment, "peroneal_mononeuropathy")
    assert any("Common peroneal (fibular) nerve (left)" in r for r in peroneal.supporting)
    wrong = item(assessment, "wrong_level_or_missed_level")
    assert not any("Signs point to" in r for r in wrong.supporting)


def test_weak_hip_abduction_makes_the_same_foot_drop_an_l5_root():
    neuro = {**PERONEAL, "strength": {**PERONEAL["strength"], "hip_abduction": 4}}
    result = check({"left": neuro}, levels=("L3-L4",))
    assert [r.root for r in result.roots] == ["L5"] and result.verdict == "does_not_match"


def test_a_foot_drop_without_the_spared_signs_examined_is_uncertain():
    neuro = {**PERONEAL, "strength": {"ankle_dorsiflexion": 2, "great_toe_extension": 2}, "reflexes": {}}
    result = check({"left": neuro})
    assert result.verdict == "uncertain"
    assert "examine foot inversion, hip abduction, ankle reflex" in result.because


def test_anterolateral_thigh_alone_is_the_lateral_femoral_cutaneous_nerve():
    assessment = assess_case(neuro_exam={"right": {"sensory": {"anterolateral_thigh": "painful"},
                                                   "strength": {"hip_flexion": 5, "knee_extension": 5}}})
    found = [(p.id, p.side) for p in assessment.level_check.patterns]
    assert found == [("lateral_femoral_cutaneous", "right")]
    assert assessment.level_check.verdict == "no_root_pattern"
    meralgia = item(assessment, "meralgia_paresthetica")
    assert any("Lateral femoral cutaneous nerve" in r for r in meralgia.supporting)


FEMORAL = {
    "sensory": {"anterior_thigh": "reduced", "medial_leg": "reduced"},
    "strength": {"knee_extension": 3, "hip_adduction": 5, "ankle_dorsiflexion": 5},
    "reflexes": {"knee": "absent"},
}


def test_a_femoral_pattern_supports_plexopathy_or_femoral_neuropathy():
    assessment = assess_case(neuro_exam={"left": FEMORAL})
    assert [p.id for p in assessment.level_check.patterns] == ["femoral"]
    assert assessment.level_check.verdict == "no_root_pattern"
    plexus = item(assessment, "lumbar_plexopathy_or_femoral_neuropathy")
    assert any("Femoral nerve (left)" in r for r in plexus.supporting)


def test_adductor_weakness_turns_the_femoral_pattern_into_roots():
    # review #47: "adductor weakness as well → plexus or L3/L4 root"
    neuro = {**FEMORAL, "strength": {**FEMORAL["strength"], "hip_adduction": 4}}
    result = check({"left": neuro}, levels=("L2-L3",))
    assert result.patterns == () and [r.root for r in result.roots] == ["L3", "L4"]
    assert result.verdict == "does_not_match" and "no operated level affects L4" in result.because


def test_a_sciatic_pattern_is_recognised():
    neuro = {"strength": {"knee_flexion": 3, "ankle_dorsiflexion": 2, "ankle_plantarflexion": 3,
                          "great_toe_extension": 2, "hip_abduction": 5},
             "sensory": {"dorsum_of_foot": "reduced", "sole": "reduced"}}
    assessment = assess_case(neuro_exam={"left": neuro})
    assert [p.id for p in assessment.level_check.patterns] == ["sciatic"]
    assert assessment.level_check.verdict == "no_root_pattern"
    compartment = item(assessment, "compartment_syndrome")
    assert any("Sciatic nerve pattern" in r for r in compartment.supporting)


def test_a_stocking_distribution_needs_both_feet_and_supports_polyneuropathy():
    foot = {"sensory": {"sole": "reduced", "dorsum_of_foot": "reduced", "great_toe": "absent"},
            "reflexes": {"ankle": "reduced"}}
    one = check({"left": foot})
    assert "stocking" not in [p.id for p in one.patterns]
    assessment = assess_case(neuro_exam={"left": foot, "right": foot})
    assert [(p.id, p.side) for p in assessment.level_check.patterns] == [("stocking", "both")]
    assert assessment.level_check.verdict == "no_root_pattern" and assessment.level_check.roots == ()
    poly = item(assessment, "peripheral_polyneuropathy")
    assert any("Stocking distribution" in r for r in poly.supporting)


def test_brisk_reflexes_point_up_the_spine_to_myelopathy():
    assessment = assess_case(neuro_exam={"left": {"reflexes": {"knee": "brisk", "ankle": "brisk"}},
                                         "right": {"reflexes": {"knee": "brisk"}}})
    result = assessment.level_check
    assert {p.id for p in result.patterns} == {"upper_motor_neuron"}
    assert result.verdict == "no_root_pattern" and "up the spine" in result.because
    myelopathy = item(assessment, "cervical_or_thoracic_myelopathy")
    assert myelopathy.status == "supported"
    assert any("Upper motor neuron signs" in r for r in myelopathy.supporting)


def test_saddle_sensory_loss_names_the_sacral_roots_and_fires_cauda_equina():
    assessment = assess_case(neuro_exam={"left": {"sensory": {"perianal": "absent"}},
                                         "right": {"sensory": {"perianal": "reduced"}}})
    result = assessment.level_check
    assert {(r.root, r.side) for r in result.roots} >= {("S2", "left"), ("S4", "right")}
    assert result.verdict != "no_root_pattern"
    assert "cauda_equina" in [flag.id for flag in assessment.red_flags]
    assert item(assessment, "cauda_equina_syndrome").status == "urgent"


def test_normal_saddle_sensation_leaves_the_cauda_equina_check_as_before():
    assessment = assess_case(neuro_exam={"left": {"sensory": {"perianal": "normal"}}})
    assert "cauda_equina" not in [flag.id for flag in assessment.red_flags]


# ---------------------------------------------------------------- the differential


def test_a_mismatch_with_no_relief_ranks_wrong_level_in_the_top_three():
    assessment = assess_case(
        surgery={"procedure": "microdiscectomy", "levels": ["L3-L4"]},
        findings={"no_relief_since_surgery": True},
        neuro_exam={"left": ROOT_PATTERNS["L5"]},
        visit={"symptom_side": "left"},
    )
    assert assessment.level_check.verdict == "does_not_match"
    assert rank_of(assessment, "wrong_level_or_missed_level") <= 3
    wrong = item(assessment, "wrong_level_or_missed_level")
    assert any("no operated level affects L5" in r for r in wrong.supporting)
    suggested = [t.id for t in assessment.next_tests]
    assert "level_review" in suggested and "mri_lumbar_gadolinium" in suggested


def test_the_mismatch_weighs_two_never_more_than_the_imaging_finding():
    kb = load_knowledge()
    from cramp_dx.knowledge.conditions import LevelCheckCondition

    rules = kb.differentials["wrong_level_or_missed_level"].support
    derived = [
        r for r in rules if isinstance(r.when, LevelCheckCondition) and "does_not_match" in r.when.verdicts
    ]
    assert [r.weight for r in derived] == [2]
    manual_id = "operated_level_differs_from_symptomatic_level"
    manual = [r for r in rules if getattr(r.when, "finding_id", "") == manual_id]
    assert derived[0].weight <= manual[0].weight


def test_a_match_argues_against_wrong_level():
    base = dict(surgery={"procedure": "microdiscectomy", "levels": ["L4-L5"]},
                findings={"no_relief_since_surgery": True})
    without = item(assess_case(**base), "wrong_level_or_missed_level")
    matched = assess_case(**base, neuro_exam={"left": ROOT_PATTERNS["L5"]})
    matching = item(matched, "wrong_level_or_missed_level")
    assert matching.score == without.score - 1
    assert any("one an operated level affects" in r for r in matching.against)


def test_the_clinicians_own_answer_overrides_the_derived_verdict():
    parts = dict(surgery={"procedure": "microdiscectomy", "levels": ["L3-L4"]},
                 neuro_exam={"left": ROOT_PATTERNS["L5"]})
    agreed = assess_case(**parts, findings={"operated_level_differs_from_symptomatic_level": False})
    assert item(agreed, "wrong_level_or_missed_level").status == "excluded"
    assert "that stands" in agreed.level_check.because
    differs = assess_case(surgery={"procedure": "microdiscectomy", "levels": ["L4-L5"]},
                          neuro_exam={"left": ROOT_PATTERNS["L5"]},
                          findings={"operated_level_differs_from_symptomatic_level": True})
    assert differs.level_check.verdict == "matches"
    assert item(differs, "wrong_level_or_missed_level").status == "confirmed"


def test_assess_json_carries_the_level_check(tmp_path):
    from support.core import case

    path = tmp_path / "case.json"
    path.write_text(json.dumps(case(surgery={"procedure": "microdiscectomy", "levels": ["L3-L4"]},
                                    neuro_exam={"left": ROOT_PATTERNS["L5"]})), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "cramp_dx", "assess", str(path), "--format", "json"],
                          capture_output=True, text=True, check=True)
    level = json.loads(done.stdout)["level_check"]
    assert level["verdict"] == "does_not_match"
    assert level["operated_levels"] == ["L3-L4"]
    assert level["roots"][0]["root"] == "L5" and level["roots"][0]["side"] == "left"
    assert "great-toe extension 4/5" in level["roots"][0]["signs"]
    assert "no operated level affects L5" in level["because"]
    text = subprocess.run([sys.executable, "-m", "cramp_dx", "assess", str(path)],
                          capture_output=True, text=True, check=True).stdout
    assert "Level check: does not match" in text


def test_the_level_check_is_pure_and_repeatable():
    w = workup(surgery={"levels": ["L3-L4"]}, neuro_exam={"left": ROOT_PATTERNS["S1"]})
    assert assess(w).level_check == assess(w).level_check


# ---------------------------------------------------------------- neuro.toml is validated


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    shutil.copytree(resources_dir() / "knowledge", folder)
    return folder


def broken(kb_copy: Path, file: str, old: str, new: str) -> str:
    path = kb_copy / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(KnowledgeError) as info:
        load_from(kb_copy)
    return str(info.value)


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("neuro.toml", 'sole = { roots = ["S1"] }', 'sole = { roots = ["S7"] }',
         "neuro.toml: sensory.sole.roots: unknown root 'S7'"),
        ("neuro.toml", 'sole = { roots = ["S1"] }\n', "",
         "neuro.toml: sensory.sole: missing: every sign of the examination needs its roots"),
        ("neuro.toml", '"L4-L5" = { exiting = "L4", traversing = "L5" }\n', "",
         "neuro.toml: levels.L4-L5: missing"),
        ("neuro.toml", 'kind = "peripheral"', 'kind = "nerve"',
         "neuro.toml: patterns.peroneal.kind: required; accepted"),
        ("neuro.toml", '{ strength = "foot_inversion" }', '{ strength = "foot_inversione" }',
         "neuro.toml: patterns.peroneal.spared[0].strength: unknown strength 'foot_inversione'"),
        ("neuro.toml", "min_sign_types = 2", "min_sign_types = 5", "neuro.toml: min_sign_types"),
        ("neuro.toml", "min_sign_types = 2", "min_sign_types = 2\nmin_signs = 2",
         "neuro.toml: min_signs: unknown key (did you mean 'min_sign_types'?)"),
        ("neuro.toml", 'uncertain_when = { finding = "transitional_lumbosacral_vertebra" }',
         'uncertain_when = { level_check = "uncertain" }',
         "neuro.toml: uncertain_when: may not ask about the level check itself"),
        ("differentials.toml", '{ neuro_pattern = "peroneal" }', '{ neuro_pattern = "peronial" }',
         "unknown neuro.toml pattern 'peronial' (did you mean 'peroneal'?)"),
        ("differentials.toml", '{ level_check = "does_not_match" }', '{ level_check = "mismatch" }',
         "differentials.toml: differentials.wrong_level_or_missed_level.support[4].when: "
         "unknown level_check"),
    ],
)
def test_a_bad_edit_names_file_and_key(kb_copy, file, old, new, expected):
    assert expected in broken(kb_copy, file, old, new)


def test_the_mapping_is_a_data_edit(kb_copy):
    path = kb_copy / "neuro.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("min_sign_types = 2", "min_sign_types = 3"), encoding="utf-8")
    edited = load_from(kb_copy)
    two_types = {"left": {"sensory": {"lateral_foot": "reduced"}, "reflexes": {"ankle": "absent"}}}
    assert [r.root for r in assess(workup(neuro_exam=two_types)).level_check.roots] == ["S1"]
    assert assess(workup(neuro_exam=two_types), edited).level_check.roots == ()


def test_every_level_a_case_accepts_has_its_roots():
    from cramp_dx.case.model import LEVELS

    kb = load_knowledge()
    assert set(kb.neuro.levels) == set(LEVELS)
    for level, roots in AFFECTED.items():
        disc = kb.neuro.levels[level]
        assert {disc.exiting, disc.traversing} == roots
