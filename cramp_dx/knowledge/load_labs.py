"""labs.toml: each lab's codes, units, reference ranges, critical limits and what a critical
value sets in motion."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from cramp_dx.knowledge.keys import CRITICAL_ACTION_KEYS, LAB_KEYS, RANGE_KEYS, SEVERITIES
from cramp_dx.knowledge.model import CriticalAction, Differential, Lab, Range, TestDef
from cramp_dx.knowledge.reader import Reader, suggest


def _range(reader: Reader, key: str, raw: Any) -> Range | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not raw or set(raw) - RANGE_KEYS:
        reader.fail("labs", key, "a range is a table with low, high and/or below")
        return None
    if any(not isinstance(v, int | float) or isinstance(v, bool) for v in raw.values()):
        reader.fail("labs", key, "range bounds must be numbers")
        return None
    rng = Range(raw.get("low"), raw.get("high"), raw.get("below"))
    upper = rng.upper
    if rng.low is not None and upper is not None and rng.low >= upper:
        reader.fail("labs", key, f"bad range: low {rng.low} is not below the upper bound {upper}")
        return None
    if rng.high is not None and rng.below is not None:
        reader.fail("labs", key, "give high or below, not both")
    return rng


def load_labs(reader: Reader) -> dict[str, Lab]:
    labs: dict[str, Lab] = {}
    codes: dict[str, str] = {}
    for lab_id, entry in reader.table("labs", "labs").items():
        key = f"labs.{lab_id}"
        reader.unknown_keys("labs", key, entry, LAB_KEYS)
        loinc = reader.require("labs", key, entry, "loinc", str)
        name = reader.require("labs", key, entry, "name", str)
        unit = reader.require("labs", key, entry, "unit", str)
        factors: dict[str, Decimal] = {}
        for alt, factor in (entry.get("convert") or {}).items():
            try:
                value = Decimal(str(factor))
                if value <= 0:
                    raise InvalidOperation
                factors[alt] = value
            except InvalidOperation:
                reader.fail(
                    "labs", f"{key}.convert.{alt}", f"factor must be a positive number, got {factor!r}"
                )
        plausible = entry.get("plausible")
        if (
            not isinstance(plausible, list)
            or len(plausible) != 2
            or not all(isinstance(x, int | float) for x in plausible)
            or plausible[0] >= plausible[1]
        ):
            reader.fail("labs", f"{key}.plausible", "must be [minimum, maximum] with minimum < maximum")
            plausible = [0, float("inf")]
        reference = _range(reader, f"{key}.reference", entry.get("reference"))
        female = _range(reader, f"{key}.reference_female", entry.get("reference_female"))
        male = _range(reader, f"{key}.reference_male", entry.get("reference_male"))
        if reference is None and female is None and male is None:
            reader.fail("labs", f"{key}.reference", "a lab needs a reference range")
        unit_loinc = _unit_loinc(reader, key, entry.get("unit_loinc"), (unit, *factors))
        for code in dict.fromkeys([loinc, *unit_loinc.values(), *entry.get("other_loinc", [])]):
            if not code:
                continue
            if code in codes:
                reader.fail("labs", key, f"duplicate LOINC {code} (also {codes[code]})")
            codes[code] = lab_id
        crit = {k: entry.get(k) for k in ("critical_low", "critical_high", "critical_at_least")}
        for k, v in crit.items():
            if v is not None and not (plausible[0] <= v <= plausible[1]):
                reader.fail("labs", f"{key}.{k}", f"{v} is outside the plausible range {plausible}")
        si_unit = entry.get("si_unit")
        if si_unit is not None and si_unit != unit and si_unit not in factors:
            reader.fail("labs", f"{key}.si_unit", f"{si_unit!r} is not an accepted unit of this lab")
        if None in (loinc, name, unit):
            continue
        labs[lab_id] = Lab(
            id=lab_id,
            loinc=loinc,
            name=name,
            unit=unit,
            factors=factors,
            reference=reference or Range(),
            reference_female=female,
            reference_male=male,
            critical_low=crit["critical_low"],
            critical_high=crit["critical_high"],
            critical_at_least=crit["critical_at_least"],
            plausible=(float(plausible[0]), float(plausible[1])),
            other_loinc=tuple(entry.get("other_loinc", [])),
            reference_note=entry.get("reference_note"),
            critical_note=entry.get("critical_note"),
            si_unit=si_unit,
            critical_low_action=_critical_action(reader, f"{key}.critical_low_action", entry),
            critical_high_action=_critical_action(reader, f"{key}.critical_high_action", entry),
            unit_loinc=unit_loinc,
        )
    return labs



LOINC_CODE = re.compile(r"^[0-9]{1,7}-[0-9]$")


def _unit_loinc(reader: Reader, key: str, raw: Any, units: tuple[str, ...]) -> dict[str, str]:
    """`unit_loinc = { "mmol/L" = "2601-3" }`: the code of a result in an accepted unit other
    than the default where it differs from `loinc`; "" records that no code is known for it."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        reader.fail("labs", f"{key}.unit_loinc", 'must be a table such as { "mmol/L" = "2601-3" }')
        return {}
    out = {}
    for unit, code in raw.items():
        if unit not in units[1:]:
            others = ", ".join(units[1:])
            problem = f"{unit!r} is not an accepted unit other than the default ({others})"
            reader.fail("labs", f"{key}.unit_loinc", problem)
        elif not isinstance(code, str) or (code and not LOINC_CODE.match(code)):
            problem = f'{code!r} is not a LOINC code (like 2601-3) or ""'
            reader.fail("labs", f"{key}.unit_loinc.{unit}", problem)
        else:
            out[unit] = code
    return out



def _critical_action(reader: Reader, key: str, entry: dict[str, Any]) -> CriticalAction | None:
    """`critical_low_action` / `critical_high_action`: severity, the differential it makes urgent,
    first tests, a note. Ids are checked once differentials and tests are read."""
    raw = entry.get(key.rsplit(".", 1)[1])
    if raw is None:
        return None
    if not isinstance(raw, dict):
        reader.fail("labs", key, "must be a table with severity, differential, tests, note")
        return None
    reader.unknown_keys("labs", key, raw, CRITICAL_ACTION_KEYS)
    severity = raw.get("severity", "urgent")
    if severity not in SEVERITIES:
        reader.fail("labs", f"{key}.severity", f"accepted: {', '.join(SEVERITIES)}")
    tests = raw.get("tests", [])
    if not isinstance(tests, list) or not all(isinstance(t, str) for t in tests):
        reader.fail("labs", f"{key}.tests", "must be a list of test ids")
        tests = []
    return CriticalAction(str(severity), raw.get("differential"), tuple(tests), raw.get("note"))



def check_critical_actions(
    reader: Reader, labs: dict[str, Lab], differentials: dict[str, Differential], tests: dict[str, TestDef]
) -> None:
    """A critical action's differential and tests exist (read after labs, so checked here)."""
    for lab in labs.values():
        for action_key, action in (
            ("critical_low_action", lab.critical_low_action),
            ("critical_high_action", lab.critical_high_action),
        ):
            if action is None:
                continue
            if action.differential is not None and action.differential not in differentials:
                reader.fail(
                    "labs",
                    f"labs.{lab.id}.{action_key}.differential",
                    f"unknown differential {action.differential!r}",
                )
            for tid in action.tests:
                if tid not in tests:
                    reader.fail(
                        "labs",
                        f"labs.{lab.id}.{action_key}.tests",
                        f"unknown test {tid!r}{suggest(tid, tests)}",
                    )
