"""Encryption at rest of an SQLite record: SQLCipher (the `sqlcipher3` binary wheel, through
SQLAlchemy's `sqlite+pysqlcipher` dialect; install cramp-dx with its `encryption` extra).

An encrypted record is a file that does not start with SQLite's header. Its key is a random
256-bit key kept in the OS keyring (service "cramp-dx", name "record-key:" + the file's path),
else in the owner-only file `record-keys.json` in the config folder; or it is derived by
SQLCipher (PBKDF2) from a passphrase given in CRAMP_DX_RECORD_PASSPHRASE. `cramp-dx db
encrypt` converts a plain record: an encrypted copy is written beside it, checked (every
table's row count, SQLite's integrity check), and only then put in the record's place."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from cramp_dx.store.errors import StoreError

SERVICE = "cramp-dx"
PASSPHRASE_ENV = "CRAMP_DX_RECORD_PASSPHRASE"
KEYS_FILE = "record-keys.json"
SQLITE_HEADER = b"SQLite format 3\x00"


def _module() -> Any:
    try:
        from sqlcipher3 import dbapi2
    except ImportError:
        raise StoreError(
            "encryption needs SQLCipher: install cramp-dx with its encryption extra, e.g. "
            "pip install 'cramp-dx[encryption]' (the sqlcipher3-binary wheel)"
        ) from None
    return dbapi2


def is_encrypted(path: Path) -> bool:
    """A non-empty file that is not a plain SQLite file (it may also be no record at all)."""
    try:
        with Path(path).open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError:
        return False
    return bool(header) and header != SQLITE_HEADER


def _name(path: Path) -> str:
    return f"record-key:{Path(path).absolute()}"


def _keys_file() -> Path:
    from cramp_dx.paths import config_dir

    return config_dir() / KEYS_FILE


def stored_key(path: Path) -> str | None:
    """The hex key kept for the record at `path`, or None."""
    try:
        import keyring

        found = keyring.get_password(SERVICE, _name(path))
    except Exception:
        found = None
    if found:
        return found
    try:
        data = json.loads(_keys_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = data.get(_name(path)) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def store_key(path: Path, hex_key: str) -> str:
    from cramp_dx.files import private_folder, write_atomic

    try:
        import keyring

        keyring.set_password(SERVICE, _name(path), hex_key)
        return "the OS keyring"
    except Exception:
        file = _keys_file()
        private_folder(file.parent)
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        data[_name(path)] = hex_key
        write_atomic(file, json.dumps(data).encode("utf-8"))
        return str(file)


def pragma_key(path: Path) -> str | None:
    """What SQLCipher's PRAGMA key takes for the record at `path`: the stored raw key
    (x'…'), else the passphrase of CRAMP_DX_RECORD_PASSPHRASE; None when there is neither."""
    hex_key = stored_key(path)
    if hex_key:
        return f"x'{hex_key}'"
    return os.environ.get(PASSPHRASE_ENV) or None


def connect(path: Path, key: str, *, read_only: bool = False) -> Any:
    """A sqlcipher3 connection to `path`, keyed, checked to decrypt (StoreError if not)."""
    from cramp_dx.store.location import sqlite_uri

    dbapi = _module()
    connection = dbapi.connect(sqlite_uri(path, read_only=read_only), uri=True, timeout=30)
    with contextlib.suppress(dbapi.Error):  # SQLCipher's own log would repeat our message
        connection.execute("PRAGMA cipher_log_level = NONE")
    connection.execute(f'PRAGMA key = "{_quoted(key)}"')
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except dbapi.DatabaseError:
        connection.close()
        raise StoreError(
            f"{path} cannot be decrypted with the key this workstation holds for it (a wrong "
            f"key or passphrase, or it is not a cramp-dx record); it was left untouched"
        ) from None
    return connection


def _quoted(key: str) -> str:
    return key.replace('"', '""')


def encrypt_file(path: Path, passphrase: str | None = None) -> tuple[Path, str]:
    """Encrypt the plain record at `path` in place (no other program may have it open):
    an encrypted copy is made and checked first. With `passphrase` the key is derived from
    it (kept nowhere: CRAMP_DX_RECORD_PASSPHRASE gives it at each start), else a random key is
    stored. Returns (path, where the key went)."""
    from cramp_dx.store.backup import sqlite_exclusive

    path = Path(path)
    if is_encrypted(path):
        raise StoreError(f"{path} is already encrypted (or not an SQLite file)")
    dbapi = _module()
    partial = path.with_name(path.name + ".encrypting")
    partial.unlink(missing_ok=True)
    hex_key = os.urandom(32).hex()
    key = passphrase if passphrase else f"x'{hex_key}'"
    with sqlite_exclusive(path) as plain:
        tables = [r[0] for r in plain.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        counts = {t: plain.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        source = dbapi.connect(str(path), isolation_level=None)
        try:
            fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
            source.execute(f"ATTACH DATABASE ? AS encrypted KEY \"{_quoted(key)}\"", (str(partial),))
            source.execute("SELECT sqlcipher_export('encrypted')")
            source.execute("PRAGMA encrypted.user_version = " + str(
                source.execute("PRAGMA user_version").fetchone()[0]))
            source.execute("DETACH DATABASE encrypted")
        except dbapi.Error as exc:
            partial.unlink(missing_ok=True)
            raise StoreError(f"could not encrypt {path}: {exc}; it was left as it was") from None
        finally:
            source.close()
        check = connect(partial, key)
        try:
            copied = {t: check.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
            integrity = check.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            check.close()
        if copied != counts or integrity != "ok":
            partial.unlink(missing_ok=True)
            raise StoreError(f"the encrypted copy of {path} did not check out ({integrity}); "
                             "the record was left as it was")
        where = f"no store: give the passphrase in {PASSPHRASE_ENV}" if passphrase else store_key(
            path, hex_key)
        os.replace(partial, path)
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path, where
