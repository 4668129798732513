"""Problems in the app's words: the field's label, not the case file's path."""

from __future__ import annotations

from support.record import example

from cramp_dx.errors import InputError, Problem
from cramp_dx.knowledge import load_knowledge
from cramp_dx.services.wording import error_text, problem_text


def test_a_lab_problem_is_named_by_the_lab():
    workup = example("ex1-diuretic-cramps")
    text = problem_text(Problem("labs[0].value", "45 mmol/L is not plausible"), workup,
                        load_knowledge())
    assert text == f"{load_knowledge().lab_name(workup.labs[0].test)}: 45 mmol/L is not plausible"


def test_a_measurement_problem_is_named_by_its_label():
    kb = load_knowledge()
    error = InputError(Problem("measurements.heart_rate_bpm", "300 is not plausible"))
    text = error_text(error, example("ex1-diuretic-cramps"), kb)
    assert text == f"{kb.measurement_label('heart_rate_bpm')[0]}: 300 is not plausible"
    assert "measurements." not in text


def test_a_patient_field_is_named_without_a_workup():
    assert problem_text(Problem("patient.mrn", "is already in the record")) == (
        "MRN: is already in the record")


def test_a_medication_line_is_named_by_its_number_and_drug():
    workup = example("ex1-diuretic-cramps")
    text = problem_text(Problem("medications[1].dose", "too long"), workup, load_knowledge())
    assert text == f"Medication line 2 ({workup.medications[1].name}), dose: too long"
