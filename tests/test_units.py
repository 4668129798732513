"""Lab units: every conversion round-trips; implausible values and unknown units are rejected
with the accepted units named."""

from __future__ import annotations

import pytest
from support.core import case

from cramp_dx.casefile.io import parse_case
from cramp_dx.errors import InputError
from cramp_dx.knowledge import load_knowledge

KB = load_knowledge()
CONVERSIONS = [(lab.id, unit) for lab in KB.labs.values() for unit in lab.factors]


@pytest.mark.parametrize(("lab_id", "unit"), CONVERSIONS)
def test_conversion_round_trips(lab_id: str, unit: str) -> None:
    lab = KB.labs[lab_id]
    low, high = lab.plausible
    for value in (low, (low + high) / 7, high):
        there = lab.from_default(value, unit)
        assert lab.to_default(there, unit) == pytest.approx(value, rel=1e-12, abs=1e-12)


def test_spec_factors_are_exact() -> None:
    mg = KB.labs["magnesium"]
    assert mg.from_default(1.0, "mmol/L") == 0.4114
    assert KB.labs["creatinine"].from_default(1.0, "µmol/L") == 88.42
    assert KB.labs["crp"].to_default(1.2, "mg/dL") == pytest.approx(12.0)


def test_d_dimer_units_never_convert_into_each_other() -> None:
    assert KB.labs["d_dimer"].accepted_units == ("ng/mL DDU",)
    assert KB.labs["d_dimer_feu"].accepted_units == ("ng/mL FEU",)


def test_mmol_magnesium_is_judged_in_mg_per_dl() -> None:
    w = parse_case(case(labs=[{"test": "19123-9", "value": 0.82, "unit": "mmol/L"}]))
    assert w.labs[0].test == "magnesium"
    assert KB.labs["magnesium"].to_default(0.82, "mmol/L") == pytest.approx(1.993, abs=0.001)


def problems(**parts) -> list[str]:
    with pytest.raises(InputError) as info:
        parse_case(case(**parts))
    return [str(p) for p in info.value.problems]


def test_implausible_value_is_rejected_with_the_range() -> None:
    (message,) = problems(labs=[{"test": "potassium", "value": 45, "unit": "mmol/L"}])
    assert message.startswith("labs[0].value: 45 mmol/L is not a plausible Potassium")
    assert "accepted: 1 to 10 mmol/L" in message


def test_implausible_value_in_an_alternative_unit_shows_the_range_in_that_unit() -> None:
    (message,) = problems(labs=[{"test": "magnesium", "value": 9, "unit": "mmol/L"}])
    assert "mmol/L" in message.split("accepted:")[1]


def test_negative_value_is_rejected() -> None:
    (message,) = problems(labs=[{"test": "crp", "value": -1, "unit": "mg/L"}])
    assert "negative" in message


def test_unknown_unit_lists_the_accepted_units() -> None:
    (message,) = problems(labs=[{"test": "magnesium", "value": 1.2, "unit": "mg"}])
    assert message == (
        "labs[0].unit: unit 'mg' not accepted for Magnesium, serum; accepted: mg/dL, mmol/L, mEq/L"
    )


def test_unit_case_is_forgiven_and_canonicalised() -> None:
    w = parse_case(case(labs=[{"test": "potassium", "value": 4, "unit": "MEQ/L"}]))
    assert w.labs[0].unit == "mEq/L"


def test_egfr_accepts_the_2009_loinc() -> None:
    w = parse_case(case(labs=[{"test": "62238-1", "value": 55, "unit": "mL/min/1.73m2"}]))
    assert w.labs[0].test == "egfr"
