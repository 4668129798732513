"""`cramp-dx demo`: add a handful of fictional patients (the example cases and a few more)
from resources/demo/. Patients already in the record (same MRN) are left alone."""

from __future__ import annotations

import argparse

from cramp_dx.cli.record_access import add_login_options, open_record, sign_in


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_login_options(parser)


def run(args: argparse.Namespace) -> int:
    database = open_record(args)
    try:
        for demo in sign_in(args, database).add_demo_patients():
            if demo.added:
                print(f"added {demo.mrn} {demo.family_name}, visit {demo.visit_id}")
            else:
                print(f"{demo.mrn} is already in the record")
    finally:
        database.dispose()
    return 0
