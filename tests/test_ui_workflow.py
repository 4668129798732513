"""End to end on a real SQLite file: a nurse takes the intake and hands over; a physician
adds labs and findings, watches the differential and the red-flag banner, acknowledges the
flag, prints the PDF and signs; the signed visit refuses further edits."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from support.ui import (  # noqa: F401 - fixtures
    click,
    clinic,
    make_window,
    no_leaked_windows,
    shortcut,
    sign_in,
    typed,
    wait_idle,
    wait_saved,
)

from cramp_dx.case.model import LabResult
from cramp_dx.services import SignedVisitError
from cramp_dx.services.changes import SetFinding

pytestmark = pytest.mark.gui

SURGERY = date.today() - timedelta(weeks=4)


def _nurse_intake(qtbot, window) -> None:
    shortcut(qtbot, window, Qt.Key.Key_N)
    dialog = window.new_patient_dialog
    qtbot.keyClicks(dialog.mrn, "T-100")
    qtbot.keyClicks(dialog.family_name, "Testperson")
    qtbot.keyClicks(dialog.given_name, "Alma")
    qtbot.keyClicks(dialog.birth_date, "1960-05-04")
    dialog.sex.setCurrentIndex(dialog.sex.findData("female"))
    qtbot.keyClicks(dialog.surgery_date, SURGERY.isoformat())
    dialog.procedure.setCurrentIndex(dialog.procedure.findData("laminectomy"))
    qtbot.keyClicks(dialog.levels, "L4-L5")
    qtbot.keyClick(dialog.levels, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.visit_page.session is not None)

    page = window.visit_page
    editor = page.editor
    editor.show_section("history")
    click(qtbot, editor.finding_control("nocturnal_cramps").buttons[True])
    click(qtbot, editor.finding_control("chest_pain_or_dyspnea").buttons[False])
    editor.show_section("comorbidities")
    click(qtbot, editor.finding_control("prior_dvt").buttons[False])
    editor.show_section("context")
    typed(qtbot, editor.widget_for(("measurement", "heart_rate_bpm")).edit, "84")
    editor.show_section("medications")
    meds = editor.medications
    qtbot.keyClicks(meds.name, "furosemide")
    qtbot.keyClicks(meds.dose, "40 mg daily")
    click(qtbot, meds.add_button)
    wait_saved(qtbot, window)


def test_nurse_then_physician_workup(make_window, qtbot, clinic, tmp_path):  # noqa: F811
    window = make_window()
    sign_in(qtbot, window, "nurse")
    _nurse_intake(qtbot, window)
    page = window.visit_page
    assert "examination" not in page.editor.role_sections
    assert "labs" not in page.editor.role_sections
    assert not page.sign_button.isVisible()

    click(qtbot, page.ready_button)
    visit_id = page.session.visit_id
    assert clinic.services("doc").load_visit(visit_id).status == "ready_for_review"
    saved = clinic.services("doc").load_visit(visit_id).workup
    assert saved.findings == {"nocturnal_cramps": True, "chest_pain_or_dyspnea": False,
                              "prior_dvt": False}
    assert saved.measurements == {"heart_rate_bpm": 84.0}
    assert [(m.name, m.dose) for m in saved.medications] == [("furosemide", "40 mg daily")]

    window.sign_out()
    sign_in(qtbot, window, "doc")
    qtbot.keyClicks(window.patient_list.search, "T-100")
    window.patient_list.refresh()
    assert [r.mrn for r in window.patient_list.rows] == ["T-100"]
    qtbot.keyClick(window.patient_list.search, Qt.Key.Key_Return)
    assert page.session.visit_id == visit_id
    assert "examination" in page.editor.role_sections

    # labs: a low magnesium is flagged in words; a typo (K 45) is explained and not saved
    labs = page.editor.labs
    page.editor.show_section("labs")
    labs.choose_test("magnesium")
    typed(qtbot, labs.value, "1.2")
    wait_idle(qtbot, window)
    assert page.session.record.workup.labs == (LabResult("magnesium", 1.2, "mg/dL"),)
    assert labs.table.item(0, 3).text().startswith("L")
    labs.choose_test("potassium")
    typed(qtbot, labs.value, "45")
    assert labs.error.isVisible()
    assert labs.error.text().startswith("Potassium, serum: 45 mmol/L is not plausible")
    assert len(page.session.record.workup.labs) == 1
    qtbot.keyClick(labs.value, Qt.Key.Key_Escape)  # the typo is dropped on purpose
    assert labs.value.text() == "" and not labs.error.isVisible()

    # a swollen calf four weeks after surgery: the banner and the differential change
    assert "dvt_likely" not in page.banner.flag_ids()
    rank_before = page.differential.ranked_ids().index("dvt")
    page.editor.show_section("examination")
    click(qtbot, page.editor.finding_control("calf_swelling_unilateral").buttons[True])
    assert "dvt_likely" in page.banner.flag_ids()
    assert page.differential.ranked_ids().index("dvt") < rank_before
    assert page.differential.status_of("dvt") == "urgent"
    wait_saved(qtbot, window)

    # signing is refused while the flag is open; acknowledging is audited
    page.confirm = lambda *_: True
    click(qtbot, page.sign_button)
    assert page.session.record.status == "ready_for_review"
    assert "Acknowledge the red flags" in page.error_box.text()
    page.error_box.close()
    click(qtbot, page.banner.findChild(type(page.sign_button), "ack_dvt_likely"))
    wait_idle(qtbot, window)
    assert "dvt_likely" in clinic.services("doc").load_visit(visit_id).acknowledged_red_flags
    trail = clinic.services("doc").audit_trail(page.session.record.patient_id)
    assert any(e.field == "acknowledged_red_flags.dvt_likely" and e.username == "doc"
               for e in trail)
    assert "dvt_likely" in page.banner.flag_ids()  # still shown, marked acknowledged

    # Ctrl+P: the summary is written, previewed, and says what the screen says
    shortcut(qtbot, window, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: window.preview is not None and window.preview.isVisible())
    assert window.preview.page_count() >= 1
    text = "\n".join(p.extract_text() for p in PdfReader(window.preview.pdf_path).pages)
    assert "Testperson" in text and "T-100" in text
    assert "Deep vein thrombosis" in text
    copy = window.preview.save_as(str(tmp_path / "copy.pdf"))
    assert copy is not None and copy.read_bytes() == window.preview.pdf_path.read_bytes()
    window.preview.close()

    click(qtbot, page.sign_button)
    record = clinic.services("doc").load_visit(visit_id)
    assert record.status == "signed" and record.signed_by
    assert page.addendum_button.isVisible() and not page.sign_button.isVisible()

    # further edits are refused: the controls are read-only and the service says no
    control = page.editor.finding_control("foot_drop")
    click(qtbot, control.buttons[True])
    assert control.value() is None
    assert not page.session.pending
    with pytest.raises(SignedVisitError):
        clinic.services("doc").apply(visit_id, SetFinding("foot_drop", True), record.version)
    page.add_addendum_text("Duplex booked for tomorrow morning.")
    assert [a.text for a in clinic.services("doc").load_visit(visit_id).addenda] == [
        "Duplex booked for tomorrow morning."
    ]
