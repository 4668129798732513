"""Encryption at rest of an SQLite record (SQLCipher): `cramp-dx db encrypt` converts a
record in place; the file, its journal and its backups then hold no MRN or name; a wrong or
missing key is refused naming the file, which is left untouched."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from support.record import CASES, PASSWORDS, make_record

from cramp_dx.cli.main import main
from cramp_dx.services import Services, audit
from cramp_dx.store import StoreError, encryption, open_database

MRN, NAME = b"EX-0001", b"Example"


@pytest.fixture
def path(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "record.sqlite3"
    make_record(str(path)).db.dispose()
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", str(path))
    assert cli(monkeypatch, "import", str(CASES / "ex1-diuretic-cramps.json"), "--user", "doc",
               "--password-stdin", stdin=PASSWORDS["doc"]) == 0
    return path


def cli(monkeypatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv))


def plain_text_in(*files: Path) -> bytes:
    return b"".join(f.read_bytes() for f in files if f.exists())


def test_the_case_files_mrn_is_what_the_plain_record_shows(path):
    assert MRN in plain_text_in(path, Path(f"{path}-wal"))


def test_an_encrypted_record_holds_no_mrn_or_name_even_after_a_write(path, monkeypatch):
    assert cli(monkeypatch, "db", "encrypt") == 0
    assert cli(monkeypatch, "import", str(CASES / "ex2-early-swollen-calf.json"), "--user", "doc",
               "--password-stdin", stdin=PASSWORDS["doc"]) == 0
    content = plain_text_in(path, Path(f"{path}-wal"))
    assert MRN not in content and b"EX-0002" not in content and NAME not in content


def test_an_encrypted_record_reads_back_and_its_trail_verifies(path, monkeypatch):
    cli(monkeypatch, "db", "encrypt")
    database = open_database(str(path))
    try:
        doc = Services.authenticate(database, "doc", PASSWORDS["doc"])
        assert Services(database, doc).find_patient("EX-0001").mrn == "EX-0001"
        assert audit.verify(database) == []
    finally:
        database.dispose()


def test_a_wrong_key_is_refused_naming_the_file_and_leaves_it_untouched(path, monkeypatch):
    cli(monkeypatch, "db", "encrypt")
    encryption.store_key(path, "00" * 32)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(StoreError, match=rf"{path} cannot be decrypted with the key"):
        open_database(str(path))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_without_a_key_the_command_line_says_so_without_a_traceback(path, monkeypatch, capsys, tmp_path):
    cli(monkeypatch, "db", "encrypt")
    monkeypatch.setenv("CRAMP_DX_CONFIG_DIR", str(tmp_path / "elsewhere"))  # no key here
    capsys.readouterr()
    assert cli(monkeypatch, "db", "check") == 2
    err = capsys.readouterr().err
    assert "this workstation holds no key for it" in err and "Traceback" not in err


def test_a_passphrase_record_opens_with_the_passphrase(path, monkeypatch):
    assert cli(monkeypatch, "db", "encrypt", "--passphrase-stdin", stdin="correct horse battery\n") == 0
    monkeypatch.setenv(encryption.PASSPHRASE_ENV, "correct horse battery")
    assert cli(monkeypatch, "db", "check") == 0


def test_the_backup_of_an_encrypted_record_is_encrypted(path, monkeypatch, tmp_path):
    cli(monkeypatch, "db", "encrypt")
    saved = tmp_path / "saved.sqlite3"
    assert cli(monkeypatch, "db", "backup", str(saved)) == 0
    assert encryption.is_encrypted(saved)
    assert MRN not in saved.read_bytes()


def test_the_backup_of_an_encrypted_record_opens_with_its_key(path, monkeypatch, tmp_path):
    cli(monkeypatch, "db", "encrypt")
    saved = tmp_path / "saved.sqlite3"
    cli(monkeypatch, "db", "backup", str(saved))
    connection = encryption.connect(saved, encryption.pragma_key(path))
    try:
        assert connection.execute("SELECT mrn FROM patient").fetchall() == [("EX-0001",)]
    finally:
        connection.close()


def test_encrypting_twice_is_refused(path, monkeypatch, capsys):
    cli(monkeypatch, "db", "encrypt")
    capsys.readouterr()
    assert cli(monkeypatch, "db", "encrypt") == 2
    assert "is already encrypted" in capsys.readouterr().err


def test_restoring_an_encrypted_record_is_refused_with_what_to_do(path, monkeypatch, capsys, tmp_path):
    cli(monkeypatch, "db", "encrypt")
    saved = tmp_path / "saved.sqlite3"
    cli(monkeypatch, "db", "backup", str(saved))
    capsys.readouterr()
    assert cli(monkeypatch, "db", "restore", str(saved), "--user", "admin", "--password-stdin",
               stdin=PASSWORDS["admin"]) == 2
    assert "does not restore an encrypted record yet" in capsys.readouterr().err
