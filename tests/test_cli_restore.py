"""`cramp-dx db restore FILE`: an admin signs in; the backup is checked before anything is
touched; a verified copy of the current content is kept; the restore is refused while the
record is in use and is audited; no save another program was told succeeded is lost. On
SQLite and PostgreSQL."""

# the shared fixtures are imported by name, so test parameters "redefine" them
# ruff: noqa: F811

from __future__ import annotations

import io
import os
import re
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from support.postgres import postgres_server, postgres_url  # noqa: F401
from support.record import CASES, PASSWORDS, any_url, make_record  # noqa: F401

from cramp_dx.cli.main import main
from cramp_dx.services import Services
from cramp_dx.store import open_database, resolve_url
from cramp_dx.store.pgdump import pg_tool

ROOT = Path(__file__).resolve().parent.parent
IMPORTER = ROOT / "tests" / "support" / "importer.py"
BEFORE = ["EX-0001", "EX-0002"]  # in the record when it is backed up
AFTER = ["EX-0001", "EX-0002", "EX-0003"]  # in the record when it is restored


def cli(monkeypatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv))


def import_as_doc(monkeypatch, case: str) -> None:
    argv = ("import", str(CASES / f"{case}.json"), "--user", "doc", "--password-stdin")
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["doc"]) == 0


def restore(monkeypatch, source: Path, user: str = "admin") -> int:
    argv = ("db", "restore", str(source), "--user", user, "--password-stdin")
    return cli(monkeypatch, *argv, stdin=PASSWORDS[user] + "\n")


def mrns(url: str) -> list[str]:
    engine = create_engine(resolve_url(url))
    try:
        with engine.connect() as connection:
            return [row[0] for row in connection.execute(text("SELECT mrn FROM patient ORDER BY mrn"))]
    finally:
        engine.dispose()


def kept_path(out: str) -> Path:
    match = re.search(r"the previous content was kept \(verified\) in (.+)", out)
    assert match, out
    return Path(match.group(1).strip())


@pytest.fixture
def url(any_url, tmp_path, monkeypatch) -> str:
    """A record (on SQLite and on PostgreSQL) with the patients AFTER, backed up (`saved`)
    when it held the patients BEFORE."""
    make_record(any_url).db.dispose()
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", any_url)
    for case in ("ex1-diuretic-cramps", "ex2-early-swollen-calf"):
        import_as_doc(monkeypatch, case)
    assert cli(monkeypatch, "db", "backup", str(backup_path(any_url, tmp_path))) == 0
    import_as_doc(monkeypatch, "ex3-scar-or-disc")
    return any_url


@pytest.fixture
def saved(url, tmp_path) -> Path:
    return backup_path(url, tmp_path)


def backup_path(url: str, folder: Path) -> Path:
    return folder / ("saved.sqlite3" if url.startswith("sqlite") else "saved.dump")


@pytest.fixture
def sqlite_record(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    make_record(url).db.dispose()
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", url)
    import_as_doc(monkeypatch, "ex1-diuretic-cramps")
    return url


def sqlite_backup_of(url: str, tmp_path: Path, monkeypatch) -> Path:
    path = tmp_path / "saved.sqlite3"
    assert cli(monkeypatch, "db", "backup", str(path)) == 0
    return path


def libpq(url: str) -> str:
    return url.replace("+psycopg", "")


def restored_elsewhere(dump: Path, server) -> list[str]:
    """The patients of a PostgreSQL dump, restored by pg_restore into a new database."""
    name = server.create_database()
    subprocess.run(
        [pg_tool("pg_restore"), "--no-owner", "--dbname=" + libpq(server.url(name)), str(dump)],
        check=True,
        capture_output=True,
    )
    return mrns(server.url(name))


# --- who may restore ------------------------------------------------------------------------


def test_restore_needs_an_admin_to_sign_in(sqlite_record, tmp_path, monkeypatch, capsys):
    saved = sqlite_backup_of(sqlite_record, tmp_path, monkeypatch)
    import_as_doc(monkeypatch, "ex2-early-swollen-calf")
    capsys.readouterr()

    assert cli(monkeypatch, "db", "restore", str(saved)) == 2
    assert "--user: sign in" in capsys.readouterr().err
    assert restore(monkeypatch, saved, user="doc") == 2
    assert "may not restore the record from a backup; only an admin may" in capsys.readouterr().err
    assert mrns(sqlite_record) == ["EX-0001", "EX-0002"]


# --- a restore ------------------------------------------------------------------------------


def test_restore_puts_the_backup_back_and_audits_it(url, saved, monkeypatch, capsys):
    capsys.readouterr()

    assert restore(monkeypatch, saved) == 0

    kept = kept_path(capsys.readouterr().out)
    assert mrns(url) == BEFORE
    database = open_database(url)
    try:
        admin = Services(database, Services.authenticate(database, "admin", PASSWORDS["admin"]))
        last = [e for e in admin.audit_trail() if e.action != "sign_in"][-1]  # this sign-in's row
    finally:
        database.dispose()
    assert (last.username, last.action, last.entity) == ("admin", "restore", "record")
    assert str(saved) in last.new_value and str(kept) in last.new_value
    assert cli(monkeypatch, "audit", "--verify") == 0


def test_restore_keeps_a_verified_copy_of_the_current_content_on_sqlite(
    sqlite_record, tmp_path, monkeypatch, capsys
):
    saved = sqlite_backup_of(sqlite_record, tmp_path, monkeypatch)
    import_as_doc(monkeypatch, "ex2-early-swollen-calf")
    capsys.readouterr()

    assert restore(monkeypatch, saved) == 0

    kept = kept_path(capsys.readouterr().out)
    assert kept.parent == tmp_path and kept.name.startswith("record.before-restore-")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert mrns(f"sqlite:///{kept}") == ["EX-0001", "EX-0002"]
    assert sqlite3.connect(kept).execute("PRAGMA integrity_check").fetchall() == [("ok",)]


@pytest.mark.postgres
def test_restore_keeps_a_verified_dump_of_the_current_content_on_postgresql(
    postgres_server, postgres_url, tmp_path, monkeypatch, capsys
):
    make_record(postgres_url).db.dispose()
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", postgres_url)
    import_as_doc(monkeypatch, "ex1-diuretic-cramps")
    saved = tmp_path / "saved.dump"
    assert cli(monkeypatch, "db", "backup", str(saved)) == 0
    import_as_doc(monkeypatch, "ex2-early-swollen-calf")
    capsys.readouterr()

    assert restore(monkeypatch, saved) == 0

    kept = kept_path(capsys.readouterr().out)
    assert kept.parent == Path(os.environ["CRAMP_DX_DATA_DIR"]) / "backups"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert restored_elsewhere(kept, postgres_server) == ["EX-0001", "EX-0002"]
    assert mrns(postgres_url) == ["EX-0001"]


# --- backups that are refused ---------------------------------------------------------------


def _junk(path: Path) -> None:
    path.write_bytes(b"this is not a database")


def _damaged(path: Path) -> None:
    connection = sqlite3.connect(path)
    (root,) = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = 'audit_event'").fetchone()
    (size,) = connection.execute("PRAGMA page_size").fetchone()
    connection.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * size
    data[start + 8 : start + size] = b"\xff" * (size - 8)
    path.write_bytes(bytes(data))


def _only_a_schema_version(path: Path) -> None:
    path.unlink()
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    connection.execute("INSERT INTO alembic_version VALUES ('0001')")
    connection.commit()
    connection.close()


def _alter(path: Path, *statements: str) -> None:
    connection = sqlite3.connect(path)
    for statement in statements:
        connection.execute(statement)
    connection.commit()
    connection.close()


BAD_BACKUPS = {
    "not a database": (_junk, r"is not an SQLite backup of a cramp-dx record"),
    "damaged": (_damaged, r"fails SQLite's integrity check|cannot be read"),
    "only a schema version": (_only_a_schema_version, r"is not a cramp-dx record: no table account"),
    "two schema versions": (
        lambda p: _alter(p, "INSERT INTO alembic_version VALUES ('0000')"),
        r"holds 2 schema versions; a cramp-dx record holds exactly one",
    ),
    "a newer schema": (
        lambda p: _alter(p, "UPDATE alembic_version SET version_num = '9999_future'"),
        r"was written by a newer cramp-dx \(schema 9999_future\)",
    ),
    "a broken audit chain": (
        lambda p: _alter(
            p,
            "DROP TRIGGER audit_event_no_update",
            "UPDATE audit_event SET username = 'mallory' WHERE id = 2",
        ),
        r"audit row 2: content altered",
    ),
}


@pytest.mark.parametrize("defect", BAD_BACKUPS)
def test_restore_refuses_a_backup_that_fails_a_check_naming_it(
    sqlite_record, tmp_path, monkeypatch, capsys, defect
):
    saved = sqlite_backup_of(sqlite_record, tmp_path, monkeypatch)
    spoil, message = BAD_BACKUPS[defect]
    spoil(saved)
    capsys.readouterr()

    assert restore(monkeypatch, saved) == 2

    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert re.search(rf"cramp-dx: error: {re.escape(str(saved))}: not restored: .*({message})", err), err
    assert mrns(sqlite_record) == ["EX-0001"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["record.sqlite3", "saved.sqlite3"]


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        ("junk", r"cannot be read as a PostgreSQL dump \(pg_dump custom format\)"),
        ("audit", r"audit row 2: content altered"),
    ],
)
def test_restore_refuses_a_dump_that_fails_a_check_naming_it(
    postgres_url, tmp_path, monkeypatch, capsys, spoil, message
):
    make_record(postgres_url).db.dispose()
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", postgres_url)
    import_as_doc(monkeypatch, "ex1-diuretic-cramps")
    saved = tmp_path / "saved.dump"
    if spoil == "junk":
        saved.write_bytes(b"PGDMP but not really")
    else:
        engine = create_engine(postgres_url)
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
            connection.execute(text("UPDATE audit_event SET username = 'mallory' WHERE id = 2"))
            connection.execute(text("ALTER TABLE audit_event ENABLE TRIGGER USER"))
        engine.dispose()
        assert cli(monkeypatch, "db", "backup", str(saved)) == 0
    import_as_doc(monkeypatch, "ex2-early-swollen-calf")
    capsys.readouterr()

    assert restore(monkeypatch, saved) == 2

    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert re.search(rf"cramp-dx: error: {re.escape(str(saved))}: not restored: .*{message}", err), err
    assert mrns(postgres_url) == ["EX-0001", "EX-0002"]
    assert list((Path(os.environ["CRAMP_DX_DATA_DIR"]) / "backups").glob("*")) == []


# --- the record in use ----------------------------------------------------------------------

HOLDER = """
import sys
from sqlalchemy import text
from cramp_dx.store import open_database
database = open_database(sys.argv[1])
with database.engine.connect() as connection:
    connection.execute(text("SELECT count(*) FROM patient")).all()
    print("ready", flush=True)
    sys.stdin.readline()
"""


def test_restore_is_refused_while_another_program_has_the_record_open(
    url, saved, monkeypatch, capsys
):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        capsys.readouterr()

        assert restore(monkeypatch, saved) == 2

        err = capsys.readouterr().err
        assert "is in use" in err and "Nothing was changed" in err and "Traceback" not in err
    finally:
        holder.communicate("\n", timeout=60)
    assert mrns(url) == AFTER


def test_no_save_reported_by_another_program_is_lost_to_a_restore(url, saved, monkeypatch, capsys):
    importer = subprocess.Popen(
        [sys.executable, str(IMPORTER), url, "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert importer.stdout is not None
    assert importer.stdout.readline().strip() == "ready", importer.stderr
    time.sleep(1.0)
    outcomes = []
    deadline = time.monotonic() + 15.0
    while time.monotonic() < deadline and 0 not in outcomes:
        outcomes.append(restore(monkeypatch, saved))
    time.sleep(2.0)  # saves after the restore
    importer.terminate()  # a save cut short was never reported, so it may be missing
    out, _ = importer.communicate(timeout=120)
    printed = capsys.readouterr().out

    assert 0 in outcomes, f"never restored while the other program saved: {outcomes}"
    reported = {line.split()[1] for line in out.splitlines() if line.startswith("saved ")}
    kept = kept_path(printed)
    before = set(mrns(f"sqlite:///{kept}")) if url.startswith("sqlite") else set(_dump_mrns(kept))
    after = set(mrns(url))
    assert reported & before and reported & after, "the restore did not happen amid the saves"
    lost = reported - before - after
    assert not lost, f"saves reported as done but in neither the kept copy nor the record: {sorted(lost)}"


def _dump_mrns(dump: Path) -> list[str]:
    from cramp_dx.store.pgdump import read_dump

    found: list[str] = []
    read_dump(dump, {"patient": lambda row: found.append(str(row["mrn"]))})
    return found
