"""Typed view of the knowledge base. Built once by the loader; read-only afterwards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from cramp_dx.knowledge.conditions import Condition


@dataclass(frozen=True)
class Domain:
    id: str
    label: str
    intake: bool = False
    note: str | None = None
    note_when: Condition | None = None  # the engine adds `note` to an assessment when this holds


@dataclass(frozen=True)
class NotInterpretable:
    """Above `above` a measurement cannot be read (an ABI over 1.40: non-compressible vessels);
    the engine shows `note`, which may use {value} and {limit} with a format spec."""

    above: float
    note: str

    def text(self, value: float) -> str:
        return self.note.format(value=value, limit=self.above)


@dataclass(frozen=True)
class RaisedAfterSurgery:
    """A raised result of a test's labs within `within_days` of surgery is expected after an
    operation (D-dimer), so the engine shows `note` instead of letting it pass as evidence."""

    within_days: int
    note: str


@dataclass(frozen=True)
class CorrectedCalcium:
    """Calcium corrected for albumin, in the labs' default units (mg/dL, g/dL):
    calcium + factor × (albumin_reference − albumin)."""

    factor: float
    albumin_reference: float
    label: str

    def value(self, calcium: float, albumin: float) -> float:
        return round(calcium + self.factor * (self.albumin_reference - albumin), 2)


@dataclass(frozen=True)
class Reference:
    """One published source behind a rule (references.toml): the citation, not its text."""

    authors: str
    year: int
    title: str
    journal: str
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None

    def text(self) -> str:
        ids = [f"doi:{self.doi}" if self.doi else "", f"PMID {self.pmid}" if self.pmid else ""]
        ids = [i for i in ids if i] or ([self.url] if self.url else [])
        title = self.title.rstrip(".")
        return f"{self.authors} ({self.year}). {title}. {self.journal}." + (
            f" {'; '.join(ids)}" if ids else ""
        )


@dataclass(frozen=True)
class CriticalAction:
    """What a critical lab value means (labs.toml `critical_low_action` / `critical_high_action`):
    the differential it makes urgent, how severe, and the first tests (an ECG for K, Mg, Ca)."""

    severity: str
    differential: str | None = None
    tests: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class Timing:
    """When after surgery a differential typically starts (`onset_days`, `to` None = open).
    `clock`: "onset" compares the window with the symptom onset (recorded onset, or day 0 with
    no relief since surgery; the visit when unknown), "surgery" with the visit (acute entities).
    Inside the window adds `support` (context, not patient evidence); before `against_before`
    or after `against_after` subtracts `against` (never for urgent differentials)."""

    start: float
    end: float | None
    clock: str
    support: float
    against: float
    against_before: float | None
    against_after: float | None

    def inside(self, day: float) -> bool:
        return day >= self.start and (self.end is None or day <= self.end)

    def argues_against(self, day: float) -> bool:
        if self.against <= 0:
            return False
        before = self.against_before is not None and day < self.against_before
        after = self.against_after is not None and day > self.against_after
        return before or after

    def window_text(self) -> str:
        end = "" if self.end is None else f"–{self.end:g}"
        return f"day {self.start:g}{end}" if self.end is not None else f"from day {self.start:g}"


Codes = tuple[str, ...]  # ICD-10-CM codes reported together: one, or both sides of a bilateral condition


@dataclass(frozen=True)
class CodeChoice:
    """`icd10_when`: the code to use instead of the default when `when` holds (acute
    post-haemorrhagic anaemia in the first 4 weeks, a disc disorder with radiculopathy), with
    its own billable codes per side when `icd10` is a header."""

    when: Condition
    icd10: Codes
    laterality: dict[str, Codes] = field(default_factory=dict)

    def code_for_side(self, side: str | None) -> tuple[Codes, str | None]:
        return _code_for_side(self.icd10, self.laterality, side)


def _code_for_side(
    default: Codes, laterality: dict[str, Codes], side: str | None
) -> tuple[Codes, str | None]:
    if not laterality:
        return default, None
    if side and side in laterality:
        return laterality[side], None
    return default, "laterality not recorded"


@dataclass(frozen=True)
class Repeat:
    """A done test that is suggested again while `when` holds (repeat CK in 24 h …)."""

    when: Condition
    text: str


@dataclass(frozen=True)
class Finding:
    id: str
    domain: str
    label: str
    help: str
    opposite: str | None = None


@dataclass(frozen=True)
class Measurement:
    id: str
    label: str
    unit: str
    minimum: float
    maximum: float
    help: str
    not_interpretable: NotInterpretable | None = None
    loinc: str | None = None  # the LOINC code of the observation, where one exists
    category: str = "exam"  # its FHIR observation category (vital-signs, exam, survey, social-history)


@dataclass(frozen=True)
class Range:
    low: float | None = None  # inclusive
    high: float | None = None  # inclusive
    below: float | None = None  # exclusive upper bound

    @property
    def upper(self) -> float | None:
        return self.high if self.high is not None else self.below

    def bounded(self) -> bool:
        return self.low is not None or self.high is not None or self.below is not None

    def flag(self, value: float) -> str:
        if self.low is not None and value < self.low:
            return "L"
        if self.high is not None and value > self.high:
            return "H"
        if self.below is not None and value >= self.below:
            return "H"
        return "N"

    def converted(self, convert: Callable[[float], float]) -> Range:
        """The same range in another unit (`convert` maps a bound), to 4 significant digits."""

        def bound(value: float | None) -> float | None:
            return None if value is None else float(f"{convert(value):.4g}")

        return Range(bound(self.low), bound(self.high), bound(self.below))

    def text(self) -> str:
        if self.low is not None and self.high is not None:
            return f"{self.low:g}–{self.high:g}"
        if self.low is not None and self.below is not None:
            return f"{self.low:g} to < {self.below:g}"
        if self.low is not None:
            return f"≥ {self.low:g}"
        if self.high is not None:
            return f"≤ {self.high:g}"
        if self.below is not None:
            return f"< {self.below:g}"
        return "—"


@dataclass(frozen=True)
class Lab:
    id: str
    loinc: str
    name: str
    unit: str
    factors: dict[str, Decimal]  # accepted unit -> factor f (value_in_unit = default × f)
    reference: Range
    reference_female: Range | None
    reference_male: Range | None
    critical_low: float | None
    critical_high: float | None
    critical_at_least: float | None
    plausible: tuple[float, float]
    other_loinc: tuple[str, ...] = ()
    reference_note: str | None = None
    critical_note: str | None = None
    si_unit: str | None = None
    critical_low_action: CriticalAction | None = None
    critical_high_action: CriticalAction | None = None
    # the LOINC code of a result in that unit where it is not `loinc` (a molar unit beside a
    # mass-concentration default); "" where no code is recorded for the unit
    unit_loinc: dict[str, str] = field(default_factory=dict)

    def loinc_for(self, unit: str) -> str | None:
        """The LOINC code of a result entered in `unit`: mass and molar concentrations are
        different LOINC concepts. None where the knowledge base records no code for the unit."""
        return self.unit_loinc.get(unit, self.loinc) or None

    @property
    def codes(self) -> tuple[str, ...]:
        """Every LOINC code this lab is recognised by (on import, in a case file)."""
        every = (self.loinc, *self.unit_loinc.values(), *self.other_loinc)
        return tuple(dict.fromkeys(c for c in every if c))

    def critical_action(self, value: float) -> CriticalAction | None:
        """The action of a critical value, by direction (None when the value is not critical)."""
        if self.critical_low is not None and value < self.critical_low:
            return self.critical_low_action or CriticalAction("urgent")
        if (self.critical_high is not None and value > self.critical_high) or (
            self.critical_at_least is not None and value >= self.critical_at_least
        ):
            return self.critical_high_action or CriticalAction("urgent")
        return None

    def units_for(self, preference: str) -> tuple[str, ...]:
        """Accepted units, the one the clinic prefers ("conventional" or "si") first."""
        first = self.si_unit if preference == "si" and self.si_unit else self.unit
        return (first, *(u for u in self.accepted_units if u != first))

    @property
    def accepted_units(self) -> tuple[str, ...]:
        return (self.unit, *self.factors)

    def to_default(self, value: float, unit: str) -> float:
        if unit == self.unit:
            return value
        return float(Decimal(str(value)) / self.factors[unit])

    def from_default(self, value: float, unit: str) -> float:
        if unit == self.unit:
            return value
        return float(Decimal(str(value)) * self.factors[unit])

    def range_for(self, sex: str | None) -> Range:
        if sex == "female" and self.reference_female:
            return self.reference_female
        if sex == "male" and self.reference_male:
            return self.reference_male
        if sex in ("female", "male") and self.reference.bounded():
            return self.reference  # the general range, for a sex without its own
        if self.reference_female or self.reference_male:
            # other/unknown sex: the widest of the sex-specific ranges, so nothing is flagged
            # that would be normal for either sex.
            ranges = [
                r
                for r in (self.reference, self.reference_female, self.reference_male)
                if r and (r.low is not None or r.high is not None or r.below is not None)
            ]
            lows = [r.low for r in ranges if r.low is not None]
            highs = [r.high for r in ranges if r.high is not None]
            belows = [r.below for r in ranges if r.below is not None]
            return Range(
                min(lows) if lows else None, max(highs) if highs else None, max(belows) if belows else None
            )
        return self.reference

    def reference_text(self, sex: str | None = None, unit: str | None = None) -> str:
        """The reference range, in `unit` (an accepted one) or the lab's own."""
        return self.range_text(self.range_for(sex), unit)

    def range_text(self, reference: Range, unit: str | None = None) -> str:
        if unit is None or unit == self.unit or unit not in self.factors:
            return f"{reference.text()} {self.unit}"
        return f"{reference.converted(lambda v: self.from_default(v, unit)).text()} {unit}"

    def is_critical(self, value: float) -> bool:
        return (
            (self.critical_low is not None and value < self.critical_low)
            or (self.critical_high is not None and value > self.critical_high)
            or (self.critical_at_least is not None and value >= self.critical_at_least)
        )


@dataclass(frozen=True)
class TestDef:
    id: str
    name: str
    settles_text: str
    burden: int
    labs: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()
    measurements: tuple[str, ...] = ()
    only_when: Condition | None = None
    raised_after_surgery: RaisedAfterSurgery | None = None
    repeat: tuple[Repeat, ...] = ()
    section: str | None = None  # the checklist domain its order shows in when it yields no finding


@dataclass(frozen=True)
class Rule:
    weight: float
    when: Condition | None
    each_med_for: str | None = None
    max_weight: float | None = None


@dataclass(frozen=True)
class Settle:
    test: str
    positive: Condition | None
    negative: Condition | None
    positive_means: str
    negative_means: str


@dataclass(frozen=True)
class DiffNote:
    when: Condition
    text: str
    test: str | None


@dataclass(frozen=True)
class Differential:
    id: str
    name: str
    icd10: Codes
    category: str
    basis: str
    support: tuple[Rule, ...]
    against: tuple[Rule, ...]
    settle: tuple[Settle, ...]
    laterality: dict[str, Codes] = field(default_factory=dict)
    also_codes: str | None = None
    notes: tuple[DiffNote, ...] = ()
    hold_low_until: Condition | None = None
    hold_low_text: str | None = None
    order: int = 0
    timing: Timing | None = None
    explains: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    icd10_when: tuple[CodeChoice, ...] = ()
    icd10_note: str | None = None  # what the default code assumes, shown while it is the one used

    @cached_property
    def citations(self) -> tuple[str, ...]:
        return tuple(ref.text() for ref in self.references)

    @cached_property
    def settled_by(self) -> tuple[str, ...]:
        """Tests that settle it, the decisive ones (with a positive or negative result rule)
        before the merely informative."""
        decisive = [s.test for s in self.settle if s.positive or s.negative]
        return tuple(dict.fromkeys([*decisive, *(s.test for s in self.settle)]))

    def code_for_side(self, side: str | None) -> tuple[Codes, str | None]:
        """The billable code when the side is known, else the header and a note."""
        return _code_for_side(self.icd10, self.laterality, side)

    def emittable_codes(self) -> set[Codes]:
        """Every code (or pair of codes reported together) the engine can show for it."""
        out = {self.icd10, *self.laterality.values()}
        for choice in self.icd10_when:
            out |= {choice.icd10, *choice.laterality.values()}
        return out


@dataclass(frozen=True)
class RedFlagRule:
    id: str
    title: str
    severity: str
    message: str
    basis: str
    when: Condition | None
    kind: str = "rule"
    cleared_by: Condition | None = None
    strengthened_by: Condition | None = None
    differentials: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    emergency_when: Condition | None = None  # raises an urgent flag to emergency
    references: tuple[Reference, ...] = ()

    @cached_property
    def citations(self) -> tuple[str, ...]:
        return tuple(ref.text() for ref in self.references)


@dataclass(frozen=True)
class WellsItemDef:
    id: str
    label: str
    points: int
    when: Condition


@dataclass(frozen=True, eq=False)
class MedClass:
    id: str
    label: str
    members: tuple[str, ...]
    aliases: dict[str, str]
    concern: str
    differentials: tuple[str, ...]
    withdrawal: bool = False
    flag: bool = True


@dataclass(frozen=True, eq=False)
class MedWarning:
    id: str
    members: tuple[str, ...]
    aliases: dict[str, str]
    message: str


@dataclass(frozen=True)
class PlanItem:
    id: str
    label: str
