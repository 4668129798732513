"""Reading lab messages and planning them against a visit (no database): HL7 v2.5.1 ORU^R01 and
FHIR R4 samples in tests/data/labs/ give the labs expected, or a problem naming its place."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from support.labs import FHIR_RESULTS, HL7_RESULTS, LABS, patient_workup, stored

from cramp_dx.errors import InputError
from cramp_dx.knowledge import load_knowledge
from cramp_dx.labimport import check_patient, parse_lab_text, plan_import, read_lab_file

KB = load_knowledge()
RESULTS = (LABS / "oru-r01-results.hl7").read_text(encoding="utf-8")


def plan(name_or_text: str, workup=None):
    message = read_lab_file(LABS / name_or_text) if "\n" not in name_or_text else parse_lab_text(name_or_text)
    workup = workup or patient_workup()
    check_patient(message.patient, workup.patient)
    return plan_import(message, workup, KB)


def problems(name_or_text: str, workup=None) -> list[str]:
    with pytest.raises(InputError) as caught:
        plan(name_or_text, workup)
    return [str(p) for p in caught.value.problems]


def skipped(result_plan) -> dict[str, str]:
    return {row.source: row.reason for row in result_plan.rows if row.action == "skip"}


def test_an_hl7_message_gives_the_labs_with_their_codes_units_and_collection_times() -> None:
    assert stored(plan("oru-r01-results.hl7").labs) == HL7_RESULTS


def test_an_hl7_test_outside_the_knowledge_base_is_listed_and_skipped() -> None:
    assert skipped(plan("oru-r01-results.hl7"))["OBX[7]"] == "not in the knowledge base: 1742-6 (LN)"


def test_an_hl7_result_entered_in_error_is_listed_and_skipped() -> None:
    assert skipped(plan("oru-r01-results.hl7"))["OBX[8]"].startswith("entered in error")


def test_the_preview_flags_against_the_range_in_the_results_unit() -> None:
    magnesium = plan("oru-r01-results.hl7").rows[0]
    assert (magnesium.reference, magnesium.flag) == ("0.6994–0.9051 mmol/L", "L")


def test_a_corrected_hl7_result_replaces_the_earlier_one() -> None:
    first = plan("oru-r01-results.hl7")
    second = plan("oru-r01-corrected.hl7", replace(patient_workup(), labs=first.labs))
    potassium = [lab for lab in second.labs if lab.test == "potassium"]
    assert [(lab.value, lab.unit) for lab in potassium] == [(4.4, "mmol/L")]


def test_a_result_already_on_file_is_not_stored_again() -> None:
    first = plan("oru-r01-results.hl7")
    again = plan("oru-r01-results.hl7", replace(patient_workup(), labs=first.labs))
    assert again.labs == first.labs and not again.changes


def test_a_corrected_result_in_the_same_message_supersedes_the_final_one() -> None:
    text = RESULTS.replace(
        "OBX|8|", "OBX|9|NM|2823-3^Potassium^LN||4.2|mmol/L|3.5-5.1|N|||C|||20261021073000-0400\nOBX|8|"
    )
    result = plan(text)
    assert [lab.value for lab in result.labs if lab.test == "potassium"] == [4.2]
    assert skipped(result)["OBX[2]"] == "replaced by the corrected result in OBX[8]"


def test_a_message_with_mllp_framing_and_carriage_returns_is_read() -> None:
    message = read_lab_file(LABS / "oru-r01-corrected.hl7")
    assert [r.path for r in message.results] == ["OBX[1]", "OBX[2]"]


def test_an_hl7_message_about_another_patient_is_refused_by_its_mrn() -> None:
    assert problems("oru-r01-other-patient.hl7") == [
        "PID.3: MRN LAB-0077, 900213399 is not this patient's (MRN LAB-0042); nothing imported"
    ]


def test_without_an_mrn_the_name_and_birth_date_confirm_the_patient() -> None:
    text = RESULTS.replace("LAB-0042^^^SPINE CLINIC^MR~900213377^^^CITY HOSPITAL^PI", "")
    assert len(plan(text, patient_workup(mrn=None)).labs) == 6


def test_without_an_mrn_another_name_is_refused() -> None:
    text = RESULTS.replace("LAB-0042^^^SPINE CLINIC^MR~900213377^^^CITY HOSPITAL^PI", "")
    text = text.replace("Rivera^Maria", "Riviera^Maria")
    assert problems(text, patient_workup(mrn=None))[0].startswith("PID.5: the patient cannot be confirmed")


def test_a_malformed_hl7_value_names_its_segment_and_field() -> None:
    assert problems("oru-r01-malformed.hl7") == [
        "OBX[3].5: '8,9' is not a number (OBX-2 is NM); accepted: a decimal such as 0.82"
    ]


def test_a_unit_the_lab_does_not_accept_names_the_field_and_the_accepted_units() -> None:
    text = RESULTS.replace("||0.62|mmol/L^millimole per liter^UCUM|", "||0.62|mg/L^^UCUM|")
    assert problems(text) == [
        "OBX[1].6: unit 'mg/L' for Magnesium, serum; accepted: mg/dL, mmol/L, mEq/L (UCUM meq/L)"
    ]


def test_an_implausible_value_is_refused_with_the_plausible_range() -> None:
    text = RESULTS.replace("||3.9|mmol/L", "||39|mmol/L")
    assert problems(text) == [
        "OBX[2].5: 39 mmol/L is not a plausible Potassium, serum (a typo?); accepted: 1 to 10 mmol/L"
    ]


def test_a_message_that_is_not_a_result_message_is_refused() -> None:
    text = RESULTS.replace("ORU^R01^ORU_R01", "ADT^A08^ADT_A01")
    assert problems(text)[0] == "MSH.9: message type ADT^A08; accepted: ORU^R01"


def test_a_result_status_outside_hl7_table_0085_is_refused() -> None:
    text = RESULTS.replace("|N|||F|||20261021073000-0400\nOBX|3", "|N|||Z|||20261021073000-0400\nOBX|3")
    assert problems(text)[0].startswith("OBX[2].11: result status 'Z'; accepted: F, U, C, P")


def test_a_preliminary_result_waits_for_the_final_one() -> None:
    text = RESULTS.replace("|N|||F|||20261021073000-0400\nOBX|3", "|N|||P|||20261021073000-0400\nOBX|3")
    assert skipped(plan(text))["OBX[2]"].startswith("not final yet")


def test_a_value_with_a_comparator_is_listed_not_stored() -> None:
    text = RESULTS.replace("OBX|6|NM|2345-7^Glucose", "OBX|6|SN|2345-7^Glucose").replace("||104|", "||<^40|")
    assert skipped(plan(text))["OBX[6]"] == "a value with a comparator is not a number: enter it by hand"


def test_a_result_collected_after_the_visit_is_left_for_a_later_visit() -> None:
    early_visit = replace(
        patient_workup(), visit=replace(patient_workup().visit, date=patient_workup().surgery.date)
    )
    assert "after this visit" in skipped(plan("oru-r01-results.hl7", early_visit))["OBX[1]"]


def test_a_fhir_searchset_gives_the_labs_with_mass_and_molar_codes() -> None:
    assert stored(plan("fhir-searchset.json").labs) == FHIR_RESULTS


def test_fhir_results_outside_the_knowledge_base_entered_in_error_or_cancelled_are_skipped() -> None:
    reasons = skipped(plan("fhir-searchset.json"))
    assert reasons["entry[7].resource"] == "not in the knowledge base: 2524-7 (http://loinc.org)"
    assert reasons["entry[8].resource"].startswith("entered in error")
    assert reasons["entry[9].resource"].startswith("cancelled")


def test_an_amended_result_in_a_diagnostic_report_replaces_the_earlier_one() -> None:
    first = plan("fhir-searchset.json")
    second = plan("fhir-diagnosticreport-contained.json", replace(patient_workup(), labs=first.labs))
    assert [lab.value for lab in second.labs if lab.test == "calcium"] == [2.31]


def test_a_diagnostic_report_reads_its_contained_results() -> None:
    labs = plan("fhir-diagnosticreport-contained.json").labs
    assert [(lab.test, lab.loinc) for lab in labs] == [
        ("glucose", "14749-6"),
        ("creatinine", "2160-0"),
        ("calcium", "2000-8"),
    ]


def test_a_diagnostic_report_in_a_bundle_reads_the_results_it_references() -> None:
    data = json.loads((LABS / "fhir-diagnosticreport-contained.json").read_text(encoding="utf-8"))
    observations = data.pop("contained")
    data["result"] = [{"reference": f"urn:uuid:00000000-0000-4000-8000-00000000000{i}"} for i in range(3)]
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": "urn:uuid:report", "resource": data}]
        + [
            {"fullUrl": f"urn:uuid:00000000-0000-4000-8000-00000000000{i}", "resource": obs}
            for i, obs in enumerate(observations)
        ],
    }
    assert [lab.test for lab in plan(json.dumps(bundle, indent=1)).labs] == [
        "glucose",
        "creatinine",
        "calcium",
    ]


def test_a_single_fhir_observation_about_another_patient_is_refused() -> None:
    assert problems("fhir-observation-other-patient.json") == [
        "Observation.subject.identifier: MRN LAB-0077 is not this patient's (MRN LAB-0042); nothing imported"
    ]


def test_a_malformed_fhir_value_names_its_json_path() -> None:
    assert problems("fhir-bundle-malformed.json") == [
        "entry[2].resource.valueQuantity.value: '2,1' is not a number; accepted: a JSON number such as 2.1"
    ]


def test_a_file_that_is_no_lab_message_is_refused(tmp_path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Potassium 3.9\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_lab_file(path)
    assert "accepted: an HL7 v2.x ORU^R01 message" in str(caught.value)


def test_the_preview_says_when_a_result_came_with_an_older_code() -> None:
    egfr = plan("oru-r01-results.hl7").rows[4]
    assert egfr.lab == "eGFR (CKD-EPI 2021), sent as LOINC 62238-1"
