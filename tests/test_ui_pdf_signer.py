"""The draft summary's people: "Clinician" is the signed-in user who builds it; the signature
block names the physician who will sign (the physician building it) or is left blank — never
the nurse who took the intake."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from support.ui import (  # noqa: F401 - fixtures
    clinic,
    make_window,
    no_leaked_windows,
    sign_in,
)

from cramp_dx.case.model import Surgery

pytestmark = pytest.mark.gui


def _nurse_intake(clinic):  # noqa: F811
    nurse = clinic.services("nurse")
    patient = nurse.create_patient("S-1", "Signer", "Sam", date(1960, 1, 1), "male")
    return nurse.create_visit(patient.id, date.today(),
                              Surgery(date=date.today() - timedelta(weeks=3)))


def _summary(qtbot, window, who: str, visit) -> tuple[str, str]:
    """The header's clinician line and the signature section of the PDF `who` builds."""
    sign_in(qtbot, window, who)
    window.open_patient(visit.patient_id)
    path = window.visit_page.generate_pdf()
    window.preview.close()
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    lines = text.splitlines()
    clinician = lines[lines.index("Clinician") + 1]
    return clinician, text[text.rindex("Signature"):].replace("\n", " ")


def test_a_physician_building_a_draft_is_named_to_sign_it(make_window, qtbot, clinic):  # noqa: F811
    visit = _nurse_intake(clinic)
    clinician, signature = _summary(qtbot, make_window(), "doc", visit)
    assert clinician == "doc"
    assert "Name doc" in signature and "nurse" not in signature


def test_a_nurse_building_a_draft_leaves_the_signer_blank(make_window, qtbot, clinic):  # noqa: F811
    visit = _nurse_intake(clinic)
    clinician, signature = _summary(qtbot, make_window(), "nurse", visit)
    assert clinician == "nurse"
    assert "Name ____" in signature and "nurse" not in signature
