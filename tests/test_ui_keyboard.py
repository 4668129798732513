"""The same workup with the keyboard only: sign in, new patient, findings by Y / N / arrows,
sections by Ctrl+PgDn, a lab by LOINC code, the red flag acknowledged, Ctrl+P, signing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from support.ui import (  # noqa: F401 - fixtures
    clinic,
    make_window,
    no_leaked_windows,
    open_example_visit,
    wait_idle,
    wait_saved,
)

from cramp_dx.case.model import LabResult
from cramp_dx.ui.finding_control import FindingControl

pytestmark = pytest.mark.gui
CTRL = Qt.KeyboardModifier.ControlModifier


def keys(qtbot, text: str) -> None:
    qtbot.keyClicks(QApplication.focusWidget(), text)


def key(qtbot, k: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(QApplication.focusWidget(), k, modifier)


def focus_finding(qtbot, finding_id: str) -> FindingControl:
    for _ in range(40):
        widget = QApplication.focusWidget()
        if isinstance(widget, FindingControl) and widget.finding_id == finding_id:
            return widget
        key(qtbot, Qt.Key.Key_Down)
    raise AssertionError(f"{finding_id} not reached with the arrow keys")


def test_workup_with_the_keyboard_only(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    assert QApplication.focusWidget() is window.sign_in.username
    keys(qtbot, "doc")
    key(qtbot, Qt.Key.Key_Tab)
    keys(qtbot, "doctor-secret-1")
    key(qtbot, Qt.Key.Key_Return)
    assert window.services is not None

    key(qtbot, Qt.Key.Key_N, CTRL)
    dialog = window.new_patient_dialog
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.mrn, timeout=2000)
    keys(qtbot, "K-1")
    key(qtbot, Qt.Key.Key_Tab)
    keys(qtbot, "Keyboard")
    key(qtbot, Qt.Key.Key_Tab)
    keys(qtbot, "Kim")
    key(qtbot, Qt.Key.Key_Tab)
    keys(qtbot, "1970-01-02")
    key(qtbot, Qt.Key.Key_Tab)  # sex: left as not recorded
    key(qtbot, Qt.Key.Key_Tab)
    keys(qtbot, (date.today() - timedelta(weeks=3)).isoformat())
    key(qtbot, Qt.Key.Key_Return)
    page = window.visit_page
    assert not dialog.error.isVisible(), dialog.error.text()
    qtbot.waitUntil(lambda: page.session is not None)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)

    key(qtbot, Qt.Key.Key_PageDown, CTRL)  # → History and timing
    assert page.editor.current_section_id() == "history"
    assert isinstance(QApplication.focusWidget(), FindingControl)
    key(qtbot, Qt.Key.Key_Y)  # night cramps present
    key(qtbot, Qt.Key.Key_Down)
    key(qtbot, Qt.Key.Key_N)  # leg pain on walking absent
    key(qtbot, Qt.Key.Key_Space)  # cycles absent → not assessed
    key(qtbot, Qt.Key.Key_N)

    key(qtbot, Qt.Key.Key_PageDown, CTRL)
    key(qtbot, Qt.Key.Key_PageDown, CTRL)  # → Examination
    assert page.editor.current_section_id() == "examination"
    focus_finding(qtbot, "calf_swelling_unilateral")
    key(qtbot, Qt.Key.Key_Y)
    assert "dvt_likely" in page.banner.flag_ids()

    key(qtbot, Qt.Key.Key_PageDown, CTRL)  # → Metabolic labs, test field focused
    assert QApplication.focusWidget() is page.editor.labs.test
    keys(qtbot, "19123-9")
    key(qtbot, Qt.Key.Key_Tab)
    keys(qtbot, "1.2")
    key(qtbot, Qt.Key.Key_Return)
    wait_saved(qtbot, window)
    assert page.session.record.workup.labs == (LabResult("magnesium", 1.2, "mg/dL"),)

    key(qtbot, Qt.Key.Key_A, CTRL | Qt.KeyboardModifier.ShiftModifier)
    key(qtbot, Qt.Key.Key_Space)
    wait_idle(qtbot, window)
    assert "dvt_likely" in page.session.record.acknowledged_red_flags

    key(qtbot, Qt.Key.Key_P, CTRL)
    qtbot.waitUntil(lambda: window.preview is not None and window.preview.isVisible())
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window.preview, timeout=2000)
    qtbot.keyClick(window.preview, Qt.Key.Key_Escape)
    assert window.preview is None or not window.preview.isVisible()

    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)

    def answer_yes() -> None:
        box = QApplication.activeModalWidget()
        if box is not None:
            qtbot.keyClick(box, Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)
            if box.isVisible():
                qtbot.keyClick(box, Qt.Key.Key_Return)

    QTimer.singleShot(300, answer_yes)
    key(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)  # "&Sign visit"
    qtbot.waitUntil(lambda: page.session.record.status == "signed", timeout=3000)
    saved = clinic.services("doc").load_visit(page.session.visit_id).workup
    assert saved.findings == {"nocturnal_cramps": True, "exertional_leg_pain": False,
                              "calf_swelling_unilateral": True}


def test_delete_removes_a_lab_line_only_from_the_labs_table(make_window, qtbot, clinic):  # noqa: F811
    """Delete typed anywhere else (here: in the section list) must not remove a lab."""
    window = make_window()
    page, record = open_example_visit(qtbot, window, clinic, "ex1-diuretic-cramps")
    labs = page.session.record.workup.labs
    page.editor.show_section("labs")
    page.editor.labs.table.selectRow(0)
    page.editor.section_list.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.editor.section_list)
    key(qtbot, Qt.Key.Key_Delete)
    page.flush()
    assert clinic.services("doc").load_visit(record.id).workup.labs == labs

    page.editor.labs.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.editor.labs.table)
    key(qtbot, Qt.Key.Key_Delete)
    wait_saved(qtbot, window)
    assert clinic.services("doc").load_visit(record.id).workup.labs == labs[1:]


def test_a_lab_value_typed_but_not_added_is_not_dropped_by_printing(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, _record = open_example_visit(qtbot, window, clinic, "ex1-diuretic-cramps")
    page.editor.show_section("labs")
    page.editor.labs.choose_test("magnesium")
    qtbot.keyClicks(page.editor.labs.value, "1.1")
    assert page.generate_pdf() is None
    assert "typed but not added" in window.statusBar().currentMessage()
    assert page.editor.labs.value.text() == "1.1"
    qtbot.keyClick(page.editor.labs.value, Qt.Key.Key_Return)
    wait_saved(qtbot, window)
    assert page.generate_pdf() is not None
    window.preview.close()
