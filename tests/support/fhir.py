"""Helpers for the FHIR export tests: validation with fhir.resources (R4B models), and the
checks those models do not make (required code values, references that resolve)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fhir.resources.R4B.bundle import Bundle

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"

# R4 required bindings fhir.resources does not enforce
STATUS_VALUES = {
    "Observation": {
        "registered",
        "preliminary",
        "final",
        "amended",
        "corrected",
        "cancelled",
        "entered-in-error",
        "unknown",
    },
    "Encounter": {
        "planned",
        "arrived",
        "triaged",
        "in-progress",
        "onleave",
        "finished",
        "cancelled",
        "entered-in-error",
        "unknown",
    },
    "Procedure": {
        "preparation",
        "in-progress",
        "not-done",
        "on-hold",
        "stopped",
        "completed",
        "entered-in-error",
        "unknown",
    },
    "MedicationStatement": {
        "active",
        "completed",
        "entered-in-error",
        "intended",
        "stopped",
        "on-hold",
        "unknown",
        "not-taken",
    },
    "ClinicalImpression": {"in-progress", "completed", "entered-in-error"},
    "ServiceRequest": {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"},
    "DocumentReference": {"current", "superseded", "entered-in-error"},
}
GENDERS = {"male", "female", "other", "unknown"}


def validate(bundle: dict[str, Any]) -> Bundle:
    """Parse with the R4B models (raises on any structural error) and check code values."""
    model = Bundle.model_validate(bundle)
    assert bundle["type"] in ("collection", "document")
    urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(set(urls)) == len(urls)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
        kind = resource["resourceType"]
        if kind in STATUS_VALUES:
            assert resource["status"] in STATUS_VALUES[kind], (kind, resource["status"])
        if kind == "Patient" and "gender" in resource:
            assert resource["gender"] in GENDERS
    for ref in references(bundle):
        assert ref in urls, f"dangling reference {ref}"
    return model


def references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def only(bundle: dict[str, Any], kind: str) -> dict[str, Any]:
    found = resources(bundle, kind)
    assert len(found) == 1, f"{len(found)} {kind}"
    return found[0]


def codes(concept: dict[str, Any], system: str) -> list[str]:
    return [c["code"] for c in concept.get("coding", []) if c["system"] == system]


def labs(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        r
        for r in resources(bundle, "Observation")
        if any(c["coding"][0]["code"] == "laboratory" for c in r["category"] if "coding" in c)
    ]


def observation_with(bundle: dict[str, Any], system: str, code: str) -> dict[str, Any]:
    found = [r for r in resources(bundle, "Observation") if code in codes(r["code"], system)]
    assert len(found) == 1, f"{len(found)} observations coded {system}|{code}"
    return found[0]


def differential_finding(impression: dict[str, Any], differential_id: str) -> dict[str, Any]:
    for finding in impression["finding"]:
        if differential_id in codes(finding["itemCodeableConcept"], "urn:cramp-dx:differential"):
            return finding
    raise AssertionError(f"no finding for {differential_id}")
