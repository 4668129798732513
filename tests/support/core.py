"""Helpers for the core tests: building cases from small dicts."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from cramp_dx.case.model import Workup
from cramp_dx.casefile.io import parse_case
from cramp_dx.engine import Assessment, assess

TESTS = Path(__file__).resolve().parent.parent
CASES = TESTS / "cases"
DATA = TESTS / "data"

BASE: dict[str, Any] = {
    "format": "cramp-dx-case/1",
    "patient": {
        "mrn": "T-0001",
        "family_name": "Test",
        "given_name": "Case",
        "birth_date": "1960-01-01",
        "sex": "female",
    },
    "surgery": {"procedure": "laminectomy", "levels": ["L4-L5"], "date": "2026-06-01"},
    "visit": {"date": "2026-09-01"},
}


def case(**parts: Any) -> dict[str, Any]:
    """BASE with sections merged in (dicts update, lists replace)."""
    out = copy.deepcopy(BASE)
    for key, value in parts.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def workup(**parts: Any) -> Workup:
    return parse_case(case(**parts))


def assess_case(**parts: Any) -> Assessment:
    return assess(workup(**parts))


def load_example(name: str) -> dict[str, Any]:
    return json.loads((CASES / name).read_text(encoding="utf-8"))


def rank_of(assessment: Assessment, differential_id: str) -> int:
    ids = [d.id for d in assessment.differential]
    return ids.index(differential_id) + 1


def item(assessment: Assessment, differential_id: str) -> Any:
    return next(d for d in assessment.differential if d.id == differential_id)
