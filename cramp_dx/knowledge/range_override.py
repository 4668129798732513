"""A clinic's own reference range for a lab (Settings.lab_ranges): what the built-in range
is, what a blank limit stands for, and whether typed limits are acceptable. No Qt: the
settings dialog shows and collects, this decides.

An override is one inclusive range for every patient, whatever the sex. Both limits blank
keeps the built-in range. A blank limit next to a filled one takes the built-in limit on that
side when there is a single inclusive one; where the built-in limit differs by sex or is
exclusive ("< 10") it cannot be carried over, so it must be typed."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from cramp_dx.knowledge.model import Lab, Range
from cramp_dx.numbers import parse_number

SEXES = ("female", "male", None)
SIDES = ("low", "high")


def number_text(value: float) -> str:
    return f"{value:.10g}"


def builtin_text(lab: Lab) -> str:
    """The built-in range as the engine applies it: one line per sex where it differs, then
    the knowledge base's note when it adds something."""
    texts = {sex: lab.range_for(sex).text() for sex in SEXES}
    if len(set(texts.values())) == 1:
        lines = [lab.reference_text(None)]
    else:
        lines = [
            f"{who} {texts[sex]} {lab.unit}"
            for who, sex in (("women", "female"), ("men", "male"), ("other/unknown", None))
        ]
    note = lab.reference_note
    if note and note not in (texts[None], lab.reference_text(None)):
        lines.append(f"({note})")
    return "\n".join(lines)


def _limit_text(rng: Range, side: str) -> str:
    if side == "low":
        return "none" if rng.low is None else f"{rng.low:g}"
    if rng.high is not None:
        return f"{rng.high:g}"
    return "none" if rng.below is None else f"< {rng.below:g}"


@dataclass(frozen=True)
class BuiltinLimit:
    """What a blank field stands for: `value` (None: no limit on that side), or `reason` why
    it cannot stand for anything and must be typed. `hint` is shown in the empty field."""

    value: float | None
    reason: str | None
    hint: str


def builtin_limit(lab: Lab, side: str) -> BuiltinLimit:
    texts = {sex: _limit_text(lab.range_for(sex), side) for sex in SEXES}
    rng = lab.range_for(None)
    value = rng.low if side == "low" else rng.high
    hint = "none" if set(texts.values()) == {"none"} else "built-in"
    if len(set(texts.values())) > 1:
        return BuiltinLimit(None, (
            f"the built-in {side} limit differs by sex (women {texts['female']}, men "
            f"{texts['male']}) and an override is one range for all patients"
        ), hint)
    if side == "high" and rng.high is None and rng.below is not None:
        return BuiltinLimit(None, (
            f"the built-in limit “< {rng.below:g}” cannot be carried into an override; type "
            "the highest normal value"
        ), hint)
    return BuiltinLimit(value, None, hint)


@dataclass
class RowCheck:
    """The outcome of one row: the override to store (None: the built-in range) and the
    problems as (side or "", message)."""

    override: dict[str, float] | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)


def accepted_text(lab: Lab) -> str:
    low, high = lab.plausible
    return f"a number from {low:g} to {high:g} {lab.unit}"


def check_values(lab: Lab, low: float | None, high: float | None, carried: set[str]) -> RowCheck:
    """Plausible bounds and order; `carried` names the sides taken from the built-in range."""
    out = RowCheck()
    lo, hi = lab.plausible
    for side, value in (("low", low), ("high", high)):
        if value is not None and side not in carried and not lo <= value <= hi:
            out.problems.append((side, (
                f"{lab.name} — {side}: {value:g} {lab.unit} is outside what this test can "
                f"measure; accepted: {accepted_text(lab)}."
            )))
    if out.problems:
        return out
    if low is not None and high is not None and low >= high:
        blame = "high" if "low" in carried else "low" if "high" in carried else ""
        kept = f" (the {next(iter(carried))} limit is the built-in one)" if carried else ""
        out.problems.append((blame, (
            f"{lab.name}: the low limit {low:g} must be below the high limit {high:g} "
            f"{lab.unit}{kept}."
        )))
        return out
    bounds = {side: value for side, value in (("low", low), ("high", high)) if value is not None}
    out.override = bounds or None
    return out


def check_row(lab: Lab, low_text: str, high_text: str) -> RowCheck:
    """What the two fields of one lab mean, or why they are refused."""
    texts = {"low": low_text.strip(), "high": high_text.strip()}
    if not any(texts.values()):
        return RowCheck()
    values: dict[str, float | None] = {}
    carried: set[str] = set()
    problems: list[tuple[str, str]] = []
    for side in SIDES:
        text = texts[side]
        if text:
            try:
                number = parse_number(text)
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                problems.append((side, (
                    f"{lab.name} — {side}: “{text}” is not a number; accepted: "
                    f"{accepted_text(lab)}, or blank."
                )))
                continue
            values[side] = number
            continue
        builtin = builtin_limit(lab, side)
        if builtin.reason is not None:
            problems.append((side, (
                f"{lab.name} — {side}: enter it too; {builtin.reason}."
            )))
            continue
        values[side] = builtin.value
        carried.add(side)
    if problems:
        return RowCheck(None, problems)
    return check_values(lab, values.get("low"), values.get("high"), carried)


def in_force_text(lab: Lab, override: dict[str, float]) -> str:
    rng = Range(override.get("low"), override.get("high"))
    sexes = len({lab.range_for(sex) for sex in SEXES}) > 1
    who = "women and men alike" if sexes else "all patients"
    return f"Clinic range {rng.text()} {lab.unit}, for {who}, instead of the built-in range."
