"""Helpers for the lab import tests: the patient the sample messages in tests/data/labs/ are
about, and the stored labs in a form that is easy to compare."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cramp_dx.case.model import LabResult, Workup
from cramp_dx.casefile.io import parse_case

LABS = Path(__file__).resolve().parent.parent / "data" / "labs"

PATIENT_CASE: dict[str, Any] = {
    "format": "cramp-dx-case/1",
    "patient": {
        "mrn": "LAB-0042",
        "family_name": "Rivera",
        "given_name": "Maria",
        "birth_date": "1958-03-14",
        "sex": "female",
    },
    "surgery": {"procedure": "fusion", "levels": ["L4-L5"], "date": "2026-09-30"},
    "visit": {"date": "2026-10-21"},
}


def patient_workup(**patient: Any) -> Workup:
    """The sample messages' patient, visit on 2026-10-21 with no labs; `patient` overrides."""
    case = {**PATIENT_CASE, "patient": {**PATIENT_CASE["patient"], **patient}}
    case["patient"] = {k: v for k, v in case["patient"].items() if v is not None}
    return parse_case(case)


def stored(labs: tuple[LabResult, ...] | list[LabResult]) -> list[tuple[Any, ...]]:
    """(lab id, value, unit, LOINC as arrived, collection time) of each lab, in order."""
    return [
        (lab.test, lab.value, lab.unit, lab.loinc, lab.collected_at.isoformat() if lab.collected_at else None)
        for lab in labs
    ]


HL7_RESULTS = [
    ("magnesium", 0.62, "mmol/L", "2601-3", "2026-10-21T07:30:00-04:00"),
    ("potassium", 3.9, "mmol/L", "2823-3", "2026-10-21T07:30:00-04:00"),
    ("calcium", 8.9, "mg/dL", "17861-6", "2026-10-21T07:30:00-04:00"),
    ("creatinine", 88.0, "umol/L", "14682-9", "2026-10-21T07:30:00-04:00"),
    ("egfr", 64.0, "mL/min/1.73m2", "62238-1", "2026-10-21T07:30:00-04:00"),
    ("glucose", 104.0, "mg/dL", "2345-7", "2026-10-21T07:30:00-04:00"),
]

FHIR_RESULTS = [
    ("calcium", 2.21, "mmol/L", "2000-8", "2026-10-20T06:45:00-04:00"),
    ("phosphate", 2.1, "mg/dL", "2777-1", "2026-10-20T06:45:00-04:00"),
    ("vitamin_d", 18.0, "ng/mL", "62292-8", "2026-10-20T06:45:00-04:00"),
    ("bun", 6.1, "mmol/L", "22664-7", "2026-10-20T06:45:00-04:00"),
    ("hemoglobin", 112.0, "g/L", "718-7", "2026-10-20T06:45:00-04:00"),
    ("crp", 46.0, "mg/L", "1988-5", "2026-10-20T06:45:00-04:00"),
]
