"""`cramp-dx audit --mrn M` (a patient's trail) and `cramp-dx audit --verify` (the hash
chain; exit status 1 when anything was altered behind the app's back)."""

from __future__ import annotations

import argparse
import sys

from cramp_dx.cli.record_access import add_login_options, open_record, sign_in


def add_arguments(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--mrn", help="show this patient's audit trail (needs a sign-in)")
    what.add_argument("--verify", action="store_true", help="check the whole hash chain")
    add_login_options(parser)


def run(args: argparse.Namespace) -> int:
    from cramp_dx.services import audit

    database = open_record(args)
    try:
        if args.verify:
            problems = audit.verify(database)
            for problem in problems:
                print(problem, file=sys.stderr)
            if problems:
                print(f"audit trail of {database.describe()}: {len(problems)} problem(s)")
                return 1
            print(f"audit trail of {database.describe()}: intact")
            return 0
        services = sign_in(args, database)
        patient = services.find_patient(args.mrn)
        for e in services.audit_trail(patient.id):
            change = ""
            if e.field:
                change = f" {e.field}: {e.old_value or '∅'} -> {e.new_value or '∅'}"
            elif e.new_value:
                change = f" {e.new_value}"
            visit = f" visit {e.visit_id}" if e.visit_id else ""
            print(f"{e.at}  {e.username}  {e.action} {e.entity}{visit}{change}")
        return 0
    finally:
        database.dispose()
