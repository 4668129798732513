"""The record takes no more than a case file may hold: the same size and count limits apply to
every change saved (the app's fields go through here), and to addenda, on both databases."""

# the shared fixtures are imported by name, so test parameters "redefine" them
# ruff: noqa: F811

from __future__ import annotations

from dataclasses import replace

import pytest
from support.postgres import postgres_server, postgres_url  # noqa: F401
from support.record import any_url, example, record  # noqa: F401

from cramp_dx.case.checks import MAX_ADDENDA, MAX_ADDENDUM, MAX_MEDICATIONS, MAX_NOTES
from cramp_dx.case.model import Medication
from cramp_dx.errors import InputError
from cramp_dx.services import changes


def _messages(error: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [str(p) for p in error.value.problems]


def test_notes_over_the_limit_are_not_saved(record):
    doc = record.services()
    visit = doc.import_case(example("ex1-diuretic-cramps"))
    with pytest.raises(InputError) as error:
        doc.apply(visit.id, changes.SetNotes("n" * (MAX_NOTES + 1), visit.workup.visit.notes),
                  visit.version)
    assert _messages(error) == [
        f"visit.notes: too long: {MAX_NOTES + 1:,} characters; accepted: at most {MAX_NOTES:,} characters"
    ]
    assert doc.load_visit(visit.id).workup.visit.notes == visit.workup.visit.notes


def test_a_medication_past_the_limit_is_not_added(record):
    doc = record.services()
    full = [Medication(f"drug {number}") for number in range(MAX_MEDICATIONS)]
    visit = doc.import_case(replace(example("ex1-diuretic-cramps"), medications=tuple(full)))
    with pytest.raises(InputError) as error:
        doc.apply(visit.id, changes.AddMedication(Medication("one more")), visit.version)
    assert _messages(error) == [
        f"medications: {MAX_MEDICATIONS + 1} medications; accepted: at most {MAX_MEDICATIONS}"
    ]


def test_an_addendum_over_the_limit_is_refused(record):
    doc = record.services()
    visit = doc.sign(doc.import_case(example("ex1-diuretic-cramps")).id)
    with pytest.raises(InputError) as error:
        doc.add_addendum(visit.id, "a" * (MAX_ADDENDUM + 1))
    assert _messages(error) == [
        f"addendum: too long: {MAX_ADDENDUM + 1:,} characters; accepted: at most {MAX_ADDENDUM:,} characters"
    ]
    assert doc.load_visit(visit.id).addenda == ()


def test_one_addendum_too_many_is_refused(record):
    doc = record.services()
    visit = doc.sign(doc.import_case(example("ex1-diuretic-cramps")).id)
    for number in range(MAX_ADDENDA):
        doc.add_addendum(visit.id, f"Addendum {number}.")
    with pytest.raises(InputError) as error:
        doc.add_addendum(visit.id, "One more.")
    assert _messages(error) == [
        f"addendum: this visit has {MAX_ADDENDA} addenda already; accepted: at most {MAX_ADDENDA} "
        "to one visit"
    ]
    assert len(doc.load_visit(visit.id).addenda) == MAX_ADDENDA
