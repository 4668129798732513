"""MedicationStatement per medication line. The name is kept exactly as entered (catalog
match or not): it is `medicationCodeableConcept.text`, with no coding we could get wrong."""

from __future__ import annotations

from typing import Any

from cramp_dx.case.model import Medication
from cramp_dx.engine.result import MedicationFlag
from cramp_dx.fhir.entries import annotation, concept
from cramp_dx.knowledge import Knowledge

Ref = dict[str, str]

# the record's status → MedicationStatement.status
STATUS = {"taking": "active", "tapering": "active", "stopped": "stopped", None: "unknown"}


def medication_statement(
    med: Medication,
    flags: list[MedicationFlag],
    kb: Knowledge,
    subject: Ref,
    encounter: Ref,
    asserted: str,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "status": STATUS[med.status],
    }
    if med.status == "tapering":
        out["statusReason"] = [concept("Tapering")]
    out |= {
        "medicationCodeableConcept": {"text": med.name},
        "subject": subject,
        "context": encounter,
        "dateAsserted": asserted,
    }
    if med.start_date:
        out["effectivePeriod"] = {"start": med.start_date.isoformat()}
    notes = []
    if med.note and med.note.strip():
        notes.append(annotation(med.note))
    for flag in flags:
        notes.append(annotation(f"Cramp-related drug ({flag.drug}): {flag.drug_class} — {flag.concern}"))
    for warning in kb.medications.warnings_for(med.name):
        notes.append(annotation(f"Warning: {warning.message}"))
    if notes:
        out["note"] = notes
    if med.dose and med.dose.strip():
        out["dosage"] = [{"text": med.dose}]
    return out
