"""The `timing` table of a differential (SPEC-2 section 1), read and validated."""

from __future__ import annotations

from typing import Any

from cramp_dx.knowledge.cutoffs import Problems
from cramp_dx.knowledge.model import Timing

CLOCKS = ("onset", "surgery")
KEYS = {"onset_days", "clock", "support", "against", "against_before", "against_after"}


def _days(problems: Problems, key: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        problems.fail("differentials", key, f"must be a number of days ≥ 0, got {value!r}")
        return None
    return float(value)


def timing(problems: Problems, key: str, raw: Any, urgent: bool) -> Timing | None:
    """`onset_days = [from, to]` (or `[from]`, open-ended); an urgent differential may not be
    argued against by timing (SPEC-2 review #2), so `against` is refused there."""
    if not isinstance(raw, dict):
        problems.fail("differentials", key, "must be a table with onset_days")
        return None
    problems.unknown_keys("differentials", key, raw, KEYS)
    window = raw.get("onset_days")
    if (
        not isinstance(window, list)
        or not 1 <= len(window) <= 2
        or any(isinstance(x, bool) or not isinstance(x, int | float) or x < 0 for x in window)
        or (len(window) == 2 and window[0] > window[1])
    ):
        problems.fail(
            "differentials", f"{key}.onset_days", "must be [from, to] or [from] in days, from ≤ to, ≥ 0"
        )
        return None
    start, end = float(window[0]), float(window[1]) if len(window) == 2 else None
    clock = raw.get("clock", "onset")
    if clock not in CLOCKS:
        problems.fail("differentials", f"{key}.clock", f"accepted: {', '.join(CLOCKS)}")
        clock = "onset"
    support = raw.get("support", 1)
    against = raw.get("against", 0)
    for name, value in (("support", support), ("against", against)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 2:
            problems.fail(
                "differentials",
                f"{key}.{name}",
                f"timing is weak evidence: a weight from 0 to 2, got {value!r}",
            )
            return None
    if urgent and against:
        problems.fail(
            "differentials",
            f"{key}.against",
            "timing never argues against an urgent differential; remove it",
        )
        against = 0
    before = _days(problems, f"{key}.against_before", raw.get("against_before"))
    after = _days(problems, f"{key}.against_after", raw.get("against_after"))
    if against and before is None and after is None:
        problems.fail("differentials", f"{key}.against", "needs against_before and/or against_after (days)")
    return Timing(start, end, clock, float(support), float(against), before, after)
