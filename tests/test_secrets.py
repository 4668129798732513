"""Passwords never in settings files, messages or command lines: the PostgreSQL password is
kept in the OS keyring (or an owner-only pgpass file where there is none), the client tools
get it through a password file, and every file and folder the app creates is owner-only."""

# the shared fixtures are imported by name, so test parameters "redefine" them
# ruff: noqa: F811

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from support.keyring_backend import FileKeyring
from support.postgres import postgres_server, postgres_url  # noqa: F401
from support.record import make_record

from cramp_dx.cli.main import main
from cramp_dx.paths import config_dir, data_dir
from cramp_dx.settings import Settings, load_settings, save_settings, settings_path
from cramp_dx.store import StoreError, open_database
from cramp_dx.store.location import parse_location
from cramp_dx.store.secrets import passfile_path, password_for, with_stored_password

SECRET = "s3cret-Pa55word"
URL = f"postgresql+psycopg://clinic:{SECRET}@db.clinic.example:5433/cramp_dx"
BARE = "postgresql+psycopg://clinic@db.clinic.example:5433/cramp_dx"


@pytest.fixture
def os_keyring(tmp_path, monkeypatch):
    monkeypatch.setenv("CRAMP_DX_TEST_KEYRING", str(tmp_path / "keyring.json"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "support.keyring_backend.FileKeyring")
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    yield tmp_path / "keyring.json"
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def cli(monkeypatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv))


def test_settings_keep_no_password_it_goes_to_the_os_keyring(os_keyring):
    save_settings(Settings(database_url=URL))
    assert SECRET not in settings_path().read_text()
    assert load_settings().database_url == BARE
    assert SECRET in os_keyring.read_text()
    assert with_stored_password(parse_location(BARE)).password == SECRET


def test_without_a_keyring_the_password_goes_to_an_owner_only_pgpass_file(no_keyring):
    save_settings(Settings(database_url=URL))
    assert SECRET not in settings_path().read_text()
    path = passfile_path()
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    assert path.read_text() == f"db.clinic.example:5433:cramp_dx:clinic:{SECRET}\n"
    assert password_for(parse_location(BARE)) == SECRET


def test_db_password_stores_the_password_of_a_url_given_without_it(os_keyring, monkeypatch, capsys):
    argv = ("db", "password", "--database-url", BARE, "--password-stdin")
    assert cli(monkeypatch, *argv, stdin=SECRET + "\n") == 0
    assert "in the OS keyring" in capsys.readouterr().out
    assert password_for(parse_location(BARE)) == SECRET


def test_a_password_on_the_command_line_is_refused_without_repeating_it(monkeypatch, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli(monkeypatch, "db", "check", "--database-url", URL)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--database-url" in err and "keyring" in err and SECRET not in err


def test_a_connection_error_does_not_show_the_password(monkeypatch, capsys):
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", f"postgresql+psycopg://clinic:{SECRET}@127.0.0.1:1/x")
    with pytest.raises(StoreError) as error:
        open_database()
    assert SECRET not in str(error.value)
    assert cli(monkeypatch, "db", "check") == 2
    assert SECRET not in capsys.readouterr().err


def test_an_invalid_url_is_named_without_its_password(monkeypatch, capsys):
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", f"postgresql+psycopg://clinic:{SECRET}@host:port/x")
    assert cli(monkeypatch, "db", "check") == 2
    err = capsys.readouterr().err
    assert "not valid" in err and SECRET not in err


FAKE_PG_DUMP = """#!/bin/sh
# records what `ps` shows of this process, and how its password arrives, then runs pg_dump
{{
  echo "ARGS $(ps -o args= -p $$)"
  echo "PGPASSWORD=${{PGPASSWORD-unset}}"
  echo "PGPASSFILE=${{PGPASSFILE-unset}}"
  [ -n "$PGPASSFILE" ] && stat -c "MODE %a" "$PGPASSFILE" && echo "FILE $(cat "$PGPASSFILE")"
}} >> "{log}"
exec "{real}" "$@"
"""


@pytest.mark.postgres
def test_pg_dump_gets_the_password_from_a_password_file_not_its_command_line(
    postgres_url, tmp_path, monkeypatch, capsys
):
    from cramp_dx.store.pgdump import pg_tool

    make_record(postgres_url).db.dispose()
    bin_dir, log = tmp_path / "bin", tmp_path / "pg_dump.log"
    bin_dir.mkdir()
    fake = bin_dir / "pg_dump"
    fake.write_text(FAKE_PG_DUMP.format(log=log, real=pg_tool("pg_dump")))
    fake.chmod(0o700)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    with_password = postgres_url.replace("://postgres@", f"://postgres:{SECRET}@")
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", with_password)  # trust auth: any password works
    monkeypatch.setenv("PGPASSWORD", "leaked-from-the-environment")
    assert cli(monkeypatch, "db", "backup", str(tmp_path / "clinic.dump")) == 0
    recorded = log.read_text()
    args = recorded.splitlines()[0]
    assert args.startswith("ARGS ") and "--dbname=postgresql://postgres@" in args
    assert SECRET not in args
    assert "PGPASSWORD=unset" in recorded
    assert "MODE 600" in recorded and f"FILE *:*:*:*:{SECRET}" in recorded
    assert mode(tmp_path / "clinic.dump") == 0o600


# --- owner-only files and folders -----------------------------------------------------------


def test_the_config_folder_and_settings_are_owner_only_even_if_the_folder_was_not(tmp_path):
    config_dir().mkdir(parents=True, mode=0o755)
    os.chmod(config_dir(), 0o755)
    save_settings(Settings())
    assert mode(config_dir()) == 0o700 and mode(settings_path()) == 0o600


def test_the_data_folder_and_the_record_are_owner_only(tmp_path):
    data_dir().mkdir(parents=True)
    os.chmod(data_dir(), 0o755)
    database = open_database()
    database.dispose()
    assert mode(data_dir()) == 0o700
    assert mode(data_dir() / "cramp_dx.sqlite3") == 0o600


def test_an_sqlite_backup_is_owner_only(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'record.sqlite3'}"
    make_record(url).db.dispose()
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", url)
    assert cli(monkeypatch, "db", "backup", str(tmp_path / "saved.sqlite3")) == 0
    assert mode(tmp_path / "saved.sqlite3") == 0o600


def test_a_password_in_the_environment_works_but_is_pointed_out(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", f"postgresql+psycopg://clinic:{SECRET}@127.0.0.1:1/x")
    assert cli(monkeypatch, "db", "check") == 2  # nothing listens there
    err = capsys.readouterr().err
    assert "CRAMP_DX_DATABASE_URL holds a password" in err and SECRET not in err
