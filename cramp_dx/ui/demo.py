"""First run: the fictional demo patients (resources/demo/*.json, as `cramp-dx demo`)."""

from __future__ import annotations

from typing import Any


def demo_available() -> bool:
    from cramp_dx.services import Services

    return bool(Services.demo_cases())


def add_demo_patients(services: Any) -> int:
    """Import each demo case whose MRN is not in the record yet; returns how many."""
    return sum(demo.added for demo in services.add_demo_patients())
