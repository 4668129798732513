"""Opening the record: defaults, safety checks, and files left untouched on refusal."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from cramp_dx.store import NewerSchemaError, StoreError, open_database
from cramp_dx.store import database as database_module
from cramp_dx.store.filesystems import is_network_path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_default_file_lives_in_the_data_dir_with_owner_only_permissions(tmp_path, monkeypatch):
    monkeypatch.setenv("CRAMP_DX_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CRAMP_DX_DATABASE_URL", raising=False)
    db = open_database()
    db.dispose()
    path = tmp_path / "data" / "cramp_dx.sqlite3"
    assert db.path == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_sqlite_connections_use_wal_foreign_keys_and_full_sync(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    db.dispose()


def test_environment_variable_selects_the_database(tmp_path, monkeypatch):
    target = tmp_path / "elsewhere.sqlite3"
    monkeypatch.setenv("CRAMP_DX_DATABASE_URL", f"sqlite:///{target}")
    open_database().dispose()
    assert target.exists()


def test_a_file_on_a_network_share_is_refused_pointing_to_postgresql(tmp_path, monkeypatch):
    monkeypatch.setattr(database_module, "is_network_path", lambda path: True)
    with pytest.raises(StoreError, match=r"network share.*PostgreSQL"):
        open_database(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    assert not (tmp_path / "r.sqlite3").exists()


def test_network_filesystems_are_recognised_from_the_mount_table(tmp_path):
    mounts = (
        "/dev/sda1 / ext4 rw 0 0\nserver:/export /mnt/clinic nfs4 rw 0 0\n//nas/share /mnt/nas cifs rw 0 0\n"
    )
    assert is_network_path(Path("/mnt/clinic/cramp/r.sqlite3"), mounts)
    assert is_network_path(Path("/mnt/nas/r.sqlite3"), mounts)
    assert not is_network_path(Path("/home/me/r.sqlite3"), mounts)
    assert not is_network_path(Path("/mnt/clinicx/r.sqlite3"), mounts)
    assert is_network_path(Path("//server/share/r.sqlite3"), "")


def test_a_data_folder_that_cannot_be_created_is_a_clear_error(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create the data folder"):
        open_database(f"sqlite:///{blocker / 'sub' / 'r.sqlite3'}")
    assert blocker.read_text() == "x"


def test_an_unwritable_data_folder_is_a_clear_error_on_a_read_only_filesystem(tmp_path, monkeypatch):
    real_open = os.open

    def read_only_open(path, flags, *args, **kwargs):
        if flags & os.O_CREAT and str(path).startswith(str(tmp_path)):
            raise OSError(30, "Read-only file system")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only_open)
    with pytest.raises(StoreError, match=r"not writable.*Read-only file system"):
        open_database(f"sqlite:///{tmp_path / 'r.sqlite3'}")


def test_a_non_database_file_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "r.sqlite3"
    path.write_text("patient notes, not a database\n" * 50)
    before = digest(path)
    with pytest.raises(StoreError, match=r"not a cramp-dx database.*left untouched"):
        open_database(f"sqlite:///{path}")
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.sqlite3"]


def test_a_corrupted_database_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "r.sqlite3"
    db = open_database(f"sqlite:///{path}")
    db.dispose()
    data = bytearray(path.read_bytes())
    data[16:4096] = os.urandom(4096 - 16)  # header magic intact, page 1 garbage
    path.write_bytes(bytes(data))
    for extra in ("-wal", "-shm"):
        Path(str(path) + extra).unlink(missing_ok=True)
    before = digest(path)
    with pytest.raises(StoreError, match=r"is damaged.*nothing was written to it"):
        open_database(f"sqlite:///{path}")
    assert digest(path) == before


def test_a_newer_schema_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "r.sqlite3"
    open_database(f"sqlite:///{path}").dispose()
    connection = sqlite3.connect(path)
    connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    connection.commit()
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    before = digest(path)
    with pytest.raises(NewerSchemaError, match=r"newer version of cramp-dx.*left untouched"):
        open_database(f"sqlite:///{path}")
    assert digest(path) == before


def test_an_sqlite_database_of_another_program_is_refused(tmp_path):
    path = tmp_path / "other.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE songs (title TEXT)")
    connection.commit()
    connection.close()
    before = digest(path)
    with pytest.raises(StoreError, match="another program"):
        open_database(f"sqlite:///{path}")
    assert digest(path) == before


def test_upgrading_an_older_file_takes_a_backup_first(tmp_path):
    from alembic import command

    from cramp_dx.store import migrate

    path = tmp_path / "r.sqlite3"
    db = open_database(f"sqlite:///{path}")
    with db.engine.connect() as connection, connection.begin():
        command.downgrade(migrate.alembic_config(connection), "base")
        connection.execute(text("CREATE TABLE marker (note TEXT)"))
        connection.execute(text("INSERT INTO marker VALUES ('before the upgrade')"))
    db.dispose()

    upgraded = open_database(f"sqlite:///{path}")
    upgraded.dispose()

    assert upgraded.backup_path is not None and upgraded.backup_path.exists()
    backup = sqlite3.connect(upgraded.backup_path)
    assert backup.execute("SELECT note FROM marker").fetchall() == [("before the upgrade",)]
    assert backup.execute("SELECT count(*) FROM alembic_version").fetchone() == (0,)
    backup.close()
    assert stat.S_IMODE(upgraded.backup_path.stat().st_mode) == 0o600
    current = sqlite3.connect(path)
    assert current.execute("SELECT version_num FROM alembic_version").fetchone() == (migrate.head_revision(),)
    current.close()


def test_opening_an_up_to_date_file_takes_no_backup(tmp_path):
    path = tmp_path / "r.sqlite3"
    open_database(f"sqlite:///{path}").dispose()
    again = open_database(f"sqlite:///{path}")
    again.dispose()
    assert again.backup_path is None


def test_an_unknown_database_type_is_refused():
    with pytest.raises(StoreError, match="not supported"):
        open_database("mysql://localhost/x")


def test_a_missing_postgresql_driver_is_a_clear_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_psycopg(name, *args, **kwargs):
        if name == "psycopg" or name.startswith("psycopg."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_psycopg)
    with pytest.raises(StoreError, match=r"PostgreSQL driver is not installed.*postgres extra"):
        open_database("postgresql+psycopg://u@127.0.0.1:1/x")
