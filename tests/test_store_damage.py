"""A damaged SQLite record: detected and reported before anything is written to it; `db check`
and `audit --verify` report damage and never crash; a schema table with two rows is a clear
error. Each test damages a real record file the way a failing disk does (a page overwritten)."""

from __future__ import annotations

import io
import random
import shutil
import sqlite3
from pathlib import Path

import pytest
from support.record import CASES, PASSWORDS, make_record

from cramp_dx.cli.main import main
from cramp_dx.services import Services
from cramp_dx.store import open_database, signing

DAMAGED_PAGES = 10


def cli(monkeypatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv))


@pytest.fixture(scope="module")
def sound_record(tmp_path_factory) -> Path:
    """A record with accounts, the demo patients and their audit trail, checkpointed into
    one file."""
    path = tmp_path_factory.mktemp("sound") / "record.sqlite3"
    rec = make_record(f"sqlite:///{path}")
    Services(rec.db, rec.doc).add_demo_patients()
    rec.db.dispose()
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    _KEYS[path] = signing.load_key()
    return path


_KEYS: dict[Path, bytes | None] = {}


@pytest.fixture(autouse=True)
def _the_sound_records_key(sound_record) -> None:
    """Each test has its own config folder: give it the audit key that sealed the record."""
    signing.store_key(_KEYS[sound_record])


def btree_pages(path: Path) -> list[int]:
    raw = sqlite3.connect(path)
    try:
        pages = sorted({row[0] for row in raw.execute("SELECT pageno FROM dbstat")})
    finally:
        raw.close()
    step = max(1, len(pages) // DAMAGED_PAGES)
    return pages[::step][:DAMAGED_PAGES]


@pytest.fixture
def damaged(sound_record, tmp_path, request, monkeypatch) -> Path:
    """A copy of the sound record with one of its pages overwritten by random bytes."""
    page = btree_pages(sound_record)[request.param]
    path = tmp_path / "record.sqlite3"
    shutil.copyfile(sound_record, path)
    size = sqlite3.connect(sound_record).execute("PRAGMA page_size").fetchone()[0]
    with path.open("r+b") as handle:
        handle.seek((page - 1) * size + (100 if page == 1 else 0))
        handle.write(random.Random(page).randbytes(size - (100 if page == 1 else 0)))
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", str(path))
    return path


PAGE_CASES = pytest.mark.parametrize("damaged", range(DAMAGED_PAGES), indirect=True)


@PAGE_CASES
def test_db_check_reports_a_damaged_page_without_crashing(damaged, monkeypatch, capsys):
    assert cli(monkeypatch, "db", "check") != 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "problem" in captured.out or "damaged" in captured.err


@PAGE_CASES
def test_audit_verify_reports_a_damaged_page_without_crashing(damaged, monkeypatch, capsys):
    assert cli(monkeypatch, "audit", "--verify") != 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "problem" in captured.out or "damaged" in captured.err


@PAGE_CASES
def test_import_refuses_a_damaged_record_and_writes_nothing_to_it(damaged, monkeypatch, capsys):
    before = damaged.read_bytes()
    argv = ("import", str(CASES / "ex1-diuretic-cramps.json"), "--user", "doc", "--password-stdin")
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["doc"]) == 2
    err = capsys.readouterr().err
    assert "is damaged" in err and "nothing was written" in err and "Traceback" not in err
    assert damaged.read_bytes() == before
    wal = Path(f"{damaged}-wal")  # a reader may leave an empty one; no write may be in it
    assert not wal.exists() or wal.stat().st_size == 0


def test_a_sound_record_opens(sound_record, tmp_path):
    path = tmp_path / "record.sqlite3"
    shutil.copyfile(sound_record, path)
    open_database(str(path)).dispose()


def test_a_schema_table_with_two_rows_is_a_clear_error(sound_record, tmp_path, monkeypatch, capsys):
    path = tmp_path / "record.sqlite3"
    shutil.copyfile(sound_record, path)
    raw = sqlite3.connect(path)
    raw.execute("INSERT INTO alembic_version VALUES ('0001')")
    raw.commit()
    raw.close()
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", str(path))
    for argv in (("db", "check"), ("db", "upgrade"), ("audit", "--verify")):
        assert cli(monkeypatch, *argv) == 2
        err = capsys.readouterr().err
        assert "holds 2 versions" in err and "Traceback" not in err


def test_what_the_damage_message_says_to_do_brings_the_backup_back(
    sound_record, tmp_path, monkeypatch, capsys
):
    path = tmp_path / "record.sqlite3"
    shutil.copyfile(sound_record, path)
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", str(path))
    backup = tmp_path / "backup.sqlite3"
    assert cli(monkeypatch, "db", "backup", str(backup)) == 0
    with path.open("r+b") as handle:  # the audit table's pages and more: zeroed
        handle.seek(8 * 4096)
        handle.write(bytes(4 * 4096))
    argv = ("assess", "--mrn", "EX-0001", "--user", "doc", "--password-stdin")
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["doc"]) == 2
    err = capsys.readouterr().err
    assert "move this file aside" in err and "copy the backup in its place" in err
    for end in ("", "-wal", "-shm"):
        if Path(f"{path}{end}").exists():
            Path(f"{path}{end}").rename(tmp_path / f"damaged{end}")
    shutil.copyfile(backup, path)
    assert cli(monkeypatch, "db", "check") == 0
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["doc"]) == 0


@pytest.fixture
def too_damaged(sound_record, tmp_path, monkeypatch) -> tuple[Path, Path, bytes]:
    """A record whose first page (the schema) is overwritten, so it cannot even be opened,
    and a backup of it taken before."""
    path = tmp_path / "record.sqlite3"
    shutil.copyfile(sound_record, path)
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", str(path))
    backup = tmp_path / "backup.sqlite3"
    assert cli(monkeypatch, "db", "backup", str(backup)) == 0
    with path.open("r+b") as handle:
        handle.seek(100)
        handle.write(random.Random(1).randbytes(3996))
    return path, backup, path.read_bytes()


def restore_forced(monkeypatch, backup: Path, user: str, password: str) -> int:
    argv = ("db", "restore", str(backup), "--force-damaged", "--user", user, "--password-stdin")
    return cli(monkeypatch, *argv, stdin=password + "\n")


def test_a_record_too_damaged_to_open_is_restored_with_the_backups_admin(
    too_damaged, monkeypatch, capsys
):
    path, backup, damaged_bytes = too_damaged
    argv = ("db", "restore", str(backup), "--user", "admin", "--password-stdin")
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["admin"]) == 2
    assert "--force-damaged" in capsys.readouterr().err
    assert restore_forced(monkeypatch, backup, "admin", PASSWORDS["admin"]) == 0
    out = capsys.readouterr().out
    kept = Path(out.split("kept as it was in ")[1].strip())
    assert kept.read_bytes() == damaged_bytes
    assert cli(monkeypatch, "db", "check") == 0
    assert cli(monkeypatch, "audit", "--emergency", "--user", "admin", "--password-stdin",
               stdin=PASSWORDS["admin"]) == 0
    database = open_database(str(path))
    try:
        with database.engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT username, new_value FROM audit_event WHERE action = 'restore'"
            ).all()
    finally:
        database.dispose()
    assert rows[-1][0] == "admin" and "record_was_damaged" in rows[-1][1]


@pytest.mark.parametrize(("user", "password"), [("doc", PASSWORDS["doc"]), ("admin", "wrong-password")])
def test_a_forced_restore_needs_an_admin_of_the_backup(too_damaged, monkeypatch, capsys, user, password):
    path, backup, damaged_bytes = too_damaged
    assert restore_forced(monkeypatch, backup, user, password) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert path.read_bytes() == damaged_bytes
