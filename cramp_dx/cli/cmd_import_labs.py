"""`cramp-dx import-labs FILE --mrn M [--visit ID] [--dry-run]`: lab results from the laboratory
(HL7 v2.x ORU^R01 or FHIR R4 JSON) into a saved visit, shown row by row: what is added, what a
corrected result replaces, what is skipped and why. One audited transaction; --dry-run stores
nothing. A message about another patient, or with a value that cannot be real, is refused whole
(exit 2, naming its place in the message: `OBX[3].5`)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cramp_dx.cli.record_access import add_login_options, open_record, sign_in

if TYPE_CHECKING:
    from cramp_dx.labimport import PlanRow

COLUMNS = ("Lab", "Value", "Unit", "Reference", "Flag", "Collected", "Action")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="an HL7 v2 ORU^R01 message (ER7) or FHIR R4 JSON")
    parser.add_argument("--mrn", required=True, help="the patient the results belong to")
    parser.add_argument("--visit", type=int, help="the visit id (default: the patient's latest visit)")
    parser.add_argument("--dry-run", action="store_true", help="show what would be imported; store nothing")
    add_login_options(parser)


def run(args: argparse.Namespace) -> int:
    from cramp_dx.labimport import read_lab_file
    from cramp_dx.settings import load_settings

    message = read_lab_file(args.file)
    lab_ranges = load_settings().lab_ranges or None
    database = open_record(args)
    try:
        services = sign_in(args, database)
        record = services.visit_for(args.mrn, args.visit)
        if args.dry_run:
            plan = services.preview_lab_import(record.id, message, lab_ranges)
        else:
            record, plan = services.import_labs(record.id, message, str(args.file), lab_ranges)
    finally:
        database.dispose()
    print(f"{plan.kind} for MRN {args.mrn}, visit {record.id}:")
    print(table(plan.rows))
    print(("dry run, nothing stored: " if args.dry_run else "stored: ") + plan.summary() + ".")
    return 0


def table(rows: Sequence[PlanRow]) -> str:
    lines = [COLUMNS]
    for row in rows:
        action = row.action + (f": {row.reason}" if row.reason else "")
        lines.append((row.lab, row.value, row.unit, row.reference, row.flag, row.collected, action))
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line[:-1], widths, strict=True)) + "  " + line[-1]
        for line in lines
    )
