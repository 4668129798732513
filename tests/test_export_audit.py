"""A file of patient data appears only with its audit row: `report --mrn`, `export-case -o`
and `export-fhir -o` (and the app's PDF) leave no file when the audit write fails."""


from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from support.record import CASES, PASSWORDS, make_record

from cramp_dx.cli.main import main

FAIL_AUDIT = """CREATE TRIGGER test_audit_fails BEFORE INSERT ON audit_event
WHEN NEW.action IN ('pdf', 'export') BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"""


def cli(monkeypatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv))


@pytest.fixture
def failing_audit(tmp_path, monkeypatch) -> Path:
    """A record with one visit whose audit refuses export and PDF rows, as a full or failing
    disk would."""
    path = tmp_path / "record.sqlite3"
    make_record(f"sqlite:///{path}").db.dispose()
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", str(path))
    argv = ("import", str(CASES / "ex1-diuretic-cramps.json"), "--user", "doc", "--password-stdin")
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["doc"]) == 0
    raw = sqlite3.connect(path)
    raw.execute(FAIL_AUDIT)
    raw.commit()
    raw.close()
    out = tmp_path / "out"
    out.mkdir()
    return out


@pytest.mark.parametrize(
    ("command", "name"),
    [("report", "summary.pdf"), ("export-case", "case.json"), ("export-fhir", "bundle.json")],
)
def test_no_file_is_left_when_the_audit_write_fails(failing_audit, monkeypatch, capsys, command, name):
    target = failing_audit / name
    argv = (command, "--mrn", "EX-0001", "-o", str(target), "--user", "doc", "--password-stdin")
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["doc"]) == 2
    err = capsys.readouterr().err
    assert "disk I/O error" in err and "Traceback" not in err
    assert list(failing_audit.iterdir()) == []


def test_a_file_already_there_is_left_as_it_was_when_the_audit_fails(failing_audit, monkeypatch):
    target = failing_audit / "case.json"
    target.write_text("earlier export")
    argv = ("export-case", "--mrn", "EX-0001", "-o", str(target), "--user", "doc", "--password-stdin")
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["doc"]) == 2
    assert target.read_text() == "earlier export"
    assert [p.name for p in failing_audit.iterdir()] == ["case.json"]
