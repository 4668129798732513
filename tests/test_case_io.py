"""Case files: validation names the JSON path and what is accepted; round trips are exact."""

from __future__ import annotations

import json

import pytest
from support.core import CASES, case

from cramp_dx.case.model import APPROACHES, OPERATION_FLAGS, POSITIONS
from cramp_dx.casefile.io import case_to_dict, parse_case, read_case
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


# --- the operation in detail (SPEC-2 section 2) ------------------------------------------

OPERATION = {
    "procedure": "fusion",
    "levels": ["L4-L5", "L5-S1"],
    "date": "2026-06-01",
    "approach": "lateral",
    "position": "lateral_decubitus",
    "instrumentation": True,
    "interbody_device": True,
    "durotomy": False,
    "bmp_used": True,
    "iliac_crest_graft": False,
    "pelvic_fixation": False,
}


def test_operation_details_are_read() -> None:
    s = parse_case(case(surgery=OPERATION)).surgery
    assert (s.approach, s.position) == ("lateral", "lateral_decubitus")
    assert (s.instrumentation, s.interbody_device, s.durotomy) == (True, True, False)
    assert (s.bmp_used, s.iliac_crest_graft, s.pelvic_fixation) == (True, False, False)


def test_operation_details_round_trip_exactly() -> None:
    original = case(surgery=OPERATION)
    exported = case_to_dict(parse_case(original))
    assert exported["surgery"] == original["surgery"]
    assert case_to_dict(parse_case(exported)) == exported


def test_operation_details_left_out_are_not_recorded_and_not_written() -> None:
    w = parse_case(case())
    assert w.surgery.position is None
    assert all(getattr(w.surgery, name) is None for name in OPERATION_FLAGS)
    assert set(case_to_dict(w)["surgery"]) == {"procedure", "levels", "date"}


def test_an_operation_detail_given_as_null_is_not_recorded() -> None:
    assert parse_case(case(surgery={"durotomy": None})).surgery.durotomy is None


@pytest.mark.parametrize("approach", APPROACHES)
def test_every_approach_is_accepted(approach: str) -> None:
    assert parse_case(case(surgery={"approach": approach})).surgery.approach == approach


def test_the_four_approaches_include_lateral_and_anterior() -> None:
    assert APPROACHES == ("open", "minimally_invasive", "lateral", "anterior")


@pytest.mark.parametrize("position", POSITIONS)
def test_every_position_is_accepted(position: str) -> None:
    assert parse_case(case(surgery={"position": position})).surgery.position == position


def test_an_unknown_position_names_the_accepted_ones() -> None:
    (message,) = problems(case(surgery={"position": "sitting"}))
    assert message == (
        "surgery.position: 'sitting' not accepted; "
        "accepted: prone, knee_chest, lateral_decubitus, supine"
    )


@pytest.mark.parametrize("value", ["yes", 1, "true", [True]])
def test_an_operation_detail_must_be_true_or_false(value) -> None:
    (message,) = problems(case(surgery={"durotomy": value}))
    assert message.startswith(f"surgery.durotomy: must be true or false, got {json.dumps(value)}")


def test_the_durotomy_message_quotes_the_value_as_json() -> None:
    (message,) = problems(case(surgery={"durotomy": "yes"}))
    assert message.startswith('surgery.durotomy: must be true or false, got "yes"')


def test_every_operation_detail_is_checked() -> None:
    messages = problems(case(surgery=dict.fromkeys(OPERATION_FLAGS, "yes")))
    assert [m.split(":")[0] for m in messages] == [f"surgery.{name}" for name in OPERATION_FLAGS]


def test_adjacent_levels_from_t10_to_s1_and_a_sixth_lumbar_are_accepted() -> None:
    levels = ["T10-T11", "T11-T12", "T12-L1", "L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1",
              "L5-L6", "L6-S1"]
    assert parse_case(case(surgery={"levels": levels})).surgery.levels == tuple(levels)


ACCEPTED_LEVELS = 'accepted: one adjacent level written upper-lower, "T10-T11" down to "L5-S1"'


@pytest.mark.parametrize(
    ("level", "says"),
    [
        ("L5-L4", 'is written lower-upper; write the upper vertebra first: "L4-L5"'),
        ("L6-L5", 'write the upper vertebra first: "L5-L6"'),
        ("L3-L5", 'spans more than one level; list each level, e.g. "L3-L4", "L4-L5"'),
        ("L4-S1", 'list each level, e.g. "L4-L5", "L5-S1"'),
        ("S2-T10", "S2 is outside the accepted range T10 to S1"),
        ("T9-T10", "T9 is outside the accepted range T10 to S1"),
        ("L4-L5\n", "contains a space or line break"),
        ("L4 -L5", "contains a space or line break"),
        ("L4-L4", "names one vertebra, not a level"),
        ("l4-l5", "is not a level"),
        ("L4/L5", "is not a level"),
    ],
)
def test_a_level_that_is_not_one_adjacent_pair_is_named_with_the_accepted_pattern(
    level: str, says: str
) -> None:
    (message,) = problems(case(surgery={"levels": ["L3-L4", level]}))
    assert message.startswith(f"surgery.levels[1]: {json.dumps(level)}")
    assert says in message and ACCEPTED_LEVELS in message
    assert "\n" not in message


def test_a_level_that_is_not_a_text_is_named() -> None:
    (message,) = problems(case(surgery={"levels": [45]}))
    assert message.startswith('surgery.levels[0]: must be a text such as "L4-L5", got 45')


def test_a_very_long_level_is_cut_short_in_the_message() -> None:
    (message,) = problems(case(surgery={"levels": ["L" * 10_000]}))
    assert len(message) < 400
