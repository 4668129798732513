"""One user edit of a visit, as a small value object for `Services.apply`.

Each change names the field it touches (`field`, e.g. `findings.nocturnal_cramps`), carries the
value the editor saw (`old`, for the conflict rule) and knows how to apply itself to a
`VisitState`, purely, so that the service can validate the result before writing anything.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, ClassVar

from cramp_dx.case.model import (
    NEURO_ITEMS,
    NEURO_KINDS,
    NEURO_SIDES,
    OPERATION_FLAGS,
    LabResult,
    Medication,
    Order,
    Workup,
)
from cramp_dx.errors import InputError, Problem

PATIENT_FIELDS = ("mrn", "family_name", "given_name", "birth_date", "sex")
SURGERY_FIELDS = (
    "date",
    "procedure",
    "levels",
    "approach",
    "prior_spine_surgeries",
    "duration_hours",
    "position",
    *OPERATION_FLAGS,
)
VISIT_FIELDS = ("date", "symptom_side", "notes")

_UNSET: Any = object()


@dataclass(frozen=True, slots=True)
class VisitState:
    """What a change can touch: the workup plus the physician's selections."""

    workup: Workup
    plan_items: tuple[str, ...] = ()
    acknowledged_red_flags: tuple[str, ...] = ()


class Change:
    """Base of the change objects. `section` says which part of the record it edits (the
    service decides from it whether the account's role may)."""

    section: ClassVar[str]
    #: False for changes that merge with any concurrent edit (adding a lab line, say)
    conflicts: ClassVar[bool] = True

    @property
    def field(self) -> str:
        raise NotImplementedError

    @property
    def new_value(self) -> Any:
        raise NotImplementedError

    def current(self, state: VisitState) -> Any:
        raise NotImplementedError

    def apply_to(self, state: VisitState) -> VisitState:
        raise NotImplementedError

    @property
    def old_value(self) -> Any:
        return getattr(self, "old", None)


def _with_workup(state: VisitState, **changes: Any) -> VisitState:
    return replace(state, workup=replace(state.workup, **changes))


@dataclass(frozen=True, slots=True)
class SetFinding(Change):
    """`value`: True present, False absent, None not assessed."""

    finding_id: str
    value: bool | None
    old: bool | None = None
    section: ClassVar[str] = "finding"

    @property
    def field(self) -> str:
        return f"findings.{self.finding_id}"

    @property
    def new_value(self) -> Any:
        return self.value

    def current(self, state: VisitState) -> Any:
        return state.workup.findings.get(self.finding_id)

    def apply_to(self, state: VisitState) -> VisitState:
        findings = dict(state.workup.findings)
        if self.value is None:
            findings.pop(self.finding_id, None)
        else:
            findings[self.finding_id] = bool(self.value)
        return _with_workup(state, findings=findings)


@dataclass(frozen=True, slots=True)
class SetNeuroSign(Change):
    """One sign of the neurological examination: `side` left/right, `kind` sensory / strength /
    reflexes, `item` the area, muscle or reflex; `value` None = not examined. Checked for
    conflicts like a finding: another workstation's change of the same sign is shown."""

    side: str
    kind: str
    item: str
    value: str | int | None
    old: str | int | None = None
    section: ClassVar[str] = "finding"

    @property
    def field(self) -> str:
        return f"neuro_exam.{self.side}.{self.kind}.{self.item}"

    @property
    def new_value(self) -> Any:
        return self.value

    def current(self, state: VisitState) -> Any:
        if self.side not in NEURO_SIDES or self.kind not in NEURO_KINDS:
            return None
        return state.workup.neuro_exam.get(self.side, self.kind, self.item)

    def apply_to(self, state: VisitState) -> VisitState:
        if self.side not in NEURO_SIDES or self.item not in NEURO_ITEMS.get(self.kind, ()):
            raise InputError(
                Problem(
                    self.field,
                    f"not a sign of the examination; sides: {', '.join(NEURO_SIDES)}; "
                    f"kinds: {', '.join(NEURO_KINDS)}",
                )
            )
        exam = state.workup.neuro_exam.with_sign(self.side, self.kind, self.item, self.value)
        return _with_workup(state, neuro_exam=exam)


@dataclass(frozen=True, slots=True)
class SetMeasurement(Change):
    measurement_id: str
    value: float | None
    old: float | None = None
    section: ClassVar[str] = "measurement"

    @property
    def field(self) -> str:
        return f"measurements.{self.measurement_id}"

    @property
    def new_value(self) -> Any:
        return self.value

    def current(self, state: VisitState) -> Any:
        return state.workup.measurements.get(self.measurement_id)

    def apply_to(self, state: VisitState) -> VisitState:
        measurements = dict(state.workup.measurements)
        if self.value is None:
            measurements.pop(self.measurement_id, None)
        else:
            measurements[self.measurement_id] = self.value
        return _with_workup(state, measurements=measurements)


@dataclass(frozen=True, slots=True)
class SetPatientField(Change):
    name: str
    value: Any
    old: Any = None
    section: ClassVar[str] = "patient"

    @property
    def field(self) -> str:
        return f"patient.{self.name}"

    @property
    def new_value(self) -> Any:
        return self.value

    def current(self, state: VisitState) -> Any:
        return getattr(state.workup.patient, self.name)

    def apply_to(self, state: VisitState) -> VisitState:
        return _with_workup(state, patient=replace(state.workup.patient, **{self.name: self.value}))


@dataclass(frozen=True, slots=True)
class SetSurgeryField(Change):
    name: str
    value: Any
    old: Any = None
    section: ClassVar[str] = "surgery"

    @property
    def field(self) -> str:
        return f"surgery.{self.name}"

    @property
    def new_value(self) -> Any:
        return tuple(self.value) if self.name == "levels" and self.value is not None else self.value

    def current(self, state: VisitState) -> Any:
        return getattr(state.workup.surgery, self.name)

    def apply_to(self, state: VisitState) -> VisitState:
        value = self.new_value
        if self.name == "levels" and value is None:
            value = ()
        return _with_workup(state, surgery=replace(state.workup.surgery, **{self.name: value}))


@dataclass(frozen=True, slots=True)
class SetVisitField(Change):
    name: str
    value: Any
    old: Any = None
    section: ClassVar[str] = "visit"

    @property
    def field(self) -> str:
        return f"visit.{self.name}"

    @property
    def new_value(self) -> Any:
        return self.value

    def current(self, state: VisitState) -> Any:
        return getattr(state.workup.visit, self.name)

    def apply_to(self, state: VisitState) -> VisitState:
        return _with_workup(state, visit=replace(state.workup.visit, **{self.name: self.value}))


@dataclass(frozen=True, slots=True)
class SetNotes(Change):
    text: str | None
    old: str | None = None
    section: ClassVar[str] = "visit"

    @property
    def field(self) -> str:
        return "visit.notes"

    @property
    def new_value(self) -> Any:
        return self.text or None

    def current(self, state: VisitState) -> Any:
        return state.workup.visit.notes

    def apply_to(self, state: VisitState) -> VisitState:
        return _with_workup(state, visit=replace(state.workup.visit, notes=self.text or None))


@dataclass(frozen=True, slots=True)
class AddLab(Change):
    lab: LabResult
    section: ClassVar[str] = "lab"
    conflicts: ClassVar[bool] = False

    @property
    def field(self) -> str:
        return "labs"

    @property
    def new_value(self) -> Any:
        return self.lab

    def current(self, state: VisitState) -> Any:
        return None

    def apply_to(self, state: VisitState) -> VisitState:
        return _with_workup(state, labs=(*state.workup.labs, self.lab))


@dataclass(frozen=True, slots=True)
class RemoveLab(Change):
    """`index` into `workup.labs`; `old` is the line the editor saw there."""

    index: int
    old: LabResult | None = None
    section: ClassVar[str] = "lab"

    @property
    def field(self) -> str:
        return f"labs[{self.index}]"

    @property
    def new_value(self) -> Any:
        return None

    def current(self, state: VisitState) -> Any:
        labs = state.workup.labs
        return labs[self.index] if 0 <= self.index < len(labs) else None

    def apply_to(self, state: VisitState) -> VisitState:
        labs = list(state.workup.labs)
        if not 0 <= self.index < len(labs):
            from cramp_dx.errors import InputError, Problem

            raise InputError(Problem(self.field, f"there is no lab line {self.index}"))
        del labs[self.index]
        return _with_workup(state, labs=tuple(labs))


@dataclass(frozen=True, slots=True)
class AddMedication(Change):
    medication: Medication
    section: ClassVar[str] = "medication"
    conflicts: ClassVar[bool] = False

    @property
    def field(self) -> str:
        return "medications"

    @property
    def new_value(self) -> Any:
        return self.medication

    def current(self, state: VisitState) -> Any:
        return None

    def apply_to(self, state: VisitState) -> VisitState:
        return _with_workup(state, medications=(*state.workup.medications, self.medication))


@dataclass(frozen=True, slots=True)
class UpdateMedication(Change):
    index: int
    medication: Medication
    old: Medication | None = None
    section: ClassVar[str] = "medication"

    @property
    def field(self) -> str:
        return f"medications[{self.index}]"

    @property
    def new_value(self) -> Any:
        return self.medication

    def current(self, state: VisitState) -> Any:
        meds = state.workup.medications
        return meds[self.index] if 0 <= self.index < len(meds) else None

    def apply_to(self, state: VisitState) -> VisitState:
        meds = list(state.workup.medications)
        if not 0 <= self.index < len(meds):
            from cramp_dx.errors import InputError, Problem

            raise InputError(Problem(self.field, f"there is no medication line {self.index}"))
        meds[self.index] = self.medication
        return _with_workup(state, medications=tuple(meds))


@dataclass(frozen=True, slots=True)
class RemoveMedication(Change):
    index: int
    old: Medication | None = None
    section: ClassVar[str] = "medication"

    @property
    def field(self) -> str:
        return f"medications[{self.index}]"

    @property
    def new_value(self) -> Any:
        return None

    def current(self, state: VisitState) -> Any:
        meds = state.workup.medications
        return meds[self.index] if 0 <= self.index < len(meds) else None

    def apply_to(self, state: VisitState) -> VisitState:
        meds = list(state.workup.medications)
        if not 0 <= self.index < len(meds):
            from cramp_dx.errors import InputError, Problem

            raise InputError(Problem(self.field, f"there is no medication line {self.index}"))
        del meds[self.index]
        return _with_workup(state, medications=tuple(meds))


@dataclass(frozen=True, slots=True)
class SetOrder(Change):
    """`state` None (or `not_ordered` without a date) clears the order."""

    test_id: str
    state: str | None
    date: date | None = None
    old: Order | None = None
    section: ClassVar[str] = "order"

    @property
    def field(self) -> str:
        return f"orders.{self.test_id}"

    @property
    def new_value(self) -> Any:
        if self.state is None:
            return None
        return Order(state=self.state, date=self.date)

    def current(self, state: VisitState) -> Any:
        return state.workup.orders.get(self.test_id)

    def apply_to(self, state: VisitState) -> VisitState:
        orders = dict(state.workup.orders)
        if self.new_value is None:
            orders.pop(self.test_id, None)
        else:
            orders[self.test_id] = self.new_value
        return _with_workup(state, orders=orders)


@dataclass(frozen=True, slots=True)
class SetPlanItems(Change):
    ids: tuple[str, ...]
    old: tuple[str, ...] | None = None
    section: ClassVar[str] = "plan"

    @property
    def field(self) -> str:
        return "plan_items"

    @property
    def new_value(self) -> Any:
        return tuple(self.ids)

    @property
    def old_value(self) -> Any:
        return None if self.old is None else tuple(self.old)

    def current(self, state: VisitState) -> Any:
        return state.plan_items

    def apply_to(self, state: VisitState) -> VisitState:
        return replace(state, plan_items=tuple(dict.fromkeys(self.ids)))


@dataclass(frozen=True, slots=True)
class AcknowledgeRedFlag(Change):
    flag_id: str
    section: ClassVar[str] = "acknowledgement"
    conflicts: ClassVar[bool] = False

    @property
    def field(self) -> str:
        return f"acknowledged_red_flags.{self.flag_id}"

    @property
    def new_value(self) -> Any:
        return True

    def current(self, state: VisitState) -> Any:
        return self.flag_id in state.acknowledged_red_flags

    def apply_to(self, state: VisitState) -> VisitState:
        if self.flag_id in state.acknowledged_red_flags:
            return state
        return replace(state, acknowledged_red_flags=(*state.acknowledged_red_flags, self.flag_id))


__all__ = [
    "PATIENT_FIELDS",
    "SURGERY_FIELDS",
    "VISIT_FIELDS",
    "AcknowledgeRedFlag",
    "AddLab",
    "AddMedication",
    "Change",
    "RemoveLab",
    "RemoveMedication",
    "SetFinding",
    "SetMeasurement",
    "SetNeuroSign",
    "SetNotes",
    "SetOrder",
    "SetPatientField",
    "SetPlanItems",
    "SetSurgeryField",
    "SetVisitField",
    "UpdateMedication",
    "VisitState",
]
