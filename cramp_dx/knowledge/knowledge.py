"""The Knowledge object: every table of the knowledge base, plus the labels reason texts use."""

from __future__ import annotations

from dataclasses import dataclass

from cramp_dx.knowledge.conditions import Condition
from cramp_dx.knowledge.medications import MedicationCatalog
from cramp_dx.knowledge.model import (
    CorrectedCalcium,
    Differential,
    Domain,
    Finding,
    Lab,
    Measurement,
    PlanItem,
    RedFlagRule,
    TestDef,
    WellsItemDef,
)
from cramp_dx.knowledge.neuro import NeuroMap


@dataclass(frozen=True, eq=False)
class Knowledge:
    version: str
    domains: dict[str, Domain]
    findings: dict[str, Finding]
    measurements: dict[str, Measurement]
    labs: dict[str, Lab]
    tests: dict[str, TestDef]
    differentials: dict[str, Differential]
    red_flags: dict[str, RedFlagRule]
    wells_items: tuple[WellsItemDef, ...]
    wells_likely_at: int
    wells_basis: str
    wells_categories: dict[str, str]  # "likely"/"unlikely"/"not_suspected" -> what it means
    wells_labels: dict[str, str]  # the same categories as a short phrase ("DVT likely")
    wells_suspected_when: Condition | None  # a sign of DVT in the leg: Wells applies
    medications: MedicationCatalog
    plan_items: dict[str, PlanItem]
    supported_at: float
    possible_at: float
    corrected_calcium: CorrectedCalcium
    neuro: NeuroMap  # neuro.toml: signs → roots, levels → roots, patterns (the level check)

    def __post_init__(self) -> None:
        codes: dict[str, Lab] = {}
        for lab in self.labs.values():
            codes[lab.id] = lab
            codes[lab.loinc] = lab
            for code in (*lab.other_loinc, *lab.unit_loinc.values()):
                if code:
                    codes[code] = lab
        object.__setattr__(self, "_lab_codes", codes)

    def lab_by_code(self, code: str) -> Lab | None:
        """A lab by its id or any of its LOINC codes."""
        codes: dict[str, Lab] = self._lab_codes  # type: ignore[attr-defined]
        return codes.get(code)

    # labels for reason texts (conditions.Names)
    def finding_label(self, finding_id: str) -> str:
        return self.findings[finding_id].label

    def lab_name(self, lab_id: str) -> str:
        return self.labs[lab_id].name

    def measurement_label(self, measurement_id: str) -> tuple[str, str]:
        m = self.measurements[measurement_id]
        return m.label, m.unit

    def med_class_label(self, class_id: str) -> str:
        return self.medications.classes[class_id].label

    def red_flag_title(self, flag_id: str) -> str:
        return self.red_flags[flag_id].title
