"""An admin manages accounts and reads no clinical data; emergency access ("break the
glass") opens one patient's record with a stated reason, read only, audited and reported by
`cramp-dx audit --emergency`. On SQLite and PostgreSQL."""

# the shared fixtures are imported by name, so test parameters "redefine" them
# ruff: noqa: F811

from __future__ import annotations

import io
import json

import pytest
from support.postgres import postgres_server, postgres_url  # noqa: F401
from support.record import CASES, PASSWORDS, any_url, example, make_record, record  # noqa: F401

from cramp_dx.cli.main import main
from cramp_dx.errors import InputError
from cramp_dx.services import PermissionDenied
from cramp_dx.services.changes import SetMeasurement

REASON = "unconscious patient in recovery, physician unreachable"


@pytest.fixture
def visit(record):
    return record.services("doc").import_case(example("ex1-diuretic-cramps"))


READS = {
    "search_patients": lambda s, v: s.search_patients("EX"),
    "recent_patients": lambda s, v: s.recent_patients(),
    "find_patient": lambda s, v: s.find_patient("EX-0001"),
    "get_patient": lambda s, v: s.get_patient(v.patient_id),
    "list_visits": lambda s, v: s.list_visits(v.patient_id),
    "load_visit": lambda s, v: s.load_visit(v.id),
    "visit_for": lambda s, v: s.visit_for("EX-0001"),
    "lab_history": lambda s, v: s.lab_history(v.patient_id),
    "audit_trail": lambda s, v: s.audit_trail(v.patient_id),
}


@pytest.mark.parametrize("read", READS)
def test_an_admin_reads_no_clinical_data(record, visit, read):
    with pytest.raises(PermissionDenied, match="may not read clinical data"):
        READS[read](record.services("admin"), visit)


def test_the_admins_whole_trail_holds_no_clinical_content(record, visit):
    trail = record.services("admin").audit_trail()
    assert trail and all(e.patient_id is None for e in trail)


def test_emergency_access_opens_that_patients_record_and_no_other(record, visit):
    other = record.services("doc").import_case(example("ex2-early-swollen-calf"))
    admin = record.services("admin")
    assert admin.emergency_access("EX-0001", REASON).id == visit.patient_id
    assert admin.load_visit(visit.id).workup.patient.mrn == "EX-0001"
    assert admin.emergency_reason(visit.patient_id) == REASON
    with pytest.raises(PermissionDenied):
        admin.load_visit(other.id)


def test_emergency_access_and_each_visit_read_are_audited(record, visit):
    admin = record.services("admin")
    admin.emergency_access("EX-0001", REASON)
    admin.load_visit(visit.id)
    trail = record.services("doc").audit_trail(visit.patient_id)
    rows = [(e.username, e.action, json.loads(e.new_value)) for e in trail if e.username == "admin"]
    assert [(u, a) for u, a, _ in rows] == [("admin", "emergency_access"), ("admin", "emergency_read")]
    assert rows[0][2]["reason"] == REASON and rows[0][2]["role"] == "admin"


@pytest.mark.parametrize("reason", ["", "because", "x\x07" * 10])
def test_emergency_access_needs_a_stated_reason(record, visit, reason):
    with pytest.raises(InputError, match="reason"):
        record.services("admin").emergency_access("EX-0001", reason)


def test_emergency_access_is_for_reading_only(record, visit):
    admin = record.services("admin")
    admin.emergency_access("EX-0001", REASON)
    with pytest.raises(PermissionDenied):
        admin.apply(visit.id, SetMeasurement("temperature_c", 38.0, None), visit.version)


def test_the_emergency_report_lists_who_opened_whose_record_and_why(record, visit):
    record.services("admin").emergency_access("EX-0001", REASON)
    (row,) = record.services("admin").emergency_report()
    assert (row.username, row.role, row.mrn, row.reason) == ("admin", "admin", "EX-0001", REASON)


# --- the command line -----------------------------------------------------------------------


def cli(monkeypatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv))


@pytest.fixture
def url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    rec = make_record(url)
    rec.services("doc").import_case(example("ex1-diuretic-cramps"))
    rec.db.dispose()
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", url)
    return url


def as_admin(*argv: str) -> tuple[str, ...]:
    return (*argv, "--user", "admin", "--password-stdin")


@pytest.mark.parametrize(
    "command",
    [("assess", "--mrn", "EX-0001"), ("export-case", "--mrn", "EX-0001"), ("audit", "--mrn", "EX-0001")],
)
def test_the_command_line_refuses_an_admin_patient_data(url, monkeypatch, capsys, command):
    assert cli(monkeypatch, *as_admin(*command), stdin=PASSWORDS["admin"]) == 2
    err = capsys.readouterr().err
    assert "may not read clinical data" in err and "Traceback" not in err


def test_the_command_line_opens_a_record_with_emergency_access_and_reports_it(url, monkeypatch, capsys):
    argv = as_admin("assess", "--mrn", "EX-0001", "--emergency-access", REASON)
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["admin"]) == 0
    assert "Differential" in capsys.readouterr().out
    assert cli(monkeypatch, *as_admin("audit", "--emergency"), stdin=PASSWORDS["admin"]) == 0
    out = capsys.readouterr().out
    assert "EMERGENCY ACCESS  admin (admin) opened MRN EX-0001" in out and REASON in out
    argv = ("audit", "--mrn", "EX-0001", "--user", "doc", "--password-stdin")
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["doc"]) == 0
    assert "!! EMERGENCY ACCESS  admin  emergency_access patient" in capsys.readouterr().out


def test_emergency_access_without_a_reason_exits_2_naming_it(url, monkeypatch, capsys):
    argv = as_admin("assess", "--mrn", "EX-0001", "--emergency-access", "x")
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["admin"]) == 2
    assert "reason: state why emergency access is needed" in capsys.readouterr().err
