"""Case files: validation names the JSON path and what is accepted; round trips are exact."""

from __future__ import annotations

import json

import pytest
from support.core import CASES, case

from cramp_dx.case.io import case_to_dict, parse_case, read_case
from cramp_dx.errors import InputError


def problems(data) -> list[str]:
    with pytest.raises(InputError) as info:
        parse_case(data)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(
    "name", ["ex1-diuretic-cramps.json", "ex2-early-swollen-calf.json", "ex3-scar-or-disc.json"]
)
def test_examples_round_trip_exactly(name: str) -> None:
    original = json.loads((CASES / name).read_text(encoding="utf-8"))
    exported = case_to_dict(read_case(CASES / name))
    assert exported == original
    assert case_to_dict(parse_case(exported)) == exported


def test_a_partial_intake_is_a_valid_case() -> None:
    w = parse_case(
        {"format": "cramp-dx-case/1", "surgery": {"date": "2026-01-01"}, "visit": {"date": "2026-02-01"}}
    )
    assert w.findings == {} and w.labs == ()


def test_misspelt_finding_gets_a_close_match() -> None:
    assert problems(case(findings={"nocturnal_cramp": True})) == [
        "findings.nocturnal_cramp: unknown finding (did you mean 'nocturnal_cramps'?)"
    ]


def test_unknown_top_level_key_is_named() -> None:
    (message,) = problems(case(finding={}))
    assert message.startswith("finding: unknown key (did you mean 'findings'?)")


def test_wrong_type_is_named_with_what_is_accepted() -> None:
    (message,) = problems(case(findings={"smoker": "yes"}))
    assert message.startswith("findings.smoker: must be true (present) or false (absent)")


def test_every_problem_is_reported_not_just_the_first() -> None:
    messages = problems(
        case(
            patient={"sex": "f"},
            labs=[{"test": "potasium", "value": 4, "unit": "mmol/L"}],
            measurements={"temperature_c": 73},
        )
    )
    paths = [m.split(":")[0] for m in messages]
    assert paths == ["patient.sex", "measurements.temperature_c", "labs[0].test"]
    assert "did you mean 'potassium'" in messages[2]


def test_surgery_after_the_visit_is_rejected() -> None:
    (message,) = problems(case(surgery={"date": "2026-10-01"}))
    assert message.startswith("surgery.date: 2026-10-01 is after the visit date")


def test_birth_after_surgery_is_rejected() -> None:
    (message,) = problems(case(patient={"birth_date": "2026-07-01"}))
    assert message.startswith("patient.birth_date:")


def test_opposites_both_present_are_rejected() -> None:
    (message,) = problems(case(findings={"duplex_dvt_present": True, "duplex_dvt_absent": True}))
    assert "contradicts" in message and "duplex_dvt_present" in message


def test_bad_date_format() -> None:
    (message,) = problems(case(visit={"date": "01/09/2026"}))
    assert message == "visit.date: must be a date as YYYY-MM-DD, got '01/09/2026'"


def test_unknown_order_state_and_test() -> None:
    messages = problems(case(orders={"mri": {"state": "ordered"}, "ck": {"state": "sent"}}))
    assert messages[0].startswith("orders.mri: unknown test")
    assert messages[1].startswith(
        "orders.ck.state: 'sent' not accepted; accepted: not_ordered, ordered, done"
    )


def test_nan_is_not_a_number(tmp_path) -> None:
    path = tmp_path / "nan.json"
    path.write_text(json.dumps(case(measurements={"bmi": 1})).replace('"bmi": 1', '"bmi": NaN'))
    with pytest.raises(InputError) as info:
        read_case(path)
    assert "not valid JSON" in str(info.value)


def test_missing_file_and_bad_json_are_clear(tmp_path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_case(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        read_case(bad)


def test_unknown_medication_is_kept_as_free_text() -> None:
    w = parse_case(case(medications=[{"name": "Herbal tea blend", "note": "twice daily"}]))
    assert w.medications[0].name == "Herbal tea blend"
    assert case_to_dict(w)["medications"] == [{"name": "Herbal tea blend", "note": "twice daily"}]
