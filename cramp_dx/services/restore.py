"""`cramp-dx db restore FILE`: replace the record by a backup, losing nothing.

1. The backup is checked before the record is touched: it can be read (SQLite's integrity
   check; for a PostgreSQL dump, pg_restore reads every block), it is at this version's
   schema, it has every table of a record, and its audit chain verifies.
2. The record is taken for the restore alone. SQLite: an exclusive lock, refused while any
   other connection has the file open. PostgreSQL: the tables are locked against writers and
   the restore is refused while any other session is connected to the database. A program
   that connects meanwhile waits, then works on the restored content, or its save fails
   loudly: no save another program was told succeeded is lost.
3. A copy of the current content is kept and verified. SQLite: a byte copy beside the file,
   compared with it. PostgreSQL: a pg_dump in the data folder's `backups`, read back and
   compared (row counts and the audit chain's last row) with the live tables.
4. The backup's content replaces the current one in one step (SQLite: the backup API;
   PostgreSQL: one transaction), with an audit row naming who restored what, and where the
   previous content is.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from cramp_dx.errors import InputError, Problem
from cramp_dx.services import audit
from cramp_dx.services.records import Account
from cramp_dx.store import migrate, pgdump
from cramp_dx.store.backup import (
    keep_sqlite_copy,
    replace_sqlite_content,
    sqlite_backup,
    sqlite_exclusive,
)
from cramp_dx.store.database import SQLITE_HEADER, Database, sqlite_engine
from cramp_dx.store.errors import StoreError
from cramp_dx.store.location import absolute
from cramp_dx.store.models import Base

RECORD_TABLES = tuple(table.name for table in Base.metadata.sorted_tables)  # parents first
EXPECTED_TABLES = (*RECORD_TABLES, migrate.VERSION_TABLE)
_AUDIT_INTEGERS = ("id", "account_id", "patient_id", "visit_id")
_MAX_PROBLEMS = 10
_IN_USE_SQLSTATES = {"55P03", "40P01"}  # lock_not_available, deadlock_detected

# what a fingerprint holds: rows per table, and the last audit row (id, hash)
Fingerprint = tuple[dict[str, int], tuple[int, str] | None]


@dataclass(frozen=True)
class Restored:
    source: Path
    kept: Path  # the verified copy of the content the record had before


def restore_record(database: Database, source: Path, actor: Account) -> Restored:
    """Replace the record's content by the backup at `source` (see the module docstring).
    The caller has checked that `actor` may (an admin)."""
    source = absolute(source)
    if not source.is_file():
        raise InputError(Problem(str(source), "no such backup file"))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    if database.is_sqlite:
        restored = _restore_sqlite(database, source, actor, stamp)
    else:
        restored = _restore_postgres(database, source, actor, stamp)
    with database.engine.connect() as connection:
        _remember_restored_head(connection, database.url)
    return restored


def _remember_restored_head(connection: Any, url: Any) -> None:
    """The restored trail's head becomes this workstation's last verified head (a restore
    rewinds the record on purpose; other workstations report the rewind)."""
    from cramp_dx.store import signing

    tail = connection.execute(text("SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1")).first()
    if tail is not None:
        signing.remember_head(signing.record_key(url), int(tail[0]), str(tail[1]))


def _refusal(source: Path, problems: list[str]) -> InputError:
    shown = problems[:_MAX_PROBLEMS]
    if len(problems) > _MAX_PROBLEMS:
        shown.append(f"and {len(problems) - _MAX_PROBLEMS} more problems")
    return InputError([Problem(str(source), f"not restored: {p}") for p in shown])


def _refuse(source: Path, problems: list[str]) -> None:
    if problems:
        raise _refusal(source, problems)


def _schema_problems(versions: list[str]) -> list[str]:
    head = migrate.head_revision()
    if len(versions) != 1:
        return [f"holds {len(versions)} schema versions; a cramp-dx record holds exactly one"]
    if versions[0] == head:
        return []
    if versions[0] not in migrate.known_revisions():
        return [f"was written by a newer cramp-dx (schema {versions[0]}); restore it with that version"]
    return [
        f"is at an older schema ({versions[0]}; this version's is {head}): upgrade a copy of it "
        "first (cramp-dx db upgrade --database-url COPY), then restore the copy"
    ]


def _content_problems(connection: Connection) -> list[str]:
    """Tables, schema version, audit protection and chain of the record on `connection`."""
    present = set(inspect(connection).get_table_names())
    missing = [name for name in EXPECTED_TABLES if name not in present]
    if missing:
        return [f"is not a cramp-dx record: no table {', '.join(missing)}"]
    versions = [row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))]
    problems = _schema_problems(versions)
    problems += audit.missing_triggers(connection)
    problems += audit.verify_chain(connection).problems
    return problems


def _fingerprint(run: Callable[[str], list[Any]]) -> Fingerprint:
    counts = {name: int(run(f"SELECT count(*) FROM {name}")[0][0]) for name in EXPECTED_TABLES}
    last = run("SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1")
    return counts, (int(last[0][0]), str(last[0][1])) if last else None


def _audit_restore(
    session: Session, actor: Account, source: Path, kept: Path, *, damaged: bool = False
) -> None:
    """The audit row of the restore, in the restored content (the account is looked up there
    by name: the backup may number accounts differently)."""
    found = session.execute(
        text("SELECT id FROM account WHERE username = :name"), {"name": actor.username}
    ).scalar()
    new: dict[str, Any] = {"from": str(source), "previous_content_kept_in": str(kept)}
    if damaged:
        new["record_was_damaged"] = "the admin's password was checked against the backup"
    audit.append(session, audit.Actor(found, actor.username), "restore", "record", new=new)


# --- SQLite -------------------------------------------------------------------------------


def _restore_sqlite(database: Database, source: Path, actor: Account, stamp: str) -> Restored:
    path = database.path
    assert path is not None
    if database.key is not None:
        raise StoreError(
            f"{path} is encrypted: `db restore` does not restore an encrypted record yet. By "
            "hand: close every cramp-dx window and command, move the record aside and copy the "
            "(encrypted) backup in its place"
        )
    kept = path.with_name(f"{path.stem}.before-restore-{stamp}{path.suffix}")
    staging = path.with_name(f".{path.name}.restoring-{stamp}")
    try:
        _stage_sqlite(source, staging)
        expected = _check_and_stamp_sqlite(source, staging, actor, kept)
        database.dispose()  # this process's own connections would count as "in use"
        with sqlite_exclusive(path) as connection:
            keep_sqlite_copy(connection, path, kept)
            replace_sqlite_content(connection, staging)
            if _fingerprint(lambda sql: connection.execute(sql).fetchall()) != expected:
                raise StoreError(
                    f"{path} does not match the backup after the restore; the previous content "
                    f"is kept in {kept}"
                )
    finally:
        for leftover in (staging, *(Path(f"{staging}{end}") for end in ("-wal", "-shm", ".partial"))):
            leftover.unlink(missing_ok=True)
    return Restored(source, kept)


def _stage_sqlite(source: Path, staging: Path) -> None:
    """A private copy of the backup beside the record: the checks and the audit row go there,
    and the backup file itself is only read."""
    try:
        with source.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise _refusal(source, [f"cannot be read: {exc.strerror or exc}"]) from None
    if header != SQLITE_HEADER:
        raise _refusal(
            source,
            ["is not an SQLite backup of a cramp-dx record (a PostgreSQL dump is restored into "
             "a PostgreSQL record)"],
        )
    try:
        sqlite_backup(source, staging)
    except StoreError:
        raise _refusal(source, ["cannot be read as an SQLite database"]) from None


def restore_damaged_sqlite(path: Path, source: Path, username: str, password: str) -> Restored:
    """`db restore --force-damaged`: put the backup `source` in place of the SQLite record at
    `path`, which is too damaged to open (so nobody can sign in to it). The backup is checked
    as for any restore; `username` must be an admin *of the backup*, whose password is checked
    there (the sign-in is audited in it). The damaged file and any -wal/-shm beside it are
    kept as they are, renamed beside it; the backup's checked copy is renamed into place.
    Refused while another program holds the record."""
    from cramp_dx.services.errors import PermissionDenied
    from cramp_dx.services.service import Services

    path, source = absolute(path), absolute(source)
    if not source.is_file():
        raise InputError(Problem(str(source), "no such backup file"))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = path.with_name(f"{path.stem}.damaged-{stamp}{path.suffix}")
    staging = path.with_name(f".{path.name}.restoring-{stamp}")
    try:
        _stage_sqlite(source, staging)
        with _engine(staging) as engine:
            staged = Database(engine=engine, url=engine.url, path=staging)
            try:
                actor = Services.authenticate(staged, username, password)
            except DBAPIError as exc:
                raise _refusal(source, [f"cannot be read as a cramp-dx record ({exc.orig})"]) from None
        if actor.role != "admin":
            raise PermissionDenied(
                f"{username} ({actor.role}) may not restore the record; only an admin of the backup may"
            )
        _check_and_stamp_sqlite(source, staging, actor, kept, damaged=True)
        _refuse_if_in_use(path)
        for end in ("", "-wal", "-shm"):
            if Path(f"{path}{end}").exists():
                os.replace(f"{path}{end}", f"{kept}{end}")
        os.replace(staging, path)
    finally:
        for leftover in (staging, *(Path(f"{staging}{end}") for end in ("-wal", "-shm", ".partial"))):
            leftover.unlink(missing_ok=True)
    with _engine(path) as engine, engine.connect() as connection:
        from cramp_dx.store.location import sqlite_url

        _remember_restored_head(connection, sqlite_url(path))
    return Restored(source, kept)


def _refuse_if_in_use(path: Path) -> None:
    """Refused while another program has the record open (it holds a lock SQLite sees, even
    on a damaged file); a file SQLite cannot even lock is damaged beyond that and is taken."""
    try:
        with sqlite_exclusive(path, wait_seconds=1.0):
            pass
    except StoreError as exc:
        if "in use" in str(exc):
            raise
    except sqlite3.DatabaseError:
        pass


def _check_and_stamp_sqlite(
    source: Path, staging: Path, actor: Account, kept: Path, *, damaged: bool = False
) -> Fingerprint:
    """Refuse the backup unless it passes every check; then add the restore's audit row to the
    staged copy and return what the record must hold once restored."""
    with _engine(staging) as engine:
        try:
            with engine.connect() as connection:
                integrity = [row[0] for row in connection.exec_driver_sql("PRAGMA integrity_check")]
                problems = (
                    [f"fails SQLite's integrity check: {'; '.join(integrity[:3])}"]
                    if integrity != ["ok"]
                    else _content_problems(connection)
                )
        except DBAPIError as exc:
            problems = [f"cannot be read as a cramp-dx record ({exc.orig})"]
        _refuse(source, problems)
        staged = Database(engine=engine, url=engine.url, path=staging)
        with staged.transaction() as session:
            _audit_restore(session, actor, source, kept, damaged=damaged)
        with engine.connect() as connection:
            return _fingerprint(lambda sql: connection.exec_driver_sql(sql).all())


@contextlib.contextmanager
def _engine(path: Path) -> Iterator[Engine]:
    engine = sqlite_engine(path)
    try:
        yield engine
    finally:
        engine.dispose()


# --- PostgreSQL ---------------------------------------------------------------------------


@dataclass
class _DumpCheck:
    contents: pgdump.DumpContents
    versions: list[str]
    chain: audit.ChainCheck
    in_id_order: bool
    last: tuple[int, str] | None


def _read_dump(path: Path) -> _DumpCheck:
    """Everything in the dump at `path`, its audit chain checked as it streams by: rows come in
    the order they were written, which is id order. If they do not (a row was updated or
    deleted behind the app's back), the chain is checked in id order once loaded, in the
    restore's transaction, before anything is committed."""
    versions: list[str] = []
    chain = audit.ChainCheck()
    state: dict[str, Any] = {"in_order": True, "last": None}

    def audit_row(row: pgdump.Row) -> None:
        typed: dict[str, Any] = dict(row)
        for name in _AUDIT_INTEGERS:
            typed[name] = None if row[name] is None else int(str(row[name]))
        if state["last"] is None or typed["id"] > state["last"][0]:
            state["last"] = (typed["id"], typed["hash"])
        if state["in_order"] and typed["id"] != chain.expected_id:
            state["in_order"] = False  # rows moved (an UPDATE behind the app's back, say)
        if state["in_order"]:
            chain.add(typed)

    def version_row(row: pgdump.Row) -> None:
        versions.append(str(row["version_num"]))

    contents = pgdump.read_dump(path, {"audit_event": audit_row, migrate.VERSION_TABLE: version_row})
    return _DumpCheck(contents, versions, chain, state["in_order"], state["last"])


def _dump_problems(check: _DumpCheck) -> list[str]:
    if check.contents.encoding not in (None, "UTF8"):
        return [f"is encoded as {check.contents.encoding}; cramp-dx restores UTF8 dumps"]
    missing = [name for name in EXPECTED_TABLES if name not in check.contents.tables]
    if missing:
        return [f"is not a cramp-dx record: no table {', '.join(missing)}"]
    return _schema_problems(check.versions) + check.chain.problems


def _restore_postgres(database: Database, source: Path, actor: Account, stamp: str) -> Restored:
    try:
        backup = _read_dump(source)
    except StoreError as exc:
        reason = f"cannot be read as a PostgreSQL dump (pg_dump custom format): {exc}"
        raise _refusal(source, [reason]) from None
    _refuse(source, _dump_problems(backup))
    from cramp_dx.files import private_folder
    from cramp_dx.paths import data_dir

    folder = private_folder(data_dir() / "backups")
    kept = folder / f"{database.url.database}.before-restore-{stamp}.dump"
    database.dispose()  # this process's own connections would count as "in use"
    restored = False
    try:
        with database.engine.connect() as connection, connection.begin():
            _take_postgres(connection, database)
            _keep_postgres(connection, database, kept)
            _replace_postgres(connection, source, backup)
            with Session(bind=connection) as session:
                _audit_restore(session, actor, source, kept)
                # the audit row is chained at the session's commit; joined to this connection's
                # transaction, that commit writes the row and leaves the COMMIT to the block
                session.commit()
        restored = True
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) in _IN_USE_SQLSTATES:
            raise StoreError(_in_use(database, "its tables are being written")) from None
        raise StoreError(f"the restore failed ({exc.orig}); the record is unchanged") from None
    finally:
        if not restored:  # nothing changed: a copy of the unchanged content is not needed
            kept.unlink(missing_ok=True)
    return Restored(source, kept)


def _in_use(database: Database, how: str) -> str:
    return (
        f"{database.describe()} is in use ({how}): close every cramp-dx window and command "
        "connected to it, then try again. Nothing was changed"
    )


def _take_postgres(connection: Connection, database: Database) -> None:
    """Lock the record's tables against writers (readers, and pg_dump, may go on), then make
    sure no other session is connected."""
    connection.execute(text("SET LOCAL lock_timeout = '5s'"))
    connection.execute(text(f"LOCK TABLE {', '.join(EXPECTED_TABLES)} IN EXCLUSIVE MODE"))
    others = connection.execute(
        text(
            "SELECT count(*), string_agg(DISTINCT coalesce(nullif(application_name, ''), "
            "client_addr::text, 'local'), ', ') FROM pg_stat_activity WHERE datname = "
            "current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
    ).one()
    if others[0]:
        raise StoreError(_in_use(database, f"{others[0]} other session(s): {others[1]}"))


def _keep_postgres(connection: Connection, database: Database, kept: Path) -> None:
    """pg_dump the current content (the tables are locked, so it is what the live tables
    hold) and read it back: refused unless its rows and last audit row match the live ones."""
    live_counts, live_last = _fingerprint(lambda sql: connection.execute(text(sql)).all())
    pgdump.dump(database.url, kept)
    try:
        copy = _read_dump(kept)
    except StoreError as exc:
        raise StoreError(f"the copy {kept} of the current content cannot be read back: {exc}") from None
    counts = {name: copy.contents.tables.get(name, -1) for name in EXPECTED_TABLES}
    if (counts, copy.last) != (live_counts, live_last):
        raise StoreError(f"the copy {kept} differs from the current content; nothing was changed")


def _replace_postgres(connection: Connection, source: Path, backup: _DumpCheck) -> None:
    """In the caller's transaction: empty the tables, load the backup's rows (parents first),
    set the id sequences after them, and check what was loaded."""
    connection.execute(text("SET LOCAL client_encoding = 'UTF8'"))
    connection.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_truncate"))
    connection.execute(text(f"TRUNCATE {', '.join(EXPECTED_TABLES)}"))
    connection.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_truncate"))
    driver = connection.connection.driver_connection
    for name in EXPECTED_TABLES:
        pgdump.load_table(driver, source, name)
    for name in RECORD_TABLES:
        if "id" in Base.metadata.tables[name].c:
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"coalesce(max(id), 0) + 1, false) FROM {name}"
                )
            )
    counts, last = _fingerprint(lambda sql: connection.execute(text(sql)).all())
    wanted = {name: backup.contents.tables[name] for name in EXPECTED_TABLES}
    if (counts, last) != (wanted, backup.last):
        raise StoreError(f"{source} did not load completely; the record is unchanged")
    if not backup.in_id_order:
        _refuse(source, audit.verify_chain(connection).problems)
