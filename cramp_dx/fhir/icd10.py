"""ICD-10-CM codes of a differential as FHIR codings.

Each differential shows one ICD-10-CM concept, chosen by the facts (side, type, radicular signs,
withdrawal, …); a bilateral condition without a bilateral code shows both sides' codes. The
codings of one CodeableConcept must mean the same thing, so the differential's concept carries
its first code only, and each further code (the other side) gets a finding of its own. A code
ending in "-" (I82.40-) is a header, not a code a system can accept: it is named only in the
concept's text, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cramp_dx.engine.result import DifferentialResult
from cramp_dx.fhir import systems
from cramp_dx.fhir.entries import coding, concept


@dataclass(frozen=True, slots=True)
class Coded:
    codes: tuple[str, ...]  # billable/valid ICD-10-CM codes, each its own concept
    headers: tuple[str, ...]  # header codes, text only
    note: str | None


def is_header(code: str) -> bool:
    return code.endswith("-")


def resolve(result: DifferentialResult) -> Coded:
    """The engine's code(s), split into codes and headers, with the note that explains them."""
    parts = result.icd10_codes or (result.icd10,)
    headers = tuple(p for p in parts if is_header(p))
    note = result.icd10_note
    if headers and not note:
        note = "header code: the detail that selects the billable code was not recorded"
    return Coded(tuple(p for p in parts if not is_header(p)), headers, note)


def differential_concept(result: DifferentialResult) -> dict[str, Any]:
    """The differential with its first ICD-10-CM code (the internal id is the same concept)."""
    coded = resolve(result)
    text = result.name
    if coded.headers:
        text += f" (ICD-10-CM {', '.join(coded.headers)}: {coded.note})"
    elif coded.note:
        text += f" ({coded.note})"
    icd = [coding(systems.ICD10CM, coded.codes[0])] if coded.codes else []
    return concept(text, *icd, coding(systems.DIFFERENTIAL, result.id, result.name))


def further_code_findings(result: DifferentialResult) -> list[dict[str, Any]]:
    """A finding for each code after the first: the other side of a bilateral condition that
    ICD-10-CM codes per side."""
    coded = resolve(result)
    return [
        {
            "itemCodeableConcept": concept(
                f"{result.name}: also coded {code}", coding(systems.ICD10CM, code)
            ),
            "basis": (
                f"Reported together with {coded.codes[0]} for the differential '{result.name}': "
                "ICD-10-CM has no bilateral code for it, so each side is coded."
            ),
        }
        for code in coded.codes[1:]
    ]
