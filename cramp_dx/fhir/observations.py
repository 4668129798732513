"""Observations: one per lab result (every result, not only the latest), per assessed
checklist finding, per measurement, and the Wells score with its items."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cramp_dx.case.model import LabResult, Workup
from cramp_dx.engine.facts import lab_value
from cramp_dx.engine.result import Wells
from cramp_dx.fhir import systems
from cramp_dx.fhir.entries import annotation, coding, concept
from cramp_dx.fhir.units import LAB_UNIT_NOTES, lab_ucum, measurement_ucum, quantity
from cramp_dx.knowledge import Knowledge
from cramp_dx.knowledge.model import Lab, Range

Ref = dict[str, str]

# checklist domain → FHIR observation category
DOMAIN_CATEGORY = {
    "history": ("survey", "Survey"),
    "comorbidities": ("survey", "Survey"),
    "examination": ("exam", "Exam"),
    "electrodiagnostics": ("procedure", "Procedure"),
    "vascular": ("imaging", "Imaging"),
    "imaging": ("imaging", "Imaging"),
}

# the FHIR observation-category code system's displays (a measurement's category is data)
CATEGORY_DISPLAY = {
    "vital-signs": "Vital Signs",
    "exam": "Exam",
    "survey": "Survey",
    "social-history": "Social History",
}

_INTERPRETATION = {"H": "High", "L": "Low", "N": "Normal"}
_CRITICAL = {"H": ("HH", "Critical high"), "L": ("LL", "Critical low"), "N": ("AA", "Critical abnormal")}


def _category(code: str, display: str) -> dict[str, Any]:
    return concept(display, coding(systems.OBSERVATION_CATEGORY, code, display))


def _round(value: float) -> float:
    """A converted range bound, to 4 significant figures (the factors carry no more)."""
    return float(f"{Decimal(str(value)):.4g}")


def _range_in(lab: Lab, rng: Range, unit: str) -> Range:
    def conv(x: float | None) -> float | None:
        return None if x is None else _round(lab.from_default(x, unit))

    return Range(conv(rng.low), conv(rng.high), conv(rng.below))


def reference_range(lab: Lab, rng: Range, unit: str, *, clinic_override: bool) -> dict[str, Any] | None:
    """The applied range in the result's own unit. An exclusive upper bound ("< 10") goes into
    `high` too (R4 has no comparator there) and the text says it is exclusive."""
    local = _range_in(lab, rng, unit)
    code = lab_ucum(unit)
    out: dict[str, Any] = {}
    if local.low is not None:
        out["low"] = quantity(local.low, unit, code)
    if local.upper is not None:
        out["high"] = quantity(local.upper, unit, code)
    if not out:
        return None
    text = f"{local.text()} {unit}"
    if lab.reference_note and unit == lab.unit:
        text += f" ({lab.reference_note})"
    elif lab.reference_note:
        text += f" ({lab.reference_note}, in {lab.unit})"
    if clinic_override:
        text += "; the clinic's laboratory range"
    out["text"] = text
    return out


def lab_code(lab: Lab, result: LabResult) -> dict[str, Any]:
    """The LOINC code the result arrived with, else the one of its unit (mass and molar
    concentrations are different LOINC concepts). Where the knowledge base knows no code for
    the unit, the lab's own id and a text naming the unit, never another unit's code."""
    code = result.loinc or lab.loinc_for(result.unit)
    if code is None:
        return concept(f"{lab.name} ({result.unit})", coding(systems.LAB, lab.id, lab.name))
    if code == lab.loinc_for(result.unit):
        return concept(lab.name, coding(systems.LOINC, code))
    return concept(f"{lab.name} (received as LOINC {code})", coding(systems.LOINC, code))


def lab_observation(
    result: LabResult,
    workup: Workup,
    kb: Knowledge,
    subject: Ref,
    encounter: Ref,
    lab_ranges: dict[str, dict[str, float]] | None,
) -> dict[str, Any]:
    lab = kb.labs[result.test]
    value = lab_value(lab, result, workup.patient.sex, lab_ranges)  # the engine's own flagging
    code = lab_ucum(result.unit)
    out: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [_category("laboratory", "Laboratory")],
        "code": lab_code(lab, result),
        "subject": subject,
        "encounter": encounter,
        "effectiveDateTime": (result.collected_at or result.collected or workup.visit.date).isoformat(),
        "valueQuantity": quantity(result.value, result.unit, code),
    }
    interpretation = [
        concept(
            _INTERPRETATION[value.flag],
            coding(systems.INTERPRETATION, value.flag, _INTERPRETATION[value.flag]),
        )
    ]
    if value.critical:
        crit_code, crit_display = _CRITICAL[value.flag]
        interpretation.append(concept(crit_display, coding(systems.INTERPRETATION, crit_code, crit_display)))
    out["interpretation"] = interpretation
    notes = []
    if result.unit in LAB_UNIT_NOTES:
        notes.append(LAB_UNIT_NOTES[result.unit])
    if value.critical and lab.critical_note:
        notes.append(f"Critical: {lab.critical_note}")
    if result.collected is None:
        notes.append("Collection date not recorded: the visit date is given.")
    if notes:
        out["note"] = [annotation(text) for text in notes]
    rng = reference_range(
        lab, value.range, result.unit, clinic_override=bool(lab_ranges and lab.id in lab_ranges)
    )
    if rng:
        out["referenceRange"] = [rng]
    return out


def finding_observation(
    finding_id: str, present: bool, workup: Workup, kb: Knowledge, subject: Ref, encounter: Ref, status: str
) -> dict[str, Any]:
    finding = kb.findings[finding_id]
    domain = kb.domains[finding.domain]
    cat_code, cat_display = DOMAIN_CATEGORY.get(finding.domain, ("exam", "Exam"))
    return {
        "resourceType": "Observation",
        "status": status,
        "category": [
            _category(cat_code, cat_display),
            concept(domain.label, coding(systems.DOMAIN, domain.id, domain.label)),
        ],
        "code": concept(finding.label, coding(systems.FINDING, finding.id, finding.label)),
        "subject": subject,
        "encounter": encounter,
        "effectiveDateTime": workup.visit.date.isoformat(),
        "valueBoolean": present,
    }


def measurement_observation(
    measurement_id: str,
    value: float,
    workup: Workup,
    kb: Knowledge,
    subject: Ref,
    encounter: Ref,
    status: str,
) -> dict[str, Any]:
    m = kb.measurements[measurement_id]
    codings = [coding(systems.MEASUREMENT, m.id, m.label)]
    if m.loinc:
        codings.insert(0, coding(systems.LOINC, m.loinc))
    return {
        "resourceType": "Observation",
        "status": status,
        "category": [_category(m.category, CATEGORY_DISPLAY[m.category])],
        "code": concept(m.label, *codings),
        "subject": subject,
        "encounter": encounter,
        "effectiveDateTime": workup.visit.date.isoformat(),
        "valueQuantity": quantity(value, m.unit, measurement_ucum(m.unit)),
    }


def wells_observation(
    wells: Wells, workup: Workup, subject: Ref, encounter: Ref, status: str
) -> dict[str, Any]:
    """The two-level Wells score with each item's contribution; an item nobody assessed says
    so (dataAbsentReason) rather than counting as "not met"."""
    components = []
    for item in wells.items:
        component: dict[str, Any] = {
            "code": concept(item.label, coding(systems.SCORE, f"wells_dvt.{item.id}"))
        }
        if item.assessed or item.met:
            component["valueInteger"] = item.points
        else:
            component["dataAbsentReason"] = concept(
                "Not assessed", coding(systems.DATA_ABSENT, "not-asked", "Not Asked")
            )
        components.append(component)
    category = wells.label
    return {
        "resourceType": "Observation",
        "status": status,
        "category": [_category("survey", "Survey")],
        "code": concept("Wells score for DVT (two-level)", coding(systems.SCORE, "wells_dvt")),
        "subject": subject,
        "encounter": encounter,
        "effectiveDateTime": workup.visit.date.isoformat(),
        "valueInteger": wells.score,
        "interpretation": [concept(category)],
        "note": [
            annotation(f"{item.label}: {item.points:+d} ({item.source})") for item in wells.items if item.met
        ]
        or [annotation("No Wells item met.")],
        "component": components,
    }
