"""Signing in: every attempt is audited (CLI and app), repeated failures lock the account in
the record for every workstation, an admin may unlock it, and two simultaneous first
accounts cannot both become admins. On SQLite and PostgreSQL."""

# the shared fixtures are imported by name, so test parameters "redefine" them
# ruff: noqa: F811

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from support.postgres import postgres_server, postgres_url  # noqa: F401
from support.record import PASSWORDS, any_url, make_record, record  # noqa: F401

from cramp_dx.cli.main import main
from cramp_dx.services import AuthError, Services, service
from cramp_dx.store import open_database, resolve_url

ROOT = Path(__file__).resolve().parent.parent
FIRST_ACCOUNT = ROOT / "tests" / "support" / "first_account.py"


def fail(db, user: str = "nurse", times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(AuthError):
            Services.authenticate(db, user, "not-the-password")


def sign_in_rows(url: str) -> list[tuple[str, str, str | None]]:
    engine = create_engine(resolve_url(url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT username, action, new_value FROM audit_event WHERE action IN "
                    "('sign_in', 'sign_in_failed', 'lock', 'unlock') ORDER BY id"
                )
            ).all()
    finally:
        engine.dispose()
    return [(r[0], r[1], r[2]) for r in rows]


def later(monkeypatch, minutes: float) -> None:
    """The service's clock, `minutes` from now."""
    real = service._now
    monkeypatch.setattr(service, "_now", lambda: real() + timedelta(minutes=minutes))


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(record):
    fail(record.db, times=4)
    assert Services.authenticate(record.db, "doc", PASSWORDS["doc"])  # other accounts unaffected
    fail(record.db)
    with pytest.raises(AuthError, match="locked until"):
        Services.authenticate(record.db, "nurse", PASSWORDS["nurse"])


def test_a_successful_sign_in_starts_the_count_again(record):
    fail(record.db, times=4)
    Services.authenticate(record.db, "nurse", PASSWORDS["nurse"])
    fail(record.db, times=4)
    assert Services.authenticate(record.db, "nurse", PASSWORDS["nurse"]).username == "nurse"


def test_the_lock_is_kept_in_the_record_so_another_workstation_refuses_too(record, any_url):
    fail(record.db, times=5)
    elsewhere = open_database(any_url)
    try:
        with pytest.raises(AuthError, match="locked until"):
            Services.authenticate(elsewhere, "nurse", PASSWORDS["nurse"])
    finally:
        elsewhere.dispose()


def test_the_lock_ends_after_15_minutes(record, monkeypatch):
    fail(record.db, times=5)
    later(monkeypatch, 14)
    with pytest.raises(AuthError, match="locked until"):
        Services.authenticate(record.db, "nurse", PASSWORDS["nurse"])
    later(monkeypatch, 1.1)
    assert Services.authenticate(record.db, "nurse", PASSWORDS["nurse"]).username == "nurse"


def test_failures_more_than_15_minutes_apart_do_not_lock(record, monkeypatch):
    fail(record.db, times=4)
    later(monkeypatch, 16)
    fail(record.db, times=4)
    assert Services.authenticate(record.db, "nurse", PASSWORDS["nurse"]).username == "nurse"


def test_an_admin_unlocks_an_account_and_it_is_audited(record):
    fail(record.db, times=5)
    assert record.services("admin").list_accounts()[-1].locked_until is not None  # nurse
    record.services("admin").unlock("nurse")
    assert Services.authenticate(record.db, "nurse", PASSWORDS["nurse"]).locked_until is None
    assert ("admin", "unlock") in [(u, a) for u, a, _ in sign_in_rows_of(record)]


def sign_in_rows_of(rec) -> list[tuple[str, str, str | None]]:
    with rec.db.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT username, action, new_value FROM audit_event WHERE entity = 'account' ORDER BY id")
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def test_every_failed_and_successful_sign_in_is_audited_with_its_reason(record):
    fail(record.db, "nurse")
    fail(record.db, "nobody\x00at-all")
    Services.authenticate(record.db, "nurse", PASSWORDS["nurse"], via="app")
    rows = [(u, a, json.loads(v)) for u, a, v in sign_in_rows_of(record) if a.startswith("sign_in")]
    assert [(u, a, v["reason"] if "reason" in v else v["via"]) for u, a, v in rows] == [
        ("nurse", "sign_in_failed", "wrong password"),
        ("nobody?at-all", "sign_in_failed", "unknown user"),
        ("nurse", "sign_in", "app"),
    ]
    assert all(v["workstation"] for _, _, v in rows)


def test_the_lockout_is_audited(record):
    fail(record.db, times=5)
    actions = [a for u, a, _ in sign_in_rows_of(record) if u == "nurse"]
    assert actions[-2:] == ["lock", "sign_in_failed"]


# --- the command line and the app audit their sign-ins too ----------------------------------


def cli(monkeypatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv))


def test_command_line_sign_ins_are_audited_and_a_locked_account_exits_2(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    make_record(url).db.dispose()
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", url)
    argv = ("assess", "--mrn", "X-1", "--user", "nurse", "--password-stdin")
    for _ in range(5):
        assert cli(monkeypatch, *argv, stdin="wrong-password\n") == 2
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["nurse"] + "\n") == 2
    err = capsys.readouterr().err
    assert "locked until" in err and "Traceback" not in err
    rows = [(a, json.loads(v)) for u, a, v in sign_in_rows(url) if u == "nurse"]
    assert [a for a, _ in rows] == ["sign_in_failed"] * 4 + ["lock", "sign_in_failed", "sign_in_failed"]
    assert rows[0][1]["via"] == "cli" and rows[-1][1]["reason"] == "locked"


def test_user_unlock_on_the_command_line(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    rec = make_record(url)
    fail(rec.db, times=5)
    rec.db.dispose()
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", url)
    assert cli(monkeypatch, "user", "list", "--user", "admin", "--password-stdin",
               stdin=PASSWORDS["admin"]) == 0
    assert "nurse\tnurse\tnurse (locked until" in capsys.readouterr().out
    argv = ("user", "unlock", "nurse", "--user", "admin", "--password-stdin")
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["admin"]) == 0
    assert "nurse unlocked" in capsys.readouterr().out


# --- the first account ----------------------------------------------------------------------


def test_two_simultaneous_first_accounts_make_one_admin(any_url):
    start = time.time() + 4.0  # both have started (imports done) by then
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [
        subprocess.Popen(
            [sys.executable, str(FIRST_ACCOUNT), any_url, name, "first-secret-1", str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name in ("ann", "bob")
    ]
    results = [(child.wait(timeout=120), *child.communicate()) for child in children]
    codes = sorted(code for code, _out, _err in results)
    assert codes == [0, 2], results
    assert all("Traceback" not in err for _code, _out, err in results)
    engine = create_engine(resolve_url(any_url))
    try:
        with engine.connect() as connection:
            admins = connection.execute(text("SELECT count(*) FROM account WHERE role = 'admin'")).scalar()
    finally:
        engine.dispose()
    assert admins == 1
