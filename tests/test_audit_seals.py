"""The keyed, anchored audit trail (issue 15): seals made with a key the database does not
hold, the clinic key copied between workstations, this workstation's last verified head, and
signed checkpoints kept off the database (`audit checkpoint -o FILE`, `audit --verify
--against FILE`)."""

from __future__ import annotations

import io
import json
import sqlite3
import stat
from pathlib import Path

import keyring
import pytest
from support.keyring_backend import FileKeyring
from support.record import CASES, PASSWORDS, make_record

from cramp_dx.cli.main import main
from cramp_dx.services import audit
from cramp_dx.store import open_database, signing

HASHED = (
    "id", "at", "account_id", "username", "action", "entity", "entity_id", "patient_id",
    "visit_id", "field", "old_value", "new_value", "prev_hash",
)


@pytest.fixture
def url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    make_record(url).db.dispose()
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", url)
    return url


def cli(monkeypatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv))


def import_case(monkeypatch, name: str = "ex1-diuretic-cramps") -> None:
    argv = ("import", str(CASES / f"{name}.json"), "--user", "doc", "--password-stdin")
    assert cli(monkeypatch, *argv, stdin=PASSWORDS["doc"]) == 0


def other_workstation(tmp_path: Path, monkeypatch, name: str = "other") -> None:
    """From here on the test is another workstation: its own config and data folders."""
    monkeypatch.setenv("CRAMP_DX_CONFIG_DIR", str(tmp_path / name / "config"))
    monkeypatch.setenv("CRAMP_DX_DATA_DIR", str(tmp_path / name / "data"))


def rewrite_with_the_key(path: Path, audit_id: int) -> None:
    """Someone holding the database *and* the key: alter a row, recompute the later hashes
    and reseal the new head."""
    raw = sqlite3.connect(path)
    raw.row_factory = sqlite3.Row
    raw.execute("DROP TRIGGER audit_event_no_update")
    raw.execute("UPDATE audit_event SET username = 'mallory' WHERE id = ?", (audit_id,))
    previous = raw.execute("SELECT hash FROM audit_event WHERE id = ?", (audit_id - 1,)).fetchone()[0]
    for row in raw.execute("SELECT * FROM audit_event WHERE id >= ? ORDER BY id", (audit_id,)).fetchall():
        content = {k: row[k] for k in HASHED} | {"prev_hash": previous}
        previous = audit.row_hash(**content)
        raw.execute("UPDATE audit_event SET prev_hash = ?, hash = ? WHERE id = ?",
                    (content["prev_hash"], previous, row["id"]))
    key = signing.load_key()
    tail = raw.execute("SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1").fetchone()
    raw.execute("DELETE FROM audit_seal")
    raw.execute("INSERT INTO audit_seal VALUES (?, ?, ?, ?)",
                (tail[0], tail[1], signing.key_id(key), signing.mac(key, signing.seal_message(*tail))))
    from cramp_dx.store.protection import SQLITE_TRIGGERS

    raw.execute(SQLITE_TRIGGERS["audit_event_no_update"])
    raw.commit()
    raw.close()


# --- checkpoints ----------------------------------------------------------------------------


def test_a_checkpoint_of_an_intact_trail_verifies_against_it(url, monkeypatch, tmp_path, capsys):
    import_case(monkeypatch)
    point = tmp_path / "head.json"
    assert cli(monkeypatch, "audit", "checkpoint", "-o", str(point)) == 0
    import_case(monkeypatch, "ex2-early-swollen-calf")
    assert cli(monkeypatch, "audit", "--verify", "--against", str(point)) == 0
    assert "intact" in capsys.readouterr().out


def test_the_checkpoint_file_is_owner_only(url, monkeypatch, tmp_path):
    point = tmp_path / "head.json"
    cli(monkeypatch, "audit", "checkpoint", "-o", str(point))
    assert stat.S_IMODE(point.stat().st_mode) == 0o600


def test_a_checkpoint_catches_a_later_rewrite_by_someone_holding_the_key(
    url, monkeypatch, tmp_path, capsys
):
    import_case(monkeypatch)
    point = tmp_path / "head.json"
    cli(monkeypatch, "audit", "checkpoint", "-o", str(point))
    rewrite_with_the_key(tmp_path / "record.sqlite3", 3)
    (tmp_path / "fresh").mkdir()
    monkeypatch.setenv("CRAMP_DX_DATA_DIR", str(tmp_path / "fresh"))  # no remembered head
    capsys.readouterr()
    assert cli(monkeypatch, "audit", "--verify", "--against", str(point)) == 1
    assert f"the checkpoint {point} holds audit row" in capsys.readouterr().err


def test_a_checkpoint_is_refused_for_a_trail_with_problems(url, monkeypatch, tmp_path, capsys):
    raw = sqlite3.connect(tmp_path / "record.sqlite3")
    raw.execute("DROP TRIGGER audit_event_no_update")
    raw.commit()
    raw.close()
    point = tmp_path / "head.json"
    assert cli(monkeypatch, "audit", "checkpoint", "-o", str(point)) == 2
    assert "no checkpoint written" in capsys.readouterr().err
    assert not point.exists()


def test_an_altered_checkpoint_file_is_refused_naming_it(url, monkeypatch, tmp_path, capsys):
    point = tmp_path / "head.json"
    cli(monkeypatch, "audit", "checkpoint", "-o", str(point))
    data = json.loads(point.read_text())
    data["audit_id"] -= 1
    point.write_text(json.dumps(data))
    capsys.readouterr()
    assert cli(monkeypatch, "audit", "--verify", "--against", str(point)) == 2
    err = capsys.readouterr().err
    assert f"{point}: its signature does not match" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(("content", "message"), [
    (None, "no such file"),
    ("{not json", "cannot be read as a checkpoint"),
    ('{"format": "something else"}', "not a checkpoint"),
])
def test_a_bad_against_file_exits_2_saying_what_is_wrong(url, monkeypatch, tmp_path, capsys,
                                                          content, message):
    point = tmp_path / "head.json"
    if content is not None:
        point.write_text(content)
    assert cli(monkeypatch, "audit", "--verify", "--against", str(point)) == 2
    assert f"cramp-dx: error: {point}: {message}" in capsys.readouterr().err


def test_checkpoint_without_an_output_file_exits_2(url, monkeypatch, capsys):
    assert cli(monkeypatch, "audit", "checkpoint") == 2
    assert "-o: checkpoint needs -o FILE" in capsys.readouterr().err


# --- the key --------------------------------------------------------------------------------


def test_the_key_goes_to_an_owner_only_file_where_no_keyring_works(url):
    path = signing.key_file()
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_key_goes_to_the_os_keyring_where_one_works(tmp_path, monkeypatch):
    monkeypatch.setenv("CRAMP_DX_TEST_KEYRING", str(tmp_path / "keyring.json"))
    keyring.set_keyring(FileKeyring())
    make_record(f"sqlite:///{tmp_path / 'record.sqlite3'}").db.dispose()
    assert keyring.get_password(signing.SERVICE, signing.KEY_NAME)
    assert not signing.key_file().exists()


def test_an_exported_key_imported_on_another_workstation_verifies_its_seals(
    url, monkeypatch, tmp_path, capsys
):
    exported = tmp_path / "clinic.key"
    assert cli(monkeypatch, "audit", "export-key", "-o", str(exported)) == 0
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    other_workstation(tmp_path, monkeypatch)
    assert cli(monkeypatch, "audit", "import-key", str(exported)) == 0
    capsys.readouterr()
    assert cli(monkeypatch, "audit", "--verify") == 0


def test_a_workstation_without_the_key_is_told_so_by_verify(url, monkeypatch, tmp_path, capsys):
    other_workstation(tmp_path, monkeypatch)
    assert cli(monkeypatch, "audit", "--verify") == 1
    assert "holds no audit signing key" in capsys.readouterr().err


def test_rows_written_by_a_workstation_without_the_key_are_reported_unsealed(
    url, monkeypatch, tmp_path, capsys
):
    home = signing.key_file().parent.parent, signing._heads_file().parent
    other_workstation(tmp_path, monkeypatch)
    import_case(monkeypatch)
    monkeypatch.setenv("CRAMP_DX_CONFIG_DIR", str(home[0] / "config"))
    monkeypatch.setenv("CRAMP_DX_DATA_DIR", str(home[1]))
    capsys.readouterr()
    assert cli(monkeypatch, "audit", "--verify") == 1
    assert "not sealed" in capsys.readouterr().err


def test_importing_a_different_key_over_the_one_held_is_refused(url, monkeypatch, tmp_path, capsys):
    exported = tmp_path / "clinic.key"
    cli(monkeypatch, "audit", "export-key", "-o", str(exported))
    other_workstation(tmp_path, monkeypatch)
    signing.create_key()
    capsys.readouterr()
    assert cli(monkeypatch, "audit", "import-key", str(exported)) == 2
    assert "already holds another audit key" in capsys.readouterr().err


def test_a_file_that_is_not_a_key_is_refused_naming_it(url, monkeypatch, tmp_path, capsys):
    bad = tmp_path / "clinic.key"
    bad.write_text("hello")
    assert cli(monkeypatch, "audit", "import-key", str(bad)) == 2
    assert f"{bad}: not an audit key file" in capsys.readouterr().err


# --- the head checked at start --------------------------------------------------------------


def test_the_start_check_is_quiet_on_an_intact_record(url):
    database = open_database(url)
    try:
        assert signing.start_problems(database.engine, database.url) == []
    finally:
        database.dispose()


def test_the_start_check_finds_rows_removed_since_this_workstation_wrote(url, tmp_path):
    raw = sqlite3.connect(tmp_path / "record.sqlite3")
    raw.execute("DROP TRIGGER audit_event_no_delete")
    last = raw.execute("SELECT max(id) FROM audit_event").fetchone()[0]
    raw.execute("DELETE FROM audit_event WHERE id = ?", (last,))
    raw.execute("DELETE FROM audit_seal WHERE audit_id = ?", (last,))
    raw.commit()
    raw.close()
    database = open_database(url)
    try:
        problems = signing.start_problems(database.engine, database.url)
    finally:
        database.dispose()
    assert any(f"verified audit row {last} and it is gone" in p for p in problems)
