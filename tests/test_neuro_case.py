"""The structured neurological examination in a case file (issue 14): per side, sensory areas,
MRC strength and reflexes; missing = not examined; every bad value named by its JSON path."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest

from cramp_dx.case.model import NeuroExam, NeuroSide, Surgery, Visit, Workup
from cramp_dx.casefile.io import case_to_dict, parse_case
from cramp_dx.errors import InputError

BASE = {
    "format": "cramp-dx-case/1",
    "surgery": {"date": "2026-01-10", "procedure": "microdiscectomy", "levels": ["L4-L5"]},
    "visit": {"date": "2026-03-01", "symptom_side": "left"},
}
# the example of the issue, word for word
ISSUE_EXAMPLE = {
    "left": {
        "sensory": {"dorsum_of_foot": "reduced", "great_toe": "reduced"},
        "strength": {"great_toe_extension": 4, "ankle_dorsiflexion": 4},
        "reflexes": {"ankle": "normal", "knee": "normal"},
    },
    "right": {},
}


def case(neuro: object) -> dict:
    data = copy.deepcopy(BASE)
    data["neuro_exam"] = neuro
    return data


def problems(neuro: object) -> list[str]:
    with pytest.raises(InputError) as caught:
        parse_case(case(neuro))
    return [str(p) for p in caught.value.problems]


def test_the_example_of_the_issue_is_read_side_by_side():
    exam = parse_case(case(ISSUE_EXAMPLE)).neuro_exam
    assert exam.left == NeuroSide(
        sensory={"dorsum_of_foot": "reduced", "great_toe": "reduced"},
        strength={"great_toe_extension": 4, "ankle_dorsiflexion": 4},
        reflexes={"ankle": "normal", "knee": "normal"},
    )
    assert exam.right.is_empty()
    assert exam.get("left", "strength", "ankle_dorsiflexion") == 4
    assert exam.get("left", "sensory", "sole") is None  # not examined


def test_a_case_without_an_examination_has_an_empty_one_and_writes_none():
    workup = parse_case(copy.deepcopy(BASE))
    assert workup.neuro_exam == NeuroExam() and workup.neuro_exam.is_empty()
    assert "neuro_exam" not in case_to_dict(workup)


def test_an_older_caller_without_the_field_still_builds_a_workup():
    from datetime import date

    workup = Workup(surgery=Surgery(date=date(2026, 1, 1)), visit=Visit(date=date(2026, 2, 1)))
    assert workup.neuro_exam.is_empty()


def test_the_examination_round_trips_through_the_case_file():
    workup = parse_case(case(ISSUE_EXAMPLE))
    written = case_to_dict(workup)
    assert written["neuro_exam"] == {"left": ISSUE_EXAMPLE["left"]}  # an empty side is left out
    assert parse_case(json.loads(json.dumps(written))) == workup


def test_every_value_of_each_kind_is_accepted():
    neuro = {
        "left": {
            "sensory": {"sole": "normal", "groin": "reduced", "buttock": "absent", "medial_leg": "painful"},
            "strength": {muscle: grade for muscle, grade in zip(
                ("hip_flexion", "hip_adduction", "hip_abduction", "hip_extension", "knee_extension",
                 "knee_flexion"), range(6), strict=True)},
            "reflexes": {"knee": "brisk", "ankle": "absent", "medial_hamstring": "reduced"},
        },
        "right": {"reflexes": {"knee": "normal"}},
    }
    exam = parse_case(case(neuro)).neuro_exam
    assert exam.left.strength["knee_flexion"] == 5 and exam.left.strength["hip_flexion"] == 0
    assert exam.right.reflexes == {"knee": "normal"}


@pytest.mark.parametrize(
    ("neuro", "expected"),
    [
        ({"left": {"strength": {"ankle_dorsiflexion": 7}}},
         "neuro_exam.left.strength.ankle_dorsiflexion: 7 is not an MRC grade; accepted: 0 to 5"),
        ({"right": {"strength": {"hip_flexion": 4.5}}},
         "neuro_exam.right.strength.hip_flexion: 4.5 is not an MRC grade; accepted: 0 to 5"),
        ({"right": {"strength": {"hip_flexion": "4"}}},
         'neuro_exam.right.strength.hip_flexion: "4" is not an MRC grade; accepted: 0 to 5'),
        ({"right": {"strength": {"hip_flexion": True}}},
         "neuro_exam.right.strength.hip_flexion: true is not an MRC grade; accepted: 0 to 5"),
        ({"left": {"sensory": {"great_tow": "reduced"}}},
         "neuro_exam.left.sensory.great_tow: unknown sensory area (did you mean 'great_toe'?)"),
        ({"left": {"sensory": {"sole": "numb"}}},
         'neuro_exam.left.sensory.sole: "numb" not accepted; accepted: normal, reduced, absent, painful'),
        ({"left": {"reflexes": {"ankle": "hyper"}}},
         'neuro_exam.left.reflexes.ankle: "hyper" not accepted; accepted: normal, reduced, absent, brisk'),
        ({"left": {"reflexes": {"biceps": "normal"}}},
         "neuro_exam.left.reflexes.biceps: unknown reflex; accepted: knee, ankle, medial_hamstring"),
        ({"left": {"strength": {"ankle_dorsiflex": 3}}},
         "neuro_exam.left.strength.ankle_dorsiflex: unknown muscle (did you mean 'ankle_dorsiflexion'?)"),
        ({"middle": {}}, "neuro_exam.middle: unknown key; accepted: left, right"),
        ({"left": {"motor": {}}}, "neuro_exam.left.motor: unknown key"),
        ({"left": []}, "neuro_exam.left: must be an object"),
        ([], "neuro_exam: must be an object"),
    ],
)
def test_a_bad_value_is_named_by_its_json_path(neuro, expected):
    assert any(p.startswith(expected) for p in problems(neuro)), problems(neuro)


def test_every_problem_is_reported_not_just_the_first():
    found = problems({"left": {"strength": {"ankle_dorsiflexion": 7, "hip_flexion": -1}},
                      "right": {"sensory": {"sole": "tingly"}}})
    assert len(found) == 3


def test_the_cli_exits_2_with_the_path(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(case({"left": {"strength": {"ankle_dorsiflexion": 7}}})), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "cramp_dx", "assess", str(path)],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert ("neuro_exam.left.strength.ankle_dorsiflexion: 7 is not an MRC grade; accepted: 0 to 5"
            in done.stderr)


def test_with_sign_sets_and_clears_one_sign_without_touching_the_rest():
    exam = parse_case(case(ISSUE_EXAMPLE)).neuro_exam
    changed = exam.with_sign("right", "sensory", "sole", "absent").with_sign(
        "left", "strength", "ankle_dorsiflexion", None)
    assert changed.right.sensory == {"sole": "absent"}
    assert changed.left.strength == {"great_toe_extension": 4}
    assert exam.left.strength == {"great_toe_extension": 4, "ankle_dorsiflexion": 4}  # unchanged
    assert ("right", "sensory", "sole", "absent") in changed.signs()
