"""The small condition language of the knowledge base, parsed and validated once at load time.

A condition is a TOML inline table with one subject key (`finding`, `lab`, `measurement`,
`derived`, `surgery`, `operation`, `approach`, `position`, `med_class`, `procedure`,
`levels`, `symptom_side`, `wells`, `wells_category`, `red_flag`, `level_check`, `neuro_pattern`) or a
combinator (`any`, `all`, `not`,
`at_least_of`). Evaluating one against the facts of a workup gives three-valued logic: True,
False, or None when the data needed is not recorded. That is what lets the report say which
red-flag checks were actually assessed.

Every outcome also says whether it rests on the patient's own evidence (a finding, measurement,
lab, medication or score) or only on context (time since surgery, the kind of operation): timing
and operation alone never lift a differential above `possible` (SPEC-2 section 1).
resources/knowledge/README.md documents the language; a test checks it against `CONSTRUCTS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cramp_dx.case.model import APPROACHES, LEVELS, OPERATION_FLAG_LABELS, POSITIONS, PROCEDURES, SIDES

DERIVED = {
    "weeks_since_surgery": "weeks",
    "days_since_surgery": "days",
    "onset_days_after_surgery": "days",
    "corrected_calcium": "mg/dL",
    "bun_creatinine_ratio": "",
    "age_years": "years",
    "shock_index": "",
}
# derived values that describe the patient (a lab or vital sign); the rest are context
PATIENT_DERIVED = frozenset({"corrected_calcium", "bun_creatinine_ratio", "shock_index"})
SURGERY_FIELDS = {"duration_hours": "h", "prior_spine_surgeries": ""}
CHOICES = ("procedure", "symptom_side", "approach", "position")
LAB_FLAGS = ("L", "H", "N", "not_low", "not_high", "abnormal")
COMPARATORS = ("at_least", "at_most", "above", "below", "between", "at_least_times_upper")
LAB_SERIES = ("rises_again", "rising")
LAB_SAMPLE_KEYS = ("collected_from_day", "collected_until_day")
LAB_TREND_KEYS = ("falls_by", "falls_by_fraction", "fraction_of_peak_at_least")
# the verdicts of the level check (the symptomatic root against the operated levels)
LEVEL_VERDICTS = ("matches", "does_not_match", "uncertain", "no_root_pattern")


class LabFact(Protocol):
    """One lab result as a condition reads it (read-only: the engine's results are frozen)."""

    @property
    def value(self) -> float: ...  # in the lab's default unit
    @property
    def display(self) -> str: ...  # value and unit as entered, e.g. "0.82 mmol/L"
    @property
    def flag(self) -> str: ...  # L, H or N
    @property
    def upper(self) -> float | None: ...  # applied upper reference limit


class Facts(Protocol):
    """What a condition may ask about a workup (built by the engine)."""

    def finding(self, finding_id: str) -> bool | None: ...
    def measurement(self, measurement_id: str) -> float | None: ...
    def lab(self, lab_id: str) -> LabFact | None: ...
    def lab_series(self, lab_id: str) -> Sequence[tuple[int, LabFact]]: ...
    def derived(self, name: str) -> float | None: ...
    def surgery_value(self, name: str) -> float | None: ...
    def choice(self, kind: str) -> str | None: ...
    def operation(self, flag: str) -> bool | None: ...
    def operated_levels(self) -> tuple[str, ...]: ...
    def medications_in(
        self, classes: tuple[str, ...], statuses: tuple[str, ...] | None
    ) -> list[str] | None: ...
    def wells_score(self) -> tuple[int, int, str]: ...
    def wells_threshold(self) -> int: ...
    def red_flag(self, flag_id: str) -> bool | None: ...
    def level_check(self) -> LevelFacts: ...


class LevelFacts(Protocol):
    """What the level check says about a workup (the engine's LevelCheck)."""

    @property
    def verdict(self) -> str: ...
    @property
    def because(self) -> str: ...
    @property
    def examined(self) -> bool: ...  # False when no sign of the neurological examination is recorded
    @property
    def missing(self) -> tuple[str, ...]: ...  # what the verdict still needs (e.g. the operated levels)

    def pattern_reasons(self, pattern_id: str) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Outcome:
    state: bool | None
    reasons: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    source: str | None = None
    evidence: bool = False  # a True outcome that rests on the patient's own evidence


_FALSE = Outcome(False)


class Names(Protocol):
    """Labels used in reason texts (the Knowledge object)."""

    def finding_label(self, finding_id: str) -> str: ...
    def lab_name(self, lab_id: str) -> str: ...
    def measurement_label(self, measurement_id: str) -> tuple[str, str]: ...
    def med_class_label(self, class_id: str) -> str: ...
    def red_flag_title(self, flag_id: str) -> str: ...


class Condition:
    text: str | None = None
    source: str | None = None
    patient: bool = True  # whether a holding leaf is the patient's evidence (else context)
    about_neuro: bool = False  # asks about the level check (not allowed inside it)

    def evaluate(self, facts: Facts, names: Names) -> Outcome:
        raise NotImplementedError

    def leaves(self) -> list[Condition]:
        return [self]


def _fmt(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.0f}"


def _with_unit(value: float, unit: str) -> str:
    if unit in ("weeks", "days"):
        shown = round(value, 1) if unit == "weeks" else int(value)
        word = unit if shown != 1 else unit[:-1]
        return f"{_fmt(shown)} {word}"
    return f"{_fmt(round(value, 2))} {unit}".strip()


@dataclass(frozen=True)
class Compare:
    op: str
    threshold: float | tuple[float, float]

    def test(self, value: float, upper: float | None = None) -> bool | None:
        t = self.threshold
        if self.op == "at_least":
            return value >= t  # type: ignore[operator]
        if self.op == "at_most":
            return value <= t  # type: ignore[operator]
        if self.op == "above":
            return value > t  # type: ignore[operator]
        if self.op == "below":
            return value < t  # type: ignore[operator]
        if self.op == "between":
            low, high = t  # type: ignore[misc]
            return low <= value <= high
        if upper is None:  # at_least_times_upper without an upper limit
            return None
        return value >= t * upper  # type: ignore[operator]


class _Leaf(Condition):
    def _result(self, state: bool | None, reason: str, missing: str, value: str = "") -> Outcome:
        if state is None:
            return Outcome(None, missing=(missing,))
        if not state:
            return _FALSE
        text = self.text.format(value=value) if self.text else reason
        return Outcome(True, (text,), source=self.source, evidence=self.patient)


class FindingCondition(_Leaf):
    """A finding recorded yes (or, with `expect` False, no); with `unanswered`, not yet
    answered either way (never unknown)."""

    def __init__(self, finding_id: str, expect: bool, unanswered: bool = False) -> None:
        self.finding_id, self.expect, self.unanswered = finding_id, expect, unanswered
        # the two outcomes other than False never change for a condition: built once (the engine
        # evaluates a few hundred finding leaves per assessment)
        self._outcomes: tuple[Outcome, Outcome] | None = None

    def _built(self, names: Names) -> tuple[Outcome, Outcome]:
        label = names.finding_label(self.finding_id)
        held = self._result(True, label if self.expect else f"{label}: absent", label)
        return Outcome(None, missing=(label,)), held

    def evaluate(self, facts: Facts, names: Names) -> Outcome:
        value = facts.finding(self.finding_id)
        if self.unanswered:
            label = names.finding_label(self.finding_id)
            return self._result(value is None, f"{label}: not recorded", label)
        if value is not None and value != self.expect:
            return _FALSE
        if self._outcomes is None:
            self._outcomes = self._built(names)
        return self._outcomes[0] if value is None else self._outcomes[1]


@dataclass(frozen=True)
class LabQuery:
    """What a lab condition asks of a lab's dated results. Exactly one of `flag`, `compare`,
    `missing`, `series` or a trend (`falls_by`, `falls_by_fraction`,
    `fraction_of_peak_at_least`); `collected_from_day` / `collected_until_day` (days after
    surgery) choose which samples count: the latest one in that window is judged."""

    flag: str | None = None
    compare: Compare | None = None
    missing: bool = False
    series: str | None = None
    trend: tuple[str, float] | None = None
    from_day: int | None = None
    until_day: int | None = None


def _flag_state(flag: str, lab: LabFact) -> bool:
    return {
        "L": lab.flag == "L",
        "H": lab.flag == "H",
        "N": lab.flag == "N",
        "not_low": lab.flag != "L",
        "not_high": lab.flag != "H",
        "abnormal": lab.flag != "N",
    }[flag]


class LabCondition(_Leaf):
    def __init__(self, lab_id: str, query: LabQuery) -> None:
        self.lab_id, self.query = lab_id, query

    def _window_text(self) -> str:
        q = self.query
        if q.from_day is not None and q.until_day is not None:
            return f" (a sample from day {q.from_day} to {q.until_day} after surgery)"
        if q.from_day is not None:
            return f" (a sample from day {q.from_day} after surgery)"
        if q.until_day is not None:
            return f" (a sample up to day {q.until_day} after surgery)"
        return ""

    def evaluate(self, facts: Facts, names: Names) -> Outcome:
        q = self.query
        name = names.lab_name(self.lab_id)
        series = facts.lab_series(self.lab_id)
        if q.missing:
            return self._result(not series, f"{name} not measured", name)
        if q.from_day is None and q.until_day is None:
            in_window = series
        else:
            in_window = [
                (day, lab)
                for day, lab in series
                if (q.from_day is None or day >= q.from_day) and (q.until_day is None or day <= q.until_day)
            ]
        if not in_window:
            return Outcome(None, missing=(name + self._window_text(),))
        day, lab = in_window[-1]
        on_day = f" on day {day}" if q.from_day is not None or q.until_day is not None else ""
        flag = "" if lab.flag == "N" else f" ({lab.flag})"
        reason = f"{name} {lab.display}{flag}{on_day}"
        state: bool | None
        if q.flag is not None:
            state = _flag_state(q.flag, lab)
            return self._result(state, reason, name, lab.display)
        if q.compare is not None:
            state = q.compare.test(lab.value, lab.upper)
            return self._result(state, reason, name, lab.display)
        earlier = [value for d, value in series if d <= day][:-1]
        if q.series == "rising":
            if not earlier:
                return Outcome(None, missing=(f"{name}: an earlier result to compare",))
            state = lab.value > earlier[-1].value
            reason = f"{name} rising: {earlier[-1].display} → {lab.display}{on_day}"
        elif q.series == "rises_again":
            if len(earlier) < 2:
                return Outcome(None, missing=(f"{name}: a series of results",))
            trough = min(range(len(earlier)), key=lambda i: earlier[i].value)
            fell = any(earlier[i].value > earlier[trough].value for i in range(trough))
            state = fell and lab.value >= 1.2 * earlier[trough].value
            reason = f"{name} rising again after falling: {earlier[trough].display} → {lab.display}{on_day}"
        else:
            assert q.trend is not None
            kind, amount = q.trend
            if not earlier:
                return Outcome(None, missing=(f"{name}: an earlier result to compare",))
            peak = max(earlier, key=lambda value: value.value)
            if kind == "falls_by":
                state = peak.value - lab.value >= amount
                reason = f"{name} fell from {peak.display} to {lab.display}{on_day}"
            elif kind == "falls_by_fraction":
                state = peak.value > 0 and (peak.value - lab.value) / peak.value >= amount
                fall = 100 * (peak.value - lab.value) / peak.value if peak.value else 0.0
                reason = f"{name} fell by {fall:.0f} % ({peak.display} → {lab.display}){on_day}"
            else:
                state = lab.value >= amount * peak.value
                share = 100 * lab.value / peak.value if peak.value else 0.0
                reason = f"{name} still {lab.display}{on_day}, {share:.0f} % of its peak {peak.display}"
        return self._result(state, reason, name, lab.display)


class MeasurementCondition(_Leaf):
    """A measurement compared with a limit, or (`missing = true`) not yet measured."""

    def __init__(self, measurement_id: str, compare: Compare | None) -> None:
        self.measurement_id, self.compare = measurement_id, compare

    def evaluate(self, facts: Facts, names: Names) -> Outcome:
        value = facts.measurement(self.measurement_id)
        label, unit = names.measurement_label(self.measurement_id)
        if self.compare is None:
            return self._result(value is None, f"{label} not measured", label)
        if value is None:
            return Outcome(None, missing=(label,))
        if not self.compare.test(value):
            return _FALSE
        shown = _with_unit(value, unit)
        return self._result(True, f"{label} {shown}", label, shown)


class ValueCondition(_Leaf):
    """A derived fact (weeks since surgery, corrected calcium, …) or a surgery field."""

    def __init__(self, kind: str, name: str, unit: str, compare: Compare) -> None:
        self.kind, self.name, self.unit, self.compare = kind, name, unit, compare

    def evaluate(self, facts: Facts, names: Names) -> Outcome:
        getter = facts.derived if self.kind == "derived" else facts.surgery_value
        value = getter(self.name)
        label = self.name.replace("_", " ")
        if value is None:
            return Outcome(None, missing=(label,))
        if not self.compare.test(value):
            return _FALSE
        shown = _with_unit(value, self.unit)
        return self._result(True, f"{label.capitalize()} {shown}", label, shown)


class MedClassCondition(_Leaf):
    def __init__(self, classes: tuple[str, ...], statuses: tuple[str, ...] | None, expect: bool) -> None:
        self.classes, self.statuses, self.expect = classes, statuses, expect

    def evaluate(self, facts: Facts, names: Names) -> Outcome:
        label = " or ".join(names.med_class_label(c) for c in self.classes)
        found = facts.medications_in(self.classes, self.statuses)
        if found is None:
            return Outcome(None, missing=(f"medication review ({label})",))
        if self.expect:
            status = f", {'/'.join(self.statuses)}" if self.statuses else ""
            return self._result(bool(found), f"{', '.join(found)} ({label}{status})", label)
        return self._result(not found, f"No {label} listed", label)


class ChoiceCondition(_Leaf):
    """`procedure`, `symptom_side`, `approach` or `position` is one of the listed values."""

    def __init__(self, kind: str, values: tuple[str, ...], expect: bool) -> None:
        self.kind, self.values, self.expect = kind, values, expect

    def evaluate(self, facts: Facts, names: Names) -> Outcome:
        value = facts.choice(self.kind)
        label = self.kind.replace("_", " ")
        if value is None:
            return Outcome(None, missing=(label,))
        state = (value in self.values) == self.expect
        return self._result(state, f"{label.capitalize()}: {value.replace('_', ' ')}", label)


class LevelsCondition(_Leaf):
    """`levels`: every operated level recorded is one of the listed ones (an operation confined
    to L5-S1); unknown while no level is recorded."""

    def __init__(self, values: tuple[str, ...], expect: bool) -> None:
        self.values, self.expect = values, expect

    def evaluate(self, facts: Facts, names: Names) -> Outcome:
        levels = facts.operated_levels()
        if not levels:
            return Outcome(None, missing=("operated levels",))
        state = set(levels) <= set(self.values)
        return self._result(state == self.expect, f"Operated at {', '.join(levels)}", "operated levels")


class OperationCondition(_Leaf):
    """A yes/no detail of the operation (`durotomy`, `instrumentation`, …)."""

    def __init__(self, flag: str, expect: bool) -> None:
        self.flag, self.expect = flag, expect

    def evaluate(self, facts: Facts, names: Names) -> Outcome:
        value = facts.operation(self.flag)
        label = OPERATION_FLAG_LABELS.get(self.flag, self.flag.replace("_", " "))
        if value is None:
            return Outcome(None, missing=(label,))
        reason = label if self.expect else f"No {label.lower()}"
        return self._result(value == self.expect, reason, label)


class WellsCondition(_Leaf):
    """`wells = "likely"`: True at or above the threshold; False only when even the items not
    yet assessed could not bring it there; else unknown. `wells_category` just compares."""

    def __init__(self, category: str, strict_unknown: bool) -> None:
        self.category, self.strict_unknown = category, strict_unknown

    def evaluate(self, facts: Facts, names: Names) -> Outcome:
        score, best_possible, category = facts.wells_score()
        reason = f"Wells score {score} ({category})"
        if not self.strict_unknown:
            return self._result(category == self.category, reason, "Wells score")
        if category == "not_suspected":  # no sign of DVT in the leg: the score does not apply
            return self._result(self.category != "likely", "Wells: no sign of DVT in the leg", "Wells score")
        likely_at = facts.wells_threshold()
        if self.category == "likely":
            state = True if score >= likely_at else (False if best_possible < likely_at else None)
        else:
            state = False if score >= likely_at else (True if best_possible < likely_at else None)
        if state is None:
            return Outcome(None, missing=("Wells items not assessed",))
        return self._result(state, reason, "Wells score")


class RedFlagCondition(_Leaf):
    def __init__(self, flag_id: str) -> None:
        self.flag_id = flag_id

    def evaluate(self, facts: Facts, names: Names) -> Outcome:
        state = facts.red_flag(self.flag_id)
        title = names.red_flag_title(self.flag_id)
        if state is None:
            return Outcome(None, missing=(title,))
        return self._result(state, title, title)


class LevelCheckCondition(_Leaf):
    """`level_check = "does_not_match"` (or a list of verdicts): the verdict of the level check
    is one of them. Unknown while no neurological examination is recorded, or while the verdict
    still needs data (the operated levels)."""

    about_neuro = True

    def __init__(self, verdicts: tuple[str, ...], expect: bool) -> None:
        self.verdicts, self.expect = verdicts, expect

    def evaluate(self, facts: Facts, names: Names) -> Outcome:
        check = facts.level_check()
        if not check.examined:
            return Outcome(None, missing=("neurological examination",))
        if check.missing:
            return Outcome(None, missing=check.missing)
        state = (check.verdict in self.verdicts) == self.expect
        return self._result(state, check.because, "level check", check.verdict.replace("_", " "))


class NeuroPatternCondition(_Leaf):
    """`neuro_pattern = "peroneal"` (or a list): the examination shows that pattern of neuro.toml
    on either side. Unknown while no neurological examination is recorded."""

    about_neuro = True

    def __init__(self, pattern_ids: tuple[str, ...], expect: bool) -> None:
        self.pattern_ids, self.expect = pattern_ids, expect

    def evaluate(self, facts: Facts, names: Names) -> Outcome:
        check = facts.level_check()
        if not check.examined:
            return Outcome(None, missing=("neurological examination",))
        reasons = [reason for pid in self.pattern_ids for reason in check.pattern_reasons(pid)]
        if self.expect:
            return self._result(bool(reasons), "; ".join(reasons), "neurological examination")
        return self._result(not reasons, "No such pattern on the neurological examination", "")


class AnyCondition(Condition):
    def __init__(self, parts: list[Condition]) -> None:
        self.parts = parts

    def leaves(self) -> list[Condition]:
        return [leaf for part in self.parts for leaf in part.leaves()]

    def evaluate(self, facts: Facts, names: Names) -> Outcome:
        reasons: list[str] = []
        missing: list[str] = []
        source = None
        unknown = False
        evidence = False
        for part in self.parts:
            out = part.evaluate(facts, names)
            if out.state:
                reasons.extend(out.reasons)
                source = source or out.source
                evidence = evidence or out.evidence
            elif out.state is None:
                unknown = True
                missing.extend(out.missing)
        if reasons:
            if self.text:
                reasons = [self.text]
            return Outcome(True, tuple(reasons), tuple(missing), source, evidence)
        return Outcome(None if unknown else False, (), tuple(missing))


class AllCondition(Condition):
    def __init__(self, parts: list[Condition]) -> None:
        self.parts = parts

    def leaves(self) -> list[Condition]:
        return [leaf for part in self.parts for leaf in part.leaves()]

    def evaluate(self, facts: Facts, names: Names) -> Outcome:
        reasons: list[str] = []
        missing: list[str] = []
        source = None
        unknown = False
        evidence = False
        for part in self.parts:
            out = part.evaluate(facts, names)
            if out.state is False:
                return Outcome(False)
            if out.state is None:
                unknown = True
                missing.extend(out.missing)
            else:
                reasons.extend(out.reasons)
                source = source or out.source
                evidence = evidence or out.evidence
        if unknown:
            return Outcome(None, (), tuple(missing))
        return Outcome(True, (self.text,) if self.text else tuple(reasons), (), source, evidence)


class NotCondition(Condition):
    """True when the inner condition is False and the other way round; unknown stays unknown.
    A negation is never the patient's evidence by itself (absence is not support)."""

    def __init__(self, inner: Condition) -> None:
        self.inner = inner

    def leaves(self) -> list[Condition]:
        return self.inner.leaves()

    def evaluate(self, facts: Facts, names: Names) -> Outcome:
        out = self.inner.evaluate(facts, names)
        if out.state is None:
            return Outcome(None, missing=out.missing)
        if out.state:
            return Outcome(False)
        return Outcome(True, (self.text,) if self.text else ())


class CountCondition(Condition):
    """`at_least_of = N` with `of = [...]`: at least N of the parts hold (Budapest-style
    criteria). False once too few could still hold; unknown otherwise."""

    def __init__(self, need: int, parts: list[Condition]) -> None:
        self.need, self.parts = need, parts

    def leaves(self) -> list[Condition]:
        return [leaf for part in self.parts for leaf in part.leaves()]

    def evaluate(self, facts: Facts, names: Names) -> Outcome:
        held: list[str] = []
        missing: list[str] = []
        count = unknown = 0
        evidence = False
        for part in self.parts:
            out = part.evaluate(facts, names)
            if out.state:
                count += 1
                held.extend(out.reasons)
                evidence = evidence or out.evidence
            elif out.state is None:
                unknown += 1
                missing.extend(out.missing)
        if count >= self.need:
            reasons = (self.text,) if self.text else tuple(held)
            return Outcome(True, reasons, (), None, evidence)
        if count + unknown < self.need:
            return Outcome(False)
        return Outcome(None, (), tuple(missing))


# ------------------------------------------------------------------ parsing and validation


class UnknownAs(Condition):
    """`if_unknown = true|false` on any condition: what an unknown outcome counts as. Used where
    safety needs an exception to apply only when it is known to hold (a red flag must not be
    silenced by a detail nobody recorded)."""

    def __init__(self, inner: Condition, value: bool) -> None:
        self.inner, self.value = inner, value

    def leaves(self) -> list[Condition]:
        return self.inner.leaves()

    def evaluate(self, facts: Facts, names: Names) -> Outcome:
        out = self.inner.evaluate(facts, names)
        if out.state is None:
            return Outcome(self.value, missing=out.missing)
        return out


class ConditionError(ValueError):
    """A condition that does not fit the language; the message names the key."""


@dataclass(frozen=True)
class Vocabulary:
    """The ids a condition may name, for validation and close-match suggestions."""

    findings: Mapping[str, Any]
    labs: Mapping[str, Any]
    measurements: Mapping[str, Any]
    med_classes: Mapping[str, Any]
    red_flags: Mapping[str, Any]
    suggest: Callable[[str, Any], str]
    neuro_patterns: Mapping[str, Any] = field(default_factory=dict)


_SUBJECTS = (
    "finding",
    "lab",
    "measurement",
    "derived",
    "surgery",
    "operation",
    "med_class",
    *CHOICES,
    "levels",
    "wells",
    "wells_category",
    "red_flag",
    "level_check",
    "neuro_pattern",
    "any",
    "all",
    "not",
    "at_least_of",
)
_COMMON = {"text", "source", "if_unknown"}
# every key the language accepts, for the README check (resources/knowledge/README.md)
CONSTRUCTS = (
    *_SUBJECTS,
    "of",
    "is",
    "flag",
    "missing",
    "status",
    *COMPARATORS,
    "series",
    *LAB_SAMPLE_KEYS,
    *LAB_TREND_KEYS,
    *sorted(_COMMON),
)


def _need_id(value: Any, known: Mapping[str, Any], what: str, vocab: Vocabulary) -> str:
    if not isinstance(value, str) or value not in known:
        raise ConditionError(f"unknown {what} {value!r}{vocab.suggest(str(value), known)}")
    return value


def _compare(raw: dict[str, Any], required: bool = True) -> Compare | None:
    found = [key for key in COMPARATORS if key in raw]
    if len(found) > 1:
        raise ConditionError(f"only one comparison allowed, got {', '.join(found)}")
    if not found:
        if required:
            raise ConditionError(f"needs one comparison: {', '.join(COMPARATORS)}")
        return None
    op = found[0]
    threshold = raw[op]
    if op == "between":
        if (
            not isinstance(threshold, list)
            or len(threshold) != 2
            or not all(isinstance(x, int | float) for x in threshold)
            or threshold[0] > threshold[1]
        ):
            raise ConditionError("between needs [low, high] with low ≤ high")
        return Compare(op, (float(threshold[0]), float(threshold[1])))
    if not isinstance(threshold, int | float) or isinstance(threshold, bool):
        raise ConditionError(f"{op} needs a number, got {threshold!r}")
    return Compare(op, float(threshold))


def _check_keys(raw: dict[str, Any], allowed: set[str]) -> None:
    extra = set(raw) - allowed - _COMMON
    if extra:
        raise ConditionError(
            f"unexpected key(s) {', '.join(sorted(extra))}; accepted here: "
            f"{', '.join(sorted(allowed | _COMMON))}"
        )


def _day(raw: dict[str, Any], key: str) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConditionError(f"{key} needs a whole number of days ≥ 0, got {value!r}")
    return value


def _lab_query(raw: dict[str, Any]) -> LabQuery:
    flag = raw.get("flag")
    if flag is not None and flag not in LAB_FLAGS:
        raise ConditionError(f"flag {flag!r} not accepted; accepted: {', '.join(LAB_FLAGS)}")
    missing = raw.get("missing", False)
    if not isinstance(missing, bool):
        raise ConditionError("missing must be true or false")
    series = raw.get("series")
    if series is not None and series not in LAB_SERIES:
        raise ConditionError(f"series {series!r} not accepted; accepted: {', '.join(LAB_SERIES)}")
    trends = [key for key in LAB_TREND_KEYS if key in raw]
    trend = None
    if trends:
        amount = raw[trends[0]]
        if isinstance(amount, bool) or not isinstance(amount, int | float) or amount <= 0:
            raise ConditionError(f"{trends[0]} needs a positive number, got {amount!r}")
        if trends[0] != "falls_by" and amount > 1:
            raise ConditionError(f"{trends[0]} is a fraction between 0 and 1, got {amount!r}")
        trend = (trends[0], float(amount))
    compare = _compare(raw, required=False)
    chosen = [flag is not None, compare is not None, missing, series is not None, *(True for _ in trends)]
    if sum(chosen) != 1:
        raise ConditionError(
            "a lab condition needs exactly one of flag, missing, series, a comparison "
            f"({', '.join(COMPARATORS)}) or a trend ({', '.join(LAB_TREND_KEYS)})"
        )
    from_day, until_day = _day(raw, "collected_from_day"), _day(raw, "collected_until_day")
    if missing and (from_day is not None or until_day is not None):
        raise ConditionError("missing cannot be combined with a sample window")
    if from_day is not None and until_day is not None and from_day > until_day:
        raise ConditionError("collected_from_day must not be after collected_until_day")
    return LabQuery(flag, compare, missing, series, trend, from_day, until_day)


def _need_bool(raw: dict[str, Any], key: str) -> bool:
    value = raw.get(key, True)
    if not isinstance(value, bool):
        raise ConditionError(f"`{key}` must be true or false")
    return value


def parse_condition(raw: Any, vocab: Vocabulary) -> Condition:
    """Parse one condition table, raising ConditionError with a specific message."""
    if not isinstance(raw, dict):
        raise ConditionError(f"a condition must be a table, got {raw!r}")
    subjects = [key for key in _SUBJECTS if key in raw]
    if len(subjects) != 1:
        raise ConditionError(f"a condition needs exactly one of {', '.join(_SUBJECTS)}; got {sorted(raw)}")
    kind = subjects[0]
    expect = _need_bool(raw, "is")
    cond: Condition
    patient = True
    if kind in ("any", "all"):
        _check_keys(raw, {kind})
        parts = raw[kind]
        if not isinstance(parts, list) or not parts:
            raise ConditionError(f"{kind} needs a non-empty list of conditions")
        parsed = [parse_condition(part, vocab) for part in parts]
        cond = AnyCondition(parsed) if kind == "any" else AllCondition(parsed)
    elif kind == "not":
        _check_keys(raw, {"not"})
        cond = NotCondition(parse_condition(raw["not"], vocab))
    elif kind == "at_least_of":
        _check_keys(raw, {"at_least_of", "of"})
        need, parts = raw["at_least_of"], raw.get("of")
        if not isinstance(parts, list) or not parts:
            raise ConditionError("at_least_of needs `of`, a non-empty list of conditions")
        if isinstance(need, bool) or not isinstance(need, int) or not 1 <= need <= len(parts):
            raise ConditionError(f"at_least_of needs a whole number from 1 to {len(parts)}, got {need!r}")
        cond = CountCondition(need, [parse_condition(part, vocab) for part in parts])
    elif kind == "finding":
        _check_keys(raw, {"finding", "is", "missing"})
        missing = raw.get("missing", False)
        if not isinstance(missing, bool):
            raise ConditionError("missing must be true or false")
        if missing and "is" in raw:
            raise ConditionError("a finding condition takes is or missing = true, not both")
        cond = FindingCondition(_need_id(raw["finding"], vocab.findings, "finding", vocab), expect, missing)
        patient = not missing
    elif kind == "lab":
        _check_keys(
            raw, {"lab", "flag", "missing", "series", *COMPARATORS, *LAB_SAMPLE_KEYS, *LAB_TREND_KEYS}
        )
        lab_id = _need_id(raw["lab"], vocab.labs, "lab", vocab)
        cond = LabCondition(lab_id, _lab_query(raw))
    elif kind == "measurement":
        _check_keys(raw, {"measurement", "missing", *COMPARATORS})
        missing = raw.get("missing", False)
        if not isinstance(missing, bool):
            raise ConditionError("missing must be true or false")
        compare = _compare(raw, required=not missing)
        if missing and compare is not None:
            raise ConditionError("a measurement condition needs a comparison or missing = true, not both")
        cond = MeasurementCondition(
            _need_id(raw["measurement"], vocab.measurements, "measurement", vocab),
            None if missing else compare,
        )
    elif kind in ("derived", "surgery"):
        table = DERIVED if kind == "derived" else SURGERY_FIELDS
        _check_keys(raw, {kind, *COMPARATORS})
        name = _need_id(raw[kind], table, f"{kind} value", vocab)
        cond = ValueCondition(kind, name, table[name], _compare(raw))  # type: ignore[arg-type]
        patient = kind == "derived" and name in PATIENT_DERIVED
    elif kind == "operation":
        _check_keys(raw, {"operation", "is"})
        cond = OperationCondition(
            _need_id(raw["operation"], OPERATION_FLAG_LABELS, "operation detail", vocab), expect
        )
        patient = False
    elif kind == "med_class":
        _check_keys(raw, {"med_class", "status", "is"})
        classes = raw["med_class"] if isinstance(raw["med_class"], list) else [raw["med_class"]]
        ids = tuple(_need_id(c, vocab.med_classes, "medication class", vocab) for c in classes)
        statuses = raw.get("status")
        if statuses is not None:
            if not isinstance(statuses, list) or not set(statuses) <= {"taking", "tapering", "stopped"}:
                raise ConditionError("status must be a list of taking, tapering, stopped")
            statuses = tuple(statuses)
        cond = MedClassCondition(ids, statuses, expect)
    elif kind in CHOICES:
        _check_keys(raw, {kind, "is"})
        allowed = {
            "procedure": PROCEDURES,
            "symptom_side": SIDES,
            "approach": APPROACHES,
            "position": POSITIONS,
        }[kind]
        values = raw[kind] if isinstance(raw[kind], list) else [raw[kind]]
        bad = [v for v in values if v not in allowed]
        if bad:
            raise ConditionError(f"unknown {kind} {bad[0]!r}; accepted: {', '.join(allowed)}")
        cond = ChoiceCondition(kind, tuple(values), expect)
        patient = kind == "symptom_side"
    elif kind == "levels":
        _check_keys(raw, {"levels", "is"})
        values = raw["levels"] if isinstance(raw["levels"], list) else [raw["levels"]]
        bad = [v for v in values if v not in LEVELS]
        if bad or not values:
            shown = bad[0] if bad else values
            raise ConditionError(f"levels: {shown!r} is not a level; accepted like L4-L5, L5-S1")
        cond = LevelsCondition(tuple(values), expect)
        patient = False
    elif kind in ("wells", "wells_category"):
        _check_keys(raw, {kind})
        accepted: tuple[str, ...] = ("likely", "unlikely")
        if kind == "wells_category":
            accepted = (*accepted, "not_suspected")
        if raw[kind] not in accepted:
            raise ConditionError(f"{kind} must be {' or '.join(accepted)}")
        cond = WellsCondition(raw[kind], strict_unknown=kind == "wells")
    elif kind == "level_check":
        _check_keys(raw, {"level_check", "is"})
        verdicts = raw["level_check"] if isinstance(raw["level_check"], list) else [raw["level_check"]]
        bad = [v for v in verdicts if v not in LEVEL_VERDICTS]
        if bad or not verdicts:
            shown = repr(bad[0]) if bad else "[]"
            raise ConditionError(
                f"unknown level_check verdict {shown}; accepted: {', '.join(LEVEL_VERDICTS)}"
            )
        cond = LevelCheckCondition(tuple(verdicts), expect)
    elif kind == "neuro_pattern":
        _check_keys(raw, {"neuro_pattern", "is"})
        named = raw["neuro_pattern"]
        ids = tuple(named) if isinstance(named, list) else (named,)
        if not ids:
            raise ConditionError("neuro_pattern needs a pattern id of neuro.toml")
        cond = NeuroPatternCondition(
            tuple(_need_id(p, vocab.neuro_patterns, "neuro.toml pattern", vocab) for p in ids), expect
        )
    else:
        _check_keys(raw, {"red_flag"})
        cond = RedFlagCondition(_need_id(raw["red_flag"], vocab.red_flags, "red flag", vocab))
    text = raw.get("text")
    if text is not None and not isinstance(text, str):
        raise ConditionError("text must be a string")
    cond.text = text
    cond.patient = patient
    source = raw.get("source")
    if source is None:
        source = {
            "finding": "checklist",
            "measurement": "measurement",
            "lab": "lab",
            "derived": "derived",
            "med_class": "medication review",
            "level_check": "neurological examination",
            "neuro_pattern": "neurological examination",
        }.get(kind)
    cond.source = source
    if "if_unknown" in raw:
        if not isinstance(raw["if_unknown"], bool):
            raise ConditionError("if_unknown must be true or false")
        return UnknownAs(cond, raw["if_unknown"])
    return cond
