"""Patient search returns exactly the first matches in name order, however a text matches (MRN,
family or given name prefix, birth date or "family, given"), on SQLite and PostgreSQL: the
search reads each way of matching separately and merges them, so these compare it with the
plain definition applied to every patient."""

# the shared fixtures are imported by name, so test parameters "redefine" them
# ruff: noqa: F811

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from support.postgres import postgres_server, postgres_url  # noqa: F401
from support.record import any_url, record  # noqa: F401

from cramp_dx.services import PatientRow
from cramp_dx.store.keys import name_key

FAMILIES = ["Ånder", "Anders", "Andersen", "Berg", "Bergström", "Ann", "Müller", "Mueller", "Zoë", "Kim"]
GIVENS = ["Ann", "Anna", "Berit", "Kim", "Zoe", "Ånna", "Mia"]


def _matches(row: PatientRow, text: str) -> bool:
    """The definition of a match, written out plainly."""
    family, given = name_key(row.family_name), name_key(row.given_name)
    if "," in text:
        want_family, want_given = (name_key(part) for part in text.split(",", 1))
        return family.startswith(want_family) and given.startswith(want_given)
    for form in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            wanted = datetime.strptime(text, form).date()
        except ValueError:
            continue
        return row.birth_date == wanted or row.mrn == text
    key = name_key(text)
    return row.mrn == text or family.startswith(key) or given.startswith(key)


TEXTS = [
    "a", "an", "AND", "ander", "anders", "Anders7", "ann", "ber", "zoe", "kim", "mu", "M007", "x",
    "anders, a", "ber, ", "1950-01-05", "M014", "05.01.1950",
]


def test_search_gives_the_first_matches_in_name_order(record):
    svc = record.services()
    rng = random.Random(3)
    patients = []
    for n in range(60):
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 40))
        mrn = f"M{n:03d}" if n % 7 else f"Anders{n}"
        patients.append(svc.create_patient(mrn, rng.choice(FAMILIES), rng.choice(GIVENS), born, None))
    order = sorted(patients, key=lambda p: (name_key(p.family_name), name_key(p.given_name), p.id))
    wrong = []
    for text in TEXTS:
        for limit in (3, 50):
            expected = [p.id for p in order if _matches(p, text)][:limit]
            found = [p.id for p in svc.search_patients(text, limit=limit)]
            if found != expected:
                wrong.append((text, limit, found, expected))
    assert wrong == []
    assert len([p for p in order if _matches(p, "an")]) > 3
