"""The neurological examination in the record (issue 14): stored one row per examined sign,
edited one sign at a time through `Services.apply` like a finding — validated, audited with old
and new, conflict-checked, refused to a nurse — on SQLite and PostgreSQL."""

# the shared fixtures are imported by name, so test parameters "redefine" them
# ruff: noqa: F811

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from support.postgres import postgres_server, postgres_url  # noqa: F401
from support.record import any_url, example, record  # noqa: F401

from cramp_dx.casefile.io import case_to_dict
from cramp_dx.errors import InputError
from cramp_dx.services import ConflictError, PermissionDenied, changes
from cramp_dx.store import models as m

CASE = "ex4-wrong-level"


def rows(rec) -> int:
    with rec.db.session() as session:
        return session.execute(select(func.count()).select_from(m.VisitNeuroSign)).scalar_one()


def test_an_imported_examination_loads_back_identical(record):
    workup = example(CASE)
    saved = record.services().import_case(workup)
    loaded = record.services().load_visit(saved.id).workup
    assert loaded.neuro_exam == workup.neuro_exam
    assert case_to_dict(loaded)["neuro_exam"] == case_to_dict(workup)["neuro_exam"]
    assert rows(record) == len(workup.neuro_exam.signs())


def test_a_sign_is_set_changed_and_cleared_one_row_at_a_time(record):
    svc = record.services()
    r = svc.import_case(example("ex1-diuretic-cramps"))
    r = svc.apply(r.id, changes.SetNeuroSign("right", "strength", "great_toe_extension", 3, None), r.version)
    r = svc.apply(r.id, changes.SetNeuroSign("right", "reflexes", "ankle", "absent", None), r.version)
    assert rows(record) == 2
    r = svc.apply(r.id, changes.SetNeuroSign("right", "strength", "great_toe_extension", 4, 3), r.version)
    assert svc.load_visit(r.id).workup.neuro_exam.right.strength == {"great_toe_extension": 4}
    r = svc.apply(r.id, changes.SetNeuroSign("right", "reflexes", "ankle", None, "absent"), r.version)
    assert svc.load_visit(r.id).workup.neuro_exam.right.reflexes == {}
    assert rows(record) == 1


def test_an_edit_is_audited_with_its_path_old_and_new(record):
    svc = record.services()
    r = svc.import_case(example(CASE))
    svc.apply(r.id, changes.SetNeuroSign("left", "strength", "ankle_plantarflexion", 3, 4), r.version)
    update = svc.audit_trail(r.patient_id)[-1]
    assert (update.action, update.field) == ("update", "neuro_exam.left.strength.ankle_plantarflexion")
    assert (update.old_value, update.new_value) == ("4", "3")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (changes.SetNeuroSign("left", "strength", "ankle_dorsiflexion", 7),
         r"neuro_exam\.left\.strength\.ankle_dorsiflexion: 7 is not an MRC grade; accepted: 0 to 5"),
        (changes.SetNeuroSign("left", "sensory", "sole", "numb"),
         r"neuro_exam\.left\.sensory\.sole: \"numb\" not accepted"),
        (changes.SetNeuroSign("middle", "sensory", "sole", "reduced"),
         r"neuro_exam\.middle\.sensory\.sole: not a sign of the examination"),
        (changes.SetNeuroSign("left", "sensory", "big_toe", "reduced"),
         r"neuro_exam\.left\.sensory\.big_toe: not a sign of the examination"),
    ],
)
def test_a_bad_sign_is_refused_naming_its_path_and_nothing_is_written(record, change, message):
    svc = record.services()
    r = svc.import_case(example("ex1-diuretic-cramps"))
    before = len(svc.audit_trail(r.patient_id))
    with pytest.raises(InputError, match=message):
        svc.apply(r.id, change, r.version)
    assert svc.load_visit(r.id).version == r.version
    assert len(svc.audit_trail(r.patient_id)) == before


def test_two_sessions_editing_the_same_sign_the_second_gets_a_conflict(record):
    doc = record.services("doc")
    visit_id = doc.import_case(example(CASE)).id
    mine, theirs = doc.load_visit(visit_id), doc.load_visit(visit_id)
    doc.apply(visit_id, changes.SetNeuroSign("left", "sensory", "sole", "absent", "reduced"), theirs.version)
    mine_change = changes.SetNeuroSign("left", "sensory", "sole", "normal", "reduced")
    with pytest.raises(ConflictError) as caught:
        doc.apply(visit_id, mine_change, mine.version)
    assert caught.value.field == "neuro_exam.left.sensory.sole"
    assert (caught.value.mine, caught.value.theirs) == ("normal", "absent")
    assert doc.load_visit(visit_id).workup.neuro_exam.left.sensory["sole"] == "absent"


def test_two_sessions_editing_different_signs_both_save(record):
    doc = record.services("doc")
    visit_id = doc.import_case(example(CASE)).id
    mine, theirs = doc.load_visit(visit_id), doc.load_visit(visit_id)
    doc.apply(visit_id, changes.SetNeuroSign("right", "sensory", "sole", "reduced", "normal"), theirs.version)
    doc.apply(visit_id, changes.SetNeuroSign("right", "reflexes", "ankle", "reduced", "normal"), mine.version)
    exam = doc.load_visit(visit_id).workup.neuro_exam
    assert (exam.right.sensory["sole"], exam.right.reflexes["ankle"]) == ("reduced", "reduced")


def test_a_nurse_may_not_edit_or_import_the_examination(record):
    doc, nurse = record.services("doc"), record.services("nurse")
    r = doc.import_case(example("ex1-diuretic-cramps"))
    with pytest.raises(PermissionDenied, match="examination and test findings"):
        nurse.apply(r.id, changes.SetNeuroSign("left", "sensory", "sole", "reduced"), r.version)
    with pytest.raises(PermissionDenied):
        nurse.import_case(example(CASE))
