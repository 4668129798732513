"""The operation in detail in the visit editor (SPEC-2 section 2): approach, position on the
table and six yes/no details, each a labelled choice worked with the keyboard and saved like
the other fields."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QLabel
from support.record import example
from support.ui import (  # noqa: F401 - fixtures
    clinic,
    make_window,
    no_leaked_windows,
    open_example_visit,
    sign_in,
    typed,
    wait_saved,
)

from cramp_dx.case.model import OPERATION_FLAG_LABELS, OPERATION_FLAGS
from cramp_dx.services import changes

pytestmark = pytest.mark.gui

LABELS = {
    "instrumentation": "Pedicle screws / rods",
    "interbody_device": "Interbody device (cage)",
    "durotomy": "Dural tear (durotomy)",
    "bmp_used": "rhBMP-2 used",
    "iliac_crest_graft": "Iliac crest graft",
    "pelvic_fixation": "Pelvic fixation",
}


def open_context(qtbot, window, clinic):  # noqa: F811
    page, record = open_example_visit(qtbot, window, clinic, "ex1-diuretic-cramps")
    page.editor.show_section("context")
    return page, record


def pick(qtbot, field, key: Qt.Key) -> None:
    """Focus the field's choice and press a key, as a keyboard user would."""
    field.combo.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(field.combo, key)


def saved_surgery(clinic, record):  # noqa: F811
    return clinic.services("doc").load_visit(record.id).workup.surgery


def test_durotomy_and_position_chosen_with_the_keyboard_are_saved(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, record = open_context(qtbot, window, clinic)
    pick(qtbot, page.editor.widget_for(("surgery", "durotomy")), Qt.Key.Key_Y)
    pick(qtbot, page.editor.widget_for(("surgery", "position")), Qt.Key.Key_K)
    wait_saved(qtbot, window)
    surgery = saved_surgery(clinic, record)
    assert (surgery.durotomy, surgery.position) == (True, "knee_chest")


def test_an_operation_detail_answered_no_is_saved_as_false(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, record = open_context(qtbot, window, clinic)
    field = page.editor.widget_for(("surgery", "bmp_used"))
    pick(qtbot, field, Qt.Key.Key_Down)  # not recorded → yes
    pick(qtbot, field, Qt.Key.Key_Down)  # yes → no
    wait_saved(qtbot, window)
    assert saved_surgery(clinic, record).bmp_used is False


def test_an_operation_detail_can_be_set_back_to_not_recorded(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, record = open_context(qtbot, window, clinic)
    field = page.editor.widget_for(("surgery", "durotomy"))
    pick(qtbot, field, Qt.Key.Key_Y)
    wait_saved(qtbot, window)
    pick(qtbot, field, Qt.Key.Key_Home)
    wait_saved(qtbot, window)
    assert saved_surgery(clinic, record).durotomy is None


def test_a_stored_operation_detail_is_shown_when_the_visit_opens(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "doc")
    svc = clinic.services("doc")
    record = svc.import_case(example("ex1-diuretic-cramps"))
    svc.apply(record.id, changes.SetSurgeryField("pelvic_fixation", False, None), record.version)
    window.patient_list.refresh()
    window.open_patient(record.patient_id)
    field = window.visit_page.editor.widget_for(("surgery", "pelvic_fixation"))
    assert field.combo.currentText() == "no"


def test_each_operation_detail_has_its_label_and_accessible_name(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, _ = open_context(qtbot, window, clinic)
    section = page.editor.sections["context"]
    buddies = {label.buddy(): label.text() for label in section.findChildren(QLabel) if label.buddy()}
    assert OPERATION_FLAG_LABELS == LABELS
    for name in OPERATION_FLAGS:
        combo = page.editor.widget_for(("surgery", name)).combo
        assert combo.accessibleName() == LABELS[name]
        assert buddies[combo] == LABELS[name]
        assert [combo.itemText(i) for i in range(combo.count())] == ["not recorded", "yes", "no"]


def test_the_approach_offers_lateral_and_anterior_with_readable_labels(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, _ = open_context(qtbot, window, clinic)
    combo = page.editor.widget_for(("surgery", "approach")).combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "not recorded", "open", "minimally invasive", "lateral (transpsoas/pre-psoas)",
        "anterior (ALIF)",
    ]


def test_the_position_offers_the_four_positions(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, _ = open_context(qtbot, window, clinic)
    combo = page.editor.widget_for(("surgery", "position")).combo
    assert [combo.itemData(i) for i in range(1, combo.count())] == [
        "prone", "knee_chest", "lateral_decubitus", "supine",
    ]


def test_a_sixth_lumbar_level_brings_the_transitional_vertebra_reminder(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, record = open_context(qtbot, window, clinic)
    field = page.editor.widget_for(("surgery", "levels"))
    assert not field.note.isVisible()
    typed(qtbot, field.edit, "L4-L5, L5-L6")
    assert field.note.isVisible()
    assert "Transitional lumbosacral vertebra" in field.note.text()
    wait_saved(qtbot, window)
    assert saved_surgery(clinic, record).levels == ("L4-L5", "L5-L6")


def test_a_level_written_lower_upper_is_refused_at_the_field(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, record = open_context(qtbot, window, clinic)
    field = page.editor.widget_for(("surgery", "levels"))
    typed(qtbot, field.edit, "L5-L4")
    qtbot.waitUntil(lambda: field.error.isVisible(), timeout=3000)
    assert 'write the upper vertebra first: "L4-L5"' in field.error.text()
    assert saved_surgery(clinic, record).levels == record.workup.surgery.levels


def assert_surgery_rows_fit(page) -> None:
    """Every new surgery row's label and choice lie whole inside the section's visible width
    (the section never scrolls sideways, so anything wider would be cut off)."""
    section = page.editor.sections["context"]
    viewport = section.scroll.viewport()
    names = ["position", *OPERATION_FLAGS]
    labels = {label.buddy(): label for label in section.findChildren(QLabel) if label.buddy()}
    for name in names:
        combo = page.editor.widget_for(("surgery", name)).combo
        for widget in (labels[combo], combo):
            left = widget.mapTo(viewport, QPoint(0, 0)).x()
            assert left >= 0 and left + widget.width() <= viewport.width(), (name, widget)
            assert widget.width() >= widget.sizeHint().width(), (name, widget)


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def test_the_operation_details_fit_the_section_width(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    window.resize(1000, 700)
    page, _ = open_context(qtbot, window, clinic)
    settle()
    assert_surgery_rows_fit(page)
