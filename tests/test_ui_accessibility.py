"""What a screen reader is given: the accessibility tree (Qt's QAccessible interfaces, which
AT-SPI, UIA and NSAccessibility expose) of each page, walked: every control a person can act
on has a name, and the pages built ahead of time but not on screen are not in it."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication, QStackedWidget
from support.accessible import nodes, unnamed
from support.record import example
from support.ui import (  # noqa: F401 - fixtures
    clinic,
    make_window,
    no_leaked_windows,
    sign_in,
)

pytestmark = pytest.mark.gui


def _warm(qtbot, window) -> None:
    qtbot.waitUntil(window.warm_up_done, timeout=10_000)


def _objects(window) -> set[int]:
    """Every widget in the tree, the ones marked invisible too."""
    return {id(node.object()) for node, _path in nodes(window, hidden=True)
            if node.object() is not None}


def test_every_control_of_the_sign_in_page_has_a_name(make_window, qtbot):  # noqa: F811
    window = make_window()
    _warm(qtbot, window)
    assert unnamed(window) == []


def test_the_pages_built_ahead_are_not_under_the_sign_in_page(make_window, qtbot):  # noqa: F811
    window = make_window()
    _warm(qtbot, window)  # the workspace and the workup page are built by now
    seen = _objects(window)
    assert id(window.workspace) not in seen and id(window.visit_page) not in seen


def test_every_control_of_the_patient_list_has_a_name(make_window, qtbot, clinic):  # noqa: F811
    clinic.services("doc").import_case(example("ex1-diuretic-cramps"))
    window = make_window()
    sign_in(qtbot, window, "doc")
    qtbot.keyClicks(window.patient_list.search, "Ex")  # the clear button shows
    window.patient_list.refresh()
    QApplication.processEvents()
    assert unnamed(window) == []


@pytest.mark.parametrize("who", ["doc", "nurse"])
def test_every_control_of_every_workup_section_has_a_name(make_window, qtbot, clinic, who):  # noqa: F811
    record = clinic.services("doc").import_case(example("ex2-early-swollen-calf"))
    window = make_window()
    sign_in(qtbot, window, who)
    window.open_patient(record.patient_id)
    editor = window.visit_page.editor
    problems = {}
    for section in editor.role_sections:
        editor.show_section(section)
        QApplication.processEvents()
        found = unnamed(window)
        if found:
            problems[section] = found
    assert problems == {}


def test_only_the_section_on_screen_is_in_the_tree(make_window, qtbot, clinic):  # noqa: F811
    record = clinic.services("doc").import_case(example("ex1-diuretic-cramps"))
    window = make_window()
    sign_in(qtbot, window, "doc")
    window.open_patient(record.patient_id)
    editor = window.visit_page.editor
    editor.show_section("labs")
    stack = QAccessible.queryAccessibleInterface(editor.stack)
    assert stack.childCount() == 1
    assert stack.child(0).object() is editor.sections["labs"]
    seen = _objects(window)
    assert id(editor.sections["labs"]) in seen
    assert not any(id(s) in seen for sid, s in editor.sections.items() if sid != "labs")


def test_every_stack_shows_one_page(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "doc")
    for stack in window.findChildren(QStackedWidget):
        interface = QAccessible.queryAccessibleInterface(stack)
        assert interface.childCount() == 1, stack.objectName()


def test_every_control_of_the_new_patient_form_has_a_name(make_window, qtbot):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "nurse")
    window.new_patient()
    dialog = window.new_patient_dialog
    assert unnamed(dialog) == []
    dialog.reject()


def test_every_control_of_the_pdf_preview_and_the_addendum_has_a_name(make_window, qtbot, clinic):  # noqa: F811
    record = clinic.services("doc").import_case(example("ex1-diuretic-cramps"))
    window = make_window()
    sign_in(qtbot, window, "doc")
    window.open_patient(record.patient_id)
    page = window.visit_page
    page.generate_pdf()
    assert unnamed(window.preview) == []
    window.preview.close()
    page.confirm = lambda *_: True
    page.sign()
    page.add_addendum()
    assert unnamed(page.addendum_dialog) == []
    page.addendum_dialog.reject()
