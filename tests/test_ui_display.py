"""The app shows a patient's name as typed: bidirectional control characters cannot reorder it
in the patient list or the patient header, and markup in a name is shown, not interpreted."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from types import SimpleNamespace

import pytest
from support.record import example
from support.ui import clinic, make_window, no_leaked_windows, sign_in  # noqa: F401 - fixtures

from cramp_dx.case.model import Patient, Surgery, Visit, Workup
from cramp_dx.ui.patient_header import PatientHeader
from cramp_dx.ui.patient_list import PatientList

pytestmark = pytest.mark.gui
OVERRIDE = "\u202e"  # right-to-left override: would show "evil" as "live"


def _header(qtbot, family: str) -> PatientHeader:
    header = PatientHeader()
    qtbot.addWidget(header)
    workup = Workup(
        surgery=Surgery(date=date(2026, 5, 4)),
        visit=Visit(date=date(2026, 9, 14)),
        patient=Patient(mrn=f"{OVERRIDE}M-1", family_name=family, given_name="Ann"),
    )
    header.show_visit(SimpleNamespace(workup=workup, status="intake"), 19.0)
    return header


def test_the_patient_list_shows_a_name_and_mrn_without_bidirectional_controls(qtbot) -> None:
    patients = PatientList()
    qtbot.addWidget(patients)
    row = SimpleNamespace(id=7, family_name=f"{OVERRIDE}evil", given_name="Ann",
                          mrn="\u2067M-1\u2069", birth_date=None, visit_status="intake")
    patients.show_rows([row], searching=False)
    assert (patients.table.item(0, 0).text(), patients.table.item(0, 1).text()) == ("EVIL, Ann", "M-1")


def test_the_patient_header_shows_a_name_and_mrn_without_bidirectional_controls(qtbot) -> None:
    header = _header(qtbot, f"{OVERRIDE}evil")
    assert "EVIL, Ann" in header.name.text()
    assert OVERRIDE not in header.name.text() + header.details.text()
    assert "MRN M-1" in header.details.text()


def test_markup_in_a_name_is_shown_literally_in_the_patient_header(qtbot) -> None:
    header = _header(qtbot, "<i>Smith</i>")
    assert "&lt;I&gt;SMITH&lt;/I&gt;, Ann" in header.name.text()


def test_the_window_title_names_the_patient_as_typed(make_window, qtbot, clinic) -> None:  # noqa: F811
    """The title takes the header's plain name, not its label with the markup cut out (which
    left "&amp;" and "&lt;" in the title)."""
    window = make_window()
    sign_in(qtbot, window, "doc")
    case = example("ex2-early-swollen-calf")
    case = replace(case, patient=replace(case.patient, family_name="O'Brien & <Smith>"))
    record = clinic.services("doc").import_case(case)
    window.patient_list.refresh()
    window.open_patient(record.patient_id)
    title = window.windowTitle()
    assert title.endswith(window.visit_page.header.patient_name)
    assert "&" in title and "<SMITH>" in title.upper()
    assert "&amp;" not in title and "&lt;" not in title and "<b" not in title
