"""Scoring the engine on the published cases (tests/clinical/published): one place shared by the
test and by benchmarks/clinical_accuracy.py, so both report the same figures."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cramp_dx.casefile.io import read_case
from cramp_dx.engine import Assessment, assess
from cramp_dx.knowledge import load_knowledge

PUBLISHED = Path(__file__).resolve().parent.parent / "clinical" / "published"


@dataclass(frozen=True)
class CaseResult:
    name: str
    diagnosis: str
    rank: int  # 1-based place of the source's diagnosis in the differential
    top: tuple[str, ...]  # the first three ids
    must_flags: frozenset[str]
    allowed_flags: frozenset[str]
    fired: frozenset[str]

    @property
    def missed_flags(self) -> frozenset[str]:
        return self.must_flags - self.fired

    @property
    def false_alarms(self) -> frozenset[str]:
        return self.fired - self.must_flags - self.allowed_flags


def expected() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads((PUBLISHED / "expected.json").read_text(encoding="utf-8"))
    return data


def run_case(name: str, spec: dict[str, Any]) -> tuple[CaseResult, Assessment]:
    assessment = assess(read_case(PUBLISHED / name))
    ids = [d.id for d in assessment.differential]
    result = CaseResult(
        name=name,
        diagnosis=spec["diagnosis"],
        rank=ids.index(spec["diagnosis"]) + 1,
        top=tuple(ids[:3]),
        must_flags=frozenset(spec.get("red_flags", [])),
        allowed_flags=frozenset(spec.get("allowed_flags", [])),
        fired=frozenset(flag.id for flag in assessment.red_flags),
    )
    return result, assessment


def run_all() -> list[CaseResult]:
    return [run_case(name, spec)[0] for name, spec in sorted(expected().items())]


def summary(results: list[CaseResult]) -> dict[str, float]:
    """Top-1 and top-3 rates; red-flag sensitivity over every must-see flag; specificity over
    every (case, flag) pair that is neither must-see nor allowed."""
    all_flags = set(load_knowledge().red_flags)
    must = sum(len(r.must_flags) for r in results)
    caught = sum(len(r.must_flags & r.fired) for r in results)
    quiet_pairs = sum(len(all_flags - r.must_flags - r.allowed_flags) for r in results)
    false = sum(len(r.false_alarms) for r in results)
    n = len(results)
    return {
        "cases": n,
        "top1": sum(r.rank == 1 for r in results) / n,
        "top3": sum(r.rank <= 3 for r in results) / n,
        "flag_sensitivity": caught / must if must else 1.0,
        "flag_specificity": (quiet_pairs - false) / quiet_pairs if quiet_pairs else 1.0,
    }
