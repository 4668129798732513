"""Encryption at rest: the same record plain and encrypted with SQLCipher (`db encrypt`), in
the same run: patient search, opening a visit and saving one field (with its audit row and
seals), each a median; the ratio encrypted / plain should be at most 1.5.

    .venv/bin/python benchmarks/bench_encryption.py [--patients N] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

from support.record import example, make_record  # noqa: E402

from cramp_dx.services import Services  # noqa: E402
from cramp_dx.services.changes import SetNotes  # noqa: E402
from cramp_dx.store import encryption, open_database  # noqa: E402


def median_ms(run: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(path: Path, runs: int) -> dict[str, float]:
    database = open_database(str(path))
    try:
        svc = Services(database, Services.authenticate(database, "doc", "doctor-secret-1"))
        visit = svc.visit_for("BENCH-000100")
        state = {"visit": visit}

        def save() -> None:
            current = state["visit"]
            state["visit"] = svc.apply(current.id, SetNotes(f"n{time.perf_counter()}",
                                                            current.workup.visit.notes), current.version)

        return {
            "search by name prefix": median_ms(lambda: svc.search_patients("Benc", 20), runs),
            "open a visit": median_ms(lambda: svc.load_visit(visit.id), runs),
            "save one field + audit row and seals": median_ms(save, runs),
        }
    finally:
        database.dispose()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=500)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cramp_dx_bench_enc_"))
    os.environ["CRAMP_DX_DATA_DIR"] = str(folder / "data")
    os.environ["CRAMP_DX_CONFIG_DIR"] = str(folder / "config")
    plain = folder / "plain.sqlite3"
    rec = make_record(str(plain))
    svc = rec.services()
    case = example("ex1-diuretic-cramps")
    for n in range(args.patients):
        svc.import_case(replace(case, patient=replace(
            case.patient, mrn=f"BENCH-{n:06d}", family_name=f"Bench{n}", given_name="Pat")))
    rec.db.dispose()
    encrypted = folder / "encrypted.sqlite3"
    shutil.copyfile(plain, encrypted)
    encryption.encrypt_file(encrypted)
    figures = {name: measure(path, args.runs) for name, path in (("plain", plain), ("encrypted", encrypted))}
    print(f"{args.patients} patients, {args.runs} runs each (medians)")
    print("| figure | plain | encrypted | ratio | target ≤ 1.5× |")
    print("|---|---|---|---|---|")
    for name in figures["plain"]:
        a, b = figures["plain"][name], figures["encrypted"][name]
        print(f"| {name} | {a:.2f} ms | {b:.2f} ms | {b / a:.2f}× | {'yes' if b / a <= 1.5 else 'no'} |")
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
