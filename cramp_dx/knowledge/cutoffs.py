"""Clinical cut-offs that live outside the condition language, read and validated by file and key:
the status and Wells cut-offs, a measurement's not-interpretable bound, a test's post-operative
window and the corrected-calcium constants. They are data so that changing one is a data edit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from cramp_dx.knowledge.model import CorrectedCalcium, Lab, NotInterpretable, RaisedAfterSurgery

WELLS_CATEGORIES = ("likely", "unlikely", "not_suspected")


class Problems(Protocol):
    """Where problems go (the loader's reader): `file` without .toml, `key` dotted."""

    def fail(self, file: str, key: str, message: str) -> None: ...
    def unknown_keys(
        self, file: str, key: str, entry: dict[str, Any], allowed: set[str] | frozenset[str]
    ) -> None: ...


def number(
    problems: Problems,
    file: str,
    key: str,
    value: Any,
    *,
    whole: bool = False,
    positive: bool = False,
    within: tuple[float, float] | None = None,
) -> float | None:
    """`value` if it is a number (whole when asked, above 0 when asked, inside `within`);
    otherwise None and a problem naming the key and what is accepted."""
    kind = "a whole number" if whole else "a number"
    if value is None:
        problems.fail(file, key, f"required, must be {kind}")
        return None
    if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
        problems.fail(file, key, f"must be {kind}, got {value!r}")
        return None
    if positive and value <= 0:
        problems.fail(file, key, f"must be above 0, got {value!r}")
        return None
    if within is not None and not within[0] <= value <= within[1]:
        problems.fail(file, key, f"{value:g} is outside the accepted {within[0]:g}–{within[1]:g}")
        return None
    return value


def text(
    problems: Problems, file: str, key: str, value: Any, placeholders: Mapping[str, float] | None = None
) -> str | None:
    """Non-empty text; with `placeholders`, text that formats with exactly those names
    (e.g. "ABI {value:g} is above {limit:.2f}")."""
    if not isinstance(value, str) or not value.strip():
        problems.fail(file, key, "required, must be text")
        return None
    if placeholders is None:
        return value
    try:
        value.format(**placeholders)
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        accepted = ", ".join(f"{{{name}}}" for name in placeholders) or "none"
        problems.fail(file, key, f"cannot fill in the text ({exc!r}); placeholders accepted: {accepted}")
        return None
    return value


def _table(problems: Problems, file: str, key: str, raw: Any, allowed: set[str]) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        problems.fail(file, key, f"must be a table with {', '.join(sorted(allowed))}")
        return None
    problems.unknown_keys(file, key, raw, allowed)
    return raw


def status_cutoffs(problems: Problems, meta: dict[str, Any]) -> tuple[float, float]:
    """(supported_at, possible_at): the scores from which an unsettled differential is
    "supported" or "possible" (meta.toml [status])."""
    raw = _table(problems, "meta", "status", meta.get("status"), {"supported_at_least", "possible_at_least"})
    if raw is None:
        return 0.0, 0.0
    supported = number(
        problems, "meta", "status.supported_at_least", raw.get("supported_at_least"), positive=True
    )
    possible = number(
        problems, "meta", "status.possible_at_least", raw.get("possible_at_least"), positive=True
    )
    if supported is None or possible is None:
        return 0.0, 0.0
    if possible > supported:
        problems.fail("meta", "status", "possible_at_least must not exceed supported_at_least")
    return float(supported), float(possible)


def wells_labels(problems: Problems, wells: dict[str, Any]) -> dict[str, str]:
    """The short phrase for each Wells category (`[labels]` of wells.toml)."""
    raw = _table(problems, "wells", "labels", wells.get("labels"), set(WELLS_CATEGORIES))
    labels: dict[str, str] = {}
    for category in WELLS_CATEGORIES:
        if raw is None:
            break
        label = text(problems, "wells", f"labels.{category}", raw.get(category))
        if label is not None:
            labels[category] = label
    return labels


def wells_cutoff(problems: Problems, wells: dict[str, Any]) -> tuple[int, str, dict[str, str]]:
    """(likely_at, basis, category texts) from wells.toml. The texts may use {likely_at} and
    {unlikely_at_most}; they are filled in here, so the cut-off is written once."""
    likely_at = number(problems, "wells", "likely_at_least", wells.get("likely_at_least"), whole=True)
    if likely_at is None:
        return 0, "", {}
    values = {"likely_at": int(likely_at), "unlikely_at_most": int(likely_at) - 1}
    basis = text(problems, "wells", "basis", wells.get("basis"), values)
    categories: dict[str, str] = {}
    raw = _table(problems, "wells", "categories", wells.get("categories"), set(WELLS_CATEGORIES))
    for category in WELLS_CATEGORIES:
        if raw is None:
            break
        filled = text(problems, "wells", f"categories.{category}", raw.get(category), values)
        if filled is not None:
            categories[category] = filled.format(**values)
    return int(likely_at), basis.format(**values) if basis else "", categories


def not_interpretable(
    problems: Problems, key: str, raw: Any, minimum: float, maximum: float
) -> NotInterpretable | None:
    """measurements.toml `<id>.not_interpretable`: the bound inside the measurement's range and
    the note shown above it."""
    table = _table(problems, "measurements", key, raw, {"above", "note"})
    if table is None:
        return None
    above = number(problems, "measurements", f"{key}.above", table.get("above"), within=(minimum, maximum))
    note = text(problems, "measurements", f"{key}.note", table.get("note"), {"value": 1.0, "limit": 1.0})
    if above is None or note is None:
        return None
    return NotInterpretable(float(above), note)


def raised_after_surgery(
    problems: Problems, key: str, raw: Any, labs: list[str]
) -> RaisedAfterSurgery | None:
    """tests.toml `<id>.raised_after_surgery`: days after surgery during which a raised result
    of the test's labs is expected, and the note shown then."""
    table = _table(problems, "tests", key, raw, {"within_days", "note"})
    if table is None:
        return None
    if not labs:
        problems.fail("tests", key, "only a test with labs can have a post-operative window")
    days = number(
        problems, "tests", f"{key}.within_days", table.get("within_days"), whole=True, positive=True
    )
    note = text(problems, "tests", f"{key}.note", table.get("note"))
    if days is None or note is None:
        return None
    return RaisedAfterSurgery(int(days), note)


def corrected_calcium(problems: Problems, raw: Any, albumin: Lab | None) -> CorrectedCalcium:
    """labs.toml [corrected_calcium]: calcium + factor × (albumin_reference − albumin)."""
    table = _table(problems, "labs", "corrected_calcium", raw, {"factor", "albumin_reference", "label"})
    if table is None:
        return CorrectedCalcium(0.0, 0.0, "")
    factor = number(problems, "labs", "corrected_calcium.factor", table.get("factor"), positive=True)
    reference = number(
        problems,
        "labs",
        "corrected_calcium.albumin_reference",
        table.get("albumin_reference"),
        within=albumin.plausible if albumin else None,
    )
    values = {"factor": factor or 0.0, "albumin_reference": reference or 0.0}
    label = text(problems, "labs", "corrected_calcium.label", table.get("label"), values)
    if factor is None or reference is None or label is None:
        return CorrectedCalcium(0.0, 0.0, "")
    return CorrectedCalcium(float(factor), float(reference), label.format(**values))
