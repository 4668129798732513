"""build_bundle(): one visit's workup and assessment as a FHIR R4 Bundle (plain dicts).

Bundle type "collection" (a "document" Bundle would need a Composition first): Patient,
Encounter, the index surgery, the ClinicalImpression holding the differential, then
Observations (labs, findings, measurements, Wells, the neurological examination and its level
check), MedicationStatements, ServiceRequests and the PDF, linked by urn:uuid.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from cramp_dx.case.model import Workup
from cramp_dx.engine.result import Assessment
from cramp_dx.fhir import systems
from cramp_dx.fhir.document import PdfDocument, document_reference
from cramp_dx.fhir.entries import Entries
from cramp_dx.fhir.impression import clinical_impression
from cramp_dx.fhir.medications import medication_statement
from cramp_dx.fhir.neuro import level_check_observation, neuro_observations
from cramp_dx.fhir.observations import (
    finding_observation,
    lab_observation,
    measurement_observation,
    wells_observation,
)
from cramp_dx.fhir.orders import service_request
from cramp_dx.fhir.subject import (
    encounter_resource,
    patient_resource,
    procedure_resource,
    symptom_side_observation,
)
from cramp_dx.knowledge import Knowledge

# the record's visit states; "draft" is a case file that was never saved
STATUSES = ("draft", "intake", "ready_for_review", "signed")


def build_bundle(
    workup: Workup,
    assessment: Assessment,
    kb: Knowledge,
    *,
    visit_id: int | str | None = None,
    status: str = "draft",
    clinician: str | None = None,
    signed_by: str | None = None,
    signed_at: datetime | None = None,
    plan_items: Sequence[str] = (),
    addenda: Sequence[Any] = (),
    acknowledged_red_flags: Sequence[str] = (),
    pdf: PdfDocument | None = None,
    lab_ranges: dict[str, dict[str, float]] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The Bundle as a JSON-ready dict. `assessment` must be `assess(workup, kb, lab_ranges=…)`
    with the same `lab_ranges`, so each lab's flag and range match what the clinician saw.
    Only a signed visit gives final findings, a finished Encounter and a completed
    ClinicalImpression; lab results are final as reported."""
    if status not in STATUSES:
        raise ValueError(f"status {status!r}; accepted: {', '.join(STATUSES)}")
    now = (now or datetime.now(UTC)).astimezone()
    signed = status == "signed"
    obs_status = "final" if signed else "preliminary"
    author = signed_by or clinician
    entries = Entries()

    subject = entries.add(patient_resource(workup.patient))
    encounter = entries.add(
        encounter_resource(workup.visit, subject, finished=signed, visit_id=visit_id, clinician=author)
    )
    procedure = entries.add(procedure_resource(workup.surgery, subject))

    # the impression goes before its evidence: reserve its place, fill it in at the end
    impression_ref = entries.reserve()

    side = symptom_side_observation(workup.visit, subject, encounter, obs_status)
    context_refs = [entries.add(side)] if side else []
    lab_refs = [
        entries.add(lab_observation(result, workup, kb, subject, encounter, lab_ranges))
        for result in workup.labs
    ]
    finding_refs = [
        entries.add(finding_observation(fid, present, workup, kb, subject, encounter, obs_status))
        for fid, present in _in_kb_order(workup.findings, kb.findings)
    ]
    measurement_refs = [
        entries.add(measurement_observation(mid, value, workup, kb, subject, encounter, obs_status))
        for mid, value in _in_kb_order(workup.measurements, kb.measurements)
    ]
    wells_ref = entries.add(wells_observation(assessment.wells, workup, subject, encounter, obs_status))
    neuro_refs = [entries.add(obs) for obs in neuro_observations(workup, subject, encounter, obs_status)]
    if assessment.level_check.examined:
        neuro_refs.append(
            entries.add(
                level_check_observation(
                    assessment.level_check, workup, subject, encounter, obs_status, list(neuro_refs)
                )
            )
        )

    med_refs = []
    for med in workup.medications:
        flags = [f for f in assessment.medication_flags if f.medication == med.name]
        med_refs.append(
            entries.add(
                medication_statement(med, flags, kb, subject, encounter, workup.visit.date.isoformat())
            )
        )
    order_refs = []
    for test_id in kb.tests:
        order = workup.orders.get(test_id)
        request = service_request(test_id, order, kb, subject, encounter, author) if order else None
        if request:
            order_refs.append(entries.add(request))

    if pdf is not None:
        entries.add(
            document_reference(pdf, subject=subject, encounter=encounter, final=signed, author=author)
        )

    impression = clinical_impression(
        workup,
        assessment,
        kb,
        subject=subject,
        encounter=encounter,
        completed=signed,
        assessor=author,
        when=(signed_at.astimezone() if signed and signed_at else now),
        investigations={
            "Visit context": context_refs,
            "Laboratory results": lab_refs,
            "Checklist findings": finding_refs,
            "Measurements": measurement_refs,
            "Wells score for DVT": [wells_ref],
            "Neurological examination and level check": neuro_refs,
        },
        supporting=[procedure, *med_refs, *order_refs],
        plan_items=plan_items,
        addenda=addenda,
        acknowledged=acknowledged_red_flags,
    )
    entries.fill(impression_ref, impression)

    bundle_id = entries.new_id()
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "meta": {"tag": [{"system": systems.KNOWLEDGE, "code": assessment.knowledge_version}]},
        "identifier": {"system": systems.URI, "value": f"urn:uuid:{bundle_id}"},
        "type": "collection",
        "timestamp": now.isoformat(timespec="seconds"),
        "entry": entries.as_entries(),
    }


def _in_kb_order(values: dict[str, Any], order: dict[str, Any]) -> list[tuple[str, Any]]:
    """Record values in the knowledge base's order (stable output for the same visit)."""
    return [(key, values[key]) for key in order if key in values]


def bundle_for_record(
    record: Any,
    assessment: Assessment,
    kb: Knowledge,
    *,
    pdf: PdfDocument | None = None,
    lab_ranges: dict[str, dict[str, float]] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A saved visit (a services VisitRecord) as a Bundle, with its status, signer, plan
    items and addenda."""
    return build_bundle(
        record.workup,
        assessment,
        kb,
        visit_id=record.id,
        status=record.status,
        clinician=record.clinician,
        signed_by=record.signed_by,
        signed_at=record.signed_at,
        plan_items=record.plan_items,
        addenda=record.addenda,
        acknowledged_red_flags=record.acknowledged_red_flags,
        pdf=pdf,
        lab_ranges=lab_ranges,
        now=now,
    )
