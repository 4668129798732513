"""The small condition language of the knowledge base, parsed and validated once at load time.

A condition is a TOML inline table with one subject key (`finding`, `lab`, `measurement`,
`derived`, `surgery`, `med_class`, `procedure`, `symptom_side`, `wells`, `wells_category`,
`red_flag`) or a combinator (`any`, `all`). Evaluating one against the facts of a workup gives
three-valued logic: True, False, or None when the data needed is not recorded. That is what lets
the report say which red-flag checks were actually assessed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

DERIVED = {
    "weeks_since_surgery": "weeks",
    "days_since_surgery": "days",
    "corrected_calcium": "mg/dL",
    "bun_creatinine_ratio": "",
    "age_years": "years",
}
SURGERY_FIELDS = {"duration_hours": "h", "prior_spine_surgeries": ""}
LAB_FLAGS = ("L", "H", "N", "not_low", "not_high", "abnormal")
COMPARATORS = ("at_least", "at_most", "above", "below", "between", "at_least_times_upper")


class LabFact(Protocol):
    value: float  # in the lab's default unit
    display: str  # value and unit as entered, e.g. "0.82 mmol/L"
    flag: str  # L, H or N
    upper: float | None  # applied upper reference limit


class Facts(Protocol):
    """What a condition may ask about a workup (built by the engine)."""

    def finding(self, finding_id: str) -> bool | None: ...
    def measurement(self, measurement_id: str) -> float | None: ...
    def lab(self, lab_id: str) -> LabFact | None: ...
    def derived(self, name: str) -> float | None: ...
    def surgery_value(self, name: str) -> float | None: ...
    def procedure(self) -> str | None: ...
    def symptom_side(self) -> str | None: ...
    def medications_in(
        self, classes: tuple[str, ...], statuses: tuple[str, ...] | None
    ) -> list[str] | None: ...
    def wells_score(self) -> tuple[int, int, str]: ...
    def red_flag(self, flag_id: str) -> bool | None: ...


@dataclass(frozen=True)
class Outcome:
    state: bool | None
    reasons: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    source: str | None = None


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
        text = self.text.format(value=value) if self.text else reason
        return Outcome(state, (text,) if state else (), source=self.source)


class FindingCondition(_Leaf):
    def __init__(self, finding_id: str, expect: bool) -> None:
        self.finding_id, self.expect = finding_id, expect

    def evaluate(self, facts: Facts, names: Names) -> Outcome:
        value = facts.finding(self.finding_id)
        label = names.finding_label(self.finding_id)
        if value is None:
            return Outcome(None, missing=(label,))
        reason = label if self.expect else f"{label}: absent"
        return self._result(value == self.expect, reason, label)


class LabCondition(_Leaf):
    def __init__(self, lab_id: str, flag: str | None, compare: Compare | None, missing: bool) -> None:
        self.lab_id, self.flag, self.compare, self.missing = lab_id, flag, compare, missing

    def evaluate(self, facts: Facts, names: Names) -> Outcome:
        lab = facts.lab(self.lab_id)
        name = names.lab_name(self.lab_id)
        if self.missing:
            return self._result(lab is None, f"{name} not measured", name)
        if lab is None:
            return Outcome(None, missing=(name,))
        if self.flag is not None:
            state: bool | None = {
                "L": lab.flag == "L",
                "H": lab.flag == "H",
                "N": lab.flag == "N",
                "not_low": lab.flag != "L",
                "not_high": lab.flag != "H",
                "abnormal": lab.flag != "N",
            }[self.flag]
        else:
            assert self.compare is not None
            state = self.compare.test(lab.value, lab.upper)
        flag = "" if lab.flag == "N" else f" ({lab.flag})"
        return self._result(state, f"{name} {lab.display}{flag}", name, lab.display)


class MeasurementCondition(_Leaf):
    def __init__(self, measurement_id: str, compare: Compare) -> None:
        self.measurement_id, self.compare = measurement_id, compare

    def evaluate(self, facts: Facts, names: Names) -> Outcome:
        value = facts.measurement(self.measurement_id)
        label, unit = names.measurement_label(self.measurement_id)
        if value is None:
            return Outcome(None, missing=(label,))
        shown = _with_unit(value, unit)
        return self._result(self.compare.test(value), f"{label} {shown}", label, shown)


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
        shown = _with_unit(value, self.unit)
        return self._result(self.compare.test(value), f"{label.capitalize()} {shown}", label, shown)


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
    """`procedure` or `symptom_side` is one of the listed values."""

    def __init__(self, kind: str, values: tuple[str, ...], expect: bool) -> None:
        self.kind, self.values, self.expect = kind, values, expect

    def evaluate(self, facts: Facts, names: Names) -> Outcome:
        value = facts.procedure() if self.kind == "procedure" else facts.symptom_side()
        label = self.kind.replace("_", " ")
        if value is None:
            return Outcome(None, missing=(label,))
        state = (value in self.values) == self.expect
        return self._result(state, f"{label.capitalize()}: {value.replace('_', ' ')}", label)


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
        likely_at = facts.wells_threshold()  # type: ignore[attr-defined]
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
        for part in self.parts:
            out = part.evaluate(facts, names)
            if out.state:
                reasons.extend(out.reasons)
                source = source or out.source
            elif out.state is None:
                unknown = True
                missing.extend(out.missing)
        if reasons:
            if self.text:
                reasons = [self.text]
            return Outcome(True, tuple(reasons), tuple(missing), source)
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
        if unknown:
            return Outcome(None, (), tuple(missing))
        return Outcome(True, (self.text,) if self.text else tuple(reasons), (), source)


# ------------------------------------------------------------------ parsing and validation


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


_SUBJECTS = (
    "finding",
    "lab",
    "measurement",
    "derived",
    "surgery",
    "med_class",
    "procedure",
    "symptom_side",
    "wells",
    "wells_category",
    "red_flag",
    "any",
    "all",
)
_COMMON = {"text", "source"}


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


def parse_condition(raw: Any, vocab: Vocabulary) -> Condition:
    """Parse one condition table, raising ConditionError with a specific message."""
    if not isinstance(raw, dict):
        raise ConditionError(f"a condition must be a table, got {raw!r}")
    subjects = [key for key in _SUBJECTS if key in raw]
    if len(subjects) != 1:
        raise ConditionError(f"a condition needs exactly one of {', '.join(_SUBJECTS)}; got {sorted(raw)}")
    kind = subjects[0]
    expect = raw.get("is", True)
    if not isinstance(expect, bool):
        raise ConditionError("`is` must be true or false")
    cond: Condition
    if kind in ("any", "all"):
        _check_keys(raw, {kind})
        parts = raw[kind]
        if not isinstance(parts, list) or not parts:
            raise ConditionError(f"{kind} needs a non-empty list of conditions")
        parsed = [parse_condition(part, vocab) for part in parts]
        cond = AnyCondition(parsed) if kind == "any" else AllCondition(parsed)
    elif kind == "finding":
        _check_keys(raw, {"finding", "is"})
        cond = FindingCondition(_need_id(raw["finding"], vocab.findings, "finding", vocab), expect)
    elif kind == "lab":
        _check_keys(raw, {"lab", "flag", "missing", *COMPARATORS})
        lab_id = _need_id(raw["lab"], vocab.labs, "lab", vocab)
        flag = raw.get("flag")
        missing = bool(raw.get("missing", False))
        compare = _compare(raw, required=flag is None and not missing)
        if flag is not None and flag not in LAB_FLAGS:
            raise ConditionError(f"flag {flag!r} not accepted; accepted: {', '.join(LAB_FLAGS)}")
        if sum(x is not None and x is not False for x in (flag, compare, missing or None)) != 1:
            raise ConditionError("a lab condition needs exactly one of flag, missing or a comparison")
        cond = LabCondition(lab_id, flag, compare, missing)
    elif kind == "measurement":
        _check_keys(raw, {"measurement", *COMPARATORS})
        cond = MeasurementCondition(
            _need_id(raw["measurement"], vocab.measurements, "measurement", vocab),
            _compare(raw),  # type: ignore[arg-type]
        )
    elif kind in ("derived", "surgery"):
        table = DERIVED if kind == "derived" else SURGERY_FIELDS
        _check_keys(raw, {kind, *COMPARATORS})
        name = _need_id(raw[kind], table, f"{kind} value", vocab)
        cond = ValueCondition(kind, name, table[name], _compare(raw))  # type: ignore[arg-type]
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
    elif kind in ("procedure", "symptom_side"):
        _check_keys(raw, {kind, "is"})
        from cramp_dx.case.model import PROCEDURES, SIDES

        allowed = PROCEDURES if kind == "procedure" else SIDES
        values = raw[kind] if isinstance(raw[kind], list) else [raw[kind]]
        bad = [v for v in values if v not in allowed]
        if bad:
            raise ConditionError(f"unknown {kind} {bad[0]!r}; accepted: {', '.join(allowed)}")
        cond = ChoiceCondition(kind, tuple(values), expect)
    elif kind in ("wells", "wells_category"):
        _check_keys(raw, {kind})
        if raw[kind] not in ("likely", "unlikely"):
            raise ConditionError(f"{kind} must be likely or unlikely")
        cond = WellsCondition(raw[kind], strict_unknown=kind == "wells")
    else:
        _check_keys(raw, {"red_flag"})
        cond = RedFlagCondition(_need_id(raw["red_flag"], vocab.red_flags, "red flag", vocab))
    text = raw.get("text")
    if text is not None and not isinstance(text, str):
        raise ConditionError("text must be a string")
    cond.text = text
    source = raw.get("source")
    if source is None:
        source = {
            "finding": "checklist",
            "measurement": "measurement",
            "lab": "lab",
            "derived": "derived",
            "med_class": "medication review",
        }.get(kind)
    cond.source = source
    return cond
