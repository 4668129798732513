"""The neurological examination as Observations, one per examined sign, and the level check as
one more; `neuro_exam_from_bundle` reads the examination back from a Bundle (the round trip).

Each sign is coded in the app's own system by its case-file path (`left.strength.ankle_dorsiflexion`),
so a reader needs nothing else to put it back: a muscle's MRC grade is `valueInteger`, a
sensory area's or reflex's value a `valueCodeableConcept`; the text names side and sign for
people ("Left ankle dorsiflexion: strength (MRC 0–5)").
"""

from __future__ import annotations

from typing import Any

from cramp_dx.case.model import (
    NEURO_ITEMS,
    NEURO_KINDS,
    NEURO_LABELS,
    NEURO_SIDES,
    REFLEX_VALUES,
    SENSORY_VALUES,
    NeuroExam,
    Workup,
)
from cramp_dx.engine.result import VERDICT_TEXT, LevelCheck
from cramp_dx.fhir import systems
from cramp_dx.fhir.entries import annotation, coding, concept

Ref = dict[str, str]

KIND_WORDS = {"sensory": "sensation", "strength": "strength (MRC 0–5)", "reflexes": ""}


def _category() -> dict[str, Any]:
    return concept("Exam", coding(systems.OBSERVATION_CATEGORY, "exam", "Exam"))


def _title(side: str, kind: str, item: str) -> str:
    label = NEURO_LABELS[kind][item]
    words = KIND_WORDS[kind]
    return f"{side.capitalize()} {label}" + (f": {words}" if words else "")


def sign_observation(
    side: str,
    kind: str,
    item: str,
    value: str | int,
    workup: Workup,
    subject: Ref,
    encounter: Ref,
    status: str,
) -> dict[str, Any]:
    title = _title(side, kind, item)
    out: dict[str, Any] = {
        "resourceType": "Observation",
        "status": status,
        "category": [_category()],
        "code": concept(title, coding(systems.NEURO_SIGN, f"{side}.{kind}.{item}", title)),
        "subject": subject,
        "encounter": encounter,
        "effectiveDateTime": workup.visit.date.isoformat(),
    }
    if kind == "strength":
        out["valueInteger"] = int(value)
    else:
        out["valueCodeableConcept"] = concept(str(value), coding(systems.NEURO_VALUE, str(value), str(value)))
    return out


def neuro_observations(workup: Workup, subject: Ref, encounter: Ref, status: str) -> list[dict[str, Any]]:
    """One Observation per examined sign, in the order of the case format."""
    return [
        sign_observation(side, kind, item, value, workup, subject, encounter, status)
        for side, kind, item, value in workup.neuro_exam.signs()
    ]


def level_check_observation(
    check: LevelCheck, workup: Workup, subject: Ref, encounter: Ref, status: str, derived_from: list[Ref]
) -> dict[str, Any]:
    """The verdict of the level check, with its reason and the roots it named."""
    text = VERDICT_TEXT.get(check.verdict, check.verdict)
    out: dict[str, Any] = {
        "resourceType": "Observation",
        "status": status,
        "category": [_category()],
        "code": concept(
            "Level check: symptomatic root against the operated level",
            coding(systems.SCORE, "level_check", "Level check"),
        ),
        "subject": subject,
        "encounter": encounter,
        "effectiveDateTime": workup.visit.date.isoformat(),
        "valueCodeableConcept": concept(text, coding(systems.LEVEL_VERDICT, check.verdict, text)),
        "note": [annotation(check.because)],
    }
    components = [
        {
            "code": concept(f"Root ({root.side})", coding(systems.SCORE, f"level_check.root.{root.side}")),
            "valueString": f"{root.root}: {', '.join(root.signs)}",
        }
        for root in check.roots
    ]
    components += [
        {
            "code": concept("Operated level", coding(systems.SCORE, "level_check.operated_level")),
            "valueString": level,
        }
        for level in check.operated_levels
    ]
    if components:
        out["component"] = components
    if derived_from:
        out["derivedFrom"] = derived_from
    return out


def neuro_exam_from_bundle(bundle: dict[str, Any]) -> NeuroExam:
    """The examination written by `neuro_observations`, read back from a Bundle. Signs coded
    in another system, or with a value the case format does not accept, are left out."""
    exam = NeuroExam()
    for entry in bundle.get("entry", []):
        resource = entry.get("resource", {})
        if resource.get("resourceType") != "Observation":
            continue
        for code in resource.get("code", {}).get("coding", []):
            if code.get("system") != systems.NEURO_SIGN:
                continue
            parts = str(code.get("code", "")).split(".")
            if len(parts) != 3:
                continue
            side, kind, item = parts
            if side not in NEURO_SIDES or kind not in NEURO_KINDS or item not in NEURO_ITEMS[kind]:
                continue
            value = _value(kind, resource)
            if value is not None:
                exam = exam.with_sign(side, kind, item, value)
    return exam


def _value(kind: str, resource: dict[str, Any]) -> str | int | None:
    if kind == "strength":
        grade = resource.get("valueInteger")
        return grade if isinstance(grade, int) and 0 <= grade <= 5 else None
    accepted = SENSORY_VALUES if kind == "sensory" else REFLEX_VALUES
    for code in resource.get("valueCodeableConcept", {}).get("coding", []):
        if code.get("system") == systems.NEURO_VALUE and code.get("code") in accepted:
            return str(code["code"])
    return None
