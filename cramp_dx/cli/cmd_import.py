"""`cramp-dx import CASE.json`: the case as a new visit of the patient with its MRN."""

from __future__ import annotations

import argparse

from cramp_dx.cli.record_access import add_login_options, open_record, sign_in


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case", help="case file (CASE-FORMAT.md)")
    add_login_options(parser)


def run(args: argparse.Namespace) -> int:
    from cramp_dx.casefile.io import read_case

    workup = read_case(args.case)
    database = open_record(args)
    try:
        record = sign_in(args, database).import_case(workup)
    finally:
        database.dispose()
    print(record.id)
    return 0
