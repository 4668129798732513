"""The app holds a visit to the same limits as a case file: one character or entry past a limit
is refused in the field, with a message naming the field and the limit, and nothing is saved."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from support.record import example
from support.ui import (  # noqa: F401 - fixtures
    clinic,
    make_window,
    no_leaked_windows,
    sign_in,
    typed,
)

from cramp_dx.case.checks import MAX_MEDICATIONS, MAX_NAME, MAX_NOTES, MAX_RESULTS_PER_LAB
from cramp_dx.case.model import LabResult, Medication, Workup

pytestmark = pytest.mark.gui


def _open(qtbot: Any, window: Any, clinic: Any, workup: Workup) -> tuple[Any, Any]:  # noqa: F811
    """Sign in as the physician and open a visit of `workup`; the visit page and its record."""
    sign_in(qtbot, window, "doc")
    record = clinic.services("doc").import_case(workup)
    window.patient_list.refresh()
    window.open_patient(record.patient_id)
    return window.visit_page, record


def _stored(clinic: Any, record: Any) -> Workup:  # noqa: F811
    return clinic.services("doc").load_visit(record.id).workup


def test_a_family_name_past_the_limit_is_refused_in_its_field(make_window, qtbot, clinic):  # noqa: F811
    page, record = _open(qtbot, make_window(), clinic, example("ex1-diuretic-cramps"))
    field = page.editor.widget_for(("patient", "family_name"))
    field.edit.setText("N" * (MAX_NAME + 1))
    field.edit.editingFinished.emit()
    assert field.error.text() == (f"Family name: too long: {MAX_NAME + 1} characters; "
                                  f"accepted: at most {MAX_NAME} characters. Not saved.")
    assert page.session.flush()
    assert _stored(clinic, record).patient.family_name == "Example"


def test_notes_past_the_limit_are_not_saved_and_say_why(make_window, qtbot, clinic):  # noqa: F811
    page, record = _open(qtbot, make_window(), clinic, example("ex1-diuretic-cramps"))
    notes = page.editor.widget_for(("notes",))
    notes.edit.setPlainText("n" * (MAX_NOTES + 1))
    assert notes.error.text() == (f"Notes: too long: {MAX_NOTES + 1:,} characters; accepted: at most "
                                  f"{MAX_NOTES:,} characters. Not saved until shortened.")
    assert page.session.flush()
    assert _stored(clinic, record).visit.notes == record.workup.visit.notes


def test_a_medication_past_the_limit_is_not_added(make_window, qtbot, clinic):  # noqa: F811
    full = tuple(Medication(f"drug {number}") for number in range(MAX_MEDICATIONS))
    page, record = _open(qtbot, make_window(), clinic,
                         replace(example("ex1-diuretic-cramps"), medications=full))
    page.editor.show_section("medications")
    panel = page.editor.medications
    typed(qtbot, panel.name, "one more")
    assert panel.error.text() == (f"Medications: this visit has {MAX_MEDICATIONS} already; accepted: "
                                  f"at most {MAX_MEDICATIONS} on one visit. Not added: remove a line first.")
    assert len(_stored(clinic, record).medications) == MAX_MEDICATIONS


def test_a_lab_result_past_the_limit_for_one_lab_is_not_added(make_window, qtbot, clinic):  # noqa: F811
    visit = example("ex1-diuretic-cramps").visit.date
    series = tuple(LabResult("potassium", 4.0, "mmol/L", visit - timedelta(days=day))
                   for day in range(MAX_RESULTS_PER_LAB))
    page, record = _open(qtbot, make_window(), clinic,
                         replace(example("ex1-diuretic-cramps"), labs=series))
    page.editor.show_section("labs")
    labs = page.editor.labs
    labs.choose_test("potassium")
    typed(qtbot, labs.value, "4.2")
    assert labs.error.text() == (f"Lab results: this visit has {MAX_RESULTS_PER_LAB} results of "
                                 f"Potassium, serum already; accepted: at most {MAX_RESULTS_PER_LAB} "
                                 "of one lab. Not added.")
    assert len(_stored(clinic, record).labs) == MAX_RESULTS_PER_LAB


def test_an_addendum_past_the_limit_stays_in_its_dialog_with_the_reason(qtbot):
    from cramp_dx.case.checks import MAX_ADDENDUM
    from cramp_dx.ui.addendum_dialog import AddendumDialog

    dialog = AddendumDialog()
    qtbot.addWidget(dialog)
    sent: list[str] = []
    dialog.submitted.connect(sent.append)
    dialog.text.setPlainText("a" * (MAX_ADDENDUM + 1))
    dialog.submit()
    assert sent == []
    assert dialog.error.text().startswith("Addendum: too long")
    assert len(dialog.text.toPlainText()) == MAX_ADDENDUM + 1
