"""The fictional demo patients come from one place, for the CLI and the app alike."""

from __future__ import annotations

from datetime import date

from support.postgres import postgres_server, postgres_url  # noqa: F401
from support.record import any_url, record  # noqa: F401

from cramp_dx.services import DemoPatient, Services


def test_demo_patients_are_added_once_covering_the_examples(record):  # noqa: F811
    svc = record.services("doc")
    first = svc.add_demo_patients()
    assert len(first) == len(Services.demo_cases()) >= 3
    assert {"EX-0001", "EX-0002", "EX-0003"} <= {d.mrn for d in first}
    assert all(d.added and d.visit_id is not None for d in first)
    for demo in first:
        assert svc.load_visit(demo.visit_id).workup.patient.mrn == demo.mrn
    again = svc.add_demo_patients()
    assert again == [DemoPatient(d.mrn, d.family_name, False) for d in first]


def test_a_patient_already_in_the_record_is_left_alone(record):  # noqa: F811
    svc = record.services("doc")
    existing = svc.create_patient("EX-0001", "Kept", "As-is", date(1950, 1, 1), "female")
    results = {d.mrn: d for d in svc.add_demo_patients()}
    assert not results["EX-0001"].added
    assert svc.find_patient("EX-0001") == existing
