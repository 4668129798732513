"""What a laboratory message says, before it is matched to the knowledge base."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

# statuses after normalising HL7 OBX-11 and FHIR Observation.status
FINAL = "final"
CORRECTED = "corrected"  # OBX-11 C, FHIR corrected / amended: replaces the earlier result
NOT_FINAL = "not_final"  # preliminary, registered, partial: wait for the final result
CANCELLED = "cancelled"  # cannot be obtained, deleted, cancelled
ENTERED_IN_ERROR = "entered_in_error"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class SentPatient:
    """Who the message is about: identifiers (MRN first), name and birth date as sent."""

    path: str  # "PID" or the JSON path of the Patient
    identifiers: tuple[str, ...]
    family_name: str | None
    given_name: str | None
    birth_date: date | None

    def field_path(self, part: str) -> str:
        """Where the identifiers, the name or the birth date sit in the message."""
        if self.path == "PID":
            return {"identifier": "PID.3", "name": "PID.5", "birth_date": "PID.7"}[part]
        if self.path.endswith(".identifier"):
            return self.path
        return (
            f"{self.path}.{ {'identifier': 'identifier', 'name': 'name', 'birth_date': 'birthDate'}[part] }"
        )


@dataclass(frozen=True)
class Incoming:
    """One result as sent. Paths name where each part sits in the file (`OBX[3].5`,
    `entry[2].resource.valueQuantity.value`) so that a problem points at it."""

    path: str
    codes: tuple[tuple[str, str], ...]  # (system, code): "LN" / "http://loinc.org", the code
    code_path: str
    name: str  # the laboratory's name for the test
    value_text: str  # the value as sent
    value_path: str
    number: float | None  # the value when it is a plain number
    unit: str  # as the laboratory wrote it
    ucum: str  # its UCUM code, when the sender gave one
    unit_path: str
    reference: str  # the laboratory's reference range, as sent
    flag: str  # the laboratory's abnormal flag, as sent
    collected: datetime | date | None
    collected_path: str
    status: str  # FINAL, CORRECTED, NOT_FINAL, CANCELLED, ENTERED_IN_ERROR, UNKNOWN
    status_text: str  # as sent (F, C, W, amended, …)


@dataclass(frozen=True)
class LabMessage:
    kind: str  # "HL7 v2.5.1 ORU^R01", "FHIR R4 Bundle", …
    patient: SentPatient | None
    results: tuple[Incoming, ...]
