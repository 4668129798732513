"""The neurological examination in the FHIR export (issue 14): one Observation per examined
sign and one for the level check; the examination reads back from the Bundle unchanged."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from support.fhir import codes, observation_with, only, resources, validate

from cramp_dx.case.model import NeuroExam
from cramp_dx.casefile.io import read_case
from cramp_dx.engine import assess
from cramp_dx.fhir import build_bundle
from cramp_dx.fhir.neuro import neuro_exam_from_bundle
from cramp_dx.knowledge import load_knowledge

CASES = Path(__file__).resolve().parent / "cases"
SIGN = "urn:cramp-dx:neuro-sign"
VERDICT = "urn:cramp-dx:level-verdict"


def export(workup, **kwargs):
    kb = load_knowledge()
    return build_bundle(workup, assess(workup, kb), kb, **kwargs)


def wrong_level():
    return read_case(CASES / "ex4-wrong-level.json")


def test_the_bundle_with_an_examination_is_valid_r4():
    bundle = export(wrong_level())
    validate(bundle)
    assert json.loads(json.dumps(bundle)) == bundle


def test_each_examined_sign_is_one_observation_with_its_value():
    workup = wrong_level()
    bundle = export(workup)
    signs = [r for r in resources(bundle, "Observation") if codes(r["code"], SIGN)]
    assert len(signs) == len(workup.neuro_exam.signs())
    grade = observation_with(bundle, SIGN, "left.strength.ankle_plantarflexion")
    assert grade["valueInteger"] == 4
    assert grade["code"]["text"] == "Left ankle plantar flexion: strength (MRC 0–5)"
    assert grade["category"][0]["coding"][0]["code"] == "exam"
    reflex = observation_with(bundle, SIGN, "left.reflexes.ankle")
    assert reflex["valueCodeableConcept"]["coding"][0]["code"] == "absent"


def test_the_level_check_is_an_observation_derived_from_the_signs():
    bundle = export(wrong_level())
    level = observation_with(bundle, "urn:cramp-dx:score", "level_check")
    assert codes(level["valueCodeableConcept"], VERDICT) == ["does_not_match"]
    assert "no operated level affects S1" in level["note"][0]["text"]
    assert {c["valueString"] for c in level["component"]} >= {"L4-L5"}
    assert len(level["derivedFrom"]) == len(wrong_level().neuro_exam.signs())
    impression = only(bundle, "ClinicalImpression")
    group = next(g for g in impression["investigation"] if g["code"]["text"].startswith("Neurological"))
    url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is level)
    assert {"reference": url} in group["item"]


@pytest.mark.parametrize("status", ["draft", "signed"])
def test_the_examination_round_trips_through_the_bundle(status):
    workup = wrong_level()
    bundle = export(workup, status=status)
    assert neuro_exam_from_bundle(json.loads(json.dumps(bundle))) == workup.neuro_exam


def test_every_value_of_every_kind_round_trips():
    exam = NeuroExam()
    for side, kind, item, value in (
        ("left", "sensory", "perianal", "painful"),
        ("right", "sensory", "perianal", "absent"),
        ("left", "strength", "hip_flexion", 0),
        ("right", "strength", "hip_flexion", 5),
        ("left", "reflexes", "knee", "brisk"),
        ("right", "reflexes", "medial_hamstring", "reduced"),
    ):
        exam = exam.with_sign(side, kind, item, value)
    workup = replace(wrong_level(), neuro_exam=exam)
    bundle = export(workup)
    validate(bundle)
    assert neuro_exam_from_bundle(bundle) == exam


def test_a_visit_without_an_examination_exports_no_neuro_observation():
    workup = replace(wrong_level(), neuro_exam=NeuroExam())
    bundle = export(workup)
    assert not [r for r in resources(bundle, "Observation") if codes(r["code"], SIGN)]
    assert not [r for r in resources(bundle, "Observation") if codes(r["code"], "urn:cramp-dx:score") ==
                ["level_check"]]
    assert neuro_exam_from_bundle(bundle) == NeuroExam()


def test_a_sign_the_case_format_does_not_accept_is_not_read_back():
    bundle = export(wrong_level())
    obs = observation_with(bundle, SIGN, "left.reflexes.ankle")
    obs["valueCodeableConcept"]["coding"][0]["code"] = "hyper"
    assert "ankle" not in neuro_exam_from_bundle(bundle).left.reflexes
