"""`cramp-dx export-case --mrn M [--visit ID] [-o FILE]`: a saved visit as a case file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cramp_dx.cli.record_access import add_emergency_option, add_login_options, open_record, sign_in, visit_id


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mrn", required=True)
    parser.add_argument("--visit", type=visit_id, help="visit id (default: the latest visit)")
    parser.add_argument("-o", "--output", help="file to write (default: standard output)")
    add_login_options(parser)
    add_emergency_option(parser)


def run(args: argparse.Namespace) -> int:
    from cramp_dx.casefile.io import case_to_dict

    database = open_record(args)
    try:
        services = sign_in(args, database)
        record = services.visit_for(args.mrn, args.visit)
        text = json.dumps(case_to_dict(record.workup), ensure_ascii=False, indent=2) + "\n"
        if args.output:
            services.write_export(record.id, "case", Path(args.output), text.encode("utf-8"))
        else:
            services.record_export(record.id, "case", "-")
            sys.stdout.write(text)
    finally:
        database.dispose()
    return 0

