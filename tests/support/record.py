"""Fixtures and helpers for the record tests: databases on SQLite and PostgreSQL, accounts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cramp_dx.case.model import Workup
from cramp_dx.casefile.io import read_case
from cramp_dx.services import Account, Services
from cramp_dx.store import Database, open_database

CASES = Path(__file__).resolve().parent.parent / "cases"
EXAMPLES = ("ex1-diuretic-cramps", "ex2-early-swollen-calf", "ex3-scar-or-disc")
PASSWORDS = {"admin": "admin-secret-1", "doc": "doctor-secret-1", "nurse": "nurse-secret-1"}


def example(name: str) -> Workup:
    return read_case(CASES / f"{name}.json")


@dataclass
class Record:
    db: Database
    admin: Account
    doc: Account
    nurse: Account

    def services(self, who: str = "doc") -> Services:
        return Services(self.db, getattr(self, who))


def make_record(url: str) -> Record:
    db = open_database(url)
    admin = Services.create_account(db, "admin", PASSWORDS["admin"], "admin")
    doc = Services.create_account(db, "doc", PASSWORDS["doc"], "physician", actor=admin)
    nurse = Services.create_account(db, "nurse", PASSWORDS["nurse"], "nurse", actor=admin)
    return Record(db, admin, doc, nurse)


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'record.sqlite3'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on an SQLite file and on a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def record(any_url: str) -> Iterator[Record]:
    rec = make_record(any_url)
    yield rec
    rec.db.dispose()


@pytest.fixture
def sqlite_record(tmp_path: Path) -> Iterator[Record]:
    rec = make_record(sqlite_url(tmp_path))
    yield rec
    rec.db.dispose()
