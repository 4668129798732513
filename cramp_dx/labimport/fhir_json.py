"""FHIR R4 JSON: a Bundle (collection, searchset, message, …), a single Observation, or a
DiagnosticReport, whose results may be contained in it or referenced within the Bundle.

Paths are JSON paths from the top of the file (`entry[2].resource.valueQuantity.value`; a single
resource starts with its type: `Observation.valueQuantity.value`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from cramp_dx.errors import InputError, Problem
from cramp_dx.fhir import systems
from cramp_dx.labimport.model import (
    CANCELLED,
    CORRECTED,
    ENTERED_IN_ERROR,
    FINAL,
    NOT_FINAL,
    UNKNOWN,
    Incoming,
    LabMessage,
    SentPatient,
)

OBSERVATION_STATUS = {
    "final": FINAL,
    "amended": CORRECTED,
    "corrected": CORRECTED,
    "preliminary": NOT_FINAL,
    "registered": NOT_FINAL,
    "cancelled": CANCELLED,
    "entered-in-error": ENTERED_IN_ERROR,
    "unknown": UNKNOWN,
}
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$")
ACCEPTED_TIME = "YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with an offset"
TOP_TYPES = ("Bundle", "Observation", "DiagnosticReport")
ACCEPTED_TOP = "a Bundle, an Observation or a DiagnosticReport (FHIR R4 JSON)"


@dataclass
class _Found:
    observations: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    patients: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    subjects: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    by_reference: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)


def parse_fhir(data: Any) -> LabMessage:
    if not isinstance(data, dict) or data.get("resourceType") not in TOP_TYPES:
        kind = data.get("resourceType") if isinstance(data, dict) else type(data).__name__
        raise InputError(Problem("resourceType", f"{kind!r}; accepted: {ACCEPTED_TOP}"))
    problems: list[Problem] = []
    found = _Found()
    kind = data["resourceType"]
    if kind == "Bundle":
        kind = f"FHIR R4 Bundle ({data.get('type', 'no type')})"
        entries = data.get("entry", [])
        if not isinstance(entries, list):
            raise InputError(Problem("entry", "must be a list of entries"))
        for index, entry in enumerate(entries):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            path = f"entry[{index}].resource"
            if not isinstance(resource, dict):
                problems.append(Problem(path, "missing; accepted: an entry with a resource"))
                continue
            for key in _references_of(resource, entry):
                found.by_reference[key] = (path, resource)
            _collect(resource, path, found, problems, in_bundle=True)
    else:
        kind = f"FHIR R4 {kind}"
        _collect(data, data["resourceType"], found, problems, in_bundle=False)
    patient = _patient(found, problems)
    results = [r for path, obs in found.observations if (r := _result(path, obs, problems))]
    if not results and not problems:
        problems.append(Problem("", f"no Observation with a result; accepted: {ACCEPTED_TOP}"))
    if problems:
        raise InputError(problems)
    return LabMessage(kind, patient, tuple(results))


def _references_of(resource: dict[str, Any], entry: dict[str, Any]) -> list[str]:
    keys = []
    if isinstance(entry.get("fullUrl"), str):
        keys.append(entry["fullUrl"])
    if isinstance(resource.get("id"), str) and isinstance(resource.get("resourceType"), str):
        keys.append(f"{resource['resourceType']}/{resource['id']}")
    return keys


def _collect(
    resource: dict[str, Any], path: str, found: _Found, problems: list[Problem], *, in_bundle: bool
) -> None:
    kind = resource.get("resourceType")
    if kind == "Patient":
        found.patients.append((path, resource))
    elif kind == "Observation":
        if "subject" in resource:
            found.subjects.append((f"{path}.subject", resource["subject"]))
        if _is_lab(resource) and (_has_value(resource) or not resource.get("hasMember")):
            found.observations.append((path, resource))
    elif kind == "DiagnosticReport":
        if "subject" in resource:
            found.subjects.append((f"{path}.subject", resource["subject"]))
        contained = {
            f"#{item.get('id')}": (f"{path}.contained[{index}]", item)
            for index, item in enumerate(resource.get("contained", []))
            if isinstance(item, dict)
        }
        for index, reference in enumerate(resource.get("result", [])):
            target = reference.get("reference") if isinstance(reference, dict) else None
            if target in contained:
                found.observations.append(contained[target])
            elif not in_bundle:
                problems.append(
                    Problem(
                        f"{path}.result[{index}]",
                        f"{target!r} is not contained in the report; accepted: a contained Observation "
                        "(#id), or a Bundle that holds the referenced Observations",
                    )
                )
            elif target is None:
                problems.append(Problem(f"{path}.result[{index}]", "accepted: a reference to an Observation"))
        for index, item in enumerate(resource.get("contained", [])):
            if isinstance(item, dict) and item.get("resourceType") == "Patient":
                found.patients.append((f"{path}.contained[{index}]", item))


def _is_lab(resource: dict[str, Any]) -> bool:
    """Not a vital sign, survey or exam finding: a laboratory result, or one without a category
    (a panel's members and some feeds leave it out)."""
    categories = [
        c.get("code")
        for concept in resource.get("category") or []
        for c in (concept or {}).get("coding", [])
        if isinstance(c, dict)
    ]
    return not categories or "laboratory" in categories


def _has_value(resource: dict[str, Any]) -> bool:
    return any(key.startswith("value") for key in resource)


def _patient(found: _Found, problems: list[Problem]) -> SentPatient | None:
    if len(found.patients) > 1:
        paths = ", ".join(path for path, _ in found.patients)
        problem = f"more than one Patient ({paths}); accepted: one patient"
        problems.append(Problem(found.patients[1][0], problem))
        return None
    if found.patients:
        path, patient = found.patients[0]
        return _sent_patient(path, patient, problems)
    for path, subject in found.subjects:
        identifier = subject.get("identifier") if isinstance(subject, dict) else None
        if isinstance(identifier, dict) and identifier.get("value"):
            return SentPatient(f"{path}.identifier", (str(identifier["value"]),), None, None, None)
    return None


def _sent_patient(path: str, patient: dict[str, Any], problems: list[Problem]) -> SentPatient:
    mrns: list[str] = []
    others: list[str] = []
    for item in patient.get("identifier", []):
        if not isinstance(item, dict) or not item.get("value"):
            continue
        codes = [c.get("code") for c in item.get("type", {}).get("coding", []) if isinstance(c, dict)]
        (mrns if "MR" in codes or item.get("system") == systems.MRN else others).append(str(item["value"]))
    names = patient.get("name") or [{}]
    name = names[0] if isinstance(names[0], dict) else {}
    given = name.get("given") or [None]
    birth: date | None = None
    if patient.get("birthDate"):
        try:
            birth = date.fromisoformat(str(patient["birthDate"]))
        except ValueError:
            problems.append(Problem(f"{path}.birthDate", f"{patient['birthDate']!r}; accepted: YYYY-MM-DD"))
    return SentPatient(path, tuple(dict.fromkeys(mrns + others)), name.get("family"), given[0], birth)


def _result(path: str, obs: dict[str, Any], problems: list[Problem]) -> Incoming | None:
    codes = tuple(
        (str(c.get("system", "")), str(c.get("code")))
        for c in (obs.get("code") or {}).get("coding", [])
        if isinstance(c, dict) and c.get("code")
    )
    if not codes:
        problems.append(
            Problem(f"{path}.code", "no coding; accepted: a LOINC coding (system http://loinc.org)")
        )
        return None
    status_text = obs.get("status")
    if status_text not in OBSERVATION_STATUS:
        accepted = ", ".join(OBSERVATION_STATUS)
        problems.append(Problem(f"{path}.status", f"{status_text!r}; accepted: {accepted}"))
        return None
    quantity = obs.get("valueQuantity")
    number: float | None = None
    unit = ucum = ""
    value_path = f"{path}.valueQuantity.value"
    if isinstance(quantity, dict):
        value = quantity.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float):
            problem = f"{value!r} is not a number; accepted: a JSON number such as 2.1"
            problems.append(Problem(value_path, problem))
            return None
        comparator = quantity.get("comparator", "")
        value_text = f"{comparator}{value:g}"
        number = None if comparator else float(value)
        unit = str(quantity.get("unit") or quantity.get("code") or "")
        ucum = str(quantity.get("code") or "") if quantity.get("system") == systems.UCUM else ""
    else:
        key = next((k for k in obs if k.startswith("value")), None)
        value_path = f"{path}.{key}" if key else f"{path}.valueQuantity"
        value_text = str(obs.get(key, "")) if key else ""
    collected, collected_path = None, f"{path}.effectiveDateTime"
    for key in ("effectiveDateTime", "effectiveInstant"):
        if key in obs:
            collected_path = f"{path}.{key}"
            collected = _moment(obs[key], collected_path, problems)
    if "effectivePeriod" in obs and collected is None:
        collected_path = f"{path}.effectivePeriod.start"
        collected = _moment((obs["effectivePeriod"] or {}).get("start"), collected_path, problems)
    return Incoming(
        path=path,
        codes=codes,
        code_path=f"{path}.code.coding",
        name=str((obs.get("code") or {}).get("text") or codes[0][1]),
        value_text=value_text,
        value_path=value_path,
        number=number,
        unit=unit,
        ucum=ucum,
        unit_path=f"{path}.valueQuantity.unit",
        reference=_reference(obs),
        flag=_flag(obs),
        collected=collected,
        collected_path=collected_path,
        status=OBSERVATION_STATUS[status_text],
        status_text=status_text,
    )


def _moment(value: Any, path: str, problems: list[Problem]) -> datetime | date | None:
    if isinstance(value, str) and DATE_TIME.match(value):
        try:
            return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            pass
    problems.append(Problem(path, f"{value!r} is not a date/time; accepted: {ACCEPTED_TIME}"))
    return None


def _reference(obs: dict[str, Any]) -> str:
    ranges = obs.get("referenceRange") or []
    if not ranges or not isinstance(ranges[0], dict):
        return ""
    first = ranges[0]
    if first.get("text"):
        return str(first["text"])
    low, high = (first.get(k, {}).get("value") for k in ("low", "high"))
    if low is not None and high is not None:
        return f"{low:g}–{high:g}"
    if low is not None:
        return f"≥ {low:g}"
    return f"≤ {high:g}" if high is not None else ""


def _flag(obs: dict[str, Any]) -> str:
    for concept in obs.get("interpretation") or []:
        for c in (concept or {}).get("coding", []):
            if isinstance(c, dict) and c.get("code"):
                return str(c["code"])
    return ""
