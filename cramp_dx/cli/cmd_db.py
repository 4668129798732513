"""`cramp-dx db upgrade|check|backup FILE|restore FILE`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cramp_dx.cli.main import add_database_option
from cramp_dx.cli.record_access import add_login_options, sign_in


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    action = sub.add_parser(
        "upgrade", help="bring the schema up to date (an SQLite file is backed up first)"
    )
    add_database_option(action)
    action.add_argument(
        "--app-role", metavar="ROLE",
        help="PostgreSQL, run as the schema's owner: let the existing login role ROLE use the "
        "record as the workstations' role (it can append to, but not change, the audit trail, "
        "and cannot disable or replace its triggers)",
    )
    add_database_option(sub.add_parser(
        "check", help="integrity, foreign keys, schema revision and the audit chain"))
    action = sub.add_parser(
        "password",
        help="store the password of a PostgreSQL --database-url (given without it) in the OS "
        "keyring, else in an owner-only pgpass file in the config folder",
    )
    add_database_option(action)
    action.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    action = sub.add_parser(
        "encrypt",
        help="encrypt an SQLite record in place with SQLCipher (an encrypted copy is checked "
        "first); its key goes to the OS keyring, else an owner-only file in the config folder",
    )
    add_database_option(action)
    action.add_argument(
        "--passphrase-stdin", action="store_true",
        help="derive the key from a passphrase read from standard input instead (stored nowhere: "
        "give it in CRAMP_DX_RECORD_PASSPHRASE to open the record)",
    )
    action = sub.add_parser(
        "backup", help="copy the record to FILE while it stays in use (pg_dump for PostgreSQL)"
    )
    action.add_argument("file")
    add_database_option(action)
    action = sub.add_parser(
        "restore",
        help="replace the record by the backup FILE (an admin; refused while the record is in use)",
        description="Signs in an admin (--user). The backup is checked first (integrity, schema "
        "version, tables, audit chain); a verified copy of the current content is kept (SQLite: "
        "beside the file; PostgreSQL: a dump in the data folder's backups/); refused while any "
        "other program has the record open. The restore is audited.",
    )
    action.add_argument("file")
    action.add_argument(
        "--force-damaged",
        action="store_true",
        help="the record (an SQLite file) is too damaged to open: check --user's password "
        "against the backup instead (an admin there), keep the damaged file beside it as it is",
    )
    add_login_options(action)


def run(args: argparse.Namespace) -> int:
    from cramp_dx.services import audit
    from cramp_dx.store import backup, migrate, open_database

    if args.action == "password":
        return _store_password(args)
    if args.action == "encrypt":
        return _encrypt(args)
    if args.action == "restore" and args.force_damaged:
        return _restore_damaged(args)
    checking = args.action == "check"  # reports damage itself, and changes nothing
    database = open_database(args.database_url, upgrade=not checking, screen=not checking)
    try:
        if args.action == "upgrade":
            print(f"{database.describe()}: schema {migrate.head_revision()}")
            if database.backup_path:
                print(f"backup taken before upgrading: {database.backup_path}")
            if args.app_role:
                from cramp_dx.store.roles import grant_application_role

                writable = grant_application_role(database, args.app_role)
                print(f"role {args.app_role}: reads the record, writes {len(writable)} tables, only "
                      "appends to the audit trail; it owns nothing, so it cannot disable or "
                      "replace the audit triggers")
            return 0
        if args.action == "check":
            problems = backup.check(database) + audit.verify(database)
            for problem in problems:
                print(problem, file=sys.stderr)
            print(
                f"{database.describe()}: "
                + ("ok" if not problems else f"{len(problems)} problem(s)")
            )
            return 1 if problems else 0
        if args.action == "backup":
            backup.backup(database, Path(args.file))
            print(f"backed up {database.describe()} to {args.file}")
            return 0
        restored = sign_in(args, database).restore_record(Path(args.file))
        print(f"restored {database.describe()} from {restored.source}")
        print(f"the previous content was kept (verified) in {restored.kept}")
        return 0
    finally:
        database.dispose()


def _store_password(args: argparse.Namespace) -> int:
    """`db password`: before the record is opened (it may need this password to open)."""
    from cramp_dx.cli.record_access import read_password
    from cramp_dx.errors import InputError, Problem
    from cramp_dx.store import resolve_url
    from cramp_dx.store.secrets import key_for, store_password, without_password

    url = resolve_url(args.database_url)
    if url.get_backend_name() != "postgresql":
        raise InputError(Problem("--database-url", "a PostgreSQL URL; an SQLite file has no password"))
    password = read_password(args, f"Password for {key_for(url)}: ")
    if not password:
        raise InputError(Problem("password", "empty; nothing was stored"))
    where = store_password(without_password(url), password)
    print(f"stored the password for {key_for(url)} in {where}")
    return 0


def _restore_damaged(args: argparse.Namespace) -> int:
    """`db restore FILE --force-damaged`: the record is not opened (it cannot be)."""
    from cramp_dx.cli.record_access import read_password
    from cramp_dx.errors import InputError, Problem
    from cramp_dx.services.restore import restore_damaged_sqlite
    from cramp_dx.store import resolve_url
    from cramp_dx.store.database import sqlite_path

    url = resolve_url(args.database_url)
    if url.get_backend_name() != "sqlite":
        raise InputError(
            Problem("--force-damaged", "only for an SQLite record (PostgreSQL checks its own pages)")
        )
    if not args.user:
        raise InputError(Problem("--user", "an admin of the backup: give --user NAME"))
    password = read_password(args, f"Password for {args.user} (as in the backup): ")
    path = sqlite_path(url)
    restored = restore_damaged_sqlite(path, Path(args.file), args.user, password)
    print(f"restored {path} from {restored.source}")
    print(f"the damaged file was kept as it was in {restored.kept}")
    return 0


def _encrypt(args: argparse.Namespace) -> int:
    """`db encrypt`: the record is opened (checked, upgraded) and closed, then converted."""
    from cramp_dx.errors import InputError, Problem
    from cramp_dx.store import encryption, open_database, resolve_url
    from cramp_dx.store.database import sqlite_path

    url = resolve_url(args.database_url)
    if url.get_backend_name() != "sqlite":
        raise InputError(Problem("--database-url", "an SQLite file; PostgreSQL encrypts with the "
                                 "server's own means (TLS, disk encryption)"))
    path = sqlite_path(url)
    if not path.is_file():
        raise InputError(Problem("--database-url", f"{path}: no such record file"))
    if encryption.is_encrypted(path):
        raise InputError(Problem("--database-url", f"{path} is already encrypted (or not an SQLite file)"))
    encryption._module()
    passphrase = None
    if args.passphrase_stdin:
        passphrase = sys.stdin.readline().rstrip("\n")
        if len(passphrase) < 12:
            raise InputError(Problem("passphrase", "at least 12 characters"))
    open_database(url).dispose()
    _, where = encryption.encrypt_file(path, passphrase)
    print(f"encrypted {path}; its key is in {where}")
    print("older plain copies (backups, before-upgrade copies) are not encrypted: delete them")
    return 0
