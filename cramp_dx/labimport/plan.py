"""Matching a lab message to the knowledge base and planning it against a visit's labs.

Nothing here stores anything: the plan says, row by row, what would be added, what a corrected
result replaces and what is skipped and why. A value, unit or time that cannot be a real result
refuses the whole message (InputError naming its place, `OBX[3].5`), so that nothing of a
broken message is stored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime

from cramp_dx.case.model import LabResult, Patient, Workup
from cramp_dx.casefile.io import lab_value_problem
from cramp_dx.engine.facts import lab_value
from cramp_dx.errors import CrampDxError, InputError, Problem
from cramp_dx.fhir import systems
from cramp_dx.fhir.units import lab_ucum
from cramp_dx.knowledge import Knowledge
from cramp_dx.knowledge.model import Lab, Range
from cramp_dx.labimport.model import (
    CANCELLED,
    CORRECTED,
    ENTERED_IN_ERROR,
    NOT_FINAL,
    UNKNOWN,
    Incoming,
    LabMessage,
    SentPatient,
)

LOINC_SYSTEMS = {"LN", "LOINC", systems.LOINC, "urn:oid:2.16.840.1.113883.6.1"}
COMPARATORS = ("<=", ">=", "<", ">")
SKIPPED_STATUS = {
    ENTERED_IN_ERROR: "entered in error at the laboratory",
    CANCELLED: "cancelled at the laboratory (not done or deleted)",
    NOT_FINAL: "not final yet: it is imported when the laboratory sends the final result",
    UNKNOWN: "status unknown: only final and corrected results are imported",
}
ADD, REPLACE, SKIP = "add", "replace", "skip"


@dataclass(frozen=True)
class PlanRow:
    source: str  # where it is in the file ("OBX[3]")
    lab: str  # the knowledge base's name, else the laboratory's
    value: str
    unit: str
    reference: str  # the range in force for a lab of the knowledge base, else as sent
    flag: str  # L / H / N (critical) against that range, else as sent
    collected: str
    action: str  # ADD, REPLACE or SKIP
    reason: str  # why it is skipped, or what it replaces
    result: LabResult | None = None


@dataclass(frozen=True)
class ImportPlan:
    kind: str
    rows: tuple[PlanRow, ...]
    labs: tuple[LabResult, ...]  # the visit's labs once imported

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def changes(self) -> bool:
        return any(row.action != SKIP for row in self.rows)

    def summary(self) -> str:
        return (
            f"{self.count(ADD)} to add, {self.count(REPLACE)} corrected to replace, "
            f"{self.count(SKIP)} skipped"
        )


def check_patient(sent: SentPatient | None, patient: Patient) -> None:
    """Refuse a message about someone else: the MRN must match, or (without an MRN on either
    side) the family name and the birth date; a birth date that is given must always match."""
    if sent is None:
        raise InputError(
            Problem(
                "PID", "the message names no patient; accepted: the patient's MRN, or name and birth date"
            )
        )
    if patient.mrn and sent.identifiers and patient.mrn not in sent.identifiers:
        sent_ids = ", ".join(sent.identifiers)
        problem = f"MRN {sent_ids} is not this patient's (MRN {patient.mrn}); nothing imported"
        raise InputError(Problem(sent.field_path("identifier"), problem))
    if sent.birth_date and patient.birth_date and sent.birth_date != patient.birth_date:
        born = patient.birth_date
        problem = f"birth date {sent.birth_date} is not this patient's ({born}); nothing imported"
        raise InputError(Problem(sent.field_path("birth_date"), problem))
    if patient.mrn and sent.identifiers:
        return
    family, own = (sent.family_name or "").casefold().strip(), (patient.family_name or "").casefold().strip()
    if family and family == own and sent.birth_date and sent.birth_date == patient.birth_date:
        return
    who = f"{patient.family_name or 'the patient'} ({patient.birth_date or 'birth date not recorded'})"
    raise InputError(
        Problem(
            sent.field_path("name"),
            "the patient cannot be confirmed without an MRN; accepted: the MRN, or the family name "
            f"and birth date of {who}",
        )
    )


def plan_import(
    message: LabMessage, workup: Workup, kb: Knowledge, lab_ranges: dict[str, dict[str, float]] | None = None
) -> ImportPlan:
    planner = _Planner(workup, kb, lab_ranges)
    for incoming in message.results:
        planner.add(incoming)
    if planner.problems:
        raise InputError(planner.problems)
    return ImportPlan(message.kind, tuple(planner.rows), planner.labs())


class _Planner:
    def __init__(self, workup: Workup, kb: Knowledge, lab_ranges: dict[str, dict[str, float]] | None) -> None:
        self.workup, self.kb, self.lab_ranges = workup, kb, lab_ranges
        self.existing = list(workup.labs)
        self.new: list[LabResult] = []
        self.rows: list[PlanRow] = []
        self.row_of_new: list[int] = []  # row index of each entry of `new`
        self.problems: list[Problem] = []

    def labs(self) -> tuple[LabResult, ...]:
        ordered = sorted(self.new, key=_moment_key)
        return (*self.existing, *ordered)

    def skip(self, incoming: Incoming, reason: str, name: str | None = None, unit: str | None = None) -> None:
        self.rows.append(
            PlanRow(
                incoming.path,
                name or incoming.name,
                incoming.value_text,
                unit if unit is not None else incoming.unit,
                incoming.reference,
                incoming.flag,
                _shown(incoming.collected),
                SKIP,
                reason,
            )
        )

    def add(self, incoming: Incoming) -> None:
        if incoming.status in SKIPPED_STATUS:
            self.skip(incoming, f"{SKIPPED_STATUS[incoming.status]} ({incoming.status_text})")
            return
        lab, loinc = self._lab(incoming)
        if lab is None:
            codes = ", ".join(f"{code} ({system or 'no system'})" for system, code in incoming.codes)
            self.skip(incoming, f"not in the knowledge base: {codes}")
            return
        if incoming.number is None:
            if incoming.value_text.startswith(COMPARATORS):
                self.skip(incoming, "a value with a comparator is not a number: enter it by hand", lab.name)
            else:
                self.problems.append(
                    Problem(
                        incoming.value_path,
                        f"{incoming.value_text!r} is not a number; accepted: a {lab.name} value",
                    )
                )
            return
        unit = self._unit(incoming, lab)
        if unit is None:
            return
        problem = lab_value_problem(lab, incoming.number, unit)
        if problem:
            self.problems.append(Problem(incoming.value_path, problem))
            return
        collected = incoming.collected
        day = collected.date() if isinstance(collected, datetime) else collected
        if day and day > self.workup.visit.date:
            self.skip(
                incoming,
                f"collected after this visit ({self.workup.visit.date}): import it into a later visit",
                lab.name,
                unit,
            )
            return
        result = LabResult(
            lab.id, incoming.number, unit, day, loinc, collected if isinstance(collected, datetime) else None
        )
        self._place(incoming, lab, result)

    def _lab(self, incoming: Incoming) -> tuple[Lab | None, str | None]:
        for system, code in incoming.codes:
            if system.upper() in LOINC_SYSTEMS or system in LOINC_SYSTEMS:
                lab = self.kb.lab_by_code(code)
                if lab is not None and code != lab.id:
                    return lab, code
        for system, code in incoming.codes:
            if system == systems.LAB and code in self.kb.labs:
                return self.kb.labs[code], None
        return None, None

    def _unit(self, incoming: Incoming, lab: Lab) -> str | None:
        for option in lab.accepted_units:
            if incoming.unit and incoming.unit.casefold() == option.casefold():
                return option
        for option in lab.accepted_units:
            code = lab_ucum(option)
            if code in (incoming.ucum, incoming.unit) and code:
                return option
        shown = repr(incoming.unit) if incoming.unit else "missing"
        accepted = ", ".join(
            f"{u} (UCUM {lab_ucum(u)})" if lab_ucum(u) != u else u for u in lab.accepted_units
        )
        self.problems.append(
            Problem(incoming.unit_path, f"unit {shown} for {lab.name}; accepted: {accepted}")
        )
        return None

    def _place(self, incoming: Incoming, lab: Lab, result: LabResult) -> None:
        corrected = incoming.status == CORRECTED
        for pool, is_new in ((self.new, True), (self.existing, False)):
            for index, earlier in enumerate(pool):
                if earlier.test != lab.id or not _same_time(earlier, result):
                    continue
                if _same_value(lab, earlier, result):
                    where = "earlier in this file" if is_new else "on file"
                    self.skip(incoming, f"already {where} ({_display(earlier)})", lab.name, result.unit)
                    return
                if not corrected:
                    where = "earlier in this file" if is_new else "on file"
                    self.skip(
                        incoming,
                        f"a different result for the same collection time is {where} ({_display(earlier)}); "
                        "only a corrected result replaces it",
                        lab.name,
                        result.unit,
                    )
                    return
                pool[index] = result
                if is_new:  # the final result of this same file is superseded: it is never stored
                    first = self.row_of_new[index]
                    self.rows[first] = replace(
                        self.rows[first],
                        action=SKIP,
                        reason=f"replaced by the corrected result in {incoming.path}",
                        result=None,
                    )
                    self.row_of_new[index] = len(self.rows)
                    self._row(incoming, lab, result, ADD, f"corrected ({incoming.status_text})")
                else:
                    self._row(incoming, lab, result, REPLACE, f"corrects {_display(earlier)} on file")
                return
        if any(
            e.test == lab.id and _same_day(e, result) and _same_value(lab, e, result)
            for e in (*self.existing, *self.new)
        ):
            self.skip(incoming, "already on file for that day (same value)", lab.name, result.unit)
            return
        self.new.append(result)
        self.row_of_new.append(len(self.rows))
        self._row(incoming, lab, result, ADD, "corrected result" if corrected else "")

    def _row(self, incoming: Incoming, lab: Lab, result: LabResult, action: str, reason: str) -> None:
        value = lab_value(lab, result, self.workup.patient.sex, self.lab_ranges)
        clinic = " (clinic range)" if self.lab_ranges and lab.id in self.lab_ranges else ""
        flag = value.flag + (" critical" if value.critical else "")
        older = result.loinc in lab.other_loinc  # an older code, kept as it came (eGFR CKD-EPI 2009)
        self.rows.append(
            PlanRow(
                incoming.path,
                f"{lab.name}, sent as LOINC {result.loinc}" if older else lab.name,
                incoming.value_text,
                result.unit,
                f"{_range_in(lab, value.range, result.unit).text()} {result.unit}{clinic}",
                flag,
                _shown(result.collected_at or result.collected),
                action,
                reason,
                result,
            )
        )


def _range_in(lab: Lab, rng: Range, unit: str) -> Range:
    """The reference range in the unit of the result (4 significant digits)."""

    def conv(x: float | None) -> float | None:
        return None if x is None else float(f"{lab.from_default(x, unit):.4g}")

    return Range(conv(rng.low), conv(rng.high), conv(rng.below))


def _moment_key(result: LabResult) -> tuple[date, str]:
    return (result.collected or date.max, result.collected_at.isoformat() if result.collected_at else "")


def _same_time(a: LabResult, b: LabResult) -> bool:
    if a.collected_at and b.collected_at:
        try:
            return a.collected_at == b.collected_at
        except TypeError:
            return False
    return a.collected_at is None and b.collected_at is None and a.collected == b.collected


def _same_day(a: LabResult, b: LabResult) -> bool:
    return a.collected == b.collected


def _same_value(lab: Lab, a: LabResult, b: LabResult) -> bool:
    try:
        return math.isclose(lab.to_default(a.value, a.unit), lab.to_default(b.value, b.unit), rel_tol=1e-9)
    except (KeyError, CrampDxError):
        return False


def _display(result: LabResult) -> str:
    return f"{result.value:g} {result.unit}"


def _shown(moment: datetime | date | None) -> str:
    if moment is None:
        return "not given"
    if isinstance(moment, datetime):
        shown = moment.strftime("%Y-%m-%d %H:%M")
        return shown + (f" {moment.strftime('%z')}" if moment.tzinfo else "")
    return moment.isoformat()
