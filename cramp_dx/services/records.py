"""Plain, immutable views of the record handed to the GUI and CLI (never ORM objects, so
nothing lazy-loads after its transaction has ended)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from cramp_dx.case.model import Workup


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    username: str
    display_name: str
    role: str
    active: bool = True
    locked_until: datetime | None = None  # set while repeated failed sign-ins lock it


@dataclass(frozen=True, slots=True)
class PatientRow:
    id: int
    mrn: str
    family_name: str | None
    given_name: str | None
    birth_date: date | None
    sex: str | None
    version: int
    latest_surgery_date: date | None = None
    latest_visit_date: date | None = None
    visit_count: int = 0
    visit_status: str | None = None  # of the latest visit: intake, ready_for_review, signed


@dataclass(frozen=True, slots=True)
class VisitRow:
    id: int
    patient_id: int
    visit_date: date
    status: str
    version: int
    surgery_date: date | None
    procedure: str | None
    signed_by: str | None
    signed_at: datetime | None


@dataclass(frozen=True, slots=True)
class EarlierLab:
    """One lab result from another visit of the patient: `collected` is its collection date,
    or the visit date when none was recorded."""

    collected: date
    value: float
    unit: str
    visit_id: int
    visit_date: date


@dataclass(frozen=True, slots=True)
class DemoPatient:
    """One fictional demo case: `added` with its new visit, or already in the record."""

    mrn: str
    family_name: str | None
    added: bool
    visit_id: int | None = None


@dataclass(frozen=True, slots=True)
class AddendumRow:
    id: int
    author: str
    created_at: datetime
    text: str


@dataclass(frozen=True, slots=True)
class VisitRecord:
    """One saved visit: `version` is what a later `apply` passes as `base_version`."""

    id: int
    patient_id: int
    version: int
    status: str
    workup: Workup
    plan_items: tuple[str, ...]
    acknowledged_red_flags: tuple[str, ...]
    signed_by: str | None
    signed_at: datetime | None
    addenda: tuple[AddendumRow, ...]
    clinician: str | None

    @property
    def read_only(self) -> bool:
        return self.status == "signed"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: str
    username: str
    action: str
    entity: str
    entity_id: str | None
    patient_id: int | None
    visit_id: int | None
    field: str | None
    old_value: str | None
    new_value: str | None


@dataclass(frozen=True, slots=True)
class EmergencyAccessRow:
    """One emergency access ("break the glass"): who opened which patient's record, when
    (ISO 8601 UTC), from which workstation, why, and how many visits were then read."""

    at: str
    username: str
    role: str
    mrn: str
    reason: str
    workstation: str
    visits_read: int
