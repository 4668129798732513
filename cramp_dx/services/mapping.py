"""Between the normalised tables and the `Workup` dataclasses: read a visit's rows into a
`VisitState`, and write a new state back as the smallest set of row changes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Boolean,
    CompoundSelect,
    Date,
    DateTime,
    Float,
    Integer,
    Select,
    String,
    Text,
    bindparam,
    cast,
    literal,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from cramp_dx.case.model import (
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


def surgery_of(row: m.Surgery) -> Surgery:
    return Surgery(
        date=row.surgery_date,
        procedure=row.procedure,
        levels=tuple(level for level in row.levels.split(",") if level),
        approach=row.approach,
        prior_spine_surgeries=row.prior_spine_surgeries,
        duration_hours=row.duration_hours,
    )


#: the columns every part of the workup query fills (None where a table has no such column)
_PART_COLUMNS = {
    "pos": Integer(),
    "name": String(),
    "number": Float(),
    "text1": String(),
    "text2": String(),
    "text3": Text(),
    "day": Date(),
    "flag": Boolean(),
    "at": DateTime(timezone=True),
}
_SURGERY, _FINDING, _MEASUREMENT, _LAB, _MEDICATION, _ORDER, _PLAN, _ACK = range(8)


@cache
def _workup_query() -> CompoundSelect:
    """All the rows of a visit's workup in one round trip: one SELECT per child table, each
    filling the shared columns it has, as a UNION ALL ordered by part and then by each part's
    own order. Built once (building it costs more than running it), bound to `visit_id`."""
    vid = bindparam("visit_id", type_=Integer)

    def part(which: int, table: Any, **columns: Any) -> Select[Any]:
        filled = [
            (columns[name] if name in columns else cast(null(), kind)).label(name)
            for name, kind in _PART_COLUMNS.items()
        ]
        return select(literal(which, Integer).label("part"), *filled).where(table.c.visit_id == vid)

    s, f = m.Surgery.__table__, m.VisitFinding.__table__
    x, lab = m.VisitMeasurement.__table__, m.VisitLab.__table__
    med, o = m.VisitMedication.__table__, m.VisitOrder.__table__
    p, a = m.VisitPlanItem.__table__, m.RedFlagAcknowledgement.__table__
    return union_all(
        part(_SURGERY, s, pos=s.c.prior_spine_surgeries, name=s.c.procedure, number=s.c.duration_hours,
             text1=s.c.levels, text2=s.c.approach, day=s.c.surgery_date),
        part(_FINDING, f, name=f.c.finding_id, flag=f.c.present),
        part(_MEASUREMENT, x, name=x.c.measurement_id, number=x.c.value),
        part(_LAB, lab, pos=lab.c.position, name=lab.c.test, number=lab.c.value, text1=lab.c.unit,
             day=lab.c.collected),
        part(_MEDICATION, med, pos=med.c.position, name=med.c.name, text1=med.c.dose, text2=med.c.status,
             text3=med.c.note, day=med.c.start_date),
        part(_ORDER, o, name=o.c.test_id, text1=o.c.state, day=o.c.order_date),
        part(_PLAN, p, pos=p.c.position, name=p.c.plan_id),
        part(_ACK, a, name=a.c.flag_id, at=a.c.acknowledged_at),
    ).order_by(literal_column("part"), literal_column("pos"), literal_column("at"), literal_column("name"))


def read_state(session: Session, visit: m.Visit, patient: m.Patient) -> VisitState:
    """The visit's workup, read in one query."""
    parts: dict[int, list[Any]] = {n: [] for n in range(8)}
    for row in session.connection().execute(_workup_query(), {"visit_id": visit.id}):
        parts[row.part].append(row)
    surgery = parts[_SURGERY][0]
    workup = Workup(
        surgery=Surgery(
            date=surgery.day,
            procedure=surgery.name,
            levels=tuple(level for level in surgery.text1.split(",") if level),
            approach=surgery.text2,
            prior_spine_surgeries=surgery.pos,
            duration_hours=surgery.number,
        ),
        visit=Visit(date=visit.visit_date, symptom_side=visit.symptom_side, notes=visit.notes),
        patient=patient_of(patient),
        findings={r.name: r.flag for r in parts[_FINDING]},
        measurements={r.name: r.number for r in parts[_MEASUREMENT]},
        labs=tuple(
            LabResult(test=r.name, value=r.number, unit=r.text1, collected=r.day) for r in parts[_LAB]
        ),
        medications=tuple(
            Medication(name=r.name, dose=r.text1, start_date=r.day, status=r.text2, note=r.text3)
            for r in parts[_MEDICATION]
        ),
        orders={r.name: Order(state=r.text1, date=r.day) for r in parts[_ORDER]},
    )
    return VisitState(
        workup=workup,
        plan_items=tuple(r.name for r in parts[_PLAN]),
        acknowledged_red_flags=tuple(r.name for r in parts[_ACK]),
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
        surgery.procedure = w.surgery.procedure
        surgery.levels = ",".join(w.surgery.levels)
        surgery.approach = w.surgery.approach
        surgery.prior_spine_surgeries = w.surgery.prior_spine_surgeries
        surgery.duration_hours = w.surgery.duration_hours
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
            m.VisitLab(position=i, test=lab.test, value=lab.value, unit=lab.unit, collected=lab.collected)
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


__all__ = ["load_visit_row", "read_state", "write_patient", "write_state"]
