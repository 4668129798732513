"""Problems in the words of the screen: the record names a field by its path in the case file
(`labs[1].value`, `measurements.heart_rate_bpm`), the app by what the person sees beside it
("Potassium, serum", "Heart rate"). The command line keeps the paths (they point into the
file); the app shows these."""

from __future__ import annotations

import re
from typing import Any

from cramp_dx.case.model import Workup
from cramp_dx.errors import CrampDxError, InputError, Problem

FIELD_LABELS = {
    "patient.mrn": "MRN",
    "patient.family_name": "Family name",
    "patient.given_name": "Given name",
    "patient.birth_date": "Birth date",
    "patient.sex": "Sex",
    "surgery.date": "Surgery date",
    "surgery.procedure": "Procedure",
    "surgery.levels": "Levels",
    "surgery.approach": "Approach",
    "surgery.position": "Position on the table",
    "surgery.prior_spine_surgeries": "Earlier spine operations",
    "surgery.duration_hours": "Operation length (hours)",
    "visit.date": "Visit date",
    "visit.symptom_side": "Side of symptoms",
    "visit.notes": "Notes",
    "plan_items": "Management notes",
    "acknowledged_red_flags": "Red flags",
}
PART_LABELS = {"value": "value", "unit": "unit", "collected": "collection date",
               "test": "test", "name": "name", "dose": "dose", "start_date": "start date",
               "status": "status", "date": "date", "state": "state"}
_INDEXED = re.compile(r"^(labs|medications)\[(\d+)\](?:\.(\w+))?")


def field_label(path: str, workup: Workup | None, kb: Any) -> str:
    """What the screen calls the field at `path` ("" if it has no better name). Without a
    workup and knowledge base only the patient, surgery and visit fields are named."""
    if path in FIELD_LABELS:
        return FIELD_LABELS[path]
    if workup is None or kb is None:
        head, _, rest = path.partition(".")
        return rest.replace("_", " ").capitalize() if head in ("patient", "surgery", "visit") else ""
    indexed = _INDEXED.match(path)
    if indexed:
        kind, index, part = indexed.group(1), int(indexed.group(2)), indexed.group(3)
        if kind == "labs":
            labs = workup.labs
            name = kb.lab_name(labs[index].test) if index < len(labs) else "Lab result"
        else:
            meds = workup.medications
            name = f"Medication line {index + 1}" + (
                f" ({meds[index].name})" if index < len(meds) else "")
        return name if part in (None, "value", "name") else f"{name}, {PART_LABELS.get(part, part)}"
    head, _, rest = path.partition(".")
    if head == "measurements" and rest in kb.measurements:
        return str(kb.measurement_label(rest)[0])
    if head == "findings" and rest in kb.findings:
        return str(kb.finding_label(rest))
    if head == "orders":
        test = kb.tests.get(rest.split(".")[0])
        return f"Order: {test.name}" if test else "Order"
    if head in ("patient", "surgery", "visit") and rest:
        return rest.replace("_", " ").capitalize()
    return ""


def problem_text(problem: Problem, workup: Workup | None = None, kb: Any = None) -> str:
    label = field_label(problem.path, workup, kb) if problem.path else ""
    return f"{label}: {problem.message}" if label else str(problem)


def error_text(error: CrampDxError, workup: Workup | None = None, kb: Any = None) -> str:
    """An error for the screen: each problem named by its field's label."""
    if isinstance(error, InputError):
        return "; ".join(problem_text(p, workup, kb) for p in error.problems)
    return str(error)
