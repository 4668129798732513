"""ServiceRequest per test with an order state in the record (SPEC.md section 8): ordered
(pending), done, or not indicated (a clinician's decision not to do it: `doNotPerform`)."""

from __future__ import annotations

from typing import Any

from cramp_dx.case.model import Order
from cramp_dx.fhir import systems
from cramp_dx.fhir.entries import annotation, coding, concept
from cramp_dx.knowledge import Knowledge

Ref = dict[str, str]


def service_request(
    test_id: str, order: Order, kb: Knowledge, subject: Ref, encounter: Ref, requester: str | None
) -> dict[str, Any] | None:
    if order.state == "not_ordered":
        return None
    test = kb.tests[test_id]
    out: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "status": "completed" if order.state == "done" else "active",
        "intent": "order",
    }
    if order.state == "not_indicated":
        out["doNotPerform"] = True
    out |= {
        "code": concept(test.name, coding(systems.TEST, test.id, test.name)),
        "subject": subject,
        "encounter": encounter,
    }
    day = order.date.isoformat() if order.date else None
    if day and order.state == "done":
        out["occurrenceDateTime"] = day
    elif day:
        out["authoredOn"] = day
    if requester:
        out["requester"] = {"display": requester}
    state = {"ordered": "Ordered (pending)", "done": "Done", "not_indicated": "Not indicated"}[order.state]
    out["note"] = [annotation(f"{state}{f' on {day}' if day else ''}. Settles: {test.settles_text}")]
    return out
