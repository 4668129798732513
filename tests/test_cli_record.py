"""The record's commands: user, import, export-case, audit, db, demo."""

from __future__ import annotations

import io
import json
import sqlite3

import pytest
from support.postgres import postgres_server, postgres_url  # noqa: F401
from support.record import CASES, EXAMPLES, PASSWORDS, make_record

from cramp_dx.cli.main import main


@pytest.fixture
def url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    make_record(url).db.dispose()
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", url)
    return url


def cli(monkeypatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv))


def as_doc(*argv: str) -> tuple[str, ...]:
    return (*argv, "--user", "doc", "--password-stdin")


@pytest.mark.parametrize("name", EXAMPLES)
def test_import_then_export_case_reproduces_the_case_file(url, monkeypatch, capsys, tmp_path, name):
    source = CASES / f"{name}.json"
    assert cli(monkeypatch, *as_doc("import", str(source)), stdin=PASSWORDS["doc"]) == 0
    visit_id = int(capsys.readouterr().out.strip())
    mrn = json.loads(source.read_text())["patient"]["mrn"]
    out = tmp_path / "out.json"
    argv = as_doc("export-case", "--mrn", mrn, "--visit", str(visit_id), "-o", str(out))
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["doc"]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(source.read_text())


def test_export_case_without_a_visit_writes_the_latest_to_stdout(url, monkeypatch, capsys):
    source = CASES / "ex3-scar-or-disc.json"
    cli(monkeypatch, *as_doc("import", str(source)), stdin=PASSWORDS["doc"])
    capsys.readouterr()
    assert cli(monkeypatch, *as_doc("export-case", "--mrn", "EX-0003"), stdin=PASSWORDS["doc"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(source.read_text())


def test_a_bad_case_file_exits_2_naming_the_field(url, monkeypatch, capsys, tmp_path):
    case = json.loads((CASES / "ex1-diuretic-cramps.json").read_text())
    case["labs"][0]["value"] = 45
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(case))
    assert cli(monkeypatch, *as_doc("import", str(bad)), stdin=PASSWORDS["doc"]) == 2
    assert "labs[0].value" in capsys.readouterr().err


def test_a_wrong_password_exits_2_without_a_traceback(url, monkeypatch, capsys):
    source = CASES / "ex1-diuretic-cramps.json"
    assert cli(monkeypatch, *as_doc("import", str(source)), stdin="nope\n") == 2
    err = capsys.readouterr().err
    assert "wrong password" in err and "Traceback" not in err


def test_user_add_bootstraps_the_first_account_then_needs_an_admin(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", f"sqlite:///{tmp_path / 'r.sqlite3'}")
    argv = ("user", "add", "boss", "--role", "admin", "--password-stdin")
    assert cli(monkeypatch, *argv, stdin="boss-secret-1\n") == 0
    argv = ("user", "add", "ann", "--role", "nurse", "--password-stdin")
    assert cli(monkeypatch, *argv, stdin="ann-secret-1\n") == 2
    assert "admin" in capsys.readouterr().err
    argv = (*argv, "--user", "boss")
    assert cli(monkeypatch, *argv, stdin="ann-secret-1\nboss-secret-1\n") == 0
    assert (
        cli(
            monkeypatch,
            "user",
            "list",
            "--user",
            "boss",
            "--password-stdin",
            stdin="boss-secret-1\n",
        )
        == 0
    )
    assert "ann\tnurse" in capsys.readouterr().out


def signs_in(monkeypatch, capsys, user: str, password: str) -> bool:
    """`user list` needs an admin, so a nurse is checked by the error it gets: a refused role
    (signed in) or a wrong password (not signed in)."""
    cli(monkeypatch, "user", "list", "--user", user, "--password-stdin", stdin=password + "\n")
    err = capsys.readouterr().err
    return "wrong password" not in err


def test_user_passwd_changes_your_own_password(url, monkeypatch, capsys):
    stdin = f"{PASSWORDS['nurse']}\nnew-nurse-secret-2\n"
    assert cli(monkeypatch, "user", "passwd", "nurse", "--password-stdin", stdin=stdin) == 0
    assert "password changed for nurse" in capsys.readouterr().out
    assert not signs_in(monkeypatch, capsys, "nurse", PASSWORDS["nurse"])
    assert signs_in(monkeypatch, capsys, "nurse", "new-nurse-secret-2")


def test_user_passwd_of_someone_else_needs_an_admin(url, monkeypatch, capsys):
    stdin = f"{PASSWORDS['nurse']}\nnew-doctor-secret-2\n"
    argv = ("user", "passwd", "doc", "--user", "nurse", "--password-stdin")
    assert cli(monkeypatch, *argv, stdin=stdin) == 2
    err = capsys.readouterr().err
    assert "admin" in err and "Traceback" not in err
    assert signs_in(monkeypatch, capsys, "doc", PASSWORDS["doc"])


def test_user_passwd_refuses_a_short_password(url, monkeypatch, capsys):
    stdin = f"{PASSWORDS['nurse']}\nshort\n"
    assert cli(monkeypatch, "user", "passwd", "nurse", "--password-stdin", stdin=stdin) == 2
    assert "at least 8 characters" in capsys.readouterr().err


def test_a_disabled_account_cannot_sign_in_until_enabled(url, monkeypatch, capsys):
    admin = ("--user", "admin", "--password-stdin")
    assert cli(monkeypatch, "user", "disable", "nurse", *admin, stdin=PASSWORDS["admin"]) == 0
    assert not signs_in(monkeypatch, capsys, "nurse", PASSWORDS["nurse"])
    assert cli(monkeypatch, "user", "list", *admin, stdin=PASSWORDS["admin"]) == 0
    assert "nurse\tnurse\tnurse (disabled)" in capsys.readouterr().out
    assert cli(monkeypatch, "user", "enable", "nurse", *admin, stdin=PASSWORDS["admin"]) == 0
    assert signs_in(monkeypatch, capsys, "nurse", PASSWORDS["nurse"])


def test_disabling_needs_an_admin_and_an_existing_account(url, monkeypatch, capsys):
    argv = ("user", "disable", "nurse", "--user", "doc", "--password-stdin")
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["doc"]) == 2
    assert "admin" in capsys.readouterr().err
    argv = ("user", "disable", "nobody", "--user", "admin", "--password-stdin")
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["admin"]) == 2
    assert "no account named 'nobody'" in capsys.readouterr().err
    argv = ("user", "disable", "admin", "--user", "admin", "--password-stdin")
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["admin"]) == 2
    assert "cannot disable their own account" in capsys.readouterr().err


def test_audit_shows_a_patients_trail(url, monkeypatch, capsys):
    cli(
        monkeypatch,
        *as_doc("import", str(CASES / "ex2-early-swollen-calf.json")),
        stdin=PASSWORDS["doc"],
    )
    capsys.readouterr()
    assert cli(monkeypatch, *as_doc("audit", "--mrn", "EX-0002"), stdin=PASSWORDS["doc"]) == 0
    out = capsys.readouterr().out
    assert "doc  create patient" in out and "doc  import visit" in out


def test_audit_verify_reports_a_row_altered_in_the_file(url, monkeypatch, capsys, tmp_path):
    cli(
        monkeypatch,
        *as_doc("import", str(CASES / "ex1-diuretic-cramps.json")),
        stdin=PASSWORDS["doc"],
    )
    assert cli(monkeypatch, "audit", "--verify") == 0
    assert "intact" in capsys.readouterr().out
    raw = sqlite3.connect(tmp_path / "record.sqlite3")
    raw.execute("DROP TRIGGER audit_event_no_update")
    raw.execute("UPDATE audit_event SET username = 'mallory' WHERE id = 2")
    raw.commit()
    raw.close()
    assert cli(monkeypatch, "audit", "--verify") == 1
    err = capsys.readouterr().err
    assert "audit row 2: content altered" in err
    assert "trigger audit_event_no_update is missing" in err


def test_db_check_backup_and_restore(url, monkeypatch, capsys, tmp_path):
    cli(
        monkeypatch,
        *as_doc("import", str(CASES / "ex1-diuretic-cramps.json")),
        stdin=PASSWORDS["doc"],
    )
    assert cli(monkeypatch, "db", "check") == 0
    saved = tmp_path / "saved.sqlite3"
    assert cli(monkeypatch, "db", "backup", str(saved)) == 0
    cli(
        monkeypatch,
        *as_doc("import", str(CASES / "ex2-early-swollen-calf.json")),
        stdin=PASSWORDS["doc"],
    )
    restore = ("db", "restore", str(saved), "--user", "admin", "--password-stdin")
    assert cli(monkeypatch, *restore, stdin=PASSWORDS["admin"]) == 0
    capsys.readouterr()
    assert cli(monkeypatch, *as_doc("export-case", "--mrn", "EX-0002"), stdin=PASSWORDS["doc"]) == 2
    assert "no patient with MRN 'EX-0002'" in capsys.readouterr().err
    assert cli(monkeypatch, "db", "upgrade") == 0


def test_db_commands_refuse_a_non_database_file_and_leave_it(tmp_path, monkeypatch, capsys):
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all")
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", f"sqlite:///{junk}")
    assert cli(monkeypatch, "db", "check") == 2
    assert "not a cramp-dx database" in capsys.readouterr().err
    assert junk.read_bytes() == b"not a database at all"


def test_demo_adds_fictional_patients_covering_the_examples_once(url, monkeypatch, capsys):
    assert cli(monkeypatch, *as_doc("demo"), stdin=PASSWORDS["doc"]) == 0
    assert cli(monkeypatch, *as_doc("demo"), stdin=PASSWORDS["doc"]) == 0
    out = capsys.readouterr().out
    for mrn in ("EX-0001", "EX-0002", "EX-0003"):
        assert f"added {mrn}" in out and f"{mrn} is already in the record" in out


@pytest.mark.postgres
def test_db_backup_and_restore_on_postgresql(postgres_url, monkeypatch, tmp_path, capsys):  # noqa: F811
    make_record(postgres_url).db.dispose()
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", postgres_url)
    cli(
        monkeypatch,
        *as_doc("import", str(CASES / "ex1-diuretic-cramps.json")),
        stdin=PASSWORDS["doc"],
    )
    dump = tmp_path / "clinic.dump"
    assert cli(monkeypatch, "db", "backup", str(dump)) == 0
    cli(
        monkeypatch,
        *as_doc("import", str(CASES / "ex2-early-swollen-calf.json")),
        stdin=PASSWORDS["doc"],
    )
    restore = ("db", "restore", str(dump), "--user", "admin", "--password-stdin")
    assert cli(monkeypatch, *restore, stdin=PASSWORDS["admin"]) == 0
    assert cli(monkeypatch, "db", "check") == 0
    capsys.readouterr()
    assert cli(monkeypatch, *as_doc("export-case", "--mrn", "EX-0002"), stdin=PASSWORDS["doc"]) == 2
    assert cli(monkeypatch, *as_doc("export-case", "--mrn", "EX-0001"), stdin=PASSWORDS["doc"]) == 0


def test_assess_a_saved_visit_by_mrn(url, monkeypatch, capsys):
    cli(monkeypatch, *as_doc("import", str(CASES / "ex2-early-swollen-calf.json")), stdin=PASSWORDS["doc"])
    capsys.readouterr()
    argv = as_doc("assess", "--mrn", "EX-0002", "--format", "json")
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["doc"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["differential"][0]["id"] == "dvt"
    assert result["wells"]["score"] >= 3


def test_assess_an_unknown_mrn_exits_2(url, monkeypatch, capsys):
    assert cli(monkeypatch, *as_doc("assess", "--mrn", "NOPE-1"), stdin=PASSWORDS["doc"]) == 2
    err = capsys.readouterr().err
    assert "NOPE-1" in err and "Traceback" not in err


def test_export_case_writes_an_owner_only_file(url, monkeypatch, capsys, tmp_path):
    cli(monkeypatch, *as_doc("import", str(CASES / "ex3-scar-or-disc.json")), stdin=PASSWORDS["doc"])
    out = tmp_path / "case.json"
    argv = as_doc("export-case", "--mrn", "EX-0003", "-o", str(out))
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["doc"]) == 0
    assert out.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
