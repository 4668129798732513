"""The service layer on SQLite and PostgreSQL: the visit round trip, optimistic concurrency,
lifecycle, roles and the audit trail."""

# the shared fixtures are imported by name, so test parameters "redefine" them
# ruff: noqa: F811

from __future__ import annotations

import dataclasses
import itertools
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from support.postgres import postgres_server, postgres_url  # noqa: F401
from support.record import EXAMPLES, any_url, example, record  # noqa: F401

from cramp_dx.case.model import LabResult, Medication, Surgery
from cramp_dx.casefile.io import case_to_dict
from cramp_dx.errors import InputError
from cramp_dx.services import (
    AuthError,
    ConflictError,
    PermissionDenied,
    RedFlagsOpenError,
    Services,
    SignedVisitError,
    audit,
    changes,
)
from cramp_dx.store.models import AuditEvent

# --- the visit ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_an_imported_case_loads_back_identical(record, name):
    workup = example(name)
    saved = record.services().import_case(workup)
    loaded = record.services("nurse").load_visit(saved.id)
    assert case_to_dict(loaded.workup) == case_to_dict(workup)
    assert (loaded.status, loaded.version) == ("intake", 1)


def test_a_case_for_a_known_mrn_becomes_a_new_visit_of_that_patient(record):
    svc = record.services()
    first = svc.import_case(example("ex1-diuretic-cramps"))
    second = svc.import_case(example("ex1-diuretic-cramps"))
    assert first.patient_id == second.patient_id and first.id != second.id
    assert [v.id for v in svc.list_visits(first.patient_id)] == [second.id, first.id]
    assert svc.latest_visit_id("EX-0001") == second.id


def test_a_case_naming_someone_else_under_a_known_mrn_is_refused(record):
    svc = record.services()
    svc.import_case(example("ex1-diuretic-cramps"))
    other = example("ex1-diuretic-cramps")
    other = dataclasses.replace(other, patient=dataclasses.replace(other.patient, given_name="Bo"))
    with pytest.raises(InputError, match=r"patient.given_name"):
        svc.import_case(other)


def test_a_case_for_a_known_mrn_passes_the_patient_checks(record):
    svc = record.services()
    first = example("ex1-diuretic-cramps")
    first = dataclasses.replace(first, patient=dataclasses.replace(first.patient, birth_date=None))
    svc.import_case(first)
    in_9000 = dataclasses.replace(first.patient, birth_date=date(9000, 1, 1))
    later = dataclasses.replace(first, patient=in_9000)

    with pytest.raises(InputError, match=r"patient.birth_date: 9000-01-01 is after the plausible range"):
        svc.import_case(later)

    assert svc.find_patient("EX-0001").birth_date is None


def test_a_new_visit_copies_the_latest_surgery(record):
    first = record.services().import_case(example("ex3-scar-or-disc"))
    visit = record.services("nurse").create_visit(first.patient_id, date(2026, 10, 30))
    assert visit.workup.surgery == first.workup.surgery
    assert visit.workup.findings == {}


def test_a_visit_before_its_surgery_is_refused_naming_the_field(record):
    svc = record.services()
    patient = svc.create_patient("P-1", "Doe", "Jo", date(1960, 1, 1), "male")
    with pytest.raises(InputError) as caught:
        svc.create_visit(patient.id, date(2026, 1, 1), Surgery(date=date(2026, 2, 1)))
    assert any("surgery" in p.path for p in caught.value.problems)


def test_every_kind_of_change_is_saved(record):
    svc = record.services()
    r = svc.import_case(example("ex1-diuretic-cramps"))
    steps = [
        changes.SetFinding("deep_vein_tenderness", True, None),
        changes.SetFinding("nocturnal_cramps", None, True),
        changes.SetMeasurement("temperature_c", 37.9, 36.6),
        changes.SetPatientField("given_name", "Anna", "Ann"),
        changes.SetSurgeryField("levels", ("L3-L4", "L4-L5"), ("L3-L4",)),
        changes.SetVisitField("symptom_side", "left", None),
        changes.SetNotes("seen with daughter", r.workup.visit.notes),
        changes.AddLab(LabResult("magnesium", 1.4, "mg/dL", date(2026, 9, 13))),
        changes.RemoveLab(0, r.workup.labs[0]),
        changes.AddMedication(Medication("omeprazole", "20 mg", status="taking")),
        changes.UpdateMedication(0, Medication("furosemide", "20 mg daily"), r.workup.medications[0]),
        changes.RemoveMedication(1, r.workup.medications[1]),
        changes.SetOrder("venous_duplex", "ordered", date(2026, 9, 14), None),
        changes.SetPlanItems(("hydration",), ()),
        changes.AcknowledgeRedFlag("dvt_likely"),
    ]
    for step in steps:
        r = svc.apply(r.id, step, r.version)
    again = svc.load_visit(r.id)
    w = again.workup
    assert w.findings["deep_vein_tenderness"] is True and "nocturnal_cramps" not in w.findings
    assert w.measurements["temperature_c"] == 37.9
    assert w.patient.given_name == "Anna"
    assert w.surgery.levels == ("L3-L4", "L4-L5")
    assert (w.visit.symptom_side, w.visit.notes) == ("left", "seen with daughter")
    assert w.labs[-1] == LabResult("magnesium", 1.4, "mg/dL", date(2026, 9, 13))
    assert len(w.labs) == 4
    assert [m.name for m in w.medications] == ["furosemide", "omeprazole"]
    assert w.orders["venous_duplex"].state == "ordered"
    assert again.plan_items == ("hydration",)
    assert again.acknowledged_red_flags == ("dvt_likely",)
    assert again.version == 1 + len(steps)


def test_an_impossible_value_is_refused_naming_the_field(record):
    svc = record.services()
    r = svc.import_case(example("ex1-diuretic-cramps"))
    with pytest.raises(InputError, match=r"measurements.temperature_c"):
        svc.apply(r.id, changes.SetMeasurement("temperature_c", 86.0, 36.6), r.version)
    with pytest.raises(InputError, match="labs"):
        svc.apply(r.id, changes.AddLab(LabResult("potassium", 45, "mmol/L")), r.version)
    assert svc.load_visit(r.id).version == r.version


OPERATION = dict(
    approach="anterior",
    position="knee_chest",
    instrumentation=True,
    interbody_device=True,
    durotomy=False,
    bmp_used=True,
    iliac_crest_graft=None,
    pelvic_fixation=True,
)


def test_operation_details_of_an_imported_case_load_back_identical(record):
    workup = example("ex2-early-swollen-calf")
    workup = dataclasses.replace(workup, surgery=dataclasses.replace(workup.surgery, **OPERATION))
    saved = record.services().import_case(workup)
    assert record.services("nurse").load_visit(saved.id).workup.surgery == workup.surgery


def test_a_new_visit_copies_the_operation_details(record):
    svc = record.services()
    workup = example("ex3-scar-or-disc")
    workup = dataclasses.replace(workup, surgery=dataclasses.replace(workup.surgery, **OPERATION))
    first = svc.import_case(workup)
    visit = svc.create_visit(first.patient_id, date(2026, 10, 30))
    assert visit.workup.surgery == workup.surgery


@pytest.mark.parametrize(("name", "value"), [("position", "prone"), ("durotomy", True),
                                             ("pelvic_fixation", False)])
def test_an_operation_detail_is_saved(record, name, value):
    svc = record.services()
    r = svc.import_case(example("ex1-diuretic-cramps"))
    svc.apply(r.id, changes.SetSurgeryField(name, value, None), r.version)
    assert getattr(svc.load_visit(r.id).workup.surgery, name) == value


def test_an_operation_detail_set_back_to_not_recorded_is_saved(record):
    svc = record.services()
    r = svc.import_case(example("ex1-diuretic-cramps"))
    r = svc.apply(r.id, changes.SetSurgeryField("durotomy", True, None), r.version)
    svc.apply(r.id, changes.SetSurgeryField("durotomy", None, True), r.version)
    assert svc.load_visit(r.id).workup.surgery.durotomy is None


def test_an_operation_detail_change_is_audited_with_old_and_new(record):
    svc = record.services()
    r = svc.import_case(example("ex1-diuretic-cramps"))
    svc.apply(r.id, changes.SetSurgeryField("durotomy", True, None), r.version)
    update = svc.audit_trail(r.patient_id)[-1]
    assert (update.action, update.field) == ("update", "surgery.durotomy")
    assert (update.old_value, update.new_value) == (None, "true")


def test_an_operation_detail_that_is_not_true_or_false_is_refused_naming_the_field(record):
    svc = record.services()
    r = svc.import_case(example("ex1-diuretic-cramps"))
    with pytest.raises(InputError, match=r"surgery\.durotomy: must be true or false"):
        svc.apply(r.id, changes.SetSurgeryField("durotomy", "yes", None), r.version)
    assert svc.load_visit(r.id).version == r.version


def test_a_level_written_lower_upper_is_refused_naming_the_level(record):
    svc = record.services()
    r = svc.import_case(example("ex1-diuretic-cramps"))
    with pytest.raises(InputError, match=r"surgery\.levels\[0\]: \"L5-L4\" is written lower-upper"):
        svc.apply(r.id, changes.SetSurgeryField("levels", ("L5-L4",), r.workup.surgery.levels),
                  r.version)


def test_a_visit_saved_with_a_level_from_before_the_stricter_rule_can_still_be_edited(record):
    svc = record.services()
    r = svc.import_case(example("ex1-diuretic-cramps"))
    with record.db.write_session() as session, session.begin():
        session.execute(text("UPDATE surgery SET levels = 'L4-S1'"))
    r = svc.load_visit(r.id)
    assert r.workup.surgery.levels == ("L4-S1",)
    r = svc.apply(r.id, changes.SetFinding("new_footwear", True, None), r.version)
    assert svc.load_visit(r.id).workup.findings["new_footwear"] is True
    with pytest.raises(InputError, match=r"surgery\.levels\[0\]: \"L3-L5\" spans more than one level"):
        svc.apply(r.id, changes.SetSurgeryField("levels", ("L3-L5",), ("L4-S1",)), r.version)


def test_every_surgery_field_is_a_field_a_change_may_set():
    assert set(changes.SURGERY_FIELDS) == {f.name for f in dataclasses.fields(Surgery)}


# --- optimistic concurrency --------------------------------------------------------------


def test_two_sessions_editing_the_same_field_the_second_gets_a_conflict(record):
    doc, nurse = record.services("doc"), record.services("nurse")
    visit_id = doc.import_case(example("ex1-diuretic-cramps")).id
    mine, theirs = doc.load_visit(visit_id), nurse.load_visit(visit_id)
    nurse.apply(visit_id, changes.SetMeasurement("heart_rate_bpm", 92.0, 88.0), theirs.version)
    with pytest.raises(ConflictError) as caught:
        doc.apply(visit_id, changes.SetMeasurement("heart_rate_bpm", 104.0, 88.0), mine.version)
    conflict = caught.value
    assert conflict.field == "measurements.heart_rate_bpm"
    assert (conflict.mine, conflict.theirs) == (104.0, 92.0)
    assert conflict.current.workup.measurements["heart_rate_bpm"] == 92.0
    assert doc.load_visit(visit_id).workup.measurements["heart_rate_bpm"] == 92.0


def test_two_sessions_setting_the_position_the_second_gets_a_conflict(record):
    doc, nurse = record.services("doc"), record.services("nurse")
    visit_id = doc.import_case(example("ex1-diuretic-cramps")).id
    mine, theirs = doc.load_visit(visit_id), nurse.load_visit(visit_id)
    nurse.apply(visit_id, changes.SetSurgeryField("position", "prone", None), theirs.version)
    with pytest.raises(ConflictError) as caught:
        doc.apply(visit_id, changes.SetSurgeryField("position", "knee_chest", None), mine.version)
    assert caught.value.field == "surgery.position"
    assert (caught.value.mine, caught.value.theirs) == ("knee_chest", "prone")


def test_two_sessions_setting_different_operation_details_both_save(record):
    doc, nurse = record.services("doc"), record.services("nurse")
    visit_id = doc.import_case(example("ex1-diuretic-cramps")).id
    mine, theirs = doc.load_visit(visit_id), nurse.load_visit(visit_id)
    nurse.apply(visit_id, changes.SetSurgeryField("durotomy", True, None), theirs.version)
    doc.apply(visit_id, changes.SetSurgeryField("bmp_used", True, None), mine.version)
    surgery = doc.load_visit(visit_id).workup.surgery
    assert (surgery.durotomy, surgery.bmp_used) == (True, True)


def test_two_sessions_editing_different_fields_both_save(record):
    doc, nurse = record.services("doc"), record.services("nurse")
    visit_id = doc.import_case(example("ex2-early-swollen-calf")).id
    mine, theirs = doc.load_visit(visit_id), nurse.load_visit(visit_id)
    nurse.apply(visit_id, changes.SetFinding("smoker", True, None), theirs.version)
    doc.apply(visit_id, changes.SetFinding("deep_vein_tenderness", True, None), mine.version)
    findings = doc.load_visit(visit_id).workup.findings
    assert findings["smoker"] is True and findings["deep_vein_tenderness"] is True


# --- lifecycle and roles -----------------------------------------------------------------


def test_a_nurse_may_not_sign(record):
    visit_id = record.services().import_case(example("ex1-diuretic-cramps")).id
    with pytest.raises(PermissionDenied, match="only a physician"):
        record.services("nurse").sign(visit_id)
    assert record.services().load_visit(visit_id).status == "intake"


def test_the_lifecycle_runs_intake_ready_signed(record):
    nurse, doc = record.services("nurse"), record.services("doc")
    visit_id = doc.import_case(example("ex3-scar-or-disc")).id
    assert nurse.mark_ready(visit_id).status == "ready_for_review"
    signed = doc.sign(visit_id)
    assert (signed.status, signed.signed_by) == ("signed", "doc")
    assert signed.signed_at is not None


def test_a_visit_with_an_unacknowledged_red_flag_is_not_signed(record):
    doc = record.services()
    visit = doc.import_case(example("ex2-early-swollen-calf"))

    with pytest.raises(RedFlagsOpenError, match=r"acknowledge each red flag first: .*\(dvt_likely\)"):
        doc.sign(visit.id)

    after = doc.load_visit(visit.id)
    assert (after.status, after.version, after.signed_by) == ("intake", visit.version, None)
    assert "sign" not in [e.action for e in doc.audit_trail(visit.patient_id)]


def test_nobody_edits_a_signed_visit_but_an_addendum_is_accepted(record):
    doc = record.services()
    visit = doc.import_case(example("ex1-diuretic-cramps"))
    signed = doc.sign(visit.id)
    for who in ("doc", "nurse"):
        with pytest.raises(SignedVisitError):
            record.services(who).apply(visit.id, changes.SetFinding("smoker", True, None), signed.version)
    with pytest.raises(SignedVisitError):
        doc.sign(visit.id)
    after = doc.add_addendum(visit.id, "Potassium repeated: 3.9 mmol/L.")
    assert [(a.author, a.text) for a in after.addenda] == [("doc", "Potassium repeated: 3.9 mmol/L.")]
    assert case_to_dict(after.workup) == case_to_dict(signed.workup)


def test_a_nurse_edits_intake_but_not_the_examination_labs_or_orders(record):
    nurse = record.services("nurse")
    r = record.services().import_case(example("ex3-scar-or-disc"))
    for allowed in (
        changes.SetFinding("smoker", True, None),  # history
        changes.SetFinding("diabetes", False, None),  # comorbidities
        changes.SetMeasurement("temperature_c", 36.5, None),
        changes.AddMedication(Medication("ibuprofen")),
        changes.SetPatientField("sex", "female", "female"),
        changes.SetSurgeryField("duration_hours", 1.5, None),
    ):
        r = nurse.apply(r.id, allowed, r.version)
    for refused in (
        changes.SetFinding("calf_swelling_unilateral", True, None),  # examination
        changes.AddLab(LabResult("potassium", 4.0, "mmol/L")),
        changes.SetOrder("venous_duplex", "ordered", None, None),
        changes.AcknowledgeRedFlag("dvt_likely"),
    ):
        with pytest.raises(PermissionDenied, match="nurse"):
            nurse.apply(r.id, refused, r.version)


def test_a_nurse_may_not_import_a_case_with_examination_findings(record):
    with pytest.raises(PermissionDenied, match="examination"):
        record.services("nurse").import_case(example("ex2-early-swollen-calf"))


def test_an_admin_manages_accounts_but_does_not_edit_clinical_data(record):
    admin = record.services("admin")
    with pytest.raises(PermissionDenied):
        admin.import_case(example("ex3-scar-or-disc"))
    Services.create_account(record.db, "nurse2", "another-secret", "nurse", actor=record.admin)
    assert "nurse2" in [a.username for a in admin.list_accounts()]
    with pytest.raises(PermissionDenied):
        Services.create_account(record.db, "x", "another-secret", "nurse", actor=record.doc)
    with pytest.raises(AuthError):
        Services.create_account(record.db, "y", "another-secret", "admin")


# --- accounts ----------------------------------------------------------------------------


def test_passwords_are_stored_as_argon2id_hashes(record):
    with record.db.session() as session:
        stored = session.execute(text("SELECT password_hash FROM account WHERE username = 'doc'")).scalar()
    assert stored.startswith("$argon2id$") and "doctor-secret-1" not in stored
    assert Services.authenticate(record.db, "doc", "doctor-secret-1").role == "physician"
    for username, password in (("doc", "wrong-password"), ("nobody", "doctor-secret-1")):
        with pytest.raises(AuthError, match="unknown user or wrong password"):
            Services.authenticate(record.db, username, password)


def test_a_hash_made_with_older_parameters_is_upgraded_at_sign_in(record):
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("doctor-secret-1")
    with record.db.transaction() as session:
        session.execute(text("UPDATE account SET password_hash = :h WHERE username = 'doc'"), {"h": weak})
    Services.authenticate(record.db, "doc", "doctor-secret-1")
    with record.db.session() as session:
        stored = session.execute(text("SELECT password_hash FROM account WHERE username = 'doc'")).scalar()
    assert stored != weak and not PasswordHasher().check_needs_rehash(stored)


def test_a_physician_first_account_may_add_accounts_until_there_is_an_admin(any_url):
    from cramp_dx.store import open_database

    db = open_database(any_url)
    try:
        doc = Services.create_account(db, "dr", "doctor-secret-1", "physician")
        Services.create_account(db, "rn", "nurse-secret-1", "nurse", actor=doc)
        nurse = Services.authenticate(db, "rn", "nurse-secret-1")
        with pytest.raises(PermissionDenied):
            Services.create_account(db, "rn2", "nurse-secret-2", "nurse", actor=nurse)
        Services.create_account(db, "boss", "admin-secret-1", "admin", actor=doc)
        with pytest.raises(PermissionDenied, match="only an admin"):
            Services.create_account(db, "rn3", "nurse-secret-3", "nurse", actor=doc)
    finally:
        db.dispose()


def test_an_admin_cannot_disable_their_own_account(record):
    with pytest.raises(InputError, match="cannot disable their own account"):
        record.services("admin").set_active("admin", False)
    assert Services.authenticate(record.db, "admin", "admin-secret-1").active


def test_a_physician_may_add_accounts_only_while_there_is_no_active_admin(record):
    assert Services.has_active_admin(record.db)
    assert not record.services("doc").may_add_accounts()
    assert record.services("admin").may_add_accounts()
    with record.db.transaction() as session:
        session.execute(text("UPDATE account SET active = false WHERE username = 'admin'"))
    assert not Services.has_active_admin(record.db)
    assert record.services("doc").may_add_accounts()
    assert not record.services("nurse").may_add_accounts()


def test_a_session_open_when_its_account_is_disabled_can_no_longer_write(record):
    doc = record.services("doc")  # signed in before the admin disables the account
    visit = doc.import_case(example("ex1-diuretic-cramps"))
    record.services("admin").set_active("doc", False)
    with pytest.raises(AuthError, match="disabled; nothing was saved"):
        doc.apply(visit.id, changes.SetNotes("later", visit.workup.visit.notes), visit.version)
    assert record.services("nurse").load_visit(visit.id).workup.visit.notes == visit.workup.visit.notes


def test_a_disabled_account_cannot_sign_in(record):
    record.services("admin").set_active("nurse", False)
    with pytest.raises(AuthError):
        Services.authenticate(record.db, "nurse", "nurse-secret-1")


# --- audit -------------------------------------------------------------------------------


def test_each_change_writes_who_what_and_old_to_new(record, tmp_path):
    svc = record.services()
    r = svc.import_case(example("ex1-diuretic-cramps"))
    svc.apply(r.id, changes.SetMeasurement("temperature_c", 37.2, 36.6), r.version)
    svc.sign(r.id)
    svc.write_pdf(r.id, tmp_path / "x.pdf", b"%PDF-1.4")
    trail = svc.audit_trail(r.patient_id)
    assert [e.action for e in trail] == ["create", "import", "update", "sign", "pdf"]
    update = trail[2]
    assert (update.username, update.field) == ("doc", "measurements.temperature_c")
    assert (update.old_value, update.new_value) == ("36.6", "37.2")


def test_a_refused_change_leaves_no_audit_row(record):
    svc = record.services()
    r = svc.import_case(example("ex1-diuretic-cramps"))
    before = len(svc.audit_trail(r.patient_id))
    with pytest.raises(InputError):
        svc.apply(r.id, changes.SetMeasurement("temperature_c", 99.0, 36.6), r.version)
    assert len(svc.audit_trail(r.patient_id)) == before


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_event SET username = 'mallory'", "DELETE FROM audit_event"]
)
def test_the_database_refuses_update_or_delete_of_audit_rows(record, statement):
    record.services().import_case(example("ex1-diuretic-cramps"))
    with pytest.raises(DBAPIError, match="audit rows cannot"), record.db.transaction() as session:
        session.execute(text(statement))
    assert audit.verify(record.db) == []


def test_the_audit_chain_verifies_and_detects_alteration_behind_the_apps_back(record):
    svc = record.services()
    r = svc.import_case(example("ex1-diuretic-cramps"))
    svc.apply(r.id, changes.SetMeasurement("temperature_c", 38.2, 36.6), r.version)
    assert audit.verify(record.db) == []
    with record.db.transaction() as session:
        if record.db.is_sqlite:
            session.execute(text("DROP TRIGGER audit_event_no_update"))
        else:
            session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
        session.execute(
            text("UPDATE audit_event SET new_value = '36.0' WHERE field = :f"),
            {"f": "measurements.temperature_c"},
        )
    problems = audit.verify(record.db)
    assert any("content altered" in p for p in problems)


def test_audit_rows_are_hash_chained_in_id_order(record):
    record.services().import_case(example("ex2-early-swollen-calf"))
    with record.db.session() as session:
        rows = session.query(AuditEvent).order_by(AuditEvent.id).all()
    assert [r.id for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))


# --- search ------------------------------------------------------------------------------


def test_patients_are_found_by_name_prefix_mrn_or_birth_date_ignoring_accents(record):
    svc = record.services()
    for name in EXAMPLES:
        svc.import_case(example(name))
    assert {p.mrn for p in svc.search_patients("exa")} == {"EX-0001", "EX-0002", "EX-0003"}
    assert [p.mrn for p in svc.search_patients("zoe")] == ["EX-0003"]
    assert [p.mrn for p in svc.search_patients("EXAMPLE-O")] == ["EX-0003"]
    assert [p.mrn for p in svc.search_patients("EX-0002")] == ["EX-0002"]
    assert [p.mrn for p in svc.search_patients("1955-06-02")] == ["EX-0001"]
    assert [p.mrn for p in svc.search_patients("example, b")] == ["EX-0002"]
    assert svc.search_patients("nobody") == []
    found = svc.search_patients("ann")[0]
    assert found.latest_surgery_date == date(2026, 5, 4) and found.visit_count == 1
    assert len(svc.recent_patients()) == 3
