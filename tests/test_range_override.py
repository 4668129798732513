"""A clinic's own reference range for a lab is checked in the core (no Qt): what a blank
limit stands for, and which typed limits are refused."""

from __future__ import annotations

import pytest

from cramp_dx.knowledge import load_knowledge
from cramp_dx.knowledge.range_override import check_row
from cramp_dx.numbers import parse_number


def lab(lab_id: str):
    return load_knowledge().labs[lab_id]


def test_a_blank_high_limit_takes_the_built_in_one():
    assert check_row(lab("potassium"), "3.8", "").override == {"low": 3.8, "high": 5.1}


def test_both_limits_blank_keep_the_built_in_range():
    check = check_row(lab("potassium"), " ", "")
    assert check.override is None and not check.problems


@pytest.mark.parametrize("text", ["abc", "nan", "inf", "-inf", "3.8.1"])
def test_a_limit_that_is_not_a_finite_number_is_refused_by_name(text):
    (side, message), = check_row(lab("potassium"), text, "5.0").problems
    assert side == "low" and f"“{text}” is not a number" in message and "Potassium" in message


def test_a_decimal_comma_is_read_as_a_point():
    assert check_row(lab("potassium"), "3,7", "5,2").override == {"low": 3.7, "high": 5.2}


def test_a_limit_outside_what_the_test_can_measure_is_refused():
    (side, message), = check_row(lab("potassium"), "0.2", "5.0").problems
    assert side == "low" and "accepted: a number from 1 to 10 mmol/L" in message


def test_low_not_below_high_is_refused():
    (_side, message), = check_row(lab("potassium"), "5", "5").problems
    assert "must be below the high limit" in message


def test_a_sex_specific_built_in_limit_must_be_typed():
    problems = check_row(lab("hemoglobin"), "12", "").problems
    assert problems and problems[0][0] == "high" and "differs by sex" in problems[0][1]


@pytest.mark.parametrize("text", ["nan", "inf", "", "x"])
def test_parse_number_refuses_what_is_not_a_finite_number(text):
    with pytest.raises(ValueError):
        parse_number(text)
