"""`cramp-dx audit --mrn M` (a patient's trail), `cramp-dx audit --emergency` (every emergency
access: who opened whose record, when and why) and `cramp-dx audit --verify` (the hash chain;
exit status 1 when anything was altered behind the app's back or the file is damaged; it
reads the record as it is: no upgrade, no damage screen at open)."""

from __future__ import annotations

import argparse
import sys

from cramp_dx.cli.record_access import add_emergency_option, add_login_options, open_record, sign_in

EMERGENCY_ACTIONS = ("emergency_access", "emergency_read")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--mrn", help="show this patient's audit trail (needs a sign-in)")
    what.add_argument(
        "--emergency",
        action="store_true",
        help="report every emergency access (\"break the glass\"): who, when, which patient, "
        "why (an admin or a physician signs in)",
    )
    what.add_argument("--verify", action="store_true", help="check the whole hash chain")
    add_login_options(parser)
    add_emergency_option(parser)


def run(args: argparse.Namespace) -> int:
    if args.verify:
        return _verify(args)
    database = open_record(args)
    try:
        services = sign_in(args, database)
        if args.emergency:
            report = services.emergency_report()
            for row in report:
                print(
                    f"{row.at}  EMERGENCY ACCESS  {row.username} ({row.role}) opened MRN {row.mrn} "
                    f"on {row.workstation or 'an unnamed workstation'}; visits read: "
                    f"{row.visits_read}; reason: {row.reason}"
                )
            print(f"{len(report)} emergency access(es) in {database.describe()}")
            return 0
        patient = services.find_patient(args.mrn)
        for e in services.audit_trail(patient.id):
            change = ""
            if e.field:
                change = f" {e.field}: {e.old_value or '∅'} -> {e.new_value or '∅'}"
            elif e.new_value:
                change = f" {e.new_value}"
            visit = f" visit {e.visit_id}" if e.visit_id else ""
            mark = "!! EMERGENCY ACCESS  " if e.action in EMERGENCY_ACTIONS else ""
            print(f"{e.at}  {mark}{e.username}  {e.action} {e.entity}{visit}{change}")
        return 0
    finally:
        database.dispose()


def _verify(args: argparse.Namespace) -> int:
    from cramp_dx.services import audit
    from cramp_dx.store import open_database

    database = open_database(args.database_url, upgrade=False, screen=False)  # reports damage
    try:
        problems = audit.verify(database)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"audit trail of {database.describe()}: {len(problems)} problem(s)")
            return 1
        print(f"audit trail of {database.describe()}: intact")
        return 0
    finally:
        database.dispose()
