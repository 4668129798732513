"""The workup of one visit as immutable plain data.

This is what the engine assesses, what a case file is read into, what the record stores and
what `export-case` writes back. Values are already validated and labs are kept in the unit
they were entered in (the engine converts); nothing here knows about the database or Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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
# Vertebrae from the top of the accepted range down; L6 exists only in a spine with six lumbar
# vertebrae, where it sits between L5 and S1.
VERTEBRAE = ("T10", "T11", "T12", "L1", "L2", "L3", "L4", "L5", "L6", "S1")
LEVELS = (
    "T10-T11", "T11-T12", "T12-L1", "L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1",
    "L5-L6", "L6-S1",
)  # fmt: skip
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

# The structured neurological examination (`neuro_exam`), per side. The ids are a contract of
# the case file like the finding ids; resources/knowledge/neuro.toml maps them to roots.
NEURO_SIDES = ("left", "right")
NEURO_KINDS = ("sensory", "strength", "reflexes")
SENSORY_AREAS = (
    "groin",
    "anterior_thigh",
    "anterolateral_thigh",
    "medial_leg",
    "lateral_leg",
    "dorsum_of_foot",
    "great_toe",
    "buttock",
    "perianal",
    "posterior_calf",
    "lateral_foot",
    "sole",
)
SENSORY_VALUES = ("normal", "reduced", "absent", "painful")  # painful: pain radiates there
MUSCLES = (
    "hip_flexion",
    "hip_adduction",
    "hip_abduction",
    "hip_extension",
    "knee_extension",
    "knee_flexion",
    "ankle_dorsiflexion",
    "great_toe_extension",
    "ankle_plantarflexion",
    "foot_eversion",
    "foot_inversion",
)
MRC_GRADES = (0, 1, 2, 3, 4, 5)
REFLEXES = ("knee", "ankle", "medial_hamstring")
REFLEX_VALUES = ("normal", "reduced", "absent", "brisk")
SENSORY_AREA_LABELS = {
    "groin": "groin",
    "anterior_thigh": "anterior thigh",
    "anterolateral_thigh": "anterolateral thigh",
    "medial_leg": "medial leg",
    "lateral_leg": "lateral leg",
    "dorsum_of_foot": "dorsum of the foot",
    "great_toe": "great toe",
    "buttock": "buttock",
    "perianal": "perianal (saddle)",
    "posterior_calf": "posterior calf",
    "lateral_foot": "lateral foot",
    "sole": "sole",
}
MUSCLE_LABELS = {
    "hip_flexion": "hip flexion",
    "hip_adduction": "hip adduction",
    "hip_abduction": "hip abduction",
    "hip_extension": "hip extension",
    "knee_extension": "knee extension",
    "knee_flexion": "knee flexion",
    "ankle_dorsiflexion": "ankle dorsiflexion",
    "great_toe_extension": "great-toe extension",
    "ankle_plantarflexion": "ankle plantar flexion",
    "foot_eversion": "foot eversion",
    "foot_inversion": "foot inversion",
}
REFLEX_LABELS = {
    "knee": "knee reflex",
    "ankle": "ankle reflex",
    "medial_hamstring": "medial hamstring reflex",
}
NEURO_ITEMS = {"sensory": SENSORY_AREAS, "strength": MUSCLES, "reflexes": REFLEXES}
NEURO_LABELS = {"sensory": SENSORY_AREA_LABELS, "strength": MUSCLE_LABELS, "reflexes": REFLEX_LABELS}


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
class NeuroSide:
    """One leg's examination: sensory area → normal/reduced/absent/painful, muscle → MRC grade
    0–5, reflex → normal/reduced/absent/brisk. A missing key means not examined."""

    sensory: dict[str, str] = field(default_factory=dict)
    strength: dict[str, int] = field(default_factory=dict)
    reflexes: dict[str, str] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (self.sensory or self.strength or self.reflexes)


@dataclass(frozen=True)
class NeuroExam:
    """The structured neurological examination of both legs (`neuro_exam` in a case file)."""

    left: NeuroSide = field(default_factory=NeuroSide)
    right: NeuroSide = field(default_factory=NeuroSide)

    def side(self, side: str) -> NeuroSide:
        return self.left if side == "left" else self.right

    def is_empty(self) -> bool:
        return self.left.is_empty() and self.right.is_empty()

    def get(self, side: str, kind: str, item: str) -> str | int | None:
        """One sign's value, None when not examined."""
        value: str | int | None = getattr(self.side(side), kind).get(item)
        return value

    def with_sign(self, side: str, kind: str, item: str, value: str | int | None) -> NeuroExam:
        """A copy with one sign set (None: not examined)."""
        signs = dict(getattr(self.side(side), kind))
        if value is None:
            signs.pop(item, None)
        else:
            signs[item] = value
        one = replace(self.side(side), **{kind: signs})
        return replace(self, **{side: one})

    def signs(self) -> list[tuple[str, str, str, str | int]]:
        """Every examined sign as (side, kind, item, value), in the order of the contract."""
        out: list[tuple[str, str, str, str | int]] = []
        for side in NEURO_SIDES:
            for kind in NEURO_KINDS:
                values = getattr(self.side(side), kind)
                out.extend((side, kind, item, values[item]) for item in NEURO_ITEMS[kind] if item in values)
        return out


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
    neuro_exam: NeuroExam = field(default_factory=NeuroExam)
