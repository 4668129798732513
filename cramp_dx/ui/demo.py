"""First run: the fictional demo patients (resources/demo/*.json, as `cramp-dx demo`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _demo_cases() -> list[Path]:
    from cramp_dx.paths import resources_dir

    return sorted((resources_dir() / "demo").glob("*.json"))


def demo_available() -> bool:
    return bool(_demo_cases())


def add_demo_patients(services: Any) -> int:
    """Import each demo case whose MRN is not in the record yet; returns how many."""
    from cramp_dx.case.io import read_case
    from cramp_dx.services import NotFoundError

    added = 0
    for path in _demo_cases():
        workup = read_case(path)
        try:
            services.find_patient(workup.patient.mrn or "")
        except NotFoundError:
            services.import_case(workup)
            added += 1
    return added
