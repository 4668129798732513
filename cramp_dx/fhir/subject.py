"""Who and when: Patient, the Encounter of the visit, and the index surgery as a Procedure."""

from __future__ import annotations

from typing import Any

from cramp_dx.case.model import (
    APPROACH_LABELS,
    OPERATION_FLAG_LABELS,
    OPERATION_FLAGS,
    POSITION_LABELS,
    Patient,
    Surgery,
    Visit,
)
from cramp_dx.fhir import systems
from cramp_dx.fhir.entries import annotation, coding, concept

GENDERS = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}

# SNOMED CT laterality qualifiers for the side of the symptoms
SIDE_CODES = {
    "left": ("7771000", "Left"),
    "right": ("24028007", "Right"),
    "bilateral": ("51440002", "Right and left"),
}


def patient_resource(patient: Patient) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Patient"}
    if patient.mrn:
        out["identifier"] = [
            {
                "use": "usual",
                "type": concept("Medical record number", coding(_V2_ID_TYPE, "MR")),
                "system": systems.MRN,
                "value": patient.mrn,
            }
        ]
    if patient.family_name or patient.given_name:
        name: dict[str, Any] = {"use": "official"}
        if patient.family_name:
            name["family"] = patient.family_name
        if patient.given_name:
            name["given"] = [patient.given_name]
        name["text"] = " ".join(p for p in (patient.given_name, patient.family_name) if p)
        out["name"] = [name]
    if patient.sex:
        out["gender"] = GENDERS[patient.sex]
    if patient.birth_date:
        out["birthDate"] = patient.birth_date.isoformat()
    return out


_V2_ID_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"


def encounter_resource(
    visit: Visit,
    subject: dict[str, str],
    *,
    finished: bool,
    visit_id: int | str | None,
    clinician: str | None,
) -> dict[str, Any]:
    """The visit. R4 requires `class`: an ambulatory (outpatient) encounter."""
    day = visit.date.isoformat()
    out: dict[str, Any] = {"resourceType": "Encounter"}
    if visit_id is not None:
        out["identifier"] = [{"system": systems.VISIT, "value": str(visit_id)}]
    out |= {
        "status": "finished" if finished else "in-progress",
        "class": coding(systems.ACT_CODE, "AMB", "ambulatory"),
        "subject": subject,
        "period": {"start": day, "end": day},
        "reasonCode": [concept("Leg cramps or leg pain after lumbar spine surgery")],
    }
    if clinician:
        out["participant"] = [{"individual": {"display": clinician}}]
    return out


def procedure_resource(surgery: Surgery, subject: dict[str, str]) -> dict[str, Any]:
    """The index surgery: what, when, which levels. Approach, earlier operations and length
    have no coded home in R4's Procedure without extensions, so they are notes."""
    if surgery.procedure:
        code = concept(
            f"{surgery.procedure.replace('_', ' ').capitalize()} (lumbar spine)",
            coding(systems.PROCEDURE, surgery.procedure),
        )
    else:
        code = concept("Lumbar spine surgery (procedure not recorded)")
    out: dict[str, Any] = {
        "resourceType": "Procedure",
        "status": "completed",
        "code": code,
        "subject": subject,
        "performedDateTime": surgery.date.isoformat(),
    }
    if surgery.levels:
        out["bodySite"] = [concept(f"{_region(level)} {level}") for level in surgery.levels]
    notes = []
    if surgery.levels:
        notes.append("Levels: " + ", ".join(surgery.levels))
    if surgery.approach:
        notes.append(f"Approach: {APPROACH_LABELS.get(surgery.approach, surgery.approach)}")
    if surgery.position:
        notes.append(f"Position: {POSITION_LABELS.get(surgery.position, surgery.position)}")
    present = [OPERATION_FLAG_LABELS[name] for name in OPERATION_FLAGS if getattr(surgery, name)]
    if present:
        notes.append("Recorded during the operation: " + "; ".join(present))
    if surgery.prior_spine_surgeries is not None:
        notes.append(f"Earlier spine operations: {surgery.prior_spine_surgeries}")
    if surgery.duration_hours is not None:
        notes.append(f"Operation length: {surgery.duration_hours:g} h")
    if notes:
        out["note"] = [annotation(text) for text in notes]
    return out


def _region(level: str) -> str:
    """Which part of the spine an operated level is in: T10-T11 thoracic, T12-L1
    thoracolumbar, the rest lumbar (L5-S1 included, as before)."""
    upper, _, lower = level.partition("-")
    if upper.startswith("T"):
        return "Thoracic spine" if lower.startswith("T") else "Thoracolumbar spine"
    return "Lumbar spine"


def symptom_side_observation(
    visit: Visit, subject: dict[str, str], encounter: dict[str, str], status: str
) -> dict[str, Any] | None:
    """The side of the leg symptoms, as an Observation coded with SNOMED CT laterality."""
    side = visit.symptom_side
    if not side:
        return None
    code, display = SIDE_CODES[side]
    return {
        "resourceType": "Observation",
        "status": status,
        "category": [concept("Survey", coding(systems.OBSERVATION_CATEGORY, "survey", "Survey"))],
        "code": concept("Side of the leg symptoms", coding(systems.VISIT_ITEM, "symptom_side")),
        "subject": subject,
        "encounter": encounter,
        "effectiveDateTime": visit.date.isoformat(),
        "valueCodeableConcept": concept(side, coding(systems.SNOMED, code, display)),
    }
