"""`cramp-dx demo`: add a handful of fictional patients (the example cases and a few more)
from resources/demo/. Patients already in the record (same MRN) are left alone."""

from __future__ import annotations

import argparse

from cramp_dx.cli.record_access import add_login_options, open_record, sign_in


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_login_options(parser)


def run(args: argparse.Namespace) -> int:
    from cramp_dx.case.io import read_case
    from cramp_dx.paths import resources_dir
    from cramp_dx.services import NotFoundError

    cases = sorted((resources_dir() / "demo").glob("*.json"))
    database = open_record(args)
    try:
        services = sign_in(args, database)
        for path in cases:
            workup = read_case(path)
            mrn = workup.patient.mrn or ""
            try:
                services.find_patient(mrn)
            except NotFoundError:
                record = services.import_case(workup)
                print(f"added {mrn} {workup.patient.family_name}, visit {record.id}")
            else:
                print(f"{mrn} is already in the record")
    finally:
        database.dispose()
    return 0
