"""The facts of one workup as the knowledge base's conditions ask for them.

Built once per assessment: opposites folded, labs converted to their default unit and flagged
against the applied range (the clinic's override or the knowledge base's, by sex), the latest
result per test picked, and derived values (weeks since surgery, corrected calcium, BUN/creatinine
ratio) computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cramp_dx.case.model import LabResult, Workup
from cramp_dx.engine.result import LevelCheck
from cramp_dx.knowledge import Knowledge
from cramp_dx.knowledge.model import Lab, Range


@dataclass(frozen=True)
class LabValue:
    lab: Lab
    result: LabResult
    value: float  # default unit
    display: str  # as entered
    flag: str  # L, H, N
    critical: bool
    range: Range
    upper: float | None


def _fmt(value: float) -> str:
    return f"{value:g}"


def applied_range(lab: Lab, sex: str | None, overrides: dict[str, dict[str, float]] | None) -> Range:
    """The reference range in force: a clinic override (settings) beats the knowledge base."""
    if overrides and lab.id in overrides:
        o = overrides[lab.id]
        return Range(o.get("low"), o.get("high"), o.get("below"))
    return lab.range_for(sex)


def lab_value(
    kb_lab: Lab, result: LabResult, sex: str | None, overrides: dict[str, dict[str, float]] | None = None
) -> LabValue:
    value = kb_lab.to_default(result.value, result.unit)
    rng = applied_range(kb_lab, sex, overrides)
    return LabValue(
        kb_lab,
        result,
        value,
        f"{_fmt(result.value)} {result.unit}",
        rng.flag(value),
        kb_lab.is_critical(value),
        rng,
        rng.upper,
    )


class Facts:
    def __init__(
        self, workup: Workup, kb: Knowledge, lab_ranges: dict[str, dict[str, float]] | None = None
    ) -> None:
        self.workup = workup
        self.kb = kb
        self.clinic_ranges = frozenset(lab_ranges or ())  # lab ids with the clinic's own range
        self._findings = workup.findings
        sex = workup.patient.sex
        # every result per lab, oldest first; undated results count as taken at the visit
        by_lab: dict[str, list[tuple[date, int, LabResult]]] = {}
        for index, result in enumerate(workup.labs):
            by_lab.setdefault(result.test, []).append((result.collected or workup.visit.date, index, result))
        self.lab_history: dict[str, list[LabValue]] = {}
        self.labs: dict[str, LabValue] = {}
        # each result with the day after surgery it was taken, for rules about trends
        self._series: dict[str, list[tuple[int, LabValue]]] = {}
        for lab_id, rows in by_lab.items():
            rows.sort(key=lambda row: (row[0], row[1]))
            values = [lab_value(kb.labs[lab_id], row[2], sex, lab_ranges) for row in rows]
            self.lab_history[lab_id] = values
            self.labs[lab_id] = values[-1]
            self._series[lab_id] = [
                ((row[0] - workup.surgery.date).days, value) for row, value in zip(rows, values, strict=True)
            ]
        days = (workup.visit.date - workup.surgery.date).days
        self.days = days
        derived: dict[str, float | None] = {
            "days_since_surgery": float(days),
            "weeks_since_surgery": round(days / 7, 1),
            "corrected_calcium": None,
            "bun_creatinine_ratio": None,
            "age_years": None,
            "onset_days_after_surgery": self._onset_days(),
            "shock_index": None,
        }
        hr, sbp = workup.measurements.get("heart_rate_bpm"), workup.measurements.get("systolic_bp_mmhg")
        if hr is not None and sbp:
            derived["shock_index"] = round(hr / sbp, 2)
        ca, alb = self.labs.get("calcium"), self.labs.get("albumin")
        if ca and alb:
            derived["corrected_calcium"] = kb.corrected_calcium.value(ca.value, alb.value)
        elif ca:
            derived["corrected_calcium"] = None
        bun, cr = self.labs.get("bun"), self.labs.get("creatinine")
        if bun and cr and cr.value > 0:
            derived["bun_creatinine_ratio"] = round(bun.value / cr.value, 1)
        birth = workup.patient.birth_date
        if birth:
            v = workup.visit.date
            derived["age_years"] = float(v.year - birth.year - ((v.month, v.day) < (birth.month, birth.day)))
        self._derived = derived
        # medications matched once against the catalog
        self.med_matches = [(m, kb.medications.match(m.name)) for m in workup.medications]
        self._med_cache: dict[tuple[tuple[str, ...], tuple[str, ...] | None], list[str]] = {}
        self._wells: tuple[int, int, str] | None = None
        self.red_flag_states: dict[str, bool | None] = {}
        self._level_check: LevelCheck | None = None

    def _onset_days(self) -> float | None:
        """When the current symptoms began, in days after surgery: the recorded onset, day 0
        when nothing improved after the operation, else unknown."""
        weeks = self.workup.measurements.get("onset_weeks_after_surgery")
        if weeks is not None:
            return round(weeks * 7, 1)
        if self._findings.get("no_relief_since_surgery"):
            return 0.0
        return None

    # --- conditions.Facts protocol
    def finding(self, finding_id: str) -> bool | None:
        value = self._findings.get(finding_id)
        if value is not None:
            return value
        opposite = self.kb.findings[finding_id].opposite
        if opposite is not None:
            other = self._findings.get(opposite)
            if other is not None:
                return not other
        return None

    def measurement(self, measurement_id: str) -> float | None:
        return self.workup.measurements.get(measurement_id)

    def lab(self, lab_id: str) -> LabValue | None:
        return self.labs.get(lab_id)

    def derived(self, name: str) -> float | None:
        return self._derived.get(name)

    def surgery_value(self, name: str) -> float | None:
        value = getattr(self.workup.surgery, name)
        return None if value is None else float(value)

    def lab_series(self, lab_id: str) -> list[tuple[int, LabValue]]:
        return self._series.get(lab_id, [])

    def choice(self, kind: str) -> str | None:
        if kind == "symptom_side":
            return self.workup.visit.symptom_side
        value: str | None = getattr(self.workup.surgery, kind)
        return value

    def operated_levels(self) -> tuple[str, ...]:
        return self.workup.surgery.levels

    def operation(self, flag: str) -> bool | None:
        value: bool | None = getattr(self.workup.surgery, flag)
        return value

    def medications_in(self, classes: tuple[str, ...], statuses: tuple[str, ...] | None) -> list[str] | None:
        if not self.med_matches:
            return None
        key = (classes, statuses)
        cached = self._med_cache.get(key)
        if cached is not None:
            return cached
        found: list[str] = []
        self._med_cache[key] = found
        for med, matches in self.med_matches:
            if statuses is not None and (med.status or "taking") not in statuses:
                continue
            if any(match.med_class.id in classes for match in matches):
                found.append(med.name)
        return found

    def set_wells(self, score: int, best_possible: int, category: str) -> None:
        self._wells = (score, best_possible, category)

    def wells_score(self) -> tuple[int, int, str]:
        assert self._wells is not None, "Wells is computed before anything that asks for it"
        return self._wells

    def wells_threshold(self) -> int:
        return self.kb.wells_likely_at

    def red_flag(self, flag_id: str) -> bool | None:
        return self.red_flag_states.get(flag_id)

    def level_check(self) -> LevelCheck:
        """The root(s) the neurological examination points to against the operated levels,
        worked out once per assessment."""
        if self._level_check is None:
            from cramp_dx.engine.level_check import check_levels

            self._level_check = check_levels(self.workup, self.kb.neuro, self, self.kb)
        return self._level_check

    # --- used by the engine
    def derived_values(self) -> dict[str, float | None]:
        return dict(self._derived)

    def test_done(self, test_id: str) -> bool:
        """SPEC-2 section 6: done when its order says so or any result it yields is recorded."""
        order = self.workup.orders.get(test_id)
        return (order is not None and order.state == "done") or self.test_has_results(test_id)

    def test_has_results(self, test_id: str) -> bool:
        test = self.kb.tests[test_id]
        return (
            any(lab in self.labs for lab in test.labs)
            or any(self.finding(f) is not None for f in test.findings)
            or any(m in self.workup.measurements for m in test.measurements)
        )
