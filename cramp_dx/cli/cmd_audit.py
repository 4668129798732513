"""`cramp-dx audit --mrn M` (a patient's trail), `cramp-dx audit --emergency` (every emergency
access: who opened whose record, when and why) and `cramp-dx audit --verify` (the hash chain;
exit status 1 when anything was altered behind the app's back or the file is damaged; it
reads the record as it is: no upgrade, no damage screen at open). `cramp-dx audit checkpoint
-o FILE` writes the trail's head, signed, to a file kept off the database, which `audit
--verify --against FILE` checks later; `export-key` / `import-key` copy the clinic's audit
signing key between workstations."""

from __future__ import annotations

import argparse
import sys

from cramp_dx.cli.record_access import add_emergency_option, add_login_options, open_record, sign_in

EMERGENCY_ACTIONS = ("emergency_access", "emergency_read")


ACTIONS = ("checkpoint", "export-key", "import-key")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action", nargs="?", choices=ACTIONS,
        help="checkpoint -o FILE: the verified head, signed; export-key -o FILE / import-key "
        "FILE: the clinic's audit signing key to / from a file (keep it safe)",
    )
    parser.add_argument("file", nargs="?", help="the key file of import-key")
    parser.add_argument("-o", "--output", help="the file checkpoint / export-key writes")
    parser.add_argument(
        "--against", metavar="FILE", help="with --verify: also check a checkpoint file"
    )
    what = parser.add_mutually_exclusive_group()
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
    _check_choice(args)
    if args.action:
        return _key_action(args)
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


def _check_choice(args: argparse.Namespace) -> None:
    from cramp_dx.errors import InputError, Problem

    chosen = [name for name, given in (
        (args.action, args.action), ("--mrn", args.mrn), ("--emergency", args.emergency),
        ("--verify", args.verify)) if given]
    if len(chosen) != 1:
        raise InputError(Problem("audit", (
            "give one of --mrn M, --emergency, --verify, checkpoint -o FILE, export-key -o FILE, "
            f"import-key FILE (got {', '.join(chosen) or 'none'})")))
    if args.against and not args.verify:
        raise InputError(Problem("--against", "only with --verify"))
    if args.action in ("checkpoint", "export-key") and not args.output:
        raise InputError(Problem("-o", f"{args.action} needs -o FILE"))
    if args.action == "import-key" and not args.file:
        raise InputError(Problem("import-key", "give the key file: import-key FILE"))
    if args.file and args.action != "import-key":
        raise InputError(Problem(args.file, "unexpected argument"))


def _key_action(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cramp_dx.services import audit
    from cramp_dx.store import open_database, signing

    if args.action == "export-key":
        kid = signing.export_key(Path(args.output))
        print(f"wrote the audit signing key {kid} to {args.output}: copy it to each workstation "
              "(cramp-dx audit import-key FILE), then delete it")
        return 0
    if args.action == "import-key":
        kid, where = signing.import_key(Path(args.file))
        print(f"stored the audit signing key {kid} in {where}")
        return 0
    database = open_database(args.database_url, upgrade=False, screen=False)
    try:
        point = audit.write_checkpoint(database, Path(args.output))
        print(f"checkpoint of {database.describe()} at audit row {point.audit_id} written to "
              f"{args.output}: keep it off this computer")
        return 0
    finally:
        database.dispose()


def _verify(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cramp_dx.services import audit
    from cramp_dx.store import open_database

    against = audit.read_checkpoint(Path(args.against)) if args.against else None
    database = open_database(args.database_url, upgrade=False, screen=False)  # reports damage
    try:
        problems = audit.verify(database, against=against)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"audit trail of {database.describe()}: {len(problems)} problem(s)")
            return 1
        print(f"audit trail of {database.describe()}: intact")
        return 0
    finally:
        database.dispose()
