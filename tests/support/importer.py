"""Run as a child process by the restore tests: a stream of saves, each its own short session
(open the record, import a new patient, close it), the way separate commands or workstations
save.

    python importer.py URL SECONDS

Prints `ready`, then `saved MRN` after each save has returned (so the parent knows which
saves were reported as done) or `failed MRN: reason` for a save that failed loudly."""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

from cramp_dx.casefile.io import read_case
from cramp_dx.services import Services
from cramp_dx.store import open_database

CASE = Path(__file__).resolve().parent.parent / "cases" / "ex3-scar-or-disc.json"


def main() -> None:
    url, seconds = sys.argv[1], float(sys.argv[2])
    database = open_database(url)
    account = Services.authenticate(database, "doc", "doctor-secret-1")
    database.dispose()
    workup = read_case(CASE)
    print("ready", flush=True)
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        mrn = f"W-{n:05d}"
        patient = dataclasses.replace(workup.patient, mrn=mrn)
        try:
            database = open_database(url)
            try:
                Services(database, account).import_case(dataclasses.replace(workup, patient=patient))
            finally:
                database.dispose()
        except Exception as exc:  # a loud failure is allowed: it was not reported as saved
            print(f"failed {mrn}: {exc}".replace("\n", " "), flush=True)
        else:
            print(f"saved {mrn}", flush=True)
        time.sleep(0.1)  # between saves: a busy desk, not a loop that never lets go


if __name__ == "__main__":
    main()
