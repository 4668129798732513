"""File → Import labs…: a preview of the laboratory's message (lab, value, unit, reference,
flag, collected, and what is skipped and why) before anything is saved; Import stores it in one
audited transaction, Cancel stores nothing, and a file that cannot be read says where."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QAbstractButton, QLabel
from support.labs import HL7_RESULTS, LABS, patient_workup, stored
from support.ui import (  # noqa: F401 - fixtures
    click,
    clinic,
    make_window,
    no_leaked_windows,
    sign_in,
)

pytestmark = pytest.mark.gui


def open_patient_visit(qtbot, window, clinic) -> int:  # noqa: F811
    sign_in(qtbot, window, "doc")
    record = clinic.services("doc").import_case(patient_workup())
    window.patient_list.refresh()
    window.open_patient(record.patient_id)
    return record.id


def test_the_preview_lists_every_result_with_what_will_happen_to_it(make_window, qtbot, clinic) -> None:  # noqa: F811
    window = make_window()
    open_patient_visit(qtbot, window, clinic)
    dialog = window.import_labs(LABS / "oru-r01-results.hl7")
    table = dialog.table
    assert table.rowCount() == 8
    assert [table.cell_text(0, c) for c in ("Lab", "Value", "Unit", "Reference", "Flag", "Collected")] == [
        "Magnesium, serum",
        "0.62",
        "mmol/L",
        "0.6994–0.9051 mmol/L",
        "L",
        "2026-10-21 07:30 -0400",
    ]
    assert table.cell_text(6, "Will be") == "skipped: not in the knowledge base: 1742-6 (LN)"
    dialog.reject()


def test_nothing_is_saved_before_import_is_chosen(make_window, qtbot, clinic) -> None:  # noqa: F811
    window = make_window()
    visit_id = open_patient_visit(qtbot, window, clinic)
    dialog = window.import_labs(LABS / "oru-r01-results.hl7")
    assert clinic.services("doc").load_visit(visit_id).workup.labs == ()
    click(qtbot, dialog.cancel_button)
    assert clinic.services("doc").load_visit(visit_id).workup.labs == ()


def test_import_stores_the_labs_and_the_visit_shows_them(make_window, qtbot, clinic) -> None:  # noqa: F811
    window = make_window()
    visit_id = open_patient_visit(qtbot, window, clinic)
    dialog = window.import_labs(LABS / "oru-r01-results.hl7")
    click(qtbot, dialog.import_button)
    assert stored(clinic.services("doc").load_visit(visit_id).workup.labs) == HL7_RESULTS
    assert stored(window.visit_page.session.record.workup.labs) == HL7_RESULTS


def test_every_control_of_the_preview_has_an_accessible_name(make_window, qtbot, clinic) -> None:  # noqa: F811
    window = make_window()
    open_patient_visit(qtbot, window, clinic)
    dialog = window.import_labs(LABS / "oru-r01-results.hl7")
    found = (*dialog.findChildren(QAbstractButton), *dialog.findChildren(QLabel))
    own = [c for c in found if not dialog.table.isAncestorOf(c)]  # not the table's own header parts
    unnamed = [type(c).__name__ for c in (dialog.table, *own) if not c.accessibleName()]
    assert len(own) >= 4 and unnamed == []
    dialog.reject()


def test_a_malformed_file_names_the_field_and_opens_no_preview(make_window, qtbot, clinic) -> None:  # noqa: F811
    window = make_window()
    visit_id = open_patient_visit(qtbot, window, clinic)
    assert window.import_labs(LABS / "oru-r01-malformed.hl7") is None
    box = window.visit_page.error_box
    assert "OBX[3].5" in box.text()
    box.close()
    assert clinic.services("doc").load_visit(visit_id).workup.labs == ()


def test_a_message_already_imported_offers_close_only(make_window, qtbot, clinic) -> None:  # noqa: F811
    window = make_window()
    open_patient_visit(qtbot, window, clinic)
    click(qtbot, window.import_labs(LABS / "oru-r01-results.hl7").import_button)
    again = window.import_labs(LABS / "oru-r01-results.hl7")
    assert not again.import_button.isEnabled() and again.cancel_button.text() == "&Close"
    again.reject()
