"""Autosave through the window: a value is saved while its field keeps the focus and the
status bar says so; an entry typed and not added comes back as a draft; closing the app while
a save is in flight waits for it."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from support.ui import (  # noqa: F401 - fixtures
    clinic,
    make_window,
    no_leaked_windows,
    open_example_visit,
    wait_saved,
)

from cramp_dx.paths import data_dir
from cramp_dx.services.drafts import Drafts

pytestmark = pytest.mark.gui


def test_a_value_is_saved_while_its_field_keeps_the_focus(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, record = open_example_visit(qtbot, window, clinic, "ex1-diuretic-cramps")
    page.editor.show_section("context")
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    edit = page.editor.widget_for(("measurement", "heart_rate_bpm")).edit
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus, timeout=1000)
    edit.selectAll()
    qtbot.keyClicks(edit, "96")
    typed_at = time.monotonic()
    qtbot.waitUntil(lambda: clinic.services("doc").load_visit(record.id).workup.measurements[
        "heart_rate_bpm"] == 96, timeout=1000)
    assert time.monotonic() - typed_at < 1.0
    assert QApplication.focusWidget() is edit
    qtbot.waitUntil(lambda: window.save_indicator.text().startswith("Saved"), timeout=1000)


def test_the_status_bar_says_unsaved_while_the_pause_runs(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, _record = open_example_visit(qtbot, window, clinic, "ex1-diuretic-cramps")
    page.editor.show_section("plan")
    notes = page.editor.sections["plan"].widget_for(("notes",)).edit
    notes.setFocus()
    qtbot.keyClicks(notes, " More.")
    assert window.save_indicator.text() == "Unsaved changes…"


def test_a_lab_entry_typed_earlier_comes_back_when_the_visit_opens(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, record = open_example_visit(qtbot, window, clinic, "ex1-diuretic-cramps")
    Drafts(data_dir() / "drafts", clinic.db.describe(), "doc").save(
        record.id, "lab", {"test": "magnesium", "value": "1.2", "unit": "mg/dL", "collected": ""})
    window.open_record(clinic.services("doc").load_visit(record.id))
    labs = page.editor.labs
    assert (labs.test.currentData(), labs.value.text()) == ("magnesium", "1.2")
    assert "not added yet" in window.statusBar().currentMessage()


def test_a_lab_entry_typed_is_kept_as_a_draft(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, record = open_example_visit(qtbot, window, clinic, "ex1-diuretic-cramps")
    page.editor.show_section("labs")
    page.editor.labs.choose_test("magnesium")
    qtbot.keyClicks(page.editor.labs.value, "1.2")
    drafts = Drafts(data_dir() / "drafts", clinic.db.describe(), "doc")
    qtbot.waitUntil(lambda: drafts.load(record.id, "lab").get("value") == "1.2", timeout=1000)
    qtbot.waitUntil(lambda: "Draft kept" in window.statusBar().currentMessage(), timeout=1000)


def test_closing_while_a_save_is_in_flight_loses_nothing(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, record = open_example_visit(qtbot, window, clinic, "ex1-diuretic-cramps")
    services = page.session.services
    real_apply = services.apply

    def slow_apply(*args, **kwargs):
        time.sleep(0.5)
        return real_apply(*args, **kwargs)

    services.apply = slow_apply
    page.editor.show_section("examination")
    qtbot.mouseClick(page.editor.finding_control("foot_drop").buttons[True], Qt.MouseButton.LeftButton)
    page.session.run(None)  # the save starts now rather than after the pause
    assert page.session.saving()
    window.close()
    assert clinic.services("doc").load_visit(record.id).workup.findings["foot_drop"] is True
