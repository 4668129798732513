"""Opening the record: SQLite by default (a file in the user data folder), PostgreSQL for a
clinic. Opening checks the file before anything writes to it, refuses network shares and
newer schemas, backs an SQLite file up before upgrading it, then upgrades."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError

from cramp_dx.store import migrate
from cramp_dx.store.errors import NewerSchemaError, StoreError
from cramp_dx.store.filesystems import is_network_path
from cramp_dx.store.location import absolute, parse_location, sqlite_uri, sqlite_url

if TYPE_CHECKING:
    # the ORM is imported on first use: the desktop app's sign-in page needs only the engine
    from sqlalchemy.orm import Session

DEFAULT_FILENAME = "cramp_dx.sqlite3"
SQLITE_HEADER = b"SQLite format 3\x00"
_WRITE_OPTION = "cramp_dx_write"
_MIGRATION_LOCK_KEY = 0x43524D50  # PostgreSQL advisory lock id while migrating ("CRMP")


@dataclass
class Database:
    """An open record. `session()` is for reading; `write_session()` takes the write lock at
    BEGIN on SQLite (BEGIN IMMEDIATE), so a transaction never fails half-way on a lock."""

    engine: Engine
    url: URL
    path: Path | None = None
    backup_path: Path | None = None
    # an SQLCipher record: what its PRAGMA key takes (never shown)
    key: str | None = field(default=None, repr=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def session(self) -> Session:
        from sqlalchemy.orm import Session

        return Session(self.engine, expire_on_commit=False)

    def write_session(self) -> Session:
        from sqlalchemy.orm import Session

        return Session(
            self.engine.execution_options(**{_WRITE_OPTION: True}), expire_on_commit=False
        )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One write transaction: committed on success, rolled back on any error."""
        with self.write_session() as session, session.begin():
            yield session

    def has_accounts(self) -> bool:
        """Whether any clinician account exists (a first run has none). A plain query, so the
        sign-in page can be shown before the ORM and the models are loaded."""
        with self.engine.connect() as connection:
            return connection.execute(text("SELECT 1 FROM account LIMIT 1")).first() is not None

    def describe(self) -> str:
        return str(self.path) if self.path else self.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()


def resolve_url(url: str | None = None) -> URL:
    """`url`, else CRAMP_DX_DATABASE_URL, else the SQLite file in the user data folder. Each
    may be a database URL or a plain path to an SQLite file (taken literally)."""
    from cramp_dx.paths import data_dir

    text_url = url or os.environ.get("CRAMP_DX_DATABASE_URL")
    if not text_url:
        return sqlite_url(data_dir() / DEFAULT_FILENAME)
    return parse_location(text_url)


def open_database(url: str | URL | None = None, *, upgrade: bool = True, screen: bool = True) -> Database:
    """Open (creating or upgrading as needed) the record at `url`. An SQLite file is first
    screened for damage (cramp_dx.store.pagecheck) and refused if damaged; `screen=False` is
    for the commands that check and report damage themselves (db check, audit --verify)."""
    resolved = url if isinstance(url, URL) else resolve_url(url)
    backend = resolved.get_backend_name()
    if backend == "sqlite":
        return _open_sqlite(resolved, upgrade=upgrade, screen=screen)
    if backend == "postgresql":
        return _open_postgres(resolved, upgrade=upgrade)
    raise StoreError(
        f"database type {backend!r} is not supported; use an SQLite file or "
        "postgresql+psycopg://user@host/dbname"
    )


# --- SQLite -------------------------------------------------------------------------------


def sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise StoreError(
            "an SQLite record needs a file path, e.g. sqlite:////home/me/cramp_dx.sqlite3"
        )
    return Path(url.database).expanduser().absolute()


def _open_sqlite(url: URL, *, upgrade: bool, screen: bool = True) -> Database:
    path = sqlite_path(url)
    _check_not_network(path)
    _ensure_folder(path.parent)
    key = None
    if path.is_file():
        from cramp_dx.store import encryption

        if encryption.is_encrypted(path):
            key = encryption.pragma_key(path)
    if key is not None:
        revision, has_tables = _probe_encrypted_file(path, key)
    else:
        revision, has_tables = _probe_sqlite_file(path, screen=screen)
    _refuse_newer(revision, path)
    engine = sqlite_engine(path, key=key)
    database = Database(engine=engine, url=url.set(database=str(path)), path=path, key=key)
    if upgrade and revision != migrate.head_revision():
        if has_tables:
            database.backup_path = _backup_before_upgrade(path, revision, key)
        _upgrade(database)
    return database


def sqlite_engine(path: Path, key: str | None = None) -> Engine:
    """The engine of the SQLite record at `path`; with `key`, an SQLCipher record (SQLAlchemy's
    pysqlcipher dialect, which sets the key first on each connection)."""
    url = sqlite_url(path)
    if key is not None:
        from cramp_dx.store.encryption import _module

        _module()  # a clear message when SQLCipher is not installed
        url = url.set(drivername="sqlite+pysqlcipher", password=key)
    engine = create_engine(url, connect_args={"timeout": 30.0, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # the driver must not open transactions itself; "begin" below does
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreError(f"{path}: SQLite could not switch to WAL journaling (got {mode})")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA cell_size_check = ON")  # damaged pages stop a statement early
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: object) -> None:
        write = connection.get_execution_options().get(_WRITE_OPTION)  # type: ignore[attr-defined]
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")  # type: ignore[attr-defined]

    return engine


def _check_not_network(path: Path) -> None:
    probe = path if path.exists() else _nearest_existing(path)
    if is_network_path(probe):
        raise StoreError(
            f"{path} is on a network share; SQLite's locking and WAL journal do not work over "
            "network filesystems and the record could be corrupted. For several workstations, "
            "use a PostgreSQL server: --database-url postgresql+psycopg://user@host/cramp_dx"
        )


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(path.anchor or "/")


def _ensure_folder(folder: Path) -> None:
    from cramp_dx.paths import data_dir

    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if folder == absolute(data_dir()):  # the app's own folder: owner-only, even if older
            from cramp_dx.files import private_folder

            private_folder(folder)
    except OSError as exc:
        raise StoreError(
            f"cannot create the data folder {folder}: {exc.strerror or exc}. Choose a writable "
            "folder with CRAMP_DX_DATA_DIR or --database-url"
        ) from None
    probe = folder / f".cramp_dx_write_test_{os.getpid()}"
    try:
        fd = os.open(probe, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
        os.close(fd)
        probe.unlink()
    except OSError as exc:
        raise StoreError(
            f"the data folder {folder} is not writable ({exc.strerror or exc}); the record "
            "needs to write its file and journal there. Choose a writable folder with "
            "CRAMP_DX_DATA_DIR or --database-url"
        ) from None


def damaged_message(path: Path, problems: list[str]) -> str:
    """What to tell, and what to do, when the record at `path` is damaged."""
    shown = "; ".join(problems[:3])
    return (
        f"{path} is damaged ({shown}); nothing was written to it. See every problem with "
        f"`cramp-dx db check --database-url {path}`. To go back to your latest backup, close "
        "every cramp-dx window and command, then run `cramp-dx db restore BACKUP --user ADMIN "
        "--force-damaged` (the admin's password is checked against the backup; this file is "
        "kept beside it as it is) — or by hand: move this file aside together with any -wal "
        "and -shm file beside it, and copy the backup in its place (an SQLite backup is a "
        "complete record file)"
    )


def _probe_sqlite_file(path: Path, *, screen: bool = True) -> tuple[str | None, bool]:
    """Read-only look at an existing file: is it SQLite, readable, and at which schema
    revision? Creates a new file (owner-only) when there is none. Nothing is written to an
    existing file here."""
    if not path.exists():
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
        except OSError as exc:
            raise StoreError(f"cannot create {path}: {exc.strerror or exc}") from None
        return None, False
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from None
    if header and header != SQLITE_HEADER:
        raise StoreError(
            f"{path} is not a cramp-dx database (not an SQLite file); it was left untouched. "
            "Point --database-url at the right file, or move this one away. (If it is an "
            "encrypted record: this workstation holds no key for it; give its passphrase in "
            "CRAMP_DX_RECORD_PASSPHRASE)"
        )
    if not header:
        return None, False
    try:
        connection = sqlite3.connect(sqlite_uri(path, read_only=True), uri=True, timeout=30)
        try:
            schema = connection.execute(
                "SELECT type, name, rootpage FROM sqlite_master WHERE rootpage > 0"
            ).fetchall()
            tables = {name for kind, name, _root in schema if kind == "table"}
            revision = None
            if "alembic_version" in tables:
                versions = connection.execute("SELECT version_num FROM alembic_version").fetchall()
                if len(versions) > 1:
                    raise StoreError(
                        f"{path}: its schema table (alembic_version) holds {len(versions)} "
                        "versions where a cramp-dx record holds one: it was changed by another "
                        "program or is damaged, and was left untouched. Restore a backup, or "
                        "delete the wrong row if you know which it is"
                    )
                revision = versions[0][0] if versions else None
            if screen:
                from cramp_dx.store.pagecheck import confirmed, structure_problems

                problems = structure_problems(path, [(k, n, int(r)) for k, n, r in schema])
                if problems:
                    problems = confirmed(connection)  # SQLite's own check has the last word
                if problems:
                    raise StoreError(damaged_message(path, problems))
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(damaged_message(path, [str(exc)])) from None
    if tables and "alembic_version" not in tables:
        raise StoreError(
            f"{path} is an SQLite database of another program, not a cramp-dx record; it was "
            "left untouched"
        )
    return revision, bool(tables)


def _probe_encrypted_file(path: Path, key: str) -> tuple[str | None, bool]:
    """The read-only look of `_probe_sqlite_file` at an SQLCipher record (a wrong key is
    refused there, the file untouched). Its pages are ciphertext: the quick structure look is
    not made; `db check` runs SQLite's integrity check on it."""
    from cramp_dx.store import encryption

    connection = encryption.connect(path, key, read_only=True)
    try:
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        revision = None
        if "alembic_version" in tables:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
    finally:
        connection.close()
    if tables and "alembic_version" not in tables:
        raise StoreError(f"{path} is an encrypted database of another program; it was left untouched")
    return revision, bool(tables)


def _refuse_newer(revision: str | None, where: object) -> None:
    if revision is not None and revision not in migrate.known_revisions():
        raise NewerSchemaError(
            f"{where} was written by a newer version of cramp-dx (schema {revision}; this "
            f"version knows up to {migrate.head_revision()}). Install the newer cramp-dx; the "
            "database was left untouched"
        )


def _backup_before_upgrade(path: Path, revision: str | None, key: str | None = None) -> Path:
    from cramp_dx.store.sqlite_copy import sqlite_backup

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.stem}.before-upgrade-{revision or 'none'}-{stamp}{path.suffix}")
    sqlite_backup(path, target, key=key)
    return target


def _upgrade(database: Database) -> None:
    try:
        engine = database.engine.execution_options(**{_WRITE_OPTION: True})
        with engine.connect() as connection, connection.begin():
            if database.dialect == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                )
                _refuse_newer(migrate.current_revision(connection), database.describe())
            migrate.upgrade(connection)
            from cramp_dx.store.signing import adopt_trail

            adopt_trail(connection, database.url)
    except DBAPIError as exc:
        raise StoreError(f"could not upgrade {database.describe()}: {exc.orig}") from None


# --- PostgreSQL ---------------------------------------------------------------------------


APPLICATION_NAME = "cramp-dx"  # how a workstation's connections show in pg_stat_activity
#: a pooled connection idle longer than this is checked (one round trip) before it is used
IDLE_PING_SECONDS = 10.0


def _ping_after_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it has been idle a while (the server
    may have restarted, or a firewall dropped the connection, meanwhile): a workstation's
    back-to-back reads and saves then skip the round trip that `pool_pre_ping` would add to
    every one. A dead connection is replaced at once (the pool retries the checkout); one that
    breaks within the idle window fails that operation and is replaced for the next."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: object, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: object) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # any failure: the connection is unusable
            raise DisconnectionError(f"connection lost while idle: {exc}") from exc


def _open_postgres(url: URL, *, upgrade: bool) -> Database:
    from cramp_dx.store.secrets import with_stored_password

    url = with_stored_password(url)  # the OS keyring or the owner-only pgpass file
    # the server's administrator counts and watches the workstations' connections by name
    options = {} if "application_name" in url.query else {"application_name": APPLICATION_NAME}
    try:
        engine = create_engine(url, connect_args=options)
    except ModuleNotFoundError as exc:
        raise StoreError(
            f"the PostgreSQL driver is not installed ({exc.name}): install cramp-dx with its "
            "postgres extra, e.g. pip install 'cramp-dx[postgres]'"
        ) from None
    _ping_after_idle(engine)
    database = Database(engine=engine, url=url)
    try:
        with engine.connect() as connection:
            revision = migrate.current_revision(connection)
    except OperationalError as exc:
        engine.dispose()
        from cramp_dx.store.secrets import mask

        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreError(f"cannot connect to {database.describe()}: {mask(reason)}") from None
    _refuse_newer(revision, database.describe())
    if upgrade and revision != migrate.head_revision():
        _upgrade(database)
    return database
