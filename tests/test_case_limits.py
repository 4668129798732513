"""Sizes and counts in a case file have limits: a case at every limit is accepted, one more
character or entry is refused naming the field and the limit, and an oversized file is
refused before it is read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.limits import case_at_limits, over

from cramp_dx.case.checks import (
    MAX_CASE_FILE_BYTES,
    MAX_DOSE,
    MAX_LABS,
    MAX_LEVELS,
    MAX_MEDICATION_NAME,
    MAX_MEDICATION_NOTE,
    MAX_MEDICATIONS,
    MAX_NAME,
    MAX_NOTES,
    MAX_RESULTS_PER_LAB,
)
from cramp_dx.casefile.io import parse_case, read_case
from cramp_dx.cli.main import main
from cramp_dx.errors import InputError
from cramp_dx.knowledge import load_knowledge


@pytest.fixture(scope="module")
def largest() -> dict[str, Any]:
    return case_at_limits(load_knowledge())


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(InputError) as info:
        parse_case(data)
    return [str(p) for p in info.value.problems]


def test_a_case_at_every_limit_is_accepted(largest: dict[str, Any]) -> None:
    workup = parse_case(largest)
    assert (len(workup.labs), len(workup.medications)) == (MAX_LABS, MAX_MEDICATIONS)
    assert len(workup.visit.notes or "") == MAX_NOTES


def _medication(largest: dict[str, Any], **fields: str) -> dict[str, Any]:
    first = {**largest["medications"][0], **fields}
    return over(largest, medications=[first, *largest["medications"][1:]])


def test_a_name_one_character_too_long_is_refused(largest: dict[str, Any]) -> None:
    data = over(largest, patient={"family_name": "N" * (MAX_NAME + 1)})
    assert problems(data) == [
        f"patient.family_name: too long: {MAX_NAME + 1} characters; "
        f"accepted: at most {MAX_NAME} characters"
    ]


def test_notes_one_character_too_long_are_refused(largest: dict[str, Any]) -> None:
    data = over(largest, visit={"notes": "n" * (MAX_NOTES + 1)})
    assert problems(data) == [
        f"visit.notes: too long: {MAX_NOTES + 1:,} characters; accepted: at most {MAX_NOTES:,} characters"
    ]


@pytest.mark.parametrize(("field", "limit"), [
    ("name", MAX_MEDICATION_NAME), ("dose", MAX_DOSE), ("note", MAX_MEDICATION_NOTE),
])
def test_a_medication_text_one_character_too_long_is_refused(
    largest: dict[str, Any], field: str, limit: int
) -> None:
    data = _medication(largest, **{field: "m" * (limit + 1)})
    assert problems(data) == [
        f"medications[0].{field}: too long: {limit + 1:,} characters; accepted: at most {limit:,} characters"
    ]


def test_one_medication_too_many_is_refused(largest: dict[str, Any]) -> None:
    meds = largest["medications"]
    data = over(largest, medications=[*meds, meds[0]])
    assert problems(data) == [
        f"medications: {MAX_MEDICATIONS + 1} medications; accepted: at most {MAX_MEDICATIONS}"
    ]


def test_one_lab_result_too_many_is_refused(largest: dict[str, Any]) -> None:
    labs = largest["labs"]
    data = over(largest, labs=[*labs, labs[-1]])
    assert problems(data) == [f"labs: {MAX_LABS + 1:,} lab results; accepted: at most {MAX_LABS:,}"]


def test_one_result_of_a_lab_too_many_is_refused(largest: dict[str, Any]) -> None:
    potassium = {"test": "potassium", "value": 4.1, "unit": "mmol/L"}
    data = over(largest, labs=[potassium] * (MAX_RESULTS_PER_LAB + 1))
    assert problems(data) == [
        f"labs: {MAX_RESULTS_PER_LAB + 1} results of Potassium, serum; "
        f"accepted: at most {MAX_RESULTS_PER_LAB}"
    ]


def test_one_level_too_many_is_refused(largest: dict[str, Any]) -> None:
    data = over(largest, surgery={"levels": ["L4-L5"] * (MAX_LEVELS + 1)})
    assert problems(data) == [f"surgery.levels: {MAX_LEVELS + 1} levels; accepted: at most {MAX_LEVELS}"]


def test_a_file_over_the_size_limit_is_refused_whole(tmp_path: Path) -> None:
    # valid JSON, padded with spaces: only its size is wrong
    small = json.dumps(case_at_limits())
    path = tmp_path / "big.json"
    path.write_text(small + " " * (MAX_CASE_FILE_BYTES + 1 - len(small.encode())), encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_case(path)
    (problem,) = info.value.problems
    megabytes = MAX_CASE_FILE_BYTES // 2**20
    assert str(problem) == (f"{path}: more than {megabytes} MB, too large for a case file; "
                            f"accepted: at most {megabytes} MB (a case at every limit is well under that)")


def test_a_case_at_every_limit_fits_the_file_size_limit_however_it_is_written(
    largest: dict[str, Any],
) -> None:
    # indented, and every character of every text as a 12-byte surrogate-pair \u escape
    layout = len(json.dumps(largest, indent=2).encode())
    assert layout + 12 * sum(len(t) for t in _texts(largest)) < MAX_CASE_FILE_BYTES


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def test_the_command_line_refuses_a_10_mb_case_with_status_2(tmp_path: Path, capsys) -> None:
    path = tmp_path / "ten.json"
    path.write_text(json.dumps(over(case_at_limits(), visit={"notes": "n" * 10_000_000})))
    assert main(["assess", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines() == [f"cramp-dx: error: {path}: more than 8 MB, too large for a case file; "
                                "accepted: at most 8 MB (a case at every limit is well under that)"]
