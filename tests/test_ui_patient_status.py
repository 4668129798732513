"""The workflow between nurse and physician: the patient list says where each patient's latest
visit stands and can list only those ready for the physician (the longest waiting first); a
physician opens a visit at its first section, not where the nurse left the window."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtWidgets import QApplication
from support.ui import (  # noqa: F401 - fixtures
    click,
    clinic,
    make_window,
    no_leaked_windows,
    sign_in,
)

from cramp_dx.case.model import Surgery

pytestmark = pytest.mark.gui
STATUS = 3


def _patient(clinic, mrn: str, family: str, *, ready: bool = False, signed: bool = False):  # noqa: F811
    nurse = clinic.services("nurse")
    patient = nurse.create_patient(mrn, family, "Pat", date(1950, 5, 5), "female")
    visit = nurse.create_visit(patient.id, date.today(),
                               Surgery(date=date.today() - timedelta(weeks=5)))
    if ready or signed:
        nurse.mark_ready(visit.id)
    if signed:
        clinic.services("doc").sign(visit.id)
    return patient


def _shown(window) -> dict[str, str]:
    table = window.patient_list.table
    return {table.item(r, 1).text(): table.item(r, STATUS).text() for r in range(table.rowCount())}


def test_each_patient_shows_where_the_latest_visit_stands(make_window, qtbot, clinic):  # noqa: F811
    _patient(clinic, "W-1", "Intake")
    _patient(clinic, "W-2", "Waiting", ready=True)
    _patient(clinic, "W-3", "Done", signed=True)
    window = make_window()
    window.showNormal()
    window.resize(1500, 900)
    sign_in(qtbot, window, "doc")
    window.workspace.size_for(window.width())
    QApplication.processEvents()
    assert _shown(window) == {"W-1": "intake", "W-2": "ready for physician", "W-3": "signed"}
    assert not window.patient_list.table.isColumnHidden(STATUS)


def test_the_list_filters_to_those_ready_for_the_physician(make_window, qtbot, clinic):  # noqa: F811
    _patient(clinic, "W-1", "Intake")
    _patient(clinic, "W-2", "Waiting", ready=True)
    _patient(clinic, "W-4", "Waitingtoo", ready=True)
    window = make_window()
    sign_in(qtbot, window, "doc")
    click(qtbot, window.patient_list.ready_only)
    assert list(_shown(window)) == ["W-2", "W-4"]  # the longest waiting first
    assert "2 ready for the physician" in window.patient_list.count.text()
    qtbot.keyClicks(window.patient_list.search, "Waitingt")
    window.patient_list.refresh()
    assert list(_shown(window)) == ["W-4"]


def test_a_physician_opens_the_visit_at_its_first_section(make_window, qtbot, clinic):  # noqa: F811
    patient = _patient(clinic, "W-2", "Waiting")
    window = make_window()
    sign_in(qtbot, window, "nurse")
    window.open_patient(patient.id)
    window.visit_page.editor.show_section("medications")
    window.sign_out()
    sign_in(qtbot, window, "doc")
    window.open_patient(patient.id)
    editor = window.visit_page.editor
    assert editor.current_section_id() == editor.role_sections[0] == "context"
    assert editor.section_list.currentRow() == 0
