"""What the physician reads in the app: the published sources in the "why" of a ranked item
and behind each red flag, repeat tests marked, and medication names the catalog does not know
listed as "not in the catalog — review" (SPEC-2 sections 6, 8 and 9)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QToolButton
from support.ui import (  # noqa: F401 - fixtures
    click,
    clinic,
    make_window,
    no_leaked_windows,
    open_example_visit,
)

from cramp_dx.engine.result import NextTest

pytestmark = pytest.mark.gui

UNKNOWN = "Zorblax tonic"
REVIEW = "not in the catalog — review"


def _flag_row(page, flag_id: str):
    button = page.banner.findChild(QToolButton, f"references_{flag_id}")
    return button, button.parent().findChild(QLabel, "redFlagReferences")


def test_the_why_of_a_ranked_item_lists_each_reference_on_its_own_line(
    make_window, qtbot, clinic  # noqa: F811
):
    page, _ = open_example_visit(qtbot, make_window(), clinic, "ex2-early-swollen-calf")
    result = next(d for d in page.assessment.differential if d.id == "dvt")
    assert result.references, "every differential carries its sources (references.toml)"
    dvt = page.differential.item("dvt")
    dvt.setExpanded(True)
    lines = [dvt.child(i).text(0) for i in range(dvt.childCount())]
    assert [line for line in lines if line.startswith("Reference: ")] == [
        f"Reference: {reference}" for reference in result.references
    ]


def test_a_red_flag_shows_its_references_when_asked(make_window, qtbot, clinic):  # noqa: F811
    page, _ = open_example_visit(qtbot, make_window(), clinic, "ex2-early-swollen-calf")
    flag = next(f for f in page.assessment.red_flags if f.id == "dvt_likely")
    button, references = _flag_row(page, "dvt_likely")
    assert button.isVisible() and not references.isVisible()
    assert button.text() == f"References ({len(flag.references)})"
    click(qtbot, button)
    assert references.isVisible()
    assert references.text().splitlines() == list(flag.references)


def test_the_references_of_a_red_flag_have_accessible_names(
    make_window, qtbot, clinic  # noqa: F811
):
    page, _ = open_example_visit(qtbot, make_window(), clinic, "ex2-early-swollen-calf")
    button, references = _flag_row(page, "dvt_likely")
    assert button.accessibleName() == "Show the references of red flag: DVT likely"
    click(qtbot, button)
    assert button.accessibleName() == "Hide the references of red flag: DVT likely"
    assert references.accessibleName() == "References of red flag: DVT likely"


def test_a_repeat_test_is_marked_among_the_next_tests(make_window, qtbot, clinic):  # noqa: F811
    page, _ = open_example_visit(qtbot, make_window(), clinic, "ex2-early-swollen-calf")
    again = NextTest("ck", "Creatine kinase", ("rhabdomyolysis",), "Repeat in 24 h", repeat=True)
    first = NextTest("ecg", "ECG", ("hyperkalemia",), "Hyperkalemia (possible)")
    page.differential.show_assessment(replace(page.assessment, next_tests=(again, first)))
    text = page.differential.next_tests.text()
    assert "• Creatine kinase <b>(repeat)</b>: Repeat in 24 h" in text
    assert text.count("(repeat)") == 1


def test_a_medication_the_catalog_does_not_know_is_listed_for_review(
    make_window, qtbot, clinic  # noqa: F811
):
    page, _ = open_example_visit(qtbot, make_window(), clinic, "ex1-diuretic-cramps")
    page.editor.show_section("medications")
    meds = page.editor.medications
    meds.name.setFocus()
    qtbot.keyClicks(meds.name, UNKNOWN)
    click(qtbot, meds.add_button)
    qtbot.waitUntil(lambda: meds.table.rowCount() == 3, timeout=3000)
    QApplication.processEvents()
    assert [meds.table.item(row, 5).text() == REVIEW for row in range(3)] == [
        False, False, True]
    assert meds.unrecognised.isVisible()
    assert meds.unrecognised.text() == f"Not in the catalog — review: {UNKNOWN}"
