"""Opening a visit reads all its child rows in one UNION ALL query (`mapping.read_state`); it
gives exactly what the plain reading, one query per table (`read_state_per_table`), gives: on
a visit with every kind of row and today's columns (lab codes and times, operation details,
neurological signs, orders, plan items, acknowledgements), on a bare one, and next to another
visit of the same patient whose rows must not leak in; on SQLite and on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select
from support.postgres import postgres_server, postgres_url  # noqa: F401 (fixtures)
from support.record import any_url, example, record  # noqa: F401 (fixtures)

from cramp_dx.case.model import LabResult, Medication, Order, Surgery
from cramp_dx.services import changes
from cramp_dx.services.mapping import read_state, read_state_per_table
from cramp_dx.store import models as m


def rich_workup():
    """ex1 (labs, medications) with ex4's neurological examination and every optional column
    filled: lab codes and collection times with an offset, operation details, orders."""
    base = example("ex1-diuretic-cramps")
    exam = example("ex4-wrong-level").neuro_exam
    labs = (
        *base.labs,
        LabResult("potassium", 3.1, "mmol/L", date(2026, 9, 12), loinc="2823-3",
                  collected_at=datetime(2026, 9, 12, 7, 45, tzinfo=timezone(timedelta(hours=-4)))),
        LabResult("magnesium", 1.5, "mg/dL", date(2026, 9, 13), loinc="19123-9"),
    )
    meds = (
        *base.medications,
        Medication("omeprazole", "20 mg daily", date(2026, 1, 5), "taking", "for reflux"),
    )
    surgery = replace(
        base.surgery, approach="lateral", position="lateral_decubitus", prior_spine_surgeries=1,
        duration_hours=3.5, instrumentation=True, interbody_device=True, durotomy=False, bmp_used=None,
        iliac_crest_graft=False, pelvic_fixation=None,
    )
    return replace(
        base, labs=labs, medications=meds, surgery=surgery, neuro_exam=exam,
        orders={"venous_duplex": Order("ordered", date(2026, 9, 14)), "emg_ncv": Order("done", None)},
        measurements={**base.measurements, "heart_rate_bpm": 88.0},
        visit=replace(base.visit, notes="seen with daughter\nback next week"),
    )


def both_reads(db, visit_id):
    with db.session() as session, session.begin():
        visit = session.get(m.Visit, visit_id)
        patient = session.get(m.Patient, visit.patient_id)
        return read_state(session, visit, patient), read_state_per_table(session, visit, patient)


def test_one_query_reads_what_one_query_per_table_reads(record):  # noqa: F811
    svc = record.services()
    workup = rich_workup()
    r = svc.import_case(workup)
    for step in (
        changes.SetPlanItems(("hydration",), ()),
        changes.AcknowledgeRedFlag("dvt_likely"),
        changes.SetFinding("smoker", False, None),
    ):
        r = svc.apply(r.id, step, r.version)
    # a second visit of the same patient, with other rows
    other = svc.create_visit(r.patient_id, date(2026, 10, 1), Surgery(date(2026, 8, 1), levels=("L5-S1",)))
    other = svc.apply(other.id, changes.SetFinding("diabetes", True, None), other.version)

    fast, plain = both_reads(record.db, r.id)
    assert fast == plain
    assert fast.workup == replace(workup, findings={**workup.findings, "smoker": False})
    assert fast.workup.neuro_exam == workup.neuro_exam and not fast.workup.neuro_exam.is_empty()
    assert fast.workup.labs[-2].collected_at.isoformat() == "2026-09-12T07:45:00-04:00"
    assert (fast.plan_items, fast.acknowledged_red_flags) == (("hydration",), ("dvt_likely",))
    assert [lab.test for lab in fast.workup.labs] == [lab.test for lab in workup.labs]

    fast, plain = both_reads(record.db, other.id)
    assert fast == plain
    assert fast.workup.findings == {"diabetes": True} and fast.workup.labs == ()
    assert fast.workup.neuro_exam.is_empty() and fast.plan_items == ()

    opened = svc.load_visit(r.id)  # the app's open: visit and patient in one query, then the rows
    plain = both_reads(record.db, r.id)[1]
    assert (opened.workup, opened.plan_items, opened.acknowledged_red_flags) == (
        plain.workup, plain.plan_items, plain.acknowledged_red_flags
    )


def test_a_visit_without_rows_reads_the_same(record):  # noqa: F811
    svc = record.services()
    patient = svc.import_case(example("ex2-early-swollen-calf")).patient_id
    bare = svc.create_visit(patient, date(2026, 10, 2), Surgery(date(2026, 8, 2)))
    fast, plain = both_reads(record.db, bare.id)
    assert fast == plain
    assert fast.workup.surgery == Surgery(date(2026, 8, 2))
    with record.db.session() as session:
        query = select(m.VisitFinding).where(m.VisitFinding.visit_id == bare.id)
        assert session.execute(query).first() is None
