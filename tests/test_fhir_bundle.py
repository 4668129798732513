"""FHIR export: every example case gives a valid R4 Bundle with the standard code systems."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from support.fhir import (
    ICD10CM,
    INTERPRETATION,
    LOINC,
    UCUM,
    codes,
    differential_finding,
    labs,
    only,
    resources,
    validate,
)

from cramp_dx.casefile.io import read_case
from cramp_dx.engine import assess
from cramp_dx.fhir import build_bundle
from cramp_dx.knowledge import load_knowledge

CASES = Path(__file__).resolve().parent / "cases"
EXAMPLES = sorted(p.stem for p in CASES.glob("*.json"))
ICD_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")


def export(name: str, **kwargs) -> dict:
    kb = load_knowledge()
    workup = read_case(CASES / f"{name}.json", kb)
    return build_bundle(workup, assess(workup, kb), kb, **kwargs)


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_case_exports_a_valid_r4_bundle(name):
    bundle = export(name)
    model = validate(bundle)
    assert model.type == "collection"
    assert len(model.entry) == len(bundle["entry"])


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_bundle_is_plain_json(name):
    bundle = export(name)
    assert json.loads(json.dumps(bundle)) == bundle


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_lab_result_is_a_loinc_coded_observation_with_a_ucum_quantity(name):
    kb = load_knowledge()
    case = json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))
    observations = labs(export(name))
    assert len(observations) == len(case["labs"])
    for entered, obs in zip(case["labs"], observations, strict=True):
        lab = kb.lab_by_code(entered["test"])
        arrived = entered["test"] if entered["test"] != lab.id else None
        assert codes(obs["code"], LOINC) == [arrived or lab.loinc_for(entered["unit"])]
        quantity = obs["valueQuantity"]
        assert quantity["value"] == entered["value"]
        assert quantity["unit"] == entered["unit"]
        assert quantity["system"] == UCUM
        assert obs["interpretation"][0]["coding"][0]["system"] == INTERPRETATION
        assert obs["interpretation"][0]["coding"][0]["code"] in ("H", "L", "N")
        for bound in ("low", "high"):
            if bound in obs["referenceRange"][0]:
                assert obs["referenceRange"][0][bound]["system"] == UCUM
                assert obs["referenceRange"][0][bound]["code"] == quantity["code"]


def test_a_low_potassium_is_flagged_l_against_its_range():
    obs = next(o for o in labs(export("ex1-diuretic-cramps")) if codes(o["code"], LOINC) == ["2823-3"])
    assert obs["valueQuantity"] == {"value": 3.1, "unit": "mmol/L", "system": UCUM, "code": "mmol/L"}
    assert obs["interpretation"][0]["coding"][0]["code"] == "L"
    assert obs["referenceRange"][0]["low"]["value"] == 3.5
    assert obs["referenceRange"][0]["high"]["value"] == 5.1


def test_a_high_bun_is_flagged_h():
    obs = next(o for o in labs(export("ex1-diuretic-cramps")) if codes(o["code"], LOINC) == ["3094-0"])
    assert obs["interpretation"][0]["coding"][0]["code"] == "H"
    assert obs["valueQuantity"]["code"] == "mg/dL"


def test_a_magnesium_in_mmol_per_l_keeps_its_unit_and_gets_its_range_converted():
    obs = labs(export("ex3-scar-or-disc"))[0]
    assert obs["valueQuantity"] == {"value": 0.82, "unit": "mmol/L", "system": UCUM, "code": "mmol/L"}
    rng = obs["referenceRange"][0]
    assert (rng["low"]["value"], rng["high"]["value"]) == (0.6994, 0.9051)  # 1.7–2.2 mg/dL × 0.4114
    assert obs["interpretation"][0]["coding"][0]["code"] == "N"


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_differential_is_coded_in_icd10cm_with_its_status_and_reasons(name):
    bundle = export(name)
    impression = only(bundle, "ClinicalImpression")
    kb = load_knowledge()
    workup = read_case(CASES / f"{name}.json", kb)
    assessment = assess(workup, kb)
    differential = [
        f for f in impression["finding"] if codes(f["itemCodeableConcept"], "urn:cramp-dx:differential")
    ]
    assert len(differential) == len(kb.differentials)
    for rank, (result, finding) in enumerate(zip(assessment.differential, differential, strict=True), 1):
        concept = finding["itemCodeableConcept"]
        assert codes(concept, "urn:cramp-dx:differential") == [result.id]
        assert finding["basis"].startswith(f"Rank {rank} of {len(kb.differentials)}; status: ")
        assert result.status.replace("_", " ") in finding["basis"]
        for code in codes(concept, ICD10CM):
            assert ICD_CODE.match(code), code
        assert codes(concept, ICD10CM) or "-" in concept["text"], result.id


def test_a_differential_concept_holds_one_icd10cm_code():
    impression = only(export("ex3-scar-or-disc"), "ClinicalImpression")
    finding = differential_finding(impression, "residual_nerve_root_injury")
    assert codes(finding["itemCodeableConcept"], ICD10CM) == ["M54.17"]  # operated at L5-S1


def test_the_other_side_of_a_bilateral_code_pair_is_a_finding_of_its_own():
    kb = load_knowledge()
    workup = read_case(CASES / "ex2-early-swollen-calf.json", kb)
    workup = replace(workup, visit=replace(workup.visit, symptom_side="bilateral"))
    impression = only(build_bundle(workup, assess(workup, kb), kb), "ClinicalImpression")
    concept = differential_finding(impression, "compartment_syndrome")["itemCodeableConcept"]
    assert codes(concept, ICD10CM) == ["M79.A21"]
    others = [f for f in impression["finding"] if codes(f["itemCodeableConcept"], ICD10CM) == ["M79.A22"]]
    assert len(others) == 1 and "no bilateral code" in others[0]["basis"]
    assert validate(build_bundle(workup, assess(workup, kb), kb))


def test_a_header_code_without_the_side_is_text_only_with_the_reason():
    impression = only(export("ex2-early-swollen-calf"), "ClinicalImpression")
    concept = differential_finding(impression, "dvt")["itemCodeableConcept"]
    assert codes(concept, ICD10CM) == []
    assert "I82.40-" in concept["text"] and "laterality not recorded" in concept["text"]


def test_a_surgical_site_infection_header_names_the_depth_codes():
    impression = only(export("ex2-early-swollen-calf"), "ClinicalImpression")
    concept = differential_finding(impression, "surgical_site_infection")["itemCodeableConcept"]
    assert codes(concept, ICD10CM) == []
    assert "T81.4-" in concept["text"] and "T81.42XA" in concept["text"] and "T81.44XA" in concept["text"]


def test_red_flags_come_first_in_the_impression_and_its_summary():
    impression = only(export("ex2-early-swollen-calf"), "ClinicalImpression")
    first = impression["finding"][0]
    assert codes(first["itemCodeableConcept"], "urn:cramp-dx:red-flag") == ["dvt_likely"]
    assert first["itemCodeableConcept"]["text"].startswith("RED FLAG")
    assert "Wells score 3" in first["basis"]
    assert impression["summary"].startswith("RED FLAGS:")
    dvt = differential_finding(impression, "dvt")
    assert impression["finding"].index(dvt) == 1
    assert "status: urgent" in dvt["basis"]


def test_red_flag_checks_that_could_not_be_made_are_said_so():
    impression = only(export("ex1-diuretic-cramps"), "ClinicalImpression")
    assert "Red-flag checks NOT assessed" in impression["summary"]
    assert "cauda equina" in impression["summary"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_assessed_finding_is_a_boolean_observation_and_no_other(name):
    case = json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))
    bundle = export(name)
    found = {
        codes(o["code"], "urn:cramp-dx:finding")[0]: o["valueBoolean"]
        for o in resources(bundle, "Observation")
        if codes(o["code"], "urn:cramp-dx:finding")
    }
    assert found == case["findings"]


def test_patient_has_the_mrn_names_birth_date_and_gender():
    patient = only(export("ex3-scar-or-disc"), "Patient")
    assert patient["identifier"][0]["system"] == "urn:cramp-dx:mrn"
    assert patient["identifier"][0]["value"] == "EX-0003"
    assert patient["name"][0]["family"] == "Exämple-O'Neil"
    assert patient["name"][0]["given"] == ["Zoë"]
    assert patient["birthDate"] == "1979-01-09"
    assert patient["gender"] == "female"


def test_the_index_surgery_is_a_procedure_with_date_and_levels():
    procedure = only(export("ex2-early-swollen-calf"), "Procedure")
    assert procedure["status"] == "completed"
    assert procedure["performedDateTime"] == "2026-10-01"
    assert [site["text"] for site in procedure["bodySite"]] == ["Lumbar spine L4-L5", "Lumbar spine L5-S1"]
    assert "fusion" in procedure["code"]["text"].lower()
    notes = [n["text"] for n in procedure["note"]]
    assert "Approach: open" in notes and "Earlier spine operations: 1" in notes
    assert "Operation length: 4.5 h" in notes


def test_the_encounter_spans_the_visit_date():
    encounter = only(export("ex2-early-swollen-calf", visit_id=17), "Encounter")
    assert encounter["period"] == {"start": "2026-10-15", "end": "2026-10-15"}
    assert encounter["identifier"][0]["value"] == "17"


def test_every_resource_points_at_the_patient():
    bundle = export("ex1-diuretic-cramps")
    patient_url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] not in ("Patient", "Bundle"):
            assert resource["subject"] == {"reference": patient_url}, resource["resourceType"]


def test_an_unsigned_visit_is_in_progress_and_a_signed_one_completed():
    draft = export("ex1-diuretic-cramps")
    assert only(draft, "ClinicalImpression")["status"] == "in-progress"
    assert only(draft, "Encounter")["status"] == "in-progress"
    signed = export("ex1-diuretic-cramps", status="signed", signed_by="doc")
    assert only(signed, "ClinicalImpression")["status"] == "completed"
    assert only(signed, "ClinicalImpression")["assessor"] == {"display": "doc"}
    assert only(signed, "Encounter")["status"] == "finished"
    validate(signed)


def test_an_unknown_record_status_is_refused():
    with pytest.raises(ValueError, match="accepted"):
        export("ex1-diuretic-cramps", status="done")


def test_the_knowledge_version_is_kept():
    kb = load_knowledge()
    bundle = export("ex1-diuretic-cramps")
    assert only(bundle, "ClinicalImpression")["protocol"] == [f"urn:cramp-dx:knowledge:{kb.version}"]
