"""What the physician reads: every "why" of the differential in full, earlier lab values of
the patient beside each result, and a window that fits the screen it opens on."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication
from support.ui import (  # noqa: F401 - fixtures
    clinic,
    make_window,
    no_leaked_windows,
    sign_in,
)

from cramp_dx.case.model import LabResult, Surgery
from cramp_dx.services.changes import AddLab, SetFinding

pytestmark = pytest.mark.gui

SURGERY = Surgery(date=date.today() - timedelta(weeks=2), procedure="fusion", levels=("L4-L5",))


def open_new_visit(window, rec, *labs, earlier_labs=()):
    svc = rec.services("doc")
    patient = svc.create_patient("RD-1", "Reader", "Rita", date(1958, 3, 4), "female")
    if earlier_labs:
        before = svc.create_visit(patient.id, date.today() - timedelta(days=10), SURGERY)
        for lab in earlier_labs:
            before = svc.apply(before.id, AddLab(lab), before.version)
    visit = svc.create_visit(patient.id, date.today(), SURGERY)
    for lab in labs:
        visit = svc.apply(visit.id, AddLab(lab), visit.version)
    for finding in ("calf_swelling_unilateral", "pitting_edema_symptomatic_leg"):
        visit = svc.apply(visit.id, SetFinding(finding, True, None), visit.version)
    window.patient_list.refresh()
    window.open_patient(patient.id)
    return window.visit_page


def test_each_supporting_reason_is_its_own_line_shown_in_full(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "doc")
    page = open_new_visit(window, clinic)
    window.resize(1000, 700)  # a narrow differential: long reasons must wrap, not be cut
    tree = page.differential.tree
    dvt = page.differential.item("dvt")
    dvt.setExpanded(True)
    QApplication.processEvents()
    assessment = page.assessment
    result = next(d for d in assessment.differential if d.id == "dvt")
    lines = [dvt.child(i).text(0) for i in range(dvt.childCount())]
    assert [line for line in lines if line.startswith("Supports: ")] == [
        f"Supports: {reason}" for reason in result.supporting
    ]
    assert all("…" not in line for line in lines)
    delegate = tree.itemDelegate()
    for i in range(dvt.childCount()):
        child = dvt.child(i)
        index = tree.indexFromItem(child)
        needed = tree.fontMetrics().boundingRect(
            QRect(0, 0, delegate.text_width(index), 100_000), Qt.TextFlag.TextWordWrap,
            child.text(0),
        ).height()
        assert tree.visualItemRect(child).height() >= needed, child.text(0)
    assert any(tree.visualItemRect(dvt.child(i)).height() > tree.fontMetrics().height() * 1.5
               for i in range(dvt.childCount())), "at this width some reason must wrap"


def test_earlier_visits_lab_values_are_shown_beside_the_result(make_window, qtbot, clinic):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "doc")
    earlier_day = date.today() - timedelta(days=11)
    page = open_new_visit(
        window, clinic, LabResult("sodium", 128, "mmol/L", date.today()),
        earlier_labs=(LabResult("sodium", 134, "mmol/L", earlier_day),
                      LabResult("potassium", 4.0, "mmol/L", earlier_day)),
    )
    page.editor.show_section("labs")
    table = page.editor.labs.table
    assert table.rowCount() == 1
    assert table.item(0, 1).text() == "128"
    assert table.item(0, 6).text() == f"134 mmol/L ({earlier_day.isoformat()}, earlier visit)"


def test_the_window_never_opens_larger_than_the_screen(make_window):  # noqa: F811
    window = make_window()
    available = window.screen().availableGeometry()
    assert window.width() <= available.width() and window.height() <= available.height()
    assert window.minimumSizeHint().width() <= available.width()


def test_the_si_unit_is_offered_first_when_the_clinic_prefers_si(make_window, qtbot):  # noqa: F811
    from cramp_dx.settings import Settings

    window = make_window(settings=Settings(lab_units="si"))
    labs = window.visit_page.editor.labs
    labs.choose_test("magnesium")
    assert labs.unit.currentText() == "mmol/L"
    labs.choose_test("potassium")  # no separate SI unit: the default stays first
    assert labs.unit.currentText() == "mmol/L"
    labs.choose_test("creatinine")
    assert labs.unit.currentText() == "µmol/L"
