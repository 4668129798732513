"""A record's location is taken literally: `#`, `?`, `%41`, spaces and unicode in a folder or
file name never turn into URL syntax, whichever way the path arrives (the default data
folder, a plain path on the command line, Settings → SQLite file…, backup, restore and the
backup taken before an upgrade)."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from support.record import CASES, PASSWORDS, make_record

from cramp_dx.cli.main import main
from cramp_dx.store import StoreError, open_database, resolve_url
from cramp_dx.store.location import sqlite_url_text

# every character that URL or SQLite URI syntax would act on, plus a space and non-ASCII text
AWKWARD = "clinic #2 a?b=1 50%41 ünïcødé 日本"


def cli(monkeypatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv))


def import_as_doc(monkeypatch, case: str) -> int:
    argv = ("import", str(CASES / f"{case}.json"), "--user", "doc", "--password-stdin")
    return cli(monkeypatch, *argv, stdin=PASSWORDS["doc"])


def patients_in(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT count(*) FROM patient").fetchone()[0]
    finally:
        connection.close()


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def test_db_backup_of_a_record_in_a_folder_with_a_hash_keeps_every_patient(tmp_path, monkeypatch):
    monkeypatch.setenv("CRAMP_DX_DATA_DIR", str(tmp_path / "clinic #2"))
    make_record(None).db.dispose()
    assert import_as_doc(monkeypatch, "ex1-diuretic-cramps") == 0
    assert import_as_doc(monkeypatch, "ex2-early-swollen-calf") == 0
    saved = tmp_path / "saved #1.sqlite3"

    assert cli(monkeypatch, "db", "backup", str(saved)) == 0

    assert patients_in(tmp_path / "clinic #2" / "cramp_dx.sqlite3") == 2
    assert patients_in(saved) == 2


def test_db_restore_in_a_folder_with_awkward_characters_restores_and_keeps_every_patient(
    tmp_path, monkeypatch, capsys
):
    folder = tmp_path / AWKWARD
    monkeypatch.setenv("CRAMP_DX_DATA_DIR", str(folder))
    make_record(None).db.dispose()
    assert import_as_doc(monkeypatch, "ex1-diuretic-cramps") == 0
    saved = folder / "saved #1?.sqlite3"
    assert cli(monkeypatch, "db", "backup", str(saved)) == 0
    assert import_as_doc(monkeypatch, "ex2-early-swollen-calf") == 0
    argv = ("db", "restore", str(saved), "--user", "admin", "--password-stdin")

    assert cli(monkeypatch, *argv, stdin=PASSWORDS["admin"]) == 0

    assert patients_in(folder / "cramp_dx.sqlite3") == 1
    (kept,) = folder.glob("cramp_dx.before-restore-*.sqlite3")
    assert patients_in(kept) == 2


def test_the_default_record_is_the_file_in_the_data_folder_whatever_its_name(tmp_path, monkeypatch):
    folder = tmp_path / AWKWARD
    monkeypatch.setenv("CRAMP_DX_DATA_DIR", str(folder))
    argv = ("user", "add", "boss", "--role", "admin", "--password-stdin")

    assert cli(monkeypatch, *argv, stdin="boss-secret-1\n") == 0

    record = folder / "cramp_dx.sqlite3"
    assert {p for p in files_under(tmp_path) if p.suffix == ".sqlite3"} == {record}
    assert sqlite3.connect(record).execute("SELECT username FROM account").fetchall() == [("boss",)]


def test_a_plain_path_given_as_the_database_is_opened_literally(tmp_path):
    path = tmp_path / AWKWARD / f"{AWKWARD}.sqlite3"

    database = open_database(str(path))
    database.dispose()

    assert database.path == path
    assert {p for p in files_under(tmp_path) if p.suffix == ".sqlite3"} == {path}


def test_the_url_written_for_a_path_reads_back_as_that_path(tmp_path):
    path = tmp_path / AWKWARD / "record.sqlite3"

    assert resolve_url(sqlite_url_text(path)).database == str(path)


def test_an_sqlite_url_with_an_unquoted_question_mark_is_refused_with_the_way_out(tmp_path):
    with pytest.raises(StoreError, match=r"takes no options after '\?'.*plain file path"):
        open_database(f"sqlite:///{tmp_path}/a?b=1/record.sqlite3")
    assert files_under(tmp_path) == set()


def test_the_backup_before_an_upgrade_in_a_folder_with_a_hash_holds_the_old_content(tmp_path):
    path = tmp_path / AWKWARD / "record.sqlite3"
    path.parent.mkdir()
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    raw.execute("CREATE TABLE marker (note TEXT)")
    raw.execute("INSERT INTO marker VALUES ('before the upgrade')")
    raw.commit()
    raw.close()

    upgraded = open_database(str(path))
    upgraded.dispose()

    assert upgraded.backup_path is not None and upgraded.backup_path.parent == path.parent
    kept = sqlite3.connect(upgraded.backup_path)
    assert kept.execute("SELECT note FROM marker").fetchall() == [("before the upgrade",)]
    kept.close()


@pytest.mark.gui
def test_settings_sqlite_file_chooser_names_exactly_the_chosen_file(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from cramp_dx.settings import Settings
    from cramp_dx.ui.settings_dialog import SettingsDialog

    chosen = tmp_path / AWKWARD / "record.sqlite3"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(chosen), ""))
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)

    dialog._choose_sqlite()

    assert resolve_url(dialog.database_url.text()).database == str(chosen)
