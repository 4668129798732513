"""A new database URL saved in the settings is opened when the user signs out (the app
offers to sign out at once); one that cannot be opened leaves the previous record in use and
the sign-in page says why."""

from __future__ import annotations

import pytest
from support.record import example, make_record
from support.ui import (  # noqa: F401 - fixtures
    clinic,
    make_window,
    no_leaked_windows,
    sign_in,
)

pytestmark = pytest.mark.gui


@pytest.fixture
def other_record(tmp_path):
    path = tmp_path / "branch-clinic.sqlite3"
    record = make_record(f"sqlite:///{path}")
    record.services("doc").import_case(example("ex3-scar-or-disc"))
    record.db.dispose()
    return path


def mrns(window) -> set[str]:
    return {row.mrn for row in window.patient_list.rows}


def test_a_new_database_opens_at_sign_out_and_its_patients_are_listed(
    make_window, qtbot, clinic, other_record  # noqa: F811
):
    clinic.services("doc").import_case(example("ex1-diuretic-cramps"))
    window = make_window()
    sign_in(qtbot, window, "doc")
    assert mrns(window) == {example("ex1-diuretic-cramps").patient.mrn}
    window.confirm_switch_database = lambda: True
    window._settings_saved(window.settings.with_changes(database_url=f"sqlite:///{other_record}"))

    assert window.sign_in.isVisible() and window.services is None
    assert window.database.describe() == str(other_record)
    assert str(other_record) in window.sign_in.notice.text()
    sign_in(qtbot, window, "doc")
    assert mrns(window) == {example("ex3-scar-or-disc").patient.mrn}


def test_declining_keeps_the_user_signed_in_until_they_sign_out(
    make_window, qtbot, clinic, other_record  # noqa: F811
):
    window = make_window()
    sign_in(qtbot, window, "doc")
    window.confirm_switch_database = lambda: False
    window._settings_saved(window.settings.with_changes(database_url=f"sqlite:///{other_record}"))
    assert window.services is not None
    assert "opens when you sign out" in window.statusBar().currentMessage()
    assert window.database is clinic.db
    window.sign_out()
    assert window.database.describe() == str(other_record)


def test_a_database_that_cannot_be_opened_leaves_the_previous_one_in_use(
    make_window, qtbot, clinic, tmp_path  # noqa: F811
):
    notes = tmp_path / "notes.sqlite3"
    notes.write_text("not a database", encoding="utf-8")
    window = make_window()
    sign_in(qtbot, window, "doc")
    window.confirm_switch_database = lambda: True
    window._settings_saved(window.settings.with_changes(database_url=f"sqlite:///{notes}"))

    assert window.database is clinic.db
    error = window.sign_in.error.text()
    assert "previous one is still in use" in error and str(notes) in error
    sign_in(qtbot, window, "doc")
    assert window.services is not None
