"""Labels from the knowledge base, with a readable fallback for ids it does not know.

A record may hold ids from an older knowledge version; the summary still prints them
(humanised) rather than failing or dropping them.
"""

from __future__ import annotations

from typing import Any

from cramp_dx.report.text import humanise


def _lookup(table: Any, key: str) -> Any:
    if table is None:
        return None
    try:
        return table.get(key) if hasattr(table, "get") else table[key]
    except (KeyError, TypeError):
        return None


def finding(kb: Any, finding_id: str) -> str:
    item = _lookup(getattr(kb, "findings", None), finding_id)
    return getattr(item, "label", None) or humanise(finding_id)


def test_name(kb: Any, test_id: str) -> str:
    item = _lookup(getattr(kb, "tests", None), test_id)
    return getattr(item, "name", None) or humanise(test_id)


def plan_item(kb: Any, plan_id: str) -> str:
    item = _lookup(getattr(kb, "plan_items", None), plan_id)
    return getattr(item, "label", None) or humanise(plan_id)


def measurement(kb: Any, measurement_id: str) -> tuple[str, str]:
    """(label, unit) of a measurement."""
    item = _lookup(getattr(kb, "measurements", None), measurement_id)
    label = getattr(item, "label", None) or humanise(measurement_id)
    return label, getattr(item, "unit", "") or ""


def differential(kb: Any, differential_id: str, names: dict[str, str] | None = None) -> str:
    if names and differential_id in names:
        return names[differential_id]
    item = _lookup(getattr(kb, "differentials", None), differential_id)
    return getattr(item, "name", None) or humanise(differential_id)
