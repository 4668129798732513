"""FHIR export of a full workup: every lab result, units in UCUM, free text and unknown
medications kept exactly, orders, measurements and the PDF."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, date, datetime

import pytest
from support.fhir import (
    ICD10CM,
    LOINC,
    UCUM,
    codes,
    differential_finding,
    labs,
    observation_with,
    only,
    resources,
    validate,
)

from cramp_dx.case.model import Surgery
from cramp_dx.casefile.io import parse_case
from cramp_dx.engine import assess
from cramp_dx.fhir import PdfDocument, build_bundle
from cramp_dx.fhir.subject import procedure_resource
from cramp_dx.fhir.units import LAB_UCUM, MEASUREMENT_UCUM, lab_ucum, measurement_ucum
from cramp_dx.knowledge import load_knowledge

VISIT_NOTES = "Cramps  at night,\nleft > right.\tPatient says: «pire après 22 h» — 2×/night ✓"
UNKNOWN_MED = "Kräuterblut® tonic (herbal) — 10 mL  twice"
MED_NOTE = "Started by GP;\n  patient unsure of dose. <b>not html</b> & more"

FULL_CASE = {
    "format": "cramp-dx-case/1",
    "patient": {
        "mrn": "FH-0001",
        "family_name": "Ødegård",
        "given_name": "Siân",
        "birth_date": "1950-02-03",
        "sex": "male",
    },
    "surgery": {
        "procedure": "fusion",
        "levels": ["L4-L5"],
        "date": "2026-09-01",
        "approach": "minimally_invasive",
        "prior_spine_surgeries": 2,
        "duration_hours": 3.25,
    },
    "visit": {"date": "2026-10-20", "symptom_side": "left", "notes": VISIT_NOTES},
    "findings": {
        "calf_swelling_unilateral": True,
        "nocturnal_cramps": True,
        "smoker": False,
        "duplex_dvt_present": False,
    },
    "measurements": {
        "temperature_c": 37.2,
        "heart_rate_bpm": 92,
        "calf_circumference_difference_cm": 1.5,
        "abi": 0.85,
        "bmi": 31.4,
        "onset_weeks_after_surgery": 5,
        "alcohol_drinks_per_week": 4,
    },
    "labs": [
        {"test": "magnesium", "value": 1.4, "unit": "mEq/L", "collected": "2026-10-01"},
        {"test": "magnesium", "value": 1.6, "unit": "mg/dL", "collected": "2026-10-10"},
        {"test": "19123-9", "value": 0.9, "unit": "mmol/L", "collected": "2026-10-19"},
        {"test": "potassium", "value": 2.3, "unit": "mmol/L"},
        {"test": "tsh", "value": 6.1, "unit": "mIU/L"},
        {"test": "d_dimer", "value": 900, "unit": "ng/mL DDU"},
        {"test": "egfr", "value": 55, "unit": "mL/min/1.73m2"},
        {"test": "wbc", "value": 12.5, "unit": "10^9/L"},
        {"test": "creatinine", "value": 97, "unit": "µmol/L"},
        {"test": "crp", "value": 4, "unit": "mg/L"},
        {"test": "hemoglobin", "value": 125, "unit": "g/L"},
    ],
    "medications": [
        {"name": "furosemide", "dose": "40 mg daily", "start_date": "2026-01-05", "status": "taking"},
        {"name": "oxycodone", "dose": "5 mg", "status": "tapering", "note": MED_NOTE},
        {"name": "baclofen", "status": "stopped"},
        {"name": UNKNOWN_MED, "dose": "  as the label says  "},
        {"name": "quinine"},
    ],
    "orders": {
        "venous_duplex": {"state": "ordered", "date": "2026-10-20"},
        "electrolyte_panel": {"state": "done", "date": "2026-10-19"},
        "skin_biopsy": {"state": "not_indicated"},
        "ct_lumbar": {"state": "not_ordered"},
    },
}


@pytest.fixture(scope="module")
def kb():
    return load_knowledge()


@pytest.fixture(scope="module")
def workup(kb):
    return parse_case(FULL_CASE, kb)


@pytest.fixture(scope="module")
def bundle(workup, kb):
    bundle = build_bundle(
        workup, assess(workup, kb), kb, visit_id=3, status="ready_for_review", clinician="nurse"
    )
    validate(bundle)
    return bundle


def lab_obs(bundle, loinc):
    return [o for o in labs(bundle) if codes(o["code"], LOINC) == [loinc]]


def test_the_full_workup_validates(bundle):
    validate(bundle)


def test_every_result_of_a_test_is_exported_not_only_the_latest(bundle):
    magnesium = [o for o in labs(bundle) if codes(o["code"], LOINC)[0] in ("19123-9", "2601-3")]
    assert [o["effectiveDateTime"] for o in magnesium] == ["2026-10-01", "2026-10-10", "2026-10-19"]
    assert [o["valueQuantity"]["code"] for o in magnesium] == ["meq/L", "mg/dL", "mmol/L"]


def test_an_undated_result_takes_the_visit_date(bundle):
    assert lab_obs(bundle, "2823-3")[0]["effectiveDateTime"] == "2026-10-20"


@pytest.mark.parametrize(
    ("loinc", "entered", "ucum"),
    [
        ("2601-3", "mEq/L", "meq/L"),
        ("3016-3", "mIU/L", "m[IU]/L"),
        ("48066-5", "ng/mL DDU", "ng/mL"),
        ("98979-8", "mL/min/1.73m2", "mL/min/{1.73_m2}"),
        ("6690-2", "10^9/L", "10*9/L"),
        ("14682-9", "µmol/L", "umol/L"),
        ("1988-5", "mg/L", "mg/L"),
        ("718-7", "g/L", "g/L"),
    ],
)
def test_lab_units_are_mapped_to_ucum_codes(bundle, loinc, entered, ucum):
    quantity = lab_obs(bundle, loinc)[0]["valueQuantity"]
    assert (quantity["unit"], quantity["system"], quantity["code"]) == (entered, UCUM, ucum)


def test_every_unit_the_knowledge_base_accepts_has_a_ucum_code(kb):
    for lab in kb.labs.values():
        for unit in lab.accepted_units:
            assert lab_ucum(unit)
    for measurement in kb.measurements.values():
        assert measurement_ucum(measurement.unit)
    assert LAB_UCUM["mEq/L"] == "meq/L" and MEASUREMENT_UCUM["°C"] == "Cel"


def test_a_d_dimer_in_ddu_says_so_in_a_note(bundle):
    obs = lab_obs(bundle, "48066-5")[0]
    assert "DDU" in obs["valueQuantity"]["unit"]
    assert any("never convert" in note["text"] for note in obs["note"])


def test_an_exclusive_upper_bound_is_given_and_said_to_be_exclusive(bundle):
    rng = lab_obs(bundle, "48066-5")[0]["referenceRange"][0]
    assert rng["high"]["value"] == 250 and "low" not in rng
    assert rng["text"].startswith("< 250 ng/mL DDU")


def test_a_range_in_g_per_l_is_converted_and_chosen_by_sex(bundle):
    obs = lab_obs(bundle, "718-7")[0]
    rng = obs["referenceRange"][0]
    assert (rng["low"]["value"], rng["high"]["value"]) == (135, 175)  # male 13.5–17.5 g/dL
    assert rng["low"]["code"] == "g/L"
    assert obs["interpretation"][0]["coding"][0]["code"] == "L"


def test_a_critical_value_is_flagged_low_and_critical_low(bundle):
    obs = lab_obs(bundle, "2823-3")[0]
    assert [i["coding"][0]["code"] for i in obs["interpretation"]] == ["L", "LL"]


def test_an_egfr_below_60_is_low_with_no_upper_bound(bundle):
    obs = lab_obs(bundle, "98979-8")[0]
    assert obs["interpretation"][0]["coding"][0]["code"] == "L"
    assert "high" not in obs["referenceRange"][0]


def test_a_clinic_lab_range_is_the_one_exported(workup, kb):
    ranges = {"potassium": {"low": 3.0, "high": 5.5}}
    bundle = build_bundle(workup, assess(workup, kb, lab_ranges=ranges), kb, lab_ranges=ranges)
    rng = lab_obs(bundle, "2823-3")[0]["referenceRange"][0]
    assert (rng["low"]["value"], rng["high"]["value"]) == (3.0, 5.5)
    assert "clinic" in rng["text"]


def test_an_unknown_medication_name_survives_exactly(bundle):
    names = [m["medicationCodeableConcept"]["text"] for m in resources(bundle, "MedicationStatement")]
    assert names == ["furosemide", "oxycodone", "baclofen", UNKNOWN_MED, "quinine"]
    unknown = resources(bundle, "MedicationStatement")[3]
    assert "coding" not in unknown["medicationCodeableConcept"]
    assert unknown["dosage"] == [{"text": "  as the label says  "}]


def test_a_medication_note_survives_exactly(bundle):
    oxycodone = resources(bundle, "MedicationStatement")[1]
    assert oxycodone["note"][0]["text"] == MED_NOTE


def test_the_visit_notes_survive_exactly(bundle):
    impression = only(bundle, "ClinicalImpression")
    assert impression["note"][0]["text"] == VISIT_NOTES


def test_medication_status_maps_taking_tapering_and_stopped(bundle):
    statements = resources(bundle, "MedicationStatement")
    assert [m["status"] for m in statements] == ["active", "active", "stopped", "unknown", "unknown"]
    assert statements[1]["statusReason"][0]["text"] == "Tapering"
    assert statements[0]["effectivePeriod"] == {"start": "2026-01-05"}
    assert statements[0]["dosage"] == [{"text": "40 mg daily"}]


def test_a_flagged_medication_carries_its_catalog_class_and_concern(bundle):
    furosemide = resources(bundle, "MedicationStatement")[0]
    assert any("loop diuretic" in n["text"] and "low potassium" in n["text"] for n in furosemide["note"])
    unknown = resources(bundle, "MedicationStatement")[3]
    assert "note" not in unknown


def test_quinine_carries_the_safety_warning(bundle):
    quinine = resources(bundle, "MedicationStatement")[4]
    assert any(n["text"].startswith("Warning:") and "haematological" in n["text"] for n in quinine["note"])


@pytest.mark.parametrize(
    ("measurement", "value", "ucum"),
    [
        ("temperature_c", 37.2, "Cel"),
        ("heart_rate_bpm", 92, "/min"),
        ("calf_circumference_difference_cm", 1.5, "cm"),
        ("abi", 0.85, "{ratio}"),
        ("bmi", 31.4, "kg/m2"),
        ("onset_weeks_after_surgery", 5, "wk"),
        ("alcohol_drinks_per_week", 4, "{drinks}/wk"),
    ],
)
def test_each_measurement_is_an_observation_with_a_ucum_quantity(bundle, measurement, value, ucum):
    obs = observation_with(bundle, "urn:cramp-dx:measurement", measurement)
    assert obs["valueQuantity"]["value"] == value
    assert (obs["valueQuantity"]["system"], obs["valueQuantity"]["code"]) == (UCUM, ucum)


def test_vital_signs_also_carry_their_loinc_code(bundle):
    assert codes(observation_with(bundle, "urn:cramp-dx:measurement", "temperature_c")["code"], LOINC) == [
        "8310-5"
    ]
    assert codes(observation_with(bundle, "urn:cramp-dx:measurement", "heart_rate_bpm")["code"], LOINC) == [
        "8867-4"
    ]


def test_an_absent_finding_is_false_and_an_unassessed_one_is_missing(bundle):
    assert observation_with(bundle, "urn:cramp-dx:finding", "smoker")["valueBoolean"] is False
    assert observation_with(bundle, "urn:cramp-dx:finding", "nocturnal_cramps")["valueBoolean"] is True
    assert not [
        o
        for o in resources(bundle, "Observation")
        if "urge_to_move_legs" in codes(o["code"], "urn:cramp-dx:finding")
    ]
    assert observation_with(bundle, "urn:cramp-dx:finding", "nocturnal_cramps")["status"] == "preliminary"


def test_the_symptom_side_resolves_the_billable_dvt_code(bundle):
    impression = only(bundle, "ClinicalImpression")
    concept = differential_finding(impression, "dvt")["itemCodeableConcept"]
    assert codes(concept, ICD10CM) == ["I82.402"]
    side = observation_with(bundle, "urn:cramp-dx:visit-item", "symptom_side")
    assert side["valueCodeableConcept"]["text"] == "left"


def test_peripheral_artery_disease_with_a_known_side_is_never_coded_with_i73_9(bundle):
    # I73.9 is Excludes1 with I70.2- (SPEC-2): the side resolves the billable I70.21x alone
    impression = only(bundle, "ClinicalImpression")
    concept = differential_finding(impression, "peripheral_artery_disease")["itemCodeableConcept"]
    assert codes(concept, ICD10CM) == ["I70.212"]


def test_orders_become_service_requests_and_not_ordered_ones_do_not(bundle, kb):
    requests = {codes(r["code"], "urn:cramp-dx:test")[0]: r for r in resources(bundle, "ServiceRequest")}
    assert set(requests) == {"venous_duplex", "electrolyte_panel", "skin_biopsy"}
    assert requests["venous_duplex"]["status"] == "active"
    assert requests["venous_duplex"]["authoredOn"] == "2026-10-20"
    assert requests["electrolyte_panel"]["status"] == "completed"
    assert requests["skin_biopsy"]["doNotPerform"] is True


def test_the_wells_score_keeps_each_item(bundle, workup, kb):
    wells = assess(workup, kb).wells
    obs = observation_with(bundle, "urn:cramp-dx:score", "wells_dvt")
    assert obs["valueInteger"] == wells.score
    assert len(obs["component"]) == len(wells.items)


def test_the_impression_links_its_evidence(bundle):
    impression = only(bundle, "ClinicalImpression")
    groups = {g["code"]["text"]: g["item"] for g in impression["investigation"]}
    lab_urls = {f"urn:uuid:{o['id']}" for o in labs(bundle)}
    assert {i["reference"] for i in groups["Laboratory results"]} == lab_urls
    supporting = {i["reference"] for i in impression["supportingInfo"]}
    assert {f"urn:uuid:{m['id']}" for m in resources(bundle, "MedicationStatement")} <= supporting


def test_plan_items_and_addenda_go_into_the_impression_notes(workup, kb):
    class Addendum:
        author = "doc"
        created_at = datetime(2026, 10, 21, 9, 30, tzinfo=UTC)
        text = "Duplex booked; patient informed.\nSecond line."

    bundle = build_bundle(
        workup,
        assess(workup, kb),
        kb,
        status="signed",
        signed_by="doc",
        signed_at=datetime(2026, 10, 20, 17, 0, tzinfo=UTC),
        plan_items=("hydration",),
        addenda=(Addendum(),),
        acknowledged_red_flags=("critical_lab",),
    )
    validate(bundle)
    impression = only(bundle, "ClinicalImpression")
    notes = impression["note"]
    assert any(n["text"].startswith("Management (clinician-selected):") for n in notes)
    addendum = next(n for n in notes if n.get("authorString") == "doc")
    assert addendum["text"] == Addendum.text
    red_flag = impression["finding"][0]
    assert codes(red_flag["itemCodeableConcept"], "urn:cramp-dx:red-flag") == ["critical_lab"]
    assert "Acknowledged" in red_flag["basis"]
    assert observation_with(bundle, "urn:cramp-dx:finding", "smoker")["status"] == "final"


def test_a_pdf_becomes_a_document_reference_with_its_hash(workup, kb, tmp_path):
    pdf = tmp_path / "summary.pdf"
    data = b"%PDF-1.4\n% a tiny test file\n%%EOF\n"
    pdf.write_bytes(data)
    made = datetime(2026, 10, 20, 16, 5, tzinfo=UTC)
    bundle = build_bundle(workup, assess(workup, kb), kb, pdf=PdfDocument(pdf, made))
    validate(bundle)
    attachment = only(bundle, "DocumentReference")["content"][0]["attachment"]
    assert attachment["contentType"] == "application/pdf"
    assert base64.b64decode(attachment["data"]) == data
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(data).digest()).decode()
    assert attachment["size"] == len(data)
    assert datetime.fromisoformat(attachment["creation"]) == made


def test_a_linked_pdf_is_referenced_by_its_file_url(workup, kb, tmp_path):
    pdf = tmp_path / "summary.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    bundle = build_bundle(
        workup, assess(workup, kb), kb, pdf=PdfDocument(pdf, datetime.now(UTC), embed=False)
    )
    validate(bundle)
    attachment = only(bundle, "DocumentReference")["content"][0]["attachment"]
    assert attachment["url"] == pdf.resolve().as_uri() and "data" not in attachment


def test_no_pdf_no_document_reference(bundle):
    assert resources(bundle, "DocumentReference") == []


def test_a_minimal_intake_without_patient_details_still_exports(kb):
    workup = parse_case(
        {"format": "cramp-dx-case/1", "surgery": {"date": "2026-09-01"}, "visit": {"date": "2026-09-20"}}, kb
    )
    bundle = build_bundle(workup, assess(workup, kb), kb)
    validate(bundle)
    assert only(bundle, "Patient") == {"resourceType": "Patient", "id": only(bundle, "Patient")["id"]}
    assert only(bundle, "Procedure")["code"]["text"] == "Lumbar spine surgery (procedure not recorded)"


# --- the operation in detail -------------------------------------------------------------


def _procedure_notes(**surgery: object) -> list[str]:
    resource = procedure_resource(Surgery(date=date(2026, 9, 1), **surgery), {"reference": "urn:p"})
    return [note["text"] for note in resource.get("note", [])]


def test_the_procedure_notes_the_position_readably():
    assert "Position: knee-chest" in _procedure_notes(position="knee_chest")


@pytest.mark.parametrize(
    ("approach", "note"),
    [("lateral", "Approach: lateral (transpsoas/pre-psoas)"), ("anterior", "Approach: anterior (ALIF)")],
)
def test_the_procedure_notes_a_new_approach_readably(approach, note):
    assert note in _procedure_notes(approach=approach)


def test_the_procedure_notes_only_the_operation_details_recorded_as_present():
    notes = _procedure_notes(interbody_device=True, iliac_crest_graft=True, durotomy=False)
    assert notes == ["Recorded during the operation: Interbody device (cage); Iliac crest graft"]


def test_a_thoracic_level_is_not_called_lumbar():
    surgery = Surgery(date=date(2026, 9, 1), levels=("T11-T12", "T12-L1", "L1-L2"))
    sites = [site["text"] for site in procedure_resource(surgery, {"reference": "urn:p"})["bodySite"]]
    assert sites == ["Thoracic spine T11-T12", "Thoracolumbar spine T12-L1", "Lumbar spine L1-L2"]
