"""ICD-10-CM codes of a differential as FHIR codings.

"M54.16 / M54.17" holds two codes: both become codings. A code ending in "-" (I82.40-) is a
header, not a code a system can accept: the engine resolves it to the billable code when the
side is known; otherwise the header is named only in the concept's text, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cramp_dx.engine.result import DifferentialResult
from cramp_dx.fhir import systems
from cramp_dx.fhir.entries import coding, concept
from cramp_dx.knowledge.model import Differential


@dataclass(frozen=True, slots=True)
class Coded:
    codes: tuple[str, ...]  # billable/valid ICD-10-CM codes, emitted as codings
    headers: tuple[str, ...]  # header codes, text only
    note: str | None


def split_codes(text: str) -> list[str]:
    return [part.strip() for part in text.split("/") if part.strip()]


def is_header(code: str) -> bool:
    return code.endswith("-")


def resolve(result: DifferentialResult, diff: Differential | None) -> Coded:
    """The engine's code (laterality applied), plus any plain alternative the knowledge base
    lists beside a header the engine resolved (I70.21- / I73.9 with a known side keeps I73.9)."""
    parts = split_codes(result.icd10)
    if diff is not None:
        for part in split_codes(diff.icd10):
            if not is_header(part) and part not in parts:
                parts.append(part)
    headers = tuple(p for p in parts if is_header(p))
    note = result.icd10_note
    if headers and not note:
        note = "header code: the detail that selects the billable code was not recorded"
    return Coded(tuple(p for p in parts if not is_header(p)), headers, note)


def differential_concept(result: DifferentialResult, diff: Differential | None) -> dict[str, Any]:
    coded = resolve(result, diff)
    text = result.name
    if coded.headers:
        text += f" (ICD-10-CM {', '.join(coded.headers)}: {coded.note})"
    elif coded.note:
        text += f" ({coded.note})"
    return concept(
        text,
        *(coding(systems.ICD10CM, code) for code in coded.codes),
        coding(systems.DIFFERENTIAL, result.id, result.name),
    )
