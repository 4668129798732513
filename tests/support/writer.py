"""Run as a child process by the reliability tests: a stream of saves against one record.

    python writer.py URL VISIT_ID COUNT

Prints `saved N` (flushed) after each save has returned, so the parent knows which saves
must survive a kill -9."""

from __future__ import annotations

import sys

from cramp_dx.services import Services
from cramp_dx.services.changes import SetMeasurement
from cramp_dx.store import open_database


def main() -> None:
    url, visit_id, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    db = open_database(url)
    svc = Services(db, Services.authenticate(db, "doc", "doctor-secret-1"))
    record = svc.load_visit(visit_id)
    value = record.workup.measurements.get("heart_rate_bpm")
    print("ready", flush=True)
    for n in range(1, count + 1):
        new = float(40 + n % 200)
        record = svc.apply(visit_id, SetMeasurement("heart_rate_bpm", new, value), record.version)
        value = new
        print(f"saved {n} {record.version} {new}", flush=True)


if __name__ == "__main__":
    main()
