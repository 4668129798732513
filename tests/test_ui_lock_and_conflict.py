"""Auto-lock hides every patient detail until the password is given again; a save that
conflicts with another workstation's opens a dialog showing both values and loses neither."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit
from support.record import example
from support.ui import (  # noqa: F401 - fixtures
    click,
    clinic,
    make_window,
    no_leaked_windows,
    sign_in,
    wait_saved,
)

from cramp_dx.services.changes import SetFinding, SetMeasurement

pytestmark = pytest.mark.gui


def _visible_text(window) -> str:
    parts = [window.windowTitle(), window.statusBar().currentMessage()]
    for widget in window.findChildren(QLabel) + window.findChildren(QLineEdit):
        if widget.isVisibleTo(window) and window.isVisible() and widget.isVisible():
            parts.append(widget.text())
    return "\n".join(parts)


def _open_example(qtbot, window, record_db, name="ex2-early-swollen-calf"):
    record = record_db.services("doc").import_case(example(name))
    window.patient_list.refresh()
    window.open_patient(record.patient_id)
    return window.visit_page.session.record


def test_idle_lock_hides_details_and_wrong_password_keeps_them_hidden(
    make_window, qtbot, clinic  # noqa: F811
):
    window = make_window(idle_ms=60_000)  # shortened below, once the visit is open
    sign_in(qtbot, window, "doc")
    record = _open_example(qtbot, window, clinic)
    mrn = record.workup.patient.mrn
    assert mrn in _visible_text(window)

    with qtbot.waitSignal(window.locked, timeout=3000):
        window.idle.set_interval_ms(200)
    assert not window.workspace.isVisible()
    assert mrn not in _visible_text(window)
    assert "Example" not in _visible_text(window)

    qtbot.keyClicks(window.lock_screen.password, "not-the-password")
    click(qtbot, window.lock_screen.unlock_button)
    assert window.lock_screen.error.isVisible()
    assert not window.workspace.isVisible()
    assert mrn not in _visible_text(window)

    qtbot.keyClicks(window.lock_screen.password, "doctor-secret-1")
    click(qtbot, window.lock_screen.unlock_button)
    assert window.workspace.isVisible()
    assert mrn in _visible_text(window)


def test_lock_clears_a_status_message_that_names_the_patient(make_window, qtbot, clinic):  # noqa: F811
    window = make_window(idle_ms=60_000)
    sign_in(qtbot, window, "doc")
    record = _open_example(qtbot, window, clinic)
    window.visit_page.generate_pdf()  # "Summary written to …/cramp_dx-<MRN>-….pdf"
    window.preview.close()
    mrn = record.workup.patient.mrn
    assert mrn in window.statusBar().currentMessage()
    window.lock()
    assert mrn not in _visible_text(window)


def test_the_lock_message_is_shown_whole(make_window, qtbot):  # noqa: F811
    window = make_window(idle_ms=60_000)
    sign_in(qtbot, window, "doc")
    window.lock()
    qtbot.waitExposed(window.lock_screen)
    title = window.lock_screen.title
    assert "Enter your password" in title.text()
    assert title.heightForWidth(title.width()) <= title.height()


def test_lock_saves_pending_edits_and_hides_open_dialogs(make_window, qtbot, clinic):  # noqa: F811
    window = make_window(idle_ms=60_000)
    sign_in(qtbot, window, "doc")
    record = _open_example(qtbot, window, clinic)
    page = window.visit_page
    click(qtbot, page.editor.finding_control("foot_drop").buttons[False])
    page.generate_pdf()
    assert window.preview.isVisible()
    window.lock()
    assert clinic.services("doc").load_visit(record.id).workup.findings["foot_drop"] is False
    assert not window.preview.isVisible()
    window.unlock("doctor-secret-1")
    assert window.preview.isVisible()
    window.preview.close()


def test_conflicting_save_shows_both_values_and_keeps_mine_until_chosen(
    make_window, qtbot, clinic  # noqa: F811
):
    window = make_window()
    sign_in(qtbot, window, "doc")
    record = _open_example(qtbot, window, clinic)
    page = window.visit_page
    # another workstation records the heart rate first
    clinic.services("nurse").apply(record.id, SetMeasurement("heart_rate_bpm", 112, 84),
                                   record.version)

    field = page.editor.widget_for(("measurement", "heart_rate_bpm"))
    field.edit.clear()
    qtbot.keyClicks(field.edit, "96")
    field.edit.editingFinished.emit()
    qtbot.waitUntil(lambda: page.conflict_dialog is not None and page.conflict_dialog.isVisible())
    dialog = page.conflict_dialog
    assert dialog.mine_label.text() == "96"
    assert dialog.theirs_label.text() == "112"
    assert field.edit.text() == "96"  # what I typed is still there
    assert window.save_indicator.state == "conflict"
    assert clinic.services("doc").load_visit(record.id).workup.measurements[
        "heart_rate_bpm"] == 112

    dialog.reject()  # Escape decides nothing
    assert dialog.isVisible() and page.session.pending
    click(qtbot, dialog.keep_mine)
    wait_saved(qtbot, window)
    assert clinic.services("doc").load_visit(record.id).workup.measurements[
        "heart_rate_bpm"] == 96


def test_choosing_their_value_shows_it(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "doc")
    record = _open_example(qtbot, window, clinic)
    page = window.visit_page
    clinic.services("doc").apply(record.id, SetFinding("foot_drop", True), record.version)
    control = page.editor.finding_control("foot_drop")
    click(qtbot, control.buttons[False])
    qtbot.waitUntil(lambda: page.conflict_dialog is not None and page.conflict_dialog.isVisible())
    assert (page.conflict_dialog.mine_label.text(),
            page.conflict_dialog.theirs_label.text()) == ("absent", "present")
    click(qtbot, page.conflict_dialog.use_theirs)
    assert control.value() is True
    assert not page.session.pending


def test_edits_of_different_fields_merge_without_a_dialog(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "doc")
    record = _open_example(qtbot, window, clinic)
    page = window.visit_page
    clinic.services("nurse").apply(record.id, SetFinding("smoker", True), record.version)
    click(qtbot, page.editor.finding_control("foot_drop").buttons[True])
    wait_saved(qtbot, window)
    assert page.conflict_dialog is None
    findings = clinic.services("doc").load_visit(record.id).workup.findings
    assert findings["smoker"] is True and findings["foot_drop"] is True
