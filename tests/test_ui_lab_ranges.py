"""The clinic's own lab reference ranges, edited in Settings: typed per lab in its default
unit, saved to the settings file, applied at once to the open visit's lab flags, refused with
an explanation beside the lab when invalid, and reset to the built-in range per lab."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from support.ui import (  # noqa: F401 - fixtures
    click,
    clinic,
    make_window,
    no_leaked_windows,
    sign_in,
)

from cramp_dx.case.model import LabResult, Surgery
from cramp_dx.services.changes import AddLab
from cramp_dx.settings import Settings, load_settings, save_settings, settings_path

pytestmark = pytest.mark.gui

SURGERY = Surgery(date=date.today() - timedelta(weeks=3), procedure="fusion", levels=("L4-L5",))


def open_settings(qtbot, window):
    window.open_settings()
    dialog = window.settings_dialog
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=2000)
    dialog.tabs.setCurrentWidget(dialog.lab_ranges)
    return dialog


def enter(qtbot, edit, text: str) -> None:
    """Type into a range field as the user would, then leave it (Tab)."""
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Tab)


def save(qtbot, dialog) -> None:
    click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Save))


def open_visit_with(window, rec, *labs: LabResult):
    svc = rec.services("doc")
    patient = svc.create_patient("LR-1", "Range", "Rhea", date(1961, 7, 8), "female")
    visit = svc.create_visit(patient.id, date.today(), SURGERY)
    for lab in labs:
        visit = svc.apply(visit.id, AddLab(lab), visit.version)
    window.patient_list.refresh()
    window.open_patient(patient.id)
    page = window.visit_page
    page.editor.show_section("labs")
    return page


def test_an_override_typed_in_the_dialog_is_saved_to_the_settings_file_and_reloads(
    make_window, qtbot  # noqa: F811
):
    window = make_window()
    dialog = open_settings(qtbot, window)
    row = dialog.lab_ranges.row("potassium")
    enter(qtbot, row.low, "3.8")
    enter(qtbot, row.high, "5,3")  # a decimal comma is accepted
    save(qtbot, dialog)
    assert not dialog.isVisible()

    assert load_settings().lab_ranges == {"potassium": {"low": 3.8, "high": 5.3}}
    assert window.settings.lab_ranges == {"potassium": {"low": 3.8, "high": 5.3}}
    again = open_settings(qtbot, window)
    reopened = again.lab_ranges.row("potassium")
    assert (reopened.low.text(), reopened.high.text()) == ("3.8", "5.3")
    again.reject()


def test_a_blank_side_keeps_the_built_in_limit(make_window, qtbot):  # noqa: F811
    window = make_window()
    dialog = open_settings(qtbot, window)
    row = dialog.lab_ranges.row("potassium")
    enter(qtbot, row.low, "3.8")
    assert "3.8–5.1 mmol/L" in row.status.text()  # the built-in high, 5.1, is kept
    save(qtbot, dialog)
    assert load_settings().lab_ranges == {"potassium": {"low": 3.8, "high": 5.1}}


def test_a_result_normal_by_the_built_in_range_is_flagged_low_after_save(
    make_window, qtbot, clinic  # noqa: F811
):
    window = make_window()
    sign_in(qtbot, window, "doc")
    page = open_visit_with(window, clinic, LabResult("potassium", 3.6, "mmol/L"))
    table = page.editor.labs.table
    assert table.item(0, 3).text() == "normal"
    assert table.item(0, 4).text() == "3.5–5.1 mmol/L"

    dialog = open_settings(qtbot, window)
    enter(qtbot, dialog.lab_ranges.row("potassium").low, "3.8")
    save(qtbot, dialog)

    assert table.item(0, 3).text() == "L (low)"
    assert table.item(0, 4).text() == "3.8–5.1 mmol/L (clinic range)"
    assert page.assessment.lab_flags[0].flag == "L"


@pytest.mark.parametrize(
    ("low", "high", "explained"),
    [
        ("abc", "", "Potassium, serum — low: “abc” is not a number; accepted: a number from 1 to 10 mmol/L"),
        ("", "50", "Potassium, serum — high: 50 mmol/L is outside what this test can measure; "
                   "accepted: a number from 1 to 10 mmol/L"),
        ("5.5", "", "Potassium, serum: the low limit 5.5 must be below the high limit 5.1 mmol/L"),
        ("4", "4", "Potassium, serum: the low limit 4 must be below the high limit 4 mmol/L"),
    ],
    ids=["not-a-number", "implausible", "above-the-built-in-high", "low-equals-high"],
)
def test_an_invalid_entry_is_explained_beside_the_lab_and_not_saved(
    make_window, qtbot, low, high, explained  # noqa: F811
):
    window = make_window()
    dialog = open_settings(qtbot, window)
    row = dialog.lab_ranges.row("potassium")
    if low:
        enter(qtbot, row.low, low)
    if high:
        enter(qtbot, row.high, high)
    assert row.status.isVisible() and explained in row.status.text()

    save(qtbot, dialog)
    assert dialog.isVisible(), "Save must be refused"
    assert dialog.error.isVisible() and explained in dialog.error.text()
    assert QApplication.focusWidget() in (row.low, row.high)
    assert not settings_path().exists()
    assert window.settings.lab_ranges == {}
    dialog.reject()


def test_save_works_once_the_entry_is_fixed(make_window, qtbot):  # noqa: F811
    window = make_window()
    dialog = open_settings(qtbot, window)
    row = dialog.lab_ranges.row("potassium")
    enter(qtbot, row.low, "3,8x")
    save(qtbot, dialog)
    assert dialog.isVisible()
    enter(qtbot, row.low, "3.8")
    assert row.status.objectName() != "errorText"
    assert not dialog.error.isVisible()
    save(qtbot, dialog)
    assert not dialog.isVisible()
    assert window.settings.lab_ranges == {"potassium": {"low": 3.8, "high": 5.1}}


def test_a_sex_specific_lab_is_shown_by_sex_and_needs_both_limits(make_window, qtbot):  # noqa: F811
    window = make_window()
    dialog = open_settings(qtbot, window)
    row = dialog.lab_ranges.row("hemoglobin")
    assert row.builtin.text().splitlines()[:2] == ["women 12–15.5 g/dL", "men 13.5–17.5 g/dL"]
    enter(qtbot, row.low, "12.5")
    assert "differs by sex" in row.status.text() and "one range for all patients" in row.status.text()
    save(qtbot, dialog)
    assert dialog.isVisible()

    enter(qtbot, row.high, "17")
    assert "for women and men alike" in row.status.text()
    save(qtbot, dialog)
    assert window.settings.lab_ranges == {"hemoglobin": {"low": 12.5, "high": 17.0}}


def test_reset_to_built_in_removes_the_override(make_window, qtbot, clinic):  # noqa: F811
    stored = Settings(lab_ranges={"potassium": {"low": 3.8, "high": 5.0},
                                  "sodium": {"low": 133.0, "high": 146.0}})
    save_settings(stored)
    window = make_window(settings=stored)
    dialog = open_settings(qtbot, window)
    row = dialog.lab_ranges.row("potassium")
    assert (row.low.text(), row.high.text()) == ("3.8", "5")
    click(qtbot, row.reset)
    assert (row.low.text(), row.high.text()) == ("", "")
    assert "built-in range applies again" in row.status.text()
    save(qtbot, dialog)
    assert load_settings().lab_ranges == {"sodium": {"low": 133.0, "high": 146.0}}
    assert window.settings.lab_ranges == {"sodium": {"low": 133.0, "high": 146.0}}


def test_saving_other_settings_keeps_a_stored_override_as_it_was(make_window, qtbot):  # noqa: F811
    stored = Settings(lab_ranges={"potassium": {"low": 3.8}})  # no upper limit, on purpose
    window = make_window(settings=stored)
    dialog = open_settings(qtbot, window)
    assert "≥ 3.8 mmol/L" in dialog.lab_ranges.row("potassium").status.text()
    dialog.tabs.setCurrentIndex(0)
    dialog.clinic_name.setText("Harbour Spine Clinic")
    save(qtbot, dialog)
    saved = load_settings()
    assert saved.letterhead.clinic_name == "Harbour Spine Clinic"
    assert saved.lab_ranges == {"potassium": {"low": 3.8}}


def test_the_range_fields_are_named_and_tab_from_low_to_high_to_the_next_lab(
    make_window, qtbot  # noqa: F811
):
    window = make_window()
    dialog = open_settings(qtbot, window)
    magnesium = dialog.lab_ranges.row("magnesium")
    potassium = dialog.lab_ranges.row("potassium")
    assert magnesium.low.accessibleName() == "Magnesium, serum: low limit in mg/dL"
    assert magnesium.reset.accessibleName() == "Reset Magnesium, serum to the built-in range"
    magnesium.low.setFocus()
    qtbot.keyClick(magnesium.low, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is magnesium.high
    qtbot.keyClick(magnesium.high, Qt.Key.Key_Tab)  # Reset is off while nothing is overridden
    assert QApplication.focusWidget() is potassium.low
    qtbot.keyClicks(potassium.low, "3.8")
    qtbot.keyClick(potassium.low, Qt.Key.Key_Tab)
    qtbot.keyClick(potassium.high, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is potassium.reset
    qtbot.keyClick(potassium.reset, Qt.Key.Key_Space)
    assert potassium.low.text() == "" and QApplication.focusWidget() is potassium.low
    dialog.reject()


def test_the_settings_dialog_fits_the_screen(make_window, qtbot):  # noqa: F811
    window = make_window()
    dialog = open_settings(qtbot, window)
    available = dialog.screen().availableGeometry()
    assert dialog.width() <= available.width() and dialog.height() <= available.height()
    assert dialog.minimumSizeHint().height() <= available.height()
    dialog.reject()


def test_an_override_for_a_lab_the_knowledge_base_no_longer_lists_is_kept(
    make_window, qtbot  # noqa: F811
):
    stored = Settings(lab_ranges={"retired_lab": {"low": 1.0, "high": 2.0}})
    window = make_window(settings=stored)
    dialog = open_settings(qtbot, window)
    enter(qtbot, dialog.lab_ranges.row("sodium").low, "133")
    save(qtbot, dialog)
    assert load_settings().lab_ranges == {
        "retired_lab": {"low": 1.0, "high": 2.0},
        "sodium": {"low": 133.0, "high": 145},
    }
