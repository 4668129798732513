"""The app's sign-in and unlock are audited like the command line's, and a locked account is
told so."""

# ruff: noqa: F811

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import text
from support.ui import PASSWORDS, clinic, make_window, no_leaked_windows, sign_in  # noqa: F401

pytestmark = pytest.mark.gui


def attempt(qtbot, window, username: str, password: str) -> None:
    page = window.sign_in
    page.username.clear()
    qtbot.keyClicks(page.username, username)
    page.password.clear()
    qtbot.keyClicks(page.password, password)
    qtbot.mouseClick(page.button, Qt.MouseButton.LeftButton)


def sign_ins(clinic) -> list[tuple[str, str, dict]]:
    with clinic.db.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT username, action, new_value FROM audit_event "
                 "WHERE action IN ('sign_in', 'sign_in_failed') ORDER BY id")
        ).all()
    return [(u, a, json.loads(v)) for u, a, v in rows]


def test_the_apps_sign_ins_and_unlocks_are_audited(make_window, qtbot, clinic):
    window = make_window()
    attempt(qtbot, window, "nurse", "wrong-password")
    assert "wrong password" in window.sign_in.error.text()
    sign_in(qtbot, window, "nurse")
    window.lock()
    window.unlock("wrong-password")
    window.unlock(PASSWORDS["nurse"])
    assert [(u, a, v["via"]) for u, a, v in sign_ins(clinic)] == [
        ("nurse", "sign_in_failed", "app"),
        ("nurse", "sign_in", "app"),
        ("nurse", "sign_in_failed", "app unlock"),
        ("nurse", "sign_in", "app unlock"),
    ]


def test_a_locked_account_is_told_when_it_may_sign_in_again(make_window, qtbot, clinic):
    window = make_window()
    for _ in range(5):
        attempt(qtbot, window, "nurse", "wrong-password")
    attempt(qtbot, window, "nurse", PASSWORDS["nurse"])
    assert window.services is None
    assert "locked until" in window.sign_in.error.text()


def test_an_admin_sees_no_patients_and_opens_one_with_emergency_access(make_window, qtbot, clinic):
    from support.record import example

    clinic.services("doc").import_case(example("ex1-diuretic-cramps"))
    window = make_window()
    sign_in(qtbot, window, "admin")
    assert window.patient_list.rows == [] and "reads no patient data" in window.patient_list.count.text()
    assert window.emergency_action.isEnabled()
    window.emergency_access()
    dialog = window.emergency_dialog
    qtbot.keyClicks(dialog.mrn, "EX-0001")
    dialog.submit()
    assert "reason" in dialog.error.text() and window.visit_page.session is None
    qtbot.keyClicks(dialog.reason, "unconscious patient, physician unreachable")
    dialog.submit()
    page = window.visit_page
    assert page.session is not None and page.session.read_only
    assert page.emergency_banner.isVisible()
    assert "EMERGENCY ACCESS" in page.emergency_banner.text()


def test_an_emergency_reader_edits_nothing_and_keeps_no_drafts(make_window, qtbot, clinic):
    from support.record import example

    clinic.services("doc").import_case(example("ex1-diuretic-cramps"))
    window = make_window()
    sign_in(qtbot, window, "admin")
    window.emergency_access()
    dialog = window.emergency_dialog
    qtbot.keyClicks(dialog.mrn, "EX-0001")
    qtbot.keyClicks(dialog.reason, "unconscious patient, physician unreachable")
    dialog.submit()
    page = window.visit_page
    page.session.edit(("measurement", "heart_rate_bpm"), 99.0)
    page.session.edit(("neuro", "left", "strength", "great_toe_extension"), 3)
    assert page.session.pending == {} and page.session.view_only
    assert page.drafts.drafts is None


def test_the_apps_pdf_folder_is_owner_only(make_window, qtbot, clinic):
    import stat

    from support.ui import open_example_visit

    window = make_window()
    page, _record = open_example_visit(qtbot, window, clinic, "ex1-diuretic-cramps")
    path = page.generate_pdf()
    window.preview.close()
    assert path is not None
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_app_leaves_no_pdf_when_its_audit_fails(make_window, qtbot, clinic):
    from support.ui import open_example_visit

    window = make_window()
    page, _record = open_example_visit(qtbot, window, clinic, "ex1-diuretic-cramps")
    with clinic.db.engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TRIGGER test_audit_fails BEFORE INSERT ON audit_event WHEN NEW.action = 'pdf' "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
        )
    assert page.generate_pdf() is None
    from cramp_dx.paths import data_dir

    assert list((data_dir() / "reports").iterdir()) == []
    assert "could not be written" in page.error_box.text()
    page.error_box.close()
