"""The workup of one visit as immutable plain data.

This is what the engine assesses, what a case file is read into, what the record stores and
what `export-case` writes back. Values are already validated and labs are kept in the unit
they were entered in (the engine converts); nothing here knows about the database or Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

FORMAT_ID = "cramp-dx-case/1"

SEXES = ("female", "male", "other", "unknown")
SIDES = ("left", "right", "bilateral")
# Vertebrae from the top of the accepted range down; L6 exists only in a spine with six lumbar
# vertebrae, where it sits between L5 and S1. An operated level is an adjacent pair of them.
VERTEBRAE = ("T10", "T11", "T12", "L1", "L2", "L3", "L4", "L5", "L6", "S1")
LEVELS = (
    "T10-T11", "T11-T12", "T12-L1", "L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1",
    "L5-L6", "L6-S1",
)  # fmt: skip
PROCEDURES = (
    "discectomy",
    "microdiscectomy",
    "laminectomy",
    "laminotomy",
    "foraminotomy",
    "fusion",
    "other",
)
APPROACHES = ("open", "minimally_invasive", "lateral", "anterior")
POSITIONS = ("prone", "knee_chest", "lateral_decubitus", "supine")
# The yes/no details of the operation on `Surgery` (None = not recorded), in display order.
OPERATION_FLAGS = (
    "instrumentation",
    "interbody_device",
    "durotomy",
    "bmp_used",
    "iliac_crest_graft",
    "pelvic_fixation",
)
# Readable labels, shared by the app, the PDF and the FHIR export.
APPROACH_LABELS = {
    "open": "open",
    "minimally_invasive": "minimally invasive",
    "lateral": "lateral (transpsoas/pre-psoas)",
    "anterior": "anterior (ALIF)",
}
POSITION_LABELS = {
    "prone": "prone",
    "knee_chest": "knee-chest",
    "lateral_decubitus": "lateral decubitus",
    "supine": "supine",
}
OPERATION_FLAG_LABELS = {
    "instrumentation": "Pedicle screws / rods",
    "interbody_device": "Interbody device (cage)",
    "durotomy": "Dural tear (durotomy)",
    "bmp_used": "rhBMP-2 used",
    "iliac_crest_graft": "Iliac crest graft",
    "pelvic_fixation": "Pelvic fixation",
}
ORDER_STATES = ("not_ordered", "ordered", "done", "not_indicated")
MEDICATION_STATUSES = ("taking", "tapering", "stopped")


@dataclass(frozen=True)
class Patient:
    mrn: str | None = None
    family_name: str | None = None
    given_name: str | None = None
    birth_date: date | None = None
    sex: str | None = None


@dataclass(frozen=True)
class Surgery:
    date: date
    procedure: str | None = None
    levels: tuple[str, ...] = ()
    approach: str | None = None
    prior_spine_surgeries: int | None = None
    duration_hours: float | None = None
    position: str | None = None
    # OPERATION_FLAGS: True / False as recorded, None = not recorded
    instrumentation: bool | None = None
    interbody_device: bool | None = None
    durotomy: bool | None = None
    bmp_used: bool | None = None
    iliac_crest_graft: bool | None = None
    pelvic_fixation: bool | None = None


@dataclass(frozen=True)
class Visit:
    date: date
    symptom_side: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class LabResult:
    """One lab value as entered: `test` is the lab id (a LOINC code is resolved on reading).
    `loinc` is the code the result arrived with, when it came coded (kept and exported as it
    came: an eGFR by CKD-EPI 2009 stays 62238-1); `collected_at` the collection time when the
    laboratory gave one (its date is `collected`)."""

    test: str
    value: float
    unit: str
    collected: date | None = None
    loinc: str | None = None
    collected_at: datetime | None = None


@dataclass(frozen=True)
class Medication:
    name: str
    dose: str | None = None
    start_date: date | None = None
    status: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Order:
    state: str
    date: date | None = None


@dataclass(frozen=True)
class Workup:
    """Everything known at one visit. `findings` maps finding id → True (present) / False
    (absent); a missing key means not assessed. Opposite findings are already folded in by
    the reader, so `findings` holds what the user said, no more."""

    surgery: Surgery
    visit: Visit
    patient: Patient = field(default_factory=Patient)
    findings: dict[str, bool] = field(default_factory=dict)
    measurements: dict[str, float] = field(default_factory=dict)
    labs: tuple[LabResult, ...] = ()
    medications: tuple[Medication, ...] = ()
    orders: dict[str, Order] = field(default_factory=dict)
