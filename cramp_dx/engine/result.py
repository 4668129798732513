"""The assessment: what the engine says about a workup. Plain data, JSON-ready via `to_dict`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

STATUS_ORDER = ("urgent", "confirmed", "supported", "possible", "less_likely", "excluded")
# each status as the window, the PDF and the CLI show it (one vocabulary for all of them)
STATUS_WORDS = {
    "urgent": "URGENT",
    "confirmed": "confirmed",
    "supported": "supported",
    "possible": "possible",
    "less_likely": "less likely",
    "excluded": "excluded",
}
# the verdicts of the level check in words, for the app, the PDF and the FHIR export
VERDICT_TEXT = {
    "matches": "Matches the operated level",
    "does_not_match": "Does not match the operated levels",
    "uncertain": "Uncertain",
    "no_root_pattern": "No root pattern",
}


@dataclass(frozen=True)
class RedFlag:
    id: str
    severity: str  # "emergency" or "urgent"
    title: str
    message: str
    because: tuple[str, ...]
    basis: str
    differentials: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    references: tuple[str, ...] = ()  # citations, one formatted line each


@dataclass(frozen=True)
class RedFlagCheck:
    """Whether a red-flag rule could be evaluated: `assessed` is False when none of the
    findings or values it looks at were recorded, so "no flag" must not read as "checked"."""

    id: str
    title: str
    fired: bool
    assessed: bool
    missing: tuple[str, ...] = ()
    note: str | None = None  # e.g. "cleared by: Duplex: no DVT"


@dataclass(frozen=True)
class WellsItem:
    id: str
    label: str
    points: int  # points this item contributes now (0 when not met)
    weight: int  # points it would contribute when met
    met: bool
    assessed: bool
    source: str  # where the answer came from: "surgery date", "checklist", "measurement", …


@dataclass(frozen=True)
class Wells:
    score: int
    category: str  # "likely", "unlikely" or "not_suspected" (no sign of DVT in the leg)
    items: tuple[WellsItem, ...]
    not_assessed: tuple[str, ...]
    label: str = ""  # the category as a short phrase, from wells.toml ("DVT likely")


@dataclass(frozen=True)
class DifferentialResult:
    id: str
    name: str
    icd10: str
    icd10_note: str | None
    category: str
    status: str
    score: float
    supporting: tuple[str, ...]
    against: tuple[str, ...]
    settled_by: tuple[str, ...]
    basis: str
    settle_notes: tuple[str, ...] = ()
    references: tuple[str, ...] = ()  # citations, one formatted line each
    # False when only timing or the kind of operation supports it (then at most "possible")
    patient_evidence: bool = True
    # the ICD-10-CM codes `icd10` shows: one, or both sides of a bilateral condition (" + ")
    icd10_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class NextTest:
    id: str
    name: str
    settles: tuple[str, ...]
    reason: str
    urgent: bool = False
    repeat: bool = False  # a done test suggested again by a repeat rule


@dataclass(frozen=True)
class MedicationFlag:
    medication: str
    drug: str
    drug_class: str
    concern: str
    differentials: tuple[str, ...] = ()


@dataclass(frozen=True)
class MedicationWarning:
    """A safety note of medications.toml (not a cause: a drug that must not be used for cramps)
    for one medication line."""

    medication: str  # the line as entered
    message: str


@dataclass(frozen=True)
class LabFlag:
    test: str
    name: str
    loinc: str
    value: float
    unit: str
    value_default: float
    unit_default: str
    flag: str  # "L", "H" or "N"
    critical: bool
    reference: str
    collected: str | None = None
    earlier: tuple[dict[str, Any], ...] = ()
    reference_in_unit: str = ""  # the same range in the result's unit (`unit`), for the screen


@dataclass(frozen=True)
class TestState:
    id: str
    name: str
    state: str  # not_ordered / ordered / done / not_indicated
    date: str | None = None


@dataclass(frozen=True)
class RootSigns:
    """A root the signs of one side point to, with those signs."""

    root: str
    side: str  # "left" or "right"
    signs: tuple[str, ...]


@dataclass(frozen=True)
class PatternSeen:
    """A pattern of neuro.toml the examination shows (a peripheral nerve, upper motor neuron
    signs, the sacral roots), on one side or on both."""

    id: str
    label: str
    kind: str  # peripheral / upper_motor_neuron / roots
    side: str  # "left", "right" or "both"
    signs: tuple[str, ...]
    means: str


@dataclass(frozen=True)
class LevelCheck:
    """The symptomatic root(s) against the operated levels (SPEC-2 section 7). `verdict` is
    matches / does_not_match / uncertain / no_root_pattern; `because` spells it out. `examined`
    is False while no sign of the neurological examination is recorded; `missing` lists what the
    verdict still needs."""

    roots: tuple[RootSigns, ...] = ()
    operated_levels: tuple[str, ...] = ()
    verdict: str = "no_root_pattern"
    because: str = "No neurological examination recorded."
    patterns: tuple[PatternSeen, ...] = ()
    examined: bool = False
    missing: tuple[str, ...] = ()

    def pattern_reasons(self, pattern_id: str) -> tuple[str, ...]:
        """One reason per side the pattern was found on (for the `neuro_pattern` condition)."""
        return tuple(
            f"{p.label} ({p.side}): {'; '.join(p.signs)}" for p in self.patterns if p.id == pattern_id
        )


@dataclass(frozen=True)
class Assessment:
    knowledge_version: str
    days_since_surgery: int
    weeks_since_surgery: float
    derived: dict[str, Any]
    red_flags: tuple[RedFlag, ...]
    red_flag_checks: tuple[RedFlagCheck, ...]
    wells: Wells
    differential: tuple[DifferentialResult, ...]
    next_tests: tuple[NextTest, ...]
    tests: tuple[TestState, ...]
    medication_flags: tuple[MedicationFlag, ...]
    lab_flags: tuple[LabFlag, ...]
    warnings: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())
    # medication lines the catalog does not recognise: listed for the clinician to review
    unrecognised_medications: tuple[str, ...] = field(default=())
    level_check: LevelCheck = field(default_factory=LevelCheck)
    # the safety notes of `warnings`, per medication line (the medication panel and the PDF)
    medication_warnings: tuple[MedicationWarning, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of CASE-FORMAT.md (with a few extra keys the GUI and PDF use)."""
        data = asdict(self)
        for flag in data["medication_flags"]:
            flag["class"] = flag.pop("drug_class")
        return data
