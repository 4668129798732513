"""Backup and integrity check of the record, and the SQLite steps of a restore (the restore
itself, which validates, signs in and audits, is cramp_dx.services.restore).

SQLite: the online backup API copies a consistent snapshot while other processes keep
writing. PostgreSQL: `pg_dump` (custom format), see cramp_dx.store.pgdump."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from cramp_dx.store import migrate, pgdump
from cramp_dx.store.database import Database, sqlite_path
from cramp_dx.store.errors import StoreError
from cramp_dx.store.location import sqlite_uri
from cramp_dx.store.sqlite_copy import sqlite_backup


def backup(database: Database, target: Path) -> None:
    """Back the record up to `target` while it stays in use (owner-only; an encrypted
    record's backup is encrypted with its key)."""
    if database.is_sqlite:
        assert database.path is not None
        sqlite_backup(database.path, target, key=database.key)
        return
    pgdump.dump(database.url, target)


@contextmanager
def sqlite_exclusive(path: Path, wait_seconds: float = 5.0) -> Iterator[sqlite3.Connection]:
    """The record at `path` for this one connection until the block ends (SQLite's exclusive
    locking mode). Refused while any other connection — a window, a command, another
    workstation — has the file open; one that connects meanwhile waits for the lock, then
    reads what is there, or fails loudly ("database is locked"); it never writes to content
    that is about to be replaced."""
    connection = sqlite3.connect(str(path), isolation_level=None, timeout=wait_seconds)
    try:
        connection.execute("PRAGMA locking_mode = EXCLUSIVE")
        try:
            connection.execute("BEGIN EXCLUSIVE")
            connection.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(
                    f"{path} is in use by another program (a cramp-dx window or command, here or "
                    "at another workstation); close them all, then try again. Nothing was changed"
                ) from None
            raise StoreError(f"cannot lock {path}: {exc}. Nothing was changed") from None
        yield connection
    finally:
        connection.close()


def keep_sqlite_copy(connection: sqlite3.Connection, path: Path, target: Path) -> None:
    """A byte-for-byte copy of the record at `path` to `target` (owner-only), taken while
    `connection` holds it exclusively: the journal is checkpointed into the file first, and
    the copy is read back and compared before it is renamed into place. Works for a damaged
    record too: it is the content as it is."""
    busy = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    if busy:
        raise StoreError(f"{path}: the journal could not be written into the file. Nothing was changed")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as out, path.open("rb") as source:
            shutil.copyfileobj(source, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        if _digest(partial) != _digest(path):
            raise StoreError(f"the copy {target} differs from {path}. Nothing was changed")
        os.replace(partial, target)
    except OSError as exc:
        reason = exc.strerror or exc
        raise StoreError(f"cannot keep a copy in {target}: {reason}. Nothing was changed") from None
    finally:
        partial.unlink(missing_ok=True)


def replace_sqlite_content(connection: sqlite3.Connection, source: Path) -> None:
    """Replace the content of the record `connection` holds (exclusively) by that of the
    SQLite file `source`, in one step: on any error the record is left as it was."""
    try:
        src = sqlite3.connect(sqlite_uri(source, read_only=True), uri=True)
        try:
            src.backup(connection)
        finally:
            src.close()
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as exc:
        raise StoreError(f"the content could not be replaced ({exc}); the record is unchanged") from None


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def check(database: Database) -> list[str]:
    """Problems found (empty: all good): SQLite integrity and foreign keys, schema revision.
    A damaged file is reported, never raised: each step that cannot read says so."""
    problems: list[str] = []
    try:
        with database.engine.connect() as connection:
            if database.is_sqlite:
                problems += _reading("integrity", lambda: [
                    f"integrity: {r[0]}" for r in connection.exec_driver_sql("PRAGMA integrity_check")
                    if r[0] != "ok"
                ])
                problems += _reading("foreign keys", lambda: [
                    f"foreign key: table {row[0]} row {row[1]} -> {row[2]}"
                    for row in connection.exec_driver_sql("PRAGMA foreign_key_check")
                ])
            revision = migrate.current_revision(connection)
            if revision != migrate.head_revision():
                problems.append(
                    f"schema revision {revision}, expected {migrate.head_revision()}: "
                    "run `cramp-dx db upgrade`"
                )
            connection.execute(text("SELECT 1"))
    except (DBAPIError, sqlite3.DatabaseError) as exc:
        problems.append(f"the record cannot be read: {getattr(exc, 'orig', None) or exc}")
    return problems


def _reading(what: str, read: Callable[[], list[str]]) -> list[str]:
    try:
        return read()
    except (DBAPIError, sqlite3.DatabaseError) as exc:
        return [f"{what}: the record cannot be read here ({getattr(exc, 'orig', None) or exc})"]


__all__ = [
    "backup",
    "check",
    "keep_sqlite_copy",
    "replace_sqlite_content",
    "sqlite_backup",
    "sqlite_exclusive",
    "sqlite_path",
]
