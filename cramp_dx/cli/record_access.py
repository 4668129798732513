"""Shared by the record commands: open the database named by --database-url and sign in.

For `cramp-dx assess --mrn M [--visit ID]`:
    add_login_options(parser); ...; services = sign_in(args, open_record(args))
    record = services.visit_for(args.mrn, args.visit)   # VisitRecord; .workup is the Workup
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import TYPE_CHECKING, TextIO

from cramp_dx.case.checks import record_id_problem
from cramp_dx.cli.main import add_database_option
from cramp_dx.errors import InputError, Problem

if TYPE_CHECKING:  # imported lazily at run time: startup stays light
    from cramp_dx.services import Services
    from cramp_dx.store import Database


def add_login_options(parser: argparse.ArgumentParser) -> None:
    add_database_option(parser)
    parser.add_argument(
        "--user",
        default=os.environ.get("CRAMP_DX_USER"),
        help="your cramp-dx account (default: CRAMP_DX_USER)",
    )
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input instead of a prompt",
    )


def add_emergency_option(parser: argparse.ArgumentParser) -> None:
    """For the commands reading one patient's record (--mrn)."""
    parser.add_argument(
        "--emergency-access",
        metavar="REASON",
        help="emergency access (\"break the glass\"): read the record of --mrn although your "
        "role does not, stating why; audited and reported by `cramp-dx audit --emergency`",
    )


def visit_id(text: str) -> int:
    """`--visit ID`: a whole number an id can be (a huge one never reaches the database)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    problem = record_id_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(f"{text!r} is not a visit id; {problem}")
    return value


def open_record(args: argparse.Namespace) -> Database:
    from cramp_dx.store import open_database

    return open_database(args.database_url)


def read_password(args: argparse.Namespace, prompt: str, stream: TextIO | None = None) -> str:
    if args.password_stdin:
        line = (stream or sys.stdin).readline()
        if not line:
            raise InputError(Problem("--password-stdin", "standard input ended before a password"))
        return line.rstrip("\r\n")
    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise InputError(
            Problem("password", "input ended before a password was typed; nothing was done")
        ) from None


def sign_in(args: argparse.Namespace, database: Database) -> Services:
    from cramp_dx.services import Services

    if not args.user:
        raise InputError(Problem("--user", "sign in: give --user NAME (or set CRAMP_DX_USER)"))
    reason = getattr(args, "emergency_access", None)
    if reason is not None and not getattr(args, "mrn", None):
        raise InputError(Problem("--emergency-access", "only with --mrn (the patient whose record to open)"))
    password = read_password(args, f"Password for {args.user}: ")
    services = Services(database, Services.authenticate(database, args.user, password))
    if reason is not None:
        services.emergency_access(args.mrn, reason)
    return services
