"""Read, validate and write case files (CASE-FORMAT.md).

Every problem is collected, not just the first, each with its JSON path and what is accepted,
and a close match for a misspelt id. A LOINC code in `labs[].test` is resolved to the lab id,
and a unit is matched case-insensitively to its canonical spelling.

A file is refused before any check when its JSON is ambiguous (a key given twice) or nested
too deeply to read. Texts hold no control characters (line breaks and tabs only in notes) and
no unpaired surrogates, so SQLite and PostgreSQL store exactly the same texts; dates lie in a
plausible window; a number too large for a float is "not plausible", never an overflow. Sizes
and counts have limits (`cramp_dx.case.checks`, MAX_*), the file's size included, so any case
that passes prints in bounded time.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections import Counter, deque
from datetime import date, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from cramp_dx.case.checks import (
    MAX_CASE_FILE_BYTES,
    MAX_DOSE,
    MAX_LABS,
    MAX_LEVELS,
    MAX_MEDICATION_NAME,
    MAX_MEDICATION_NOTE,
    MAX_MEDICATIONS,
    MAX_MRN,
    MAX_NAME,
    MAX_NOTES,
    MAX_RESULTS_PER_LAB,
    count_problem,
    date_problem,
    length_problem,
    text_problem,
)
from cramp_dx.case.model import (
    APPROACHES,
    FORMAT_ID,
    LEVELS,
    MEDICATION_STATUSES,
    NEURO_ITEMS,
    NEURO_KINDS,
    NEURO_SIDES,
    OPERATION_FLAGS,
    ORDER_STATES,
    POSITIONS,
    PROCEDURES,
    REFLEX_VALUES,
    SENSORY_VALUES,
    SEXES,
    SIDES,
    VERTEBRAE,
    LabResult,
    Medication,
    NeuroExam,
    NeuroSide,
    Order,
    Patient,
    Surgery,
    Visit,
    Workup,
)
from cramp_dx.errors import InputError, Problem
from cramp_dx.knowledge import Knowledge, load_knowledge

TOP_KEYS = (
    "format",
    "patient",
    "surgery",
    "visit",
    "findings",
    "measurements",
    "labs",
    "medications",
    "orders",
    "neuro_exam",
)
PATIENT_KEYS = ("mrn", "family_name", "given_name", "birth_date", "sex")
SURGERY_KEYS = (
    "procedure",
    "levels",
    "date",
    "approach",
    "prior_spine_surgeries",
    "duration_hours",
    "position",
    *OPERATION_FLAGS,
)
VISIT_KEYS = ("date", "symptom_side", "notes")
LAB_KEYS = ("test", "value", "unit", "collected", "collected_at")
MEDICATION_KEYS = ("name", "dose", "start_date", "status", "note")
ORDER_KEYS = ("state", "date")
LEVELS_ACCEPTED = (
    'accepted: one adjacent level written upper-lower, "T10-T11" down to "L5-S1" '
    '(with six lumbar vertebrae also "L5-L6", "L6-S1")'
)
_LEVEL_SHAPE = re.compile(r"([TLS]\d{1,2})-([TLS]\d{1,2})")
MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?")


def _json(value: Any) -> str:
    """A value as it is written in the case file ("yes", 1, [1, 2]), on one line and cut
    short when long."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def level_problem(level: Any) -> str | None:
    """Why `level` is not one operated level (an adjacent pair of vertebrae written
    upper-lower, T10-T11 down to L5-S1, or L5-L6 / L6-S1 with six lumbar vertebrae), or None."""
    if not isinstance(level, str):
        return f"must be a text such as \"L4-L5\", got {_json(level)}; {LEVELS_ACCEPTED}"
    if level in LEVELS:
        return None
    if any(ch.isspace() for ch in level):
        return f"{_json(level)} contains a space or line break; {LEVELS_ACCEPTED}"
    shape = _LEVEL_SHAPE.fullmatch(level)
    if shape is None:
        return f"{_json(level)} is not a level; {LEVELS_ACCEPTED}"
    upper, lower = shape.groups()
    outside = [v for v in (upper, lower) if v not in VERTEBRAE]
    if outside:
        return (
            f"{_json(level)}: {', '.join(outside)} is outside the accepted range T10 to S1; "
            f"{LEVELS_ACCEPTED}"
        )
    top, bottom = sorted((upper, lower), key=VERTEBRAE.index)
    if top == bottom:
        return f"{_json(level)} names one vertebra, not a level; {LEVELS_ACCEPTED}"
    if (upper, lower) != (top, bottom):
        written = f"{top}-{bottom}"
        if written in LEVELS:
            return (
                f"{_json(level)} is written lower-upper; write the upper vertebra first: "
                f"{_json(written)}; {LEVELS_ACCEPTED}"
            )
    return (
        f"{_json(level)} spans more than one level; list each level, e.g. "
        f"{', '.join(_json(one) for one in _levels_between(top, bottom))}; {LEVELS_ACCEPTED}"
    )


def _levels_between(top: str, bottom: str) -> list[str]:
    """The adjacent levels from `top` down to `bottom` (a five-lumbar spine unless L6 is
    named)."""
    chain = [v for v in VERTEBRAE if v != "L6" or "L6" in (top, bottom)]
    span = chain[chain.index(top) : chain.index(bottom) + 1]
    return [f"{a}-{b}" for a, b in pairwise(span)]


def _as_float(value: int | float) -> float | None:
    """`value` as a float, or None when it is too large for one (a 400-digit integer)."""
    try:
        return float(value)
    except OverflowError:
        return None


def _shown(value: Any) -> str:
    """A value for a message; a huge integer is described rather than printed."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        return f"a {len(str(abs(value)))}-digit number"
    return repr(value)


def _close(word: str, options: Any) -> str:
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


class _Checker:
    def __init__(self, kb: Knowledge) -> None:
        self.kb = kb
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def keys(self, path: str, obj: dict[str, Any], allowed: tuple[str, ...]) -> None:
        for key in obj:
            if key not in allowed:
                where = f"{path}.{key}" if path else key
                self.add(where, f"unknown key{_close(key, allowed)}; accepted: {', '.join(allowed)}")

    def obj(self, path: str, value: Any, required: bool = False) -> dict[str, Any] | None:
        if value is None:
            if required:
                self.add(path, "required: an object")
            return None
        if not isinstance(value, dict):
            self.add(path, f"must be an object, got {type(value).__name__}")
            return None
        return value

    def text(
        self,
        path: str,
        value: Any,
        *,
        max_len: int,
        required: bool = False,
        multiline: bool = False,
    ) -> str | None:
        if value is None:
            if required:
                self.add(path, "required: a text")
            return None
        if not isinstance(value, str):
            self.add(path, f"must be a text, got {type(value).__name__}")
            return None
        if required and not value.strip():
            self.add(path, "must not be empty")
            return None
        too_long = length_problem(value, max_len)
        if too_long:
            self.add(path, too_long)
            return None
        problem = text_problem(value, multiline=multiline)
        if problem:
            self.add(path, problem)
            return None
        return value

    def count(self, path: str, count: int, limit: int, what: str) -> bool:
        """False (and the problem added) when `count` entries are more than `limit`; the
        entries of an over-long list are then not checked one by one."""
        problem = count_problem(count, limit, what)
        if problem:
            self.add(path, problem)
        return problem is None

    def day(self, path: str, value: Any, required: bool = False, *, birth: bool = False) -> date | None:
        if value is None:
            if required:
                self.add(path, "required: a date as YYYY-MM-DD")
            return None
        if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                pass
            else:
                problem = date_problem(day, birth=birth)
                if problem:
                    self.add(path, problem)
                    return None
                return day
        self.add(path, f"must be a date as YYYY-MM-DD, got {_shown(value)}")
        return None

    def moment(self, path: str, value: Any) -> datetime | None:
        """A date and time in ISO 8601 (an offset kept when given)."""
        if value is None:
            return None
        if isinstance(value, str) and MOMENT.fullmatch(value):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                pass
        self.add(path, f"must be a date and time as YYYY-MM-DDThh:mm[:ss][±hh:mm], got {value!r}")
        return None

    def choice(self, path: str, value: Any, options: tuple[str, ...]) -> str | None:
        if value is None:
            return None
        if value not in options:
            self.add(
                path, f"{value!r} not accepted{_close(str(value), options)}; accepted: {', '.join(options)}"
            )
            return None
        return str(value)

    def boolean(self, path: str, value: Any) -> bool | None:
        """true / false; null or a missing key is "not recorded"."""
        if value is None or isinstance(value, bool):
            return value
        self.add(path, f"must be true or false, got {_json(value)}; leave it out if not recorded")
        return None

    def number(
        self, path: str, value: Any, low: float, high: float, unit: str = "", integer: bool = False
    ) -> float | None:
        if value is None:
            return None
        kind = "a whole number" if integer else "a number"
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (integer and not isinstance(value, int))
        ):
            self.add(path, f"must be {kind}, got {_shown(value)}")
            return None
        as_float = _as_float(value)
        if as_float is None or not math.isfinite(as_float) or not low <= as_float <= high:
            unit_text = f" {unit}" if unit else ""
            self.add(
                path, f"{_shown(value)}{unit_text} is not plausible; accepted: {low:g} to {high:g}{unit_text}"
            )
            return None
        return value


def parse_case(data: Any, kb: Knowledge | None = None) -> Workup:
    """Validate a decoded case object and build the Workup, or raise InputError."""
    kb = kb or load_knowledge()
    c = _Checker(kb)
    if not isinstance(data, dict):
        raise InputError(Problem("", "a case file must be a JSON object"))
    c.keys("", data, TOP_KEYS)
    if data.get("format") != FORMAT_ID:
        c.add("format", f"must be {FORMAT_ID!r}, got {data.get('format')!r}")

    raw_patient = c.obj("patient", data.get("patient")) or {}
    c.keys("patient", raw_patient, PATIENT_KEYS)
    patient = Patient(
        mrn=c.text("patient.mrn", raw_patient.get("mrn"), max_len=MAX_MRN),
        family_name=c.text("patient.family_name", raw_patient.get("family_name"), max_len=MAX_NAME),
        given_name=c.text("patient.given_name", raw_patient.get("given_name"), max_len=MAX_NAME),
        birth_date=c.day("patient.birth_date", raw_patient.get("birth_date"), birth=True),
        sex=c.choice("patient.sex", raw_patient.get("sex"), SEXES),
    )

    raw_surgery = c.obj("surgery", data.get("surgery"), required=True) or {}
    c.keys("surgery", raw_surgery, SURGERY_KEYS)
    levels_raw = raw_surgery.get("levels", [])
    levels: list[str] = []
    if not isinstance(levels_raw, list):
        c.add("surgery.levels", 'must be a list such as ["L4-L5", "L5-S1"]')
    elif c.count("surgery.levels", len(levels_raw), MAX_LEVELS, "levels"):
        for index, level in enumerate(levels_raw):
            problem = level_problem(level)
            if problem:
                c.add(f"surgery.levels[{index}]", problem)
            else:
                levels.append(level)
    surgery_date = c.day("surgery.date", raw_surgery.get("date"), required=True)
    prior = c.number(
        "surgery.prior_spine_surgeries", raw_surgery.get("prior_spine_surgeries"), 0, 30, integer=True
    )
    surgery_fields = dict(
        procedure=c.choice("surgery.procedure", raw_surgery.get("procedure"), PROCEDURES),
        levels=tuple(levels),
        approach=c.choice("surgery.approach", raw_surgery.get("approach"), APPROACHES),
        prior_spine_surgeries=int(prior) if prior is not None else None,
        duration_hours=c.number(
            "surgery.duration_hours", raw_surgery.get("duration_hours"), 0.1, 24, "hours"
        ),
        position=c.choice("surgery.position", raw_surgery.get("position"), POSITIONS),
        **{
            name: c.boolean(f"surgery.{name}", raw_surgery.get(name))
            for name in OPERATION_FLAGS
        },
    )

    raw_visit = c.obj("visit", data.get("visit"), required=True) or {}
    c.keys("visit", raw_visit, VISIT_KEYS)
    visit_date = c.day("visit.date", raw_visit.get("date"), required=True)
    visit_fields = dict(
        symptom_side=c.choice("visit.symptom_side", raw_visit.get("symptom_side"), SIDES),
        notes=c.text("visit.notes", raw_visit.get("notes"), max_len=MAX_NOTES, multiline=True),
    )
    if surgery_date and visit_date and surgery_date > visit_date:
        c.add(
            "surgery.date",
            f"{surgery_date} is after the visit date {visit_date}; the surgery must come first",
        )
    if patient.birth_date and surgery_date and patient.birth_date > surgery_date:
        c.add("patient.birth_date", f"{patient.birth_date} is after the surgery date {surgery_date}")

    findings = _findings(c, data.get("findings"))
    measurements = _measurements(c, data.get("measurements"))
    labs = _labs(c, data.get("labs"), visit_date)
    medications = _medications(c, data.get("medications"))
    orders = _orders(c, data.get("orders"))
    neuro_exam = _neuro_exam(c, data.get("neuro_exam"))

    if c.problems:
        raise InputError(c.problems)
    assert surgery_date is not None and visit_date is not None
    return Workup(
        surgery=Surgery(date=surgery_date, **surgery_fields),  # type: ignore[arg-type]
        visit=Visit(date=visit_date, **visit_fields),
        patient=patient,
        findings=findings,
        measurements=measurements,
        labs=tuple(labs),
        medications=tuple(medications),
        orders=orders,
        neuro_exam=neuro_exam,
    )


def _findings(c: _Checker, raw: Any) -> dict[str, bool]:
    obj = c.obj("findings", raw) or {}
    out: dict[str, bool] = {}
    for key, value in obj.items():
        path = f"findings.{key}"
        if key not in c.kb.findings:
            c.add(path, f"unknown finding{_close(key, c.kb.findings)}")
        elif not isinstance(value, bool):
            c.add(
                path, f"must be true (present) or false (absent), got {value!r}; leave it out if not assessed"
            )
        else:
            out[key] = value
    for key, value in out.items():
        opposite = c.kb.findings[key].opposite
        if opposite and opposite in out and key < opposite and out[opposite] == value:
            state = "both present" if value else "both absent"
            c.add(f"findings.{key}", f"contradicts findings.{opposite} ({state}); they are opposites")
    return out


def _measurements(c: _Checker, raw: Any) -> dict[str, float]:
    obj = c.obj("measurements", raw) or {}
    out: dict[str, float] = {}
    for key, value in obj.items():
        path = f"measurements.{key}"
        spec = c.kb.measurements.get(key)
        if spec is None:
            accepted = ", ".join(c.kb.measurements)
            c.add(path, f"unknown measurement{_close(key, c.kb.measurements)}; accepted: {accepted}")
            continue
        number = c.number(path, value, spec.minimum, spec.maximum, spec.unit)
        if number is not None:
            out[key] = number
    return out


def _labs(c: _Checker, raw: Any, visit_date: date | None) -> list[LabResult]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        c.add("labs", "must be a list of lab results")
        return []
    if not c.count("labs", len(raw), MAX_LABS, "lab results"):
        return []
    out: list[LabResult] = []
    for index, item in enumerate(raw):
        path = f"labs[{index}]"
        obj = c.obj(path, item)
        if obj is None:
            continue
        c.keys(path, obj, LAB_KEYS)
        code = obj.get("test")
        lab = c.kb.lab_by_code(code) if isinstance(code, str) else None
        if lab is None:
            options = [*c.kb.labs, *(lab.loinc for lab in c.kb.labs.values())]
            c.add(
                f"{path}.test",
                f"unknown lab {code!r}{_close(str(code), options)}; use a lab id or its LOINC code",
            )
            continue
        unit = _unit(c, f"{path}.unit", obj.get("unit"), lab.accepted_units, lab.name)
        value = obj.get("value")
        collected = c.day(f"{path}.collected", obj.get("collected"))
        collected_at = c.moment(f"{path}.collected_at", obj.get("collected_at"))
        if collected_at and collected and collected_at.date() != collected:
            c.add(f"{path}.collected", f"{collected} is not the date of collected_at {collected_at:%Y-%m-%d}")
        collected = collected or (collected_at.date() if collected_at else None)
        if collected and visit_date and collected > visit_date:
            c.add(f"{path}.collected", f"{collected} is after the visit date {visit_date}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            c.add(f"{path}.value", f"must be a number, got {_shown(value)}")
            continue
        if unit is None:
            continue
        as_float = _as_float(value)
        if as_float is None:
            problem = lab_value_problem(lab, math.inf, unit, _shown(value))
        else:
            problem = lab_value_problem(lab, as_float, unit)
        if problem:
            c.add(f"{path}.value", problem)
            continue
        loinc = code if code != lab.id else None
        out.append(LabResult(lab.id, value, unit, collected, loinc, collected_at))
    for lab_id, count in Counter(result.test for result in out).items():
        c.count("labs", count, MAX_RESULTS_PER_LAB, f"results of {c.kb.labs[lab_id].name}")
    return out


def _unit(c: _Checker, path: str, unit: Any, accepted: tuple[str, ...], name: str) -> str | None:
    if isinstance(unit, str):
        for option in accepted:
            if unit == option or unit.casefold() == option.casefold():
                return option
    c.add(path, f"unit {unit!r} not accepted for {name}; accepted: {', '.join(accepted)}")
    return None


def lab_value_problem(
    lab: Any, value: float, unit: str, shown: str | None = None, *, named: bool = True
) -> str | None:
    """Why a lab value cannot be a real result (negative, outside plausible bounds, not
    finite), or None. Shared with the record and the GUI so every entry point rejects the same
    values. `shown`: how to write the value in the message (default: `value` itself). With
    `named` False the lab's name is left out (the app puts it in front, as the field's
    label: "Potassium, serum: 45 mmol/L is not plausible …")."""
    shown = shown or f"{value:g}"
    if value < 0:
        if not named:
            return f"{shown} {unit} is negative; a result cannot be"
        return f"{shown} {unit} is negative; a {lab.name} result cannot be"
    default = lab.to_default(value, unit)
    low, high = lab.plausible
    if not math.isfinite(default) or not low <= default <= high:
        if unit == lab.unit:
            accepted = f"{low:g} to {high:g} {lab.unit}"
        else:
            accepted = f"{lab.from_default(low, unit):.4g} to {lab.from_default(high, unit):.4g} {unit}"
        what = f"a plausible {lab.name}" if named else "plausible"
        return f"{shown} {unit} is not {what} (a typo?); accepted: {accepted}"
    return None


def _medications(c: _Checker, raw: Any) -> list[Medication]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        c.add("medications", "must be a list of medications")
        return []
    if not c.count("medications", len(raw), MAX_MEDICATIONS, "medications"):
        return []
    out = []
    for index, item in enumerate(raw):
        path = f"medications[{index}]"
        obj = c.obj(path, item)
        if obj is None:
            continue
        c.keys(path, obj, MEDICATION_KEYS)
        name = c.text(f"{path}.name", obj.get("name"), required=True, max_len=MAX_MEDICATION_NAME)
        med = Medication(
            name=name or "",
            dose=c.text(f"{path}.dose", obj.get("dose"), max_len=MAX_DOSE),
            start_date=c.day(f"{path}.start_date", obj.get("start_date")),
            status=c.choice(f"{path}.status", obj.get("status"), MEDICATION_STATUSES),
            note=c.text(f"{path}.note", obj.get("note"), max_len=MAX_MEDICATION_NOTE, multiline=True),
        )
        if name:
            out.append(med)
    return out


def _orders(c: _Checker, raw: Any) -> dict[str, Order]:
    obj = c.obj("orders", raw) or {}
    out = {}
    for key, value in obj.items():
        path = f"orders.{key}"
        if key not in c.kb.tests:
            c.add(path, f"unknown test{_close(key, c.kb.tests)}; accepted: {', '.join(c.kb.tests)}")
            continue
        order = c.obj(path, value)
        if order is None:
            continue
        c.keys(path, order, ORDER_KEYS)
        if order.get("state") not in ORDER_STATES:
            c.add(
                f"{path}.state", f"{order.get('state')!r} not accepted; accepted: {', '.join(ORDER_STATES)}"
            )
            continue
        out[key] = Order(order["state"], c.day(f"{path}.date", order.get("date")))
    return out


_NEURO_VALUES = {"sensory": SENSORY_VALUES, "reflexes": REFLEX_VALUES}
_NEURO_WHAT = {"sensory": "sensory area", "strength": "muscle", "reflexes": "reflex"}


def _neuro_exam(c: _Checker, raw: Any) -> NeuroExam:
    """`neuro_exam`: per side (left, right) the sensory areas, muscle strength (MRC 0–5) and
    reflexes examined; a missing key is "not examined"."""
    obj = c.obj("neuro_exam", raw) or {}
    c.keys("neuro_exam", obj, NEURO_SIDES)
    sides: dict[str, NeuroSide] = {}
    for side in NEURO_SIDES:
        path = f"neuro_exam.{side}"
        side_obj = c.obj(path, obj.get(side)) or {}
        c.keys(path, side_obj, NEURO_KINDS)
        parts: dict[str, dict[str, Any]] = {}
        for kind in NEURO_KINDS:
            signs = c.obj(f"{path}.{kind}", side_obj.get(kind)) or {}
            parts[kind] = {}
            for item, value in signs.items():
                where = f"{path}.{kind}.{item}"
                if item not in NEURO_ITEMS[kind]:
                    c.add(
                        where,
                        f"unknown {_NEURO_WHAT[kind]}{_close(item, NEURO_ITEMS[kind])}; "
                        f"accepted: {', '.join(NEURO_ITEMS[kind])}",
                    )
                elif kind == "strength":
                    if isinstance(value, bool) or not isinstance(value, int | float) or value not in range(6):
                        c.add(
                            where,
                            f"{_json(value)} is not an MRC grade; accepted: 0 to 5",
                        )
                    else:
                        parts[kind][item] = int(value)
                elif value not in _NEURO_VALUES[kind]:
                    c.add(
                        where,
                        f"{_json(value)} not accepted{_close(str(value), _NEURO_VALUES[kind])}; accepted: "
                        f"{', '.join(_NEURO_VALUES[kind])}; leave it out if not examined",
                    )
                else:
                    parts[kind][item] = value
        sides[side] = NeuroSide(**parts)
    return NeuroExam(**sides)


def neuro_exam_to_dict(exam: NeuroExam) -> dict[str, Any]:
    """The `neuro_exam` object of a case file: only the sides and parts examined."""
    out: dict[str, Any] = {}
    for side in NEURO_SIDES:
        one = exam.side(side)
        parts = {
            kind: {item: values[item] for item in NEURO_ITEMS[kind] if item in values}
            for kind in NEURO_KINDS
            if (values := getattr(one, kind))
        }
        if parts:
            out[side] = parts
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON accepts")


class _JsonObject(dict[str, Any]):
    """A decoded JSON object that remembers the keys it was given more than once."""

    duplicates: tuple[str, ...] = ()


def _json_object(pairs: list[tuple[str, Any]]) -> _JsonObject:
    obj = _JsonObject(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        twice: list[str] = []
        for key, _value in pairs:
            if key in seen and key not in twice:
                twice.append(key)
            seen.add(key)
        obj.duplicates = tuple(twice)
    return obj


def _duplicate_keys(data: Any) -> list[Problem]:
    """`patient: duplicate key "patient"` for every key given twice in one object: JSON
    readers disagree about which one wins, so the file is ambiguous. Walked without recursion
    (the decoder already bounded the depth)."""
    problems: list[Problem] = []
    queue: deque[tuple[str, Any]] = deque([("", data)])
    while queue:
        path, value = queue.popleft()
        if isinstance(value, dict):
            for key in getattr(value, "duplicates", ()):
                problems.append(Problem(f"{path}.{key}" if path else key, f'duplicate key "{key}"'))
            queue.extend((f"{path}.{k}" if path else k, v) for k, v in value.items())
        elif isinstance(value, list):
            queue.extend((f"{path}[{i}]", v) for i, v in enumerate(value))
    return problems


def read_case(path: str | Path, kb: Knowledge | None = None) -> Workup:
    """Read a case file; every problem becomes an InputError line naming its JSON path."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_CASE_FILE_BYTES + 1)  # a device or a huge file is not read whole
        if len(raw) > MAX_CASE_FILE_BYTES:
            megabytes = MAX_CASE_FILE_BYTES // 2**20
            raise InputError(Problem(str(path), (
                f"more than {megabytes} MB, too large for a case file; accepted: at most "
                f"{megabytes} MB (a case at every limit is well under that)"
            )))
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise InputError(Problem(str(path), "no such file")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(str(path), f"cannot read: {exc}")) from None
    try:
        data = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_json_object)
    except ValueError as exc:
        raise InputError(Problem(str(path), f"not valid JSON: {exc}")) from None
    except RecursionError:
        raise InputError(
            Problem(str(path), "not a case file: JSON nested too deeply (a case is a few levels deep)")
        ) from None
    duplicates = _duplicate_keys(data)
    if duplicates:
        raise InputError(duplicates)
    return parse_case(data, kb)


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() and abs(value) < 1e15 else value


def _drop_none(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if v is not None}


def case_to_dict(workup: Workup) -> dict[str, Any]:
    """The case-file JSON of a workup; `parse_case(case_to_dict(w)) == w` for valid data."""
    p, s, v = workup.patient, workup.surgery, workup.visit
    out: dict[str, Any] = {"format": FORMAT_ID}
    patient = _drop_none(
        {
            "mrn": p.mrn,
            "family_name": p.family_name,
            "given_name": p.given_name,
            "birth_date": p.birth_date.isoformat() if p.birth_date else None,
            "sex": p.sex,
        }
    )
    if patient:
        out["patient"] = patient
    out["surgery"] = _drop_none(
        {
            "procedure": s.procedure,
            "levels": list(s.levels) if s.levels else None,
            "date": s.date.isoformat(),
            "approach": s.approach,
            "prior_spine_surgeries": s.prior_spine_surgeries,
            "duration_hours": _num(s.duration_hours) if s.duration_hours is not None else None,
            "position": s.position,
            **{name: getattr(s, name) for name in OPERATION_FLAGS},
        }
    )
    out["visit"] = _drop_none({"date": v.date.isoformat(), "symptom_side": v.symptom_side, "notes": v.notes})
    out["findings"] = dict(workup.findings)
    out["measurements"] = {k: _num(val) for k, val in workup.measurements.items()}
    out["labs"] = [
        _drop_none(
            {
                "test": lab.loinc or lab.test,
                "value": _num(lab.value),
                "unit": lab.unit,
                "collected": lab.collected.isoformat() if lab.collected else None,
                "collected_at": lab.collected_at.isoformat() if lab.collected_at else None,
            }
        )
        for lab in workup.labs
    ]
    out["medications"] = [
        _drop_none(
            {
                "name": m.name,
                "dose": m.dose,
                "start_date": m.start_date.isoformat() if m.start_date else None,
                "status": m.status,
                "note": m.note,
            }
        )
        for m in workup.medications
    ]
    if workup.orders:
        out["orders"] = {
            test: _drop_none({"state": o.state, "date": o.date.isoformat() if o.date else None})
            for test, o in workup.orders.items()
        }
    if not workup.neuro_exam.is_empty():
        out["neuro_exam"] = neuro_exam_to_dict(workup.neuro_exam)
    return out
