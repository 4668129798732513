"""The labs table shows each result's reference range in the result's own unit (as the PDF
puts the value in the lab's unit beside it), so the two can be compared at a glance."""

from __future__ import annotations

from datetime import date

import pytest
from support.ui import (  # noqa: F401 - fixtures
    clinic,
    make_window,
    no_leaked_windows,
    open_example_visit,
    typed,
    wait_idle,
)

from cramp_dx.case.model import LabResult, Patient, Surgery, Visit, Workup
from cramp_dx.engine import assess
from cramp_dx.knowledge import load_knowledge

pytestmark = pytest.mark.gui
REFERENCE = 4


def test_a_result_in_mmol_per_litre_shows_its_range_in_mmol_per_litre(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    page, _record = open_example_visit(qtbot, window, clinic, "ex1-diuretic-cramps")
    labs = page.editor.labs
    page.editor.show_section("labs")
    labs.choose_test("magnesium")
    labs.unit.setCurrentIndex(labs.unit.findText("mmol/L"))
    typed(qtbot, labs.value, "0.5")
    wait_idle(qtbot, window)
    row = [labs.table.item(r, 0).text() for r in range(labs.table.rowCount())].index(
        "Magnesium, serum")
    assert labs.table.item(row, 2).text() == "mmol/L"
    assert labs.table.item(row, REFERENCE).text() == "0.6994–0.9051 mmol/L"  # 1.7–2.2 mg/dL
    assert labs.table.item(row, 3).text().startswith("L")


def test_the_assessment_carries_the_range_in_the_result_unit():
    workup = Workup(
        patient=Patient(sex="female"), surgery=Surgery(date=date(2026, 1, 5)),
        visit=Visit(date=date(2026, 2, 2)), labs=(LabResult("magnesium", 0.5, "mmol/L"),),
    )
    flag = assess(workup, load_knowledge()).lab_flags[0]
    assert flag.reference == "1.7–2.2 mg/dL"  # the PDF's column, beside the value in mg/dL
    assert flag.reference_in_unit == "0.6994–0.9051 mmol/L"
