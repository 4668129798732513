"""Between the normalised tables and the `Workup` dataclasses: read a visit's rows into a
`VisitState`, and write a new state back as the smallest set of row changes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
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
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session

from cramp_dx.case.model import (
    NEURO_KINDS,
    NEURO_SIDES,
    OPERATION_FLAGS,
    LabResult,
    Medication,
    NeuroExam,
    NeuroSide,
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


def load_visit_and_patient(
    session: Session, visit_id: int, *, for_update: bool = False
) -> tuple[m.Visit, m.Patient] | None:
    """The visit row and its patient's in one query; with `for_update` both are locked, in
    the order of the OF list (visit, then patient: the order of the two separate locks this
    replaces, and of the other writers that lock both)."""
    query = (
        select(m.Visit, m.Patient)
        .join(m.Patient, m.Patient.id == m.Visit.patient_id)
        .where(m.Visit.id == visit_id)
    )
    if for_update:
        query = query.with_for_update(of=(m.Visit, m.Patient))
    found = session.execute(query).one_or_none()
    return None if found is None else (found[0], found[1])


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


def neuro_exam_of(rows: list[Any]) -> NeuroExam:
    """The examination from its sign rows (side, kind, item, grade, state)."""
    parts: dict[str, dict[str, dict[str, Any]]] = {
        side: {kind: {} for kind in NEURO_KINDS} for side in NEURO_SIDES
    }
    for r in rows:
        value = r.grade if r.kind == "strength" else r.state
        if value is not None and r.kind in parts.get(r.side, {}):
            parts[r.side][r.kind][r.item] = value
    return NeuroExam(**{side: NeuroSide(**kinds) for side, kinds in parts.items()})


def neuro_signs(exam: NeuroExam) -> dict[tuple[str, str, str], Any]:
    """(side, kind, item) → value, the keys of the sign rows."""
    return {(side, kind, item): value for side, kind, item, value in exam.signs()}


#: the columns every part of the workup query fills (NULL where a table has no such column);
#: the surgery's operation flags have a column each
_PART_COLUMNS: dict[str, Any] = {
    "pos": Integer(),
    "name": String(),
    "number": Float(),
    "text1": String(),
    "text2": String(),
    "text3": Text(),
    "day": Date(),
    "flag": Boolean(),
    "at": DateTime(timezone=True),
    **{name: Boolean() for name in OPERATION_FLAGS},
}
(_SURGERY, _FINDING, _MEASUREMENT, _LAB, _MEDICATION, _ORDER, _NEURO, _PLAN, _ACK) = range(9)


@cache
def workup_query() -> CompoundSelect:
    """All the child rows of a visit in one round trip: one SELECT per child table, each
    filling the shared columns it has, as a UNION ALL ordered by part and then by each part's
    own order (labs, medications and plan items by position, acknowledgements by time, the
    rest by id). Built once (building it costs more than running it), bound to `visit_id`."""
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
    n, p = m.VisitNeuroSign.__table__, m.VisitPlanItem.__table__
    a = m.RedFlagAcknowledgement.__table__
    return union_all(
        part(_SURGERY, s, pos=s.c.prior_spine_surgeries, name=s.c.procedure, number=s.c.duration_hours,
             text1=s.c.levels, text2=s.c.approach, text3=s.c.position, day=s.c.surgery_date,
             **{flag: s.c[flag] for flag in OPERATION_FLAGS}),
        part(_FINDING, f, name=f.c.finding_id, flag=f.c.present),
        part(_MEASUREMENT, x, name=x.c.measurement_id, number=x.c.value),
        part(_LAB, lab, pos=lab.c.position, name=lab.c.test, number=lab.c.value, text1=lab.c.unit,
             text2=lab.c.loinc, text3=lab.c.collected_at, day=lab.c.collected),
        part(_MEDICATION, med, pos=med.c.position, name=med.c.name, text1=med.c.dose,
             text2=med.c.status, text3=med.c.note, day=med.c.start_date),
        part(_ORDER, o, name=o.c.test_id, text1=o.c.state, day=o.c.order_date),
        part(_NEURO, n, pos=n.c.grade, name=n.c.item, text1=n.c.side, text2=n.c.kind, text3=n.c.state),
        part(_PLAN, p, pos=p.c.position, name=p.c.plan_id),
        part(_ACK, a, name=a.c.flag_id, at=a.c.acknowledged_at),
    ).order_by(
        literal_column("part"), literal_column("pos"), literal_column("at"), literal_column("name")
    )


@dataclass(frozen=True)
class _Sign:
    """A sign row as `neuro_exam_of` reads it."""

    side: str
    kind: str
    item: str
    grade: int | None
    state: str | None


def read_state(session: Session, visit: m.Visit, patient: m.Patient) -> VisitState:
    """The visit's workup, read in one query (`workup_query`); the same state as
    `read_state_per_table`."""
    parts: dict[int, list[Any]] = {n: [] for n in range(9)}
    for row in session.connection().execute(workup_query(), {"visit_id": visit.id}):
        parts[row.part].append(row)
    if not parts[_SURGERY]:
        raise NoResultFound(f"visit {visit.id} has no surgery row")
    surgery = parts[_SURGERY][0]
    neuro = [
        _Sign(side=r.text1, kind=r.text2, item=r.name, grade=r.pos, state=r.text3) for r in parts[_NEURO]
    ]
    workup = Workup(
        surgery=Surgery(
            date=surgery.day,
            levels=tuple(level for level in surgery.text1.split(",") if level),
            procedure=surgery.name,
            approach=surgery.text2,
            prior_spine_surgeries=surgery.pos,
            duration_hours=surgery.number,
            position=surgery.text3,
            **{flag: getattr(surgery, flag) for flag in OPERATION_FLAGS},
        ),
        visit=Visit(date=visit.visit_date, symptom_side=visit.symptom_side, notes=visit.notes),
        patient=patient_of(patient),
        findings={r.name: r.flag for r in parts[_FINDING]},
        measurements={r.name: r.number for r in parts[_MEASUREMENT]},
        labs=tuple(
            LabResult(
                test=r.name,
                value=r.number,
                unit=r.text1,
                collected=r.day,
                loinc=r.text2,
                collected_at=datetime.fromisoformat(r.text3) if r.text3 else None,
            )
            for r in parts[_LAB]
        ),
        medications=tuple(
            Medication(name=r.name, dose=r.text1, start_date=r.day, status=r.text2, note=r.text3)
            for r in parts[_MEDICATION]
        ),
        orders={r.name: Order(state=r.text1, date=r.day) for r in parts[_ORDER]},
        neuro_exam=neuro_exam_of(neuro),
    )
    return VisitState(
        workup=workup,
        plan_items=tuple(r.name for r in parts[_PLAN]),
        acknowledged_red_flags=tuple(r.name for r in parts[_ACK]),
    )


def read_state_per_table(session: Session, visit: m.Visit, patient: m.Patient) -> VisitState:
    """The visit's workup read with Core selects, one per child table: the plain reading of
    the tables, kept as the reference `read_state` is tested against (tests/test_visit_read.py)."""
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
    n = m.VisitNeuroSign.__table__.c
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
        neuro_exam=neuro_exam_of(rows(n.side, n.kind, n.item, n.grade, n.state, order=n.item)),
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
    _sync_keyed(
        ("side", "kind", "item"),
        neuro_signs(before.neuro_exam) if before else {},
        neuro_signs(w.neuro_exam),
        lambda key, value: m.VisitNeuroSign(
            side=key[0], kind=key[1], item=key[2], **_neuro_columns(key[1], value)
        ),
        _update_neuro_sign,
        lambda: visit.neuro_signs,
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


def _neuro_columns(kind: str, value: Any) -> dict[str, Any]:
    """A muscle's MRC grade goes in `grade`, an area's or reflex's value in `state`."""
    if kind == "strength":
        return {"grade": int(value), "state": None}
    return {"grade": None, "state": str(value)}


def _update_neuro_sign(row: m.VisitNeuroSign, value: Any) -> None:
    for column, stored in _neuro_columns(row.kind, value).items():
        setattr(row, column, stored)


def _sync_keyed(
    key_attribute: str | tuple[str, ...],
    before: Mapping[Any, Any],
    after: Mapping[Any, Any],
    make: Callable[[Any, Any], Any],
    update: Callable[[Any, Any], object],
    collection: Callable[[], list[Any]],
) -> None:
    """Delete, insert or update the keyed child rows whose values changed; rows are keyed by
    one attribute or by a tuple of them."""
    if before == after:
        return
    rows = collection()
    if isinstance(key_attribute, tuple):
        by_key = {tuple(getattr(row, name) for name in key_attribute): row for row in rows}
    else:
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


__all__ = [
    "SURGERY_COLUMNS",
    "load_visit_and_patient",
    "load_visit_row",
    "neuro_exam_of",
    "neuro_signs",
    "read_state",
    "read_state_per_table",
    "workup_query",
    "write_patient",
    "write_state",
]
