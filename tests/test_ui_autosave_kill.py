"""What is typed survives a kill -9 one second later, with the field still focused: the real
app runs as a child process, types into one field and is killed; the record (or, for an
entry not added yet, its draft) is read back in this process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.record import example, make_record

from cramp_dx.paths import data_dir
from cramp_dx.services import Services
from cramp_dx.services.drafts import Drafts
from cramp_dx.store import open_database

pytestmark = [pytest.mark.gui, pytest.mark.slow]
APP = Path(__file__).resolve().parent / "support" / "typing_app.py"
ROOT = Path(__file__).resolve().parent.parent
AFTER_LAST_KEY_S = 1.0


def type_and_kill(url: str, visit_id: int, field: str, text: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    child = subprocess.Popen(
        [sys.executable, str(APP), url, str(visit_id), field, text],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    assert child.stdout is not None
    try:
        line = child.stdout.readline()
        assert line.strip() == "typed", child.stderr.read() if child.stderr else line
        time.sleep(AFTER_LAST_KEY_S)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()


@pytest.fixture
def saved_visit(tmp_path):
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    record = make_record(url)
    visit = record.services("doc").import_case(example("ex1-diuretic-cramps"))
    record.db.dispose()

    def reopen(entry: str | None = None):
        db = open_database(url)
        try:
            if entry is not None:
                return Drafts(data_dir() / "drafts", db.describe(), "doc").load(visit.id, entry)
            return Services(db, record.doc).load_visit(visit.id).workup
        finally:
            db.dispose()

    return url, visit.id, reopen


def test_a_measurement_typed_survives_a_kill(saved_visit):
    url, visit_id, reopen = saved_visit
    type_and_kill(url, visit_id, "measurement", "96")
    assert reopen().measurements["heart_rate_bpm"] == 96


def test_a_name_typed_survives_a_kill(saved_visit):
    url, visit_id, reopen = saved_visit
    type_and_kill(url, visit_id, "family_name", "Lindqvist")
    assert reopen().patient.family_name == "Lindqvist"


def test_notes_typed_survive_a_kill(saved_visit):
    url, visit_id, reopen = saved_visit
    type_and_kill(url, visit_id, "notes", " Cramps wake her twice a night.")
    assert reopen().visit.notes.endswith("Cramps wake her twice a night.")


def test_a_strength_grade_typed_survives_a_kill(saved_visit):
    url, visit_id, reopen = saved_visit
    type_and_kill(url, visit_id, "mrc_grade", "3")
    assert reopen().neuro_exam.get("left", "strength", "great_toe_extension") == 3


def test_a_medication_line_edited_survives_a_kill(saved_visit):
    url, visit_id, reopen = saved_visit
    type_and_kill(url, visit_id, "medication_line", "20 mg daily")
    assert reopen().medications[0].dose == "20 mg daily"


def test_a_lab_entry_not_added_survives_a_kill_as_a_draft(saved_visit):
    url, visit_id, reopen = saved_visit
    type_and_kill(url, visit_id, "lab_entry", "1.2")
    draft = reopen("lab")
    assert (draft["test"], draft["value"]) == ("magnesium", "1.2")


def test_a_medication_entry_not_added_survives_a_kill_as_a_draft(saved_visit):
    url, visit_id, reopen = saved_visit
    type_and_kill(url, visit_id, "medication_entry", "magnesium oxide")
    assert reopen("medication")["name"] == "magnesium oxide"
