"""Keyboard details: focus comes back after Acknowledge; no two actions on screen share an Alt
key; Alt+N types in the notes; Ctrl+PgDn / Ctrl+PgUp from every widget; the addendum is added
with Ctrl+Enter; a new patient's visit opens with the keyboard in its first field; Sign refuses
before asking while something is typed and not added; problems name the field, not a path."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton, QApplication, QGroupBox, QLabel, QPushButton
from support.record import example
from support.ui import (  # noqa: F401 - fixtures
    click,
    clinic,
    make_window,
    no_leaked_windows,
    open_example_visit,
    sign_in,
)

pytestmark = pytest.mark.gui
CTRL = Qt.KeyboardModifier.ControlModifier


def _activate(qtbot, window) -> None:
    QApplication.processEvents()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)


def _focus(qtbot, widget) -> None:
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=2000)


def _key(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)


def _flagged_visit(qtbot, window, clinic):  # noqa: F811
    page, record = open_example_visit(qtbot, window, clinic, "ex2-early-swollen-calf")
    _activate(qtbot, window)
    page.editor.show_section("examination")
    assert page.banner.unacknowledged_ids()
    return page, record


def test_focus_returns_to_the_finding_after_acknowledging_with_the_keyboard(
    make_window, qtbot, clinic  # noqa: F811
):
    window = make_window()
    page, _record = _flagged_visit(qtbot, window, clinic)
    control = page.editor.finding_control("foot_drop")
    _focus(qtbot, control)
    _key(qtbot, Qt.Key.Key_A, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert isinstance(QApplication.focusWidget(), QPushButton)
    _key(qtbot, Qt.Key.Key_Space)
    assert QApplication.focusWidget() is control


def test_focus_returns_to_the_finding_after_clicking_acknowledge(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, _record = _flagged_visit(qtbot, window, clinic)
    control = page.editor.finding_control("foot_drop")
    _focus(qtbot, control)
    flag = page.banner.unacknowledged_ids()[0]
    click(qtbot, page.banner.findChild(QPushButton, f"ack_{flag}"))
    assert QApplication.focusWidget() is control
    assert QApplication.focusWidget() is not window.patient_list.search


def _mnemonics(window) -> list[tuple[str, str]]:
    """(letter, what) of every Alt key shown in the window right now."""
    found = []
    texts = [(b.text(), b) for b in window.findChildren(QAbstractButton)]
    texts += [(label.text(), label) for label in window.findChildren(QLabel) if label.buddy()]
    texts += [(box.title(), box) for box in window.findChildren(QGroupBox)]
    for text, widget in texts:
        if widget.isVisible() and widget.isEnabled():
            key = QKeySequence.mnemonic(text)
            if not key.isEmpty():
                found.append((key.toString(), text))
    found += [(QKeySequence.mnemonic(a.text()).toString(), a.text())
              for a in window.menuBar().actions() if a.isVisible()]
    return found


@pytest.mark.parametrize("who", ["doc", "nurse"])
def test_no_two_actions_on_screen_share_an_alt_key(make_window, qtbot, clinic, who):  # noqa: F811
    window = make_window()
    record = clinic.services("doc").import_case(example("ex1-diuretic-cramps"))
    sign_in(qtbot, window, who)
    window.open_patient(record.patient_id)
    editor = window.visit_page.editor
    for section in editor.role_sections:
        editor.show_section(section)
        QApplication.processEvents()
        keys = _mnemonics(window)
        letters = [k for k, _text in keys]
        shared = {k: [t for kk, t in keys if kk == k] for k in letters if letters.count(k) > 1}
        assert not shared, f"{who}, section {section}: {shared}"


def test_alt_n_in_the_notes_types_and_opens_nothing(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, _record = open_example_visit(qtbot, window, clinic, "ex1-diuretic-cramps")
    _activate(qtbot, window)
    page.editor.show_section("plan")
    notes = page.editor.sections["plan"].widget_for(("notes",)).edit
    _focus(qtbot, notes)
    before = notes.toPlainText()
    _key(qtbot, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert getattr(window, "new_patient_dialog", None) is None
    assert QApplication.focusWidget() is notes
    assert len(notes.toPlainText()) == len(before) + 1 and "n" in notes.toPlainText()[:1]


def _focus_targets(window, page):
    editor = page.editor
    yield "context", editor.widget_for(("patient", "family_name")).edit
    yield "context", editor.widget_for(("patient", "sex")).combo
    yield "examination", editor.finding_control("foot_drop")
    yield "examination", editor.neuro.map
    yield "examination", editor.neuro.strength.cell("left", "hip_flexion")
    yield "examination", editor.neuro.reflexes.combo("left", "ankle")
    yield "labs", editor.labs.value
    yield "labs", editor.labs.table
    yield "medications", editor.medications.table
    yield "plan", editor.sections["plan"].widget_for(("notes",)).edit
    yield "history", page.differential.tree
    yield "history", window.patient_list.search
    yield "history", window.patient_list.table
    yield "history", editor.section_list


def test_ctrl_page_down_and_up_move_between_sections_from_every_widget(
    make_window, qtbot, clinic  # noqa: F811
):
    window = make_window()
    page, _record = open_example_visit(qtbot, window, clinic, "ex1-diuretic-cramps")
    _activate(qtbot, window)
    editor = page.editor
    for section, widget in _focus_targets(window, page):
        editor.show_section(section)
        _focus(qtbot, widget)
        row = editor.role_sections.index(section)
        _key(qtbot, Qt.Key.Key_PageDown, CTRL)
        after = editor.role_sections[(row + 1) % len(editor.role_sections)]
        assert editor.current_section_id() == after, type(widget).__name__
        editor.show_section(section)
        _focus(qtbot, widget)
        _key(qtbot, Qt.Key.Key_PageUp, CTRL)
        before = editor.role_sections[row - 1]
        assert editor.current_section_id() == before, type(widget).__name__


def test_the_addendum_is_added_with_ctrl_enter(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, record = open_example_visit(qtbot, window, clinic, "ex1-diuretic-cramps")
    page.confirm = lambda *_: True
    page.sign()
    qtbot.waitUntil(lambda: page.session.record.status == "signed", timeout=3000)
    page.add_addendum()
    dialog = page.addendum_dialog
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.text, timeout=2000)
    qtbot.keyClicks(dialog.text, "Duplex booked.")
    _key(qtbot, Qt.Key.Key_Return)  # a new line, not the end
    qtbot.keyClicks(dialog.text, "Patient informed.")
    _key(qtbot, Qt.Key.Key_Return, CTRL)
    texts = [a.text for a in clinic.services("doc").load_visit(record.id).addenda]
    assert texts == ["Duplex booked.\nPatient informed."]
    assert not dialog.isVisible()


def test_after_creating_a_patient_the_keyboard_is_in_its_first_field(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "nurse")
    _key(qtbot, Qt.Key.Key_N, CTRL)
    dialog = window.new_patient_dialog
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.mrn, timeout=2000)
    qtbot.keyClicks(dialog.mrn, "F-1")
    qtbot.keyClicks(dialog.surgery_date, "2026-01-05")
    qtbot.keyClick(dialog.surgery_date, Qt.Key.Key_Return)
    first = window.visit_page.editor.widget_for(("patient", "mrn")).edit
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first, timeout=2000)


def test_sign_refuses_before_asking_while_a_lab_is_typed_and_not_added(
    make_window, qtbot, clinic  # noqa: F811
):
    window = make_window()
    page, _record = open_example_visit(qtbot, window, clinic, "ex1-diuretic-cramps")
    asked = []
    page.confirm = lambda *args: asked.append(args) or True
    page.editor.show_section("labs")
    page.editor.labs.choose_test("magnesium")
    qtbot.keyClicks(page.editor.labs.value, "1.1")
    page.sign()
    assert asked == []
    assert "typed but not added" in window.statusBar().currentMessage()
    assert page.session.record.status != "signed"


def test_a_new_patient_problem_names_the_field_not_a_path(make_window, qtbot, clinic):  # noqa: F811
    from datetime import date

    clinic.services("nurse").create_patient("DUP-1", "First", "Anne", date(1970, 1, 1), None)
    window = make_window()
    sign_in(qtbot, window, "nurse")
    window.new_patient()
    dialog = window.new_patient_dialog
    qtbot.keyClicks(dialog.mrn, "DUP-1")
    qtbot.keyClicks(dialog.surgery_date, "2026-01-05")
    dialog._check()
    assert dialog.error.text().startswith("MRN: ")
    assert "patient.mrn" not in dialog.error.text()
    dialog.reject()

