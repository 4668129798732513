"""A case at every size and count limit at once (cramp_dx.case.checks, MAX_*): the largest input
the case format accepts, for the limit tests and benchmarks/bench_report.py."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

from cramp_dx.case.checks import (
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
)
from cramp_dx.knowledge import Knowledge, load_knowledge

VISIT = date(2026, 9, 14)
# Latin words, a Han and a Hangul name, Hebrew: every script the summary switches fonts or
# direction for, so the fallback font and the bidi reordering run at full size too.
WORDS = ("cramps", "night", "calf", "山田太郎", "furosemide", "김민준", "שלום", "potassium")


def text(length: int, seed: int = 0) -> str:
    """Words (and a line break now and then) up to exactly `length` characters."""
    parts: list[str] = []
    size = 0
    index = seed
    while size < length:
        word = f"{WORDS[index % len(WORDS)]}{index}"
        parts.append(word + ("\n" if index % 40 == 39 else " "))
        size += len(parts[-1])
        index += 1
    return "".join(parts)[:length].strip().ljust(length, "x")


def case_at_limits(kb: Knowledge | None = None) -> dict[str, Any]:
    """Every text at its longest and every list at its longest; all of it valid."""
    kb = kb or load_knowledge()
    labs: list[dict[str, Any]] = []
    for lab in kb.labs.values():
        low, high = lab.plausible
        for day in range(MAX_RESULTS_PER_LAB):
            if len(labs) == MAX_LABS:
                break
            labs.append({
                "test": lab.id,
                "value": round(low + (high - low) * ((day % 10) + 1) / 12, 2),
                "unit": lab.unit,
                "collected": (VISIT - timedelta(days=day)).isoformat(),
            })
    levels = ["L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1"] * (MAX_LEVELS // 5)
    return {
        "format": "cramp-dx-case/1",
        "patient": {
            "mrn": "M" * MAX_MRN,
            "family_name": text(MAX_NAME, 1).replace("\n", " "),
            "given_name": text(MAX_NAME, 2).replace("\n", " "),
            "birth_date": "1950-03-04",
            "sex": "female",
        },
        "surgery": {"procedure": "fusion", "levels": levels[:MAX_LEVELS], "date": "2026-05-04"},
        "visit": {"date": VISIT.isoformat(), "symptom_side": "left", "notes": text(MAX_NOTES, 3)},
        "findings": {"nocturnal_cramps": True, "calf_swelling_unilateral": False},
        "labs": labs,
        "medications": [
            {
                "name": text(MAX_MEDICATION_NAME, i).replace("\n", " "),
                "dose": text(MAX_DOSE, i + 1).replace("\n", " "),
                "start_date": "2024-01-01",
                "status": "taking",
                "note": text(MAX_MEDICATION_NOTE, i + 2),
            }
            for i in range(MAX_MEDICATIONS)
        ],
    }


def over(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of `data` with sections replaced (dicts update, lists replace)."""
    out = copy.deepcopy(data)
    for key, value in changes.items():
        out[key] = {**out[key], **value} if isinstance(value, dict) else value
    return out
