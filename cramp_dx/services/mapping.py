"""Between the normalised tables and the `Workup` dataclasses: read a visit's rows into a
`VisitState`, and write a new state back as the smallest set of row changes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cramp_dx.case.model import (
    OPERATION_FLAGS,
    LabResult,
    Medication,
    Order,
    Patient,
    Surgery,
    Visit,
    Workup,
)
from cramp_dx.services.changes import VisitState
from cramp_dx.store import models as m
from cramp_dx.store.keys import name_key


def load_visit_row(session: Session, visit_id: int, *, for_update: bool = False) -> m.Visit | None:
    """The visit row alone: its children are read by `read_state` with plain Core queries
    (much cheaper than ORM loading) and the ORM collections load only when written."""
    query = select(m.Visit).where(m.Visit.id == visit_id)
    if for_update:
        query = query.with_for_update(of=m.Visit)
    return session.execute(query).scalar_one_or_none()


def patient_of(row: m.Patient) -> Patient:
    return Patient(
        mrn=row.mrn,
        family_name=row.family_name,
        given_name=row.given_name,
        birth_date=row.birth_date,
        sex=row.sex,
    )


# the surgery table's columns that hold a `Surgery` field of the same name
SURGERY_COLUMNS = (
    "procedure",
    "approach",
    "prior_spine_surgeries",
    "duration_hours",
    "position",
    *OPERATION_FLAGS,
)


def surgery_of(row: Any) -> Surgery:
    """A `Surgery` from a surgery row: an ORM object or a Core result row."""
    return Surgery(
        date=row.surgery_date,
        levels=tuple(level for level in row.levels.split(",") if level),
        **{name: getattr(row, name) for name in SURGERY_COLUMNS},
    )


def read_state(session: Session, visit: m.Visit, patient: m.Patient) -> VisitState:
    """The visit's workup read with Core selects, one per child table."""
    vid = visit.id

    def rows(*columns: Any, order: Any = None) -> list[Any]:
        query = select(*columns).where(columns[0].table.c.visit_id == vid)
        if order is not None:
            query = query.order_by(order)
        return list(session.execute(query).all())

    s = m.Surgery.__table__.c
    surgery = session.execute(
        select(
            s.surgery_date, s.levels, *(s[name] for name in SURGERY_COLUMNS)
        ).where(s.visit_id == vid)
    ).one()
    f, x = m.VisitFinding.__table__.c, m.VisitMeasurement.__table__.c
    lab, med = m.VisitLab.__table__.c, m.VisitMedication.__table__.c
    o, p = m.VisitOrder.__table__.c, m.VisitPlanItem.__table__.c
    a = m.RedFlagAcknowledgement.__table__.c
    workup = Workup(
        surgery=surgery_of(surgery),
        visit=Visit(date=visit.visit_date, symptom_side=visit.symptom_side, notes=visit.notes),
        patient=patient_of(patient),
        findings=dict(rows(f.finding_id, f.present, order=f.finding_id)),
        measurements=dict(rows(x.measurement_id, x.value, order=x.measurement_id)),
        labs=tuple(
            LabResult(
                test=r.test,
                value=r.value,
                unit=r.unit,
                collected=r.collected,
                loinc=r.loinc,
                collected_at=datetime.fromisoformat(r.collected_at) if r.collected_at else None,
            )
            for r in rows(
                lab.test, lab.value, lab.unit, lab.collected, lab.loinc, lab.collected_at, order=lab.position
            )
        ),
        medications=tuple(
            Medication(name=r.name, dose=r.dose, start_date=r.start_date, status=r.status, note=r.note)
            for r in rows(med.name, med.dose, med.start_date, med.status, med.note, order=med.position)
        ),
        orders={
            r.test_id: Order(state=r.state, date=r.order_date)
            for r in rows(o.test_id, o.state, o.order_date, order=o.test_id)
        },
    )
    return VisitState(
        workup=workup,
        plan_items=tuple(r.plan_id for r in rows(p.plan_id, order=p.position)),
        acknowledged_red_flags=tuple(r.flag_id for r in rows(a.flag_id, order=a.acknowledged_at)),
    )


def write_patient(row: m.Patient, patient: Patient, now: datetime) -> bool:
    """Copy changed demographics onto the row; True if anything changed."""
    changed = False
    for name in ("mrn", "family_name", "given_name", "birth_date", "sex"):
        value = getattr(patient, name)
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if changed:
        row.family_key = name_key(row.family_name)
        row.given_key = name_key(row.given_name)
        row.version += 1
        row.updated_at = now
    return changed


def write_state(
    visit: m.Visit,
    old: VisitState | None,
    new: VisitState,
    account_id: int,
    now: datetime,
) -> None:
    """Write what differs between `old` (None: a new visit) and `new` onto the visit's rows."""
    w, before = new.workup, (old.workup if old else None)
    if before is None or before.visit != w.visit:
        visit.visit_date = w.visit.date
        visit.symptom_side = w.visit.symptom_side
        visit.notes = w.visit.notes
    if before is None or before.surgery != w.surgery:
        surgery = visit.surgery or m.Surgery()
        surgery.surgery_date = w.surgery.date
        surgery.levels = ",".join(w.surgery.levels)
        for name in SURGERY_COLUMNS:
            setattr(surgery, name, getattr(w.surgery, name))
        visit.surgery = surgery
    _sync_keyed(
        "finding_id",
        before.findings if before else {},
        w.findings,
        lambda key, value: m.VisitFinding(finding_id=key, present=value),
        lambda row, value: setattr(row, "present", value),
        lambda: visit.findings,
    )
    _sync_keyed(
        "measurement_id",
        before.measurements if before else {},
        w.measurements,
        lambda key, value: m.VisitMeasurement(measurement_id=key, value=value),
        lambda row, value: setattr(row, "value", value),
        lambda: visit.measurements,
    )
    _sync_keyed(
        "test_id",
        before.orders if before else {},
        w.orders,
        lambda key, value: m.VisitOrder(test_id=key, state=value.state, order_date=value.date),
        lambda row, value: (
            setattr(row, "state", value.state),
            setattr(row, "order_date", value.date),
        ),
        lambda: visit.orders,
    )
    if before is None or before.labs != w.labs:
        visit.labs[:] = [
            m.VisitLab(
                position=i,
                test=lab.test,
                value=lab.value,
                unit=lab.unit,
                collected=lab.collected,
                loinc=lab.loinc,
                collected_at=lab.collected_at.isoformat() if lab.collected_at else None,
            )
            for i, lab in enumerate(w.labs)
        ]
    if before is None or before.medications != w.medications:
        visit.medications[:] = [
            m.VisitMedication(
                position=i,
                name=med.name,
                dose=med.dose,
                start_date=med.start_date,
                status=med.status,
                note=med.note,
            )
            for i, med in enumerate(w.medications)
        ]
    if old is None or old.plan_items != new.plan_items:
        visit.plan_items[:] = [
            m.VisitPlanItem(plan_id=pid, position=i) for i, pid in enumerate(new.plan_items)
        ]
    added = [f for f in new.acknowledged_red_flags if old is None or f not in old.acknowledged_red_flags]
    for flag in added:
        visit.acknowledgements.append(
            m.RedFlagAcknowledgement(flag_id=flag, account_id=account_id, acknowledged_at=now)
        )


def _sync_keyed(
    key_attribute: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    make: Callable[[str, Any], Any],
    update: Callable[[Any, Any], object],
    collection: Callable[[], list[Any]],
) -> None:
    """Delete, insert or update the keyed child rows whose values changed."""
    if before == after:
        return
    rows = collection()
    by_key = {getattr(row, key_attribute): row for row in rows}
    for key in before.keys() - after.keys():
        row = by_key.get(key)
        if row is not None:
            rows.remove(row)
    for key, value in after.items():
        row = by_key.get(key)
        if row is None:
            rows.append(make(key, value))
        elif before.get(key) != value:
            update(row, value)


__all__ = ["SURGERY_COLUMNS", "load_visit_row", "read_state", "write_patient", "write_state"]
