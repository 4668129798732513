"""Copying an SQLite record file with SQLite's online backup API (a consistent snapshot while
other processes keep writing), encrypted with the record's key when it has one. Used by
`db backup`, by the copy kept before a schema upgrade and by a restore; it needs neither the
Database nor the backup module, so those two do not import each other."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from cramp_dx.store.errors import StoreError
from cramp_dx.store.location import sqlite_uri


def sqlite_backup(source: Path, target: Path, key: str | None = None) -> None:
    """Copy `source` to `target` with SQLite's online backup API (owner-only file, written
    beside the target and renamed into place, so a failed backup leaves no half file). With
    `key` (an SQLCipher record) the backup is encrypted with the same key."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    if key is not None:
        _encrypted_backup(source, partial, target, key)
        return
    try:
        src = sqlite3.connect(sqlite_uri(source, read_only=True), uri=True, timeout=30)
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
            src.close()
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(f"backup to {target} failed: {exc}") from None


def _encrypted_backup(source: Path, partial: Path, target: Path, key: str) -> None:
    from cramp_dx.store import encryption

    dbapi = encryption._module()
    try:
        src = encryption.connect(source, key, read_only=True)
        dst = encryption.connect(partial, key)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
            src.close()
        os.replace(partial, target)
    except (dbapi.Error, OSError, StoreError) as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(f"backup to {target} failed: {exc}") from None
