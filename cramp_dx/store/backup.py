"""Backup, restore and integrity check of the record.

SQLite: the online backup API copies a consistent snapshot while other processes keep
writing. PostgreSQL: `pg_dump` / `pg_restore` (custom format)."""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import URL, text

from cramp_dx.store import migrate
from cramp_dx.store.database import (
    SQLITE_HEADER,
    Database,
    _refuse_newer,
    open_database,
    sqlite_path,
)
from cramp_dx.store.errors import StoreError
from cramp_dx.store.location import sqlite_uri


def sqlite_backup(source: Path, target: Path) -> None:
    """Copy `source` to `target` with SQLite's online backup API (owner-only file, written
    beside the target and renamed into place, so a failed backup leaves no half file)."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
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


def backup(database: Database, target: Path) -> None:
    """Back the record up to `target` while it stays in use."""
    if database.is_sqlite:
        assert database.path is not None
        sqlite_backup(database.path, target)
        return
    _run_pg_tool(
        "pg_dump",
        ["--format=custom", "--no-owner", f"--file={target}"],
        database.url,
    )


def restore(database: Database, source: Path) -> Path | None:
    """Replace the record's content by the backup at `source`, after backing up the current
    content beside it (returned). The restored record is then upgraded if it is older."""
    if not source.is_file():
        raise StoreError(f"backup file {source} does not exist")
    if database.is_sqlite:
        assert database.path is not None
        _check_sqlite_backup(source)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        safety = database.path.with_name(
            f"{database.path.stem}.before-restore-{stamp}{database.path.suffix}"
        )
        sqlite_backup(database.path, safety)
        database.dispose()
        src = sqlite3.connect(sqlite_uri(source, read_only=True), uri=True)
        dst = sqlite3.connect(database.path, timeout=30)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        open_database(database.url).dispose()
        return safety
    _run_pg_tool(
        "pg_restore",
        ["--clean", "--if-exists", "--no-owner", "--single-transaction", str(source)],
        database.url,
    )
    open_database(database.url).dispose()
    return None


def _check_sqlite_backup(source: Path) -> None:
    with source.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise StoreError(f"{source} is not an SQLite backup of a cramp-dx record")
    try:
        connection = sqlite3.connect(sqlite_uri(source, read_only=True), uri=True)
        try:
            result = connection.execute("PRAGMA integrity_check").fetchone()[0]
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{source} is not a usable cramp-dx backup ({exc})") from None
    if result != "ok":
        raise StoreError(f"{source} fails SQLite's integrity check: {result}")
    _refuse_newer(row[0] if row else None, source)


def check(database: Database) -> list[str]:
    """Problems found (empty: all good): SQLite integrity and foreign keys, schema revision."""
    problems: list[str] = []
    with database.engine.connect() as connection:
        if database.is_sqlite:
            rows = [r[0] for r in connection.exec_driver_sql("PRAGMA integrity_check")]
            if rows != ["ok"]:
                problems.extend(f"integrity: {row}" for row in rows)
            for row in connection.exec_driver_sql("PRAGMA foreign_key_check"):
                problems.append(f"foreign key: table {row[0]} row {row[1]} -> {row[2]}")
        revision = migrate.current_revision(connection)
        if revision != migrate.head_revision():
            problems.append(
                f"schema revision {revision}, expected {migrate.head_revision()}: "
                "run `cramp-dx db upgrade`"
            )
        connection.execute(text("SELECT 1"))
    return problems


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    raise StoreError(f"{name} was not found; install the PostgreSQL client tools")


def _run_pg_tool(name: str, arguments: list[str], url: URL) -> None:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    libpq = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    connection = [f"--dbname={libpq}"]
    result = subprocess.run(
        [_pg_tool(name), *connection, *arguments],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if result.returncode != 0:
        raise StoreError(f"{name} failed: {result.stderr.strip() or result.returncode}")


__all__ = ["backup", "check", "restore", "sqlite_backup", "sqlite_path"]
