"""Medication review: a line already entered is edited in place (selected, loaded into the
entry fields), saved as it is typed and at once with "Save changes", the class / concern and
the quinine warning follow; invalid input is explained and not saved; Esc puts the line back;
a signed visit refuses; a line changed on another workstation meanwhile opens the conflict
dialog with both values."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from support.record import example
from support.ui import (  # noqa: F401 - fixtures
    click,
    clinic,
    make_window,
    no_leaked_windows,
    sign_in,
    wait_idle,
    wait_saved,
)

from cramp_dx.case.model import Medication
from cramp_dx.services.changes import UpdateMedication

pytestmark = pytest.mark.gui
CTRL = Qt.KeyboardModifier.ControlModifier


def _open(qtbot, window, clinic, name: str):  # noqa: F811
    """Sign in as the physician, open the example's visit at the medication review."""
    sign_in(qtbot, window, "doc")
    record = clinic.services("doc").import_case(example(name))
    window.patient_list.refresh()
    window.open_patient(record.patient_id)
    QApplication.processEvents()  # opening may leave the window inactive offscreen
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    page = window.visit_page
    page.editor.show_section("medications")
    return page, page.editor.medications, record


def _click_row(qtbot, meds, row: int) -> None:
    rect = meds.table.visualRect(meds.table.model().index(row, 0))
    qtbot.mouseClick(meds.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _stored(clinic, record):  # noqa: F811
    return clinic.services("doc").load_visit(record.id).workup.medications


def _key(qtbot, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)


def test_clicking_a_line_and_saving_a_new_dose_stores_it_in_place(
    make_window, qtbot, clinic  # noqa: F811
):
    window = make_window()
    _page, meds, record = _open(qtbot, window, clinic, "ex1-diuretic-cramps")
    _click_row(qtbot, meds, 0)
    assert meds.name.text() == "furosemide" and meds.dose.text() == "40 mg daily"
    assert meds.add_button.text().replace("&", "") == "Save changes"

    click(qtbot, meds.dose)
    meds.dose.selectAll()
    qtbot.keyClicks(meds.dose, "20 mg daily")
    click(qtbot, meds.add_button)
    wait_saved(qtbot, window)

    assert _stored(clinic, record) == (
        Medication("furosemide", "20 mg daily"), Medication("oxycodone", "5 mg as needed"),
    )
    assert meds.table.rowCount() == 2 and meds.table.item(0, 1).text() == "20 mg daily"
    assert meds.add_button.text().replace("&", "") == "Add medication"
    assert meds.name.text() == ""


def test_a_line_is_edited_with_the_keyboard_only(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, meds, record = _open(qtbot, window, clinic, "ex1-diuretic-cramps")
    page.editor.show_section("context")
    page.editor.section_list.setFocus()
    _key(qtbot, Qt.Key.Key_PageUp, CTRL)  # wraps to "Plan and notes"
    _key(qtbot, Qt.Key.Key_PageUp, CTRL)  # → "Medication review", at the name field
    assert QApplication.focusWidget() is meds.name
    for _ in range(10):  # Tab from the entry fields to the list
        if QApplication.focusWidget() is meds.table:
            break
        _key(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is meds.table
    _key(qtbot, Qt.Key.Key_Down)
    _key(qtbot, Qt.Key.Key_Down)
    assert meds.table.currentRow() == 1
    _key(qtbot, Qt.Key.Key_F2)
    assert QApplication.focusWidget() is meds.name and meds.name.text() == "oxycodone"
    _key(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is meds.dose
    qtbot.keyClicks(meds.dose, "10 mg at night")  # Tab selected the old dose: typing replaces it
    _key(qtbot, Qt.Key.Key_Return)
    wait_saved(qtbot, window)

    assert _stored(clinic, record)[1] == Medication("oxycodone", "10 mg at night")
    assert QApplication.focusWidget() is meds.table and meds.table.currentRow() == 1
    assert meds.editing is None


def test_renaming_a_line_to_a_flagged_drug_shows_its_class_and_concern(
    make_window, qtbot, clinic  # noqa: F811
):
    window = make_window()
    page, meds, _record = _open(qtbot, window, clinic, "ex3-scar-or-disc")
    assert meds.table.item(0, 4).text() == "gabapentinoid"
    assert "statin_myopathy" not in page.differential.ranked_ids()[:3]
    _click_row(qtbot, meds, 0)
    meds.name.selectAll()
    qtbot.keyClicks(meds.name, "atorvastatin")
    meds.name.completer().popup().hide()
    click(qtbot, meds.add_button)
    wait_saved(qtbot, window)

    assert meds.table.rowCount() == 1
    assert meds.table.item(0, 0).text() == "atorvastatin"
    assert meds.table.item(0, 4).text() == "statin"
    assert meds.table.item(0, 5).text() == "myalgia, myopathy"
    assert "statin_myopathy" in page.differential.ranked_ids()[:3]  # re-ranked


def test_renaming_a_line_to_quinine_shows_the_warning(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    _page, meds, record = _open(qtbot, window, clinic, "ex3-scar-or-disc")
    assert not meds.warning.isVisible()
    _click_row(qtbot, meds, 0)
    meds.name.selectAll()
    qtbot.keyClicks(meds.name, "quinine")
    meds.name.completer().popup().hide()
    click(qtbot, meds.add_button)
    wait_saved(qtbot, window)
    assert _stored(clinic, record)[0].name == "quinine"
    assert meds.warning.isVisible() and "quinine" in meds.warning.text().casefold()


def test_an_invalid_start_date_is_explained_and_nothing_is_saved(
    make_window, qtbot, clinic  # noqa: F811
):
    window = make_window()
    _page, meds, record = _open(qtbot, window, clinic, "ex1-diuretic-cramps")
    version = clinic.services("doc").load_visit(record.id).version
    _click_row(qtbot, meds, 0)
    click(qtbot, meds.start)
    qtbot.keyClicks(meds.start, "2024-13-05")
    click(qtbot, meds.add_button)
    wait_idle(qtbot, window)

    text = meds.error.text()
    assert meds.error.isVisible()
    assert "Started" in text and "2024-13-05" in text and "month" in text and "YYYY-MM-DD" in text
    assert meds.start.text() == "2024-13-05" and meds.editing == 0  # what was typed stays
    saved = clinic.services("doc").load_visit(record.id)
    assert saved.version == version and saved.workup.medications[0].start_date is None


def test_a_signed_visit_refuses_to_edit_a_line(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, meds, record = _open(qtbot, window, clinic, "ex3-scar-or-disc")
    page.confirm = lambda *_: True
    page.sign()
    assert page.session.record.status == "signed"

    _click_row(qtbot, meds, 0)
    meds.table.setFocus()
    _key(qtbot, Qt.Key.Key_F2)
    assert meds.editing is None and meds.name.text() == ""
    assert not meds.add_button.isEnabled() and not meds.name.isEnabled()
    meds.update_requested.emit(0, Medication("gabapentin", "600 mg"), _stored(clinic, record)[0])
    wait_idle(qtbot, window)
    assert _stored(clinic, record) == (Medication("gabapentin", "300 mg three times daily"),)
    assert "signed" in meds.error.text()


def test_a_line_changed_on_another_workstation_opens_the_conflict_dialog(
    make_window, qtbot, clinic  # noqa: F811
):
    window = make_window()
    page, meds, record = _open(qtbot, window, clinic, "ex1-diuretic-cramps")
    _click_row(qtbot, meds, 0)
    furosemide = Medication("furosemide", "40 mg daily")
    clinic.services("nurse").apply(
        record.id, UpdateMedication(0, Medication("furosemide", "80 mg daily"), furosemide),
        record.version,
    )
    meds.dose.selectAll()
    qtbot.keyClicks(meds.dose, "20 mg daily")
    click(qtbot, meds.add_button)

    qtbot.waitUntil(lambda: page.conflict_dialog is not None and page.conflict_dialog.isVisible())
    dialog = page.conflict_dialog
    assert "20 mg daily" in dialog.mine_label.text()
    assert "80 mg daily" in dialog.theirs_label.text()
    assert meds.dose.text() == "20 mg daily"  # what I typed is still there
    assert _stored(clinic, record)[0].dose == "80 mg daily"

    click(qtbot, dialog.keep_mine)
    wait_saved(qtbot, window)
    assert _stored(clinic, record)[0].dose == "20 mg daily"
    assert meds.editing is None


def test_escape_puts_the_line_back_as_it_was_loaded(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    _page, meds, record = _open(qtbot, window, clinic, "ex1-diuretic-cramps")
    _click_row(qtbot, meds, 1)
    meds.dose.setFocus()
    meds.dose.selectAll()
    qtbot.keyClicks(meds.dose, "50 mg")
    qtbot.waitUntil(lambda: _stored(clinic, record)[1].dose == "50 mg", timeout=3000)
    _key(qtbot, Qt.Key.Key_Escape)
    assert meds.editing is None and meds.dose.text() == ""
    assert meds.add_button.text().replace("&", "") == "Add medication"
    wait_saved(qtbot, window)
    assert _stored(clinic, record)[1].dose == "5 mg as needed"


def test_a_line_being_edited_is_saved_as_it_is_typed(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    _page, meds, record = _open(qtbot, window, clinic, "ex1-diuretic-cramps")
    _click_row(qtbot, meds, 0)
    meds.dose.setFocus()
    meds.dose.selectAll()
    qtbot.keyClicks(meds.dose, "20 mg daily")
    qtbot.waitUntil(lambda: _stored(clinic, record)[0].dose == "20 mg daily", timeout=1000)
    assert QApplication.focusWidget() is meds.dose and meds.editing == 0
    qtbot.waitUntil(lambda: window.save_indicator.text().startswith("Saved"), timeout=1000)


def test_a_half_typed_start_date_keeps_the_line_from_being_replaced(
    make_window, qtbot, clinic  # noqa: F811
):
    _page, meds, _record = _open(qtbot, make_window(), clinic, "ex1-diuretic-cramps")
    _click_row(qtbot, meds, 0)
    meds.start.setFocus()
    qtbot.keyClicks(meds.start, "2024-0")
    _click_row(qtbot, meds, 1)
    assert meds.editing == 0 and meds.start.text() == "2024-0"
    assert "unsaved" in meds.error.text()


def test_leaving_the_visit_saves_the_line_being_edited(
    make_window, qtbot, clinic  # noqa: F811
):
    window = make_window()
    _page, meds, record = _open(qtbot, window, clinic, "ex1-diuretic-cramps")
    other = clinic.services("doc").import_case(example("ex3-scar-or-disc"))
    _click_row(qtbot, meds, 0)
    meds.dose.selectAll()
    qtbot.keyClicks(meds.dose, "20 mg daily")

    window.open_patient(other.patient_id)
    assert window.visit_page.session.visit_id == other.id
    assert _stored(clinic, record)[0].dose == "20 mg daily"


def test_a_medication_typed_but_not_added_keeps_the_visit_open_until_added_or_cleared(
    make_window, qtbot, clinic  # noqa: F811
):
    window = make_window()
    page, meds, _record = _open(qtbot, window, clinic, "ex1-diuretic-cramps")
    qtbot.keyClicks(meds.name, "magnesium oxide")
    assert not page.close_visit()
    assert "typed but not added" in window.statusBar().currentMessage()
    assert meds.name.text() == "magnesium oxide"
    qtbot.keyClick(meds.name, Qt.Key.Key_Escape)
    assert meds.name.text() == ""
    assert page.close_visit()
