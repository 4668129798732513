"""A patient's earlier lab values, from the visits before the one being looked at."""

from __future__ import annotations

from datetime import date

from support.postgres import postgres_server, postgres_url  # noqa: F401
from support.record import any_url, record  # noqa: F401

from cramp_dx.case.model import LabResult, Surgery
from cramp_dx.services import EarlierLab
from cramp_dx.services.changes import AddLab

SURGERY = Surgery(date=date(2026, 9, 1), procedure="fusion", levels=("L4-L5",))


def visit_with_labs(svc, patient_id, visit_date, *labs):
    visit = svc.create_visit(patient_id, visit_date, SURGERY)
    for lab in labs:
        visit = svc.apply(visit.id, AddLab(lab), visit.version)
    return visit


def patient(svc, mrn="LH-1"):
    return svc.create_patient(mrn, "History", "Hana", date(1960, 1, 2), "female")


def test_earlier_visits_values_by_lab_oldest_first(record):  # noqa: F811
    svc = record.services("doc")
    p = patient(svc)
    first = visit_with_labs(svc, p.id, date(2026, 9, 10),
                            LabResult("sodium", 134, "mmol/L", date(2026, 9, 9)))
    second = visit_with_labs(svc, p.id, date(2026, 9, 20),
                             LabResult("sodium", 131, "mmol/L"),
                             LabResult("potassium", 3.1, "mmol/L", date(2026, 9, 19)))
    current = visit_with_labs(svc, p.id, date(2026, 10, 1),
                              LabResult("sodium", 128, "mmol/L", date(2026, 10, 1)))
    history = svc.lab_history(p.id, before_visit_id=current.id)
    assert history == {
        "sodium": [
            EarlierLab(date(2026, 9, 9), 134, "mmol/L", first.id, date(2026, 9, 10)),
            # no collection date recorded: the visit date stands in
            EarlierLab(date(2026, 9, 20), 131, "mmol/L", second.id, date(2026, 9, 20)),
        ],
        "potassium": [
            EarlierLab(date(2026, 9, 19), 3.1, "mmol/L", second.id, date(2026, 9, 20)),
        ],
    }


def test_later_visits_and_the_visit_itself_are_not_earlier(record):  # noqa: F811
    svc = record.services("doc")
    p = patient(svc)
    first = visit_with_labs(svc, p.id, date(2026, 9, 10), LabResult("sodium", 134, "mmol/L"))
    visit_with_labs(svc, p.id, date(2026, 9, 20), LabResult("sodium", 131, "mmol/L"))
    assert svc.lab_history(p.id, before_visit_id=first.id) == {}


def test_without_a_visit_every_value_of_the_patient_and_no_one_elses(record):  # noqa: F811
    svc = record.services("doc")
    p, other = patient(svc), patient(svc, "LH-2")
    visit_with_labs(svc, p.id, date(2026, 9, 10), LabResult("sodium", 134, "mmol/L"))
    visit_with_labs(svc, p.id, date(2026, 9, 20), LabResult("sodium", 131, "mmol/L"))
    visit_with_labs(svc, other.id, date(2026, 9, 15), LabResult("sodium", 140, "mmol/L"))
    assert [e.value for e in svc.lab_history(p.id)["sodium"]] == [134, 131]


def test_same_day_visits_count_the_one_created_first_as_earlier(record):  # noqa: F811
    svc = record.services("doc")
    p = patient(svc)
    morning = visit_with_labs(svc, p.id, date(2026, 9, 10), LabResult("sodium", 134, "mmol/L"))
    later = visit_with_labs(svc, p.id, date(2026, 9, 10), LabResult("sodium", 129, "mmol/L"))
    assert [e.value for e in svc.lab_history(p.id, later.id)["sodium"]] == [134]
    assert svc.lab_history(p.id, morning.id) == {}
